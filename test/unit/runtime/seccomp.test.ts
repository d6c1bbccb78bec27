/**
 * Seccomp profile conversion. The default profile is Debian's containers-common seccomp.json
 * (fixtures/containers-common-seccomp.json); what Podman 4.3.1 made of it is in the golden
 * fixtures, these tests pin the rules one at a time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CAPABILITIES } from '../../../src/runtime/spec/capabilities.ts';
import type { OciSeccomp } from '../../../src/runtime/spec/oci.ts';
import { ociSpecToJson } from '../../../src/runtime/spec/oci.ts';
import { convertSeccompProfile, loadSeccompProfile, parseSeccompProfile } from '../../../src/runtime/spec/seccomp.ts';
import type { SeccompTarget } from '../../../src/runtime/spec/seccomp.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { tempDir } from './helpers.ts';

const DEFAULT_PROFILE = join(import.meta.dirname, 'fixtures', 'containers-common-seccomp.json');
const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT'];
const AMD64: SeccompTarget = { arch: 'amd64', boundingSet: DEFAULT_CAPS, kernelRelease: '6.1.0-13-amd64' };

function convert(profile: unknown, target: Partial<SeccompTarget> = {}): OciSeccomp | undefined {
  return convertSeccompProfile(parseSeccompProfile(JSON.stringify(profile), 'test.json'), { ...AMD64, ...target }, 'test.json');
}

/** The action the converted profile gives `name` (first matching rule without args), or the default. */
function actionFor(s: OciSeccomp, name: string): string {
  const rule = s.syscalls?.find((r) => r.names.includes(name) && r.args === undefined);
  return rule === undefined ? `${s.defaultAction}(default)` : rule.action;
}

const defaultProfile = loadSeccompProfile(DEFAULT_PROFILE);

test('the default profile keeps only the native architecture and its sub-architectures', () => {
  const cases: [arch: string, want: string[] | undefined][] = [
    ['amd64', ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']],
    ['arm64', ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']],
    ['s390x', ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390']],
    // No archMap entry for it: libseccomp picks the native one alone.
    ['riscv64', undefined],
  ];
  for (const [arch, want] of cases) {
    assert.deepEqual(convertSeccompProfile(defaultProfile, { ...AMD64, arch }, DEFAULT_PROFILE)!.architectures, want, arch);
  }
});

test('with the default capabilities, rules for other capabilities and architectures disappear', () => {
  const s = convertSeccompProfile(defaultProfile, AMD64, DEFAULT_PROFILE)!;
  assert.equal(s.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.defaultErrnoRet, 38);
  assert.equal(s.syscalls!.length, 22, 'the 35 rule groups of the file become 22, as with Podman');
  assert.equal(actionFor(s, 'bpf'), 'SCMP_ACT_ERRNO');
  assert.equal(actionFor(s, 'kexec_load'), 'SCMP_ACT_ERRNO');
  assert.equal(actionFor(s, 'no_such_call'), 'SCMP_ACT_ERRNO(default)');
  assert.equal(actionFor(s, 'chroot'), 'SCMP_ACT_ALLOW', 'CAP_SYS_CHROOT is a default capability');
  assert.equal(actionFor(s, 'arch_prctl'), 'SCMP_ACT_ALLOW', 'amd64 only');
  assert.equal(actionFor(s, 'breakpoint'), 'SCMP_ACT_ERRNO(default)', 'arm only');
});

test('rules included only with CAP_SYS_ADMIN appear with --cap-add SYS_ADMIN', () => {
  const without = convertSeccompProfile(defaultProfile, AMD64, DEFAULT_PROFILE)!;
  const withAdmin = convertSeccompProfile(defaultProfile, { ...AMD64, boundingSet: [...DEFAULT_CAPS, 'CAP_SYS_ADMIN'] }, DEFAULT_PROFILE)!;
  for (const name of ['bpf', 'fanotify_init', 'lookup_dcookie', 'perf_event_open', 'quotactl', 'sethostname', 'setdomainname']) {
    assert.notEqual(actionFor(without, name), 'SCMP_ACT_ALLOW', name);
    assert.equal(actionFor(withAdmin, name), 'SCMP_ACT_ALLOW', name);
  }
  // The EPERM rule for the same calls is excluded once the capability is there.
  assert.ok(!withAdmin.syscalls!.some((r) => r.names.includes('bpf') && r.action === 'SCMP_ACT_ERRNO'));
  const all = convertSeccompProfile(defaultProfile, { ...AMD64, boundingSet: ALL_CAPABILITIES }, DEFAULT_PROFILE)!;
  assert.equal(all.syscalls!.length, 19);
});

test('includes and excludes: arches, caps, minKernel', () => {
  const profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['inc_amd64'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
      { names: ['inc_arm64'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
      { names: ['exc_amd64'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['amd64'] } },
      { names: ['inc_two_caps'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_CHOWN', 'CAP_SYS_ADMIN'] } },
      { names: ['inc_cap'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_CHOWN'] } },
      { names: ['exc_any_cap'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_ADMIN', 'CAP_KILL'] } },
      { names: ['inc_old_kernel'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
      { names: ['inc_new_kernel'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.2' } },
      { names: ['exc_old_kernel'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.0' } },
      { names: ['exc_new_kernel'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '6.10' } },
    ],
  };
  const kept = (target: Partial<SeccompTarget>) => convert(profile, target)!.syscalls!.map((r) => r.names[0]);
  assert.deepEqual(kept({}), ['inc_amd64', 'inc_cap', 'inc_old_kernel', 'exc_new_kernel']);
  assert.deepEqual(kept({ arch: 'arm64', boundingSet: ['CAP_CHOWN', 'CAP_SYS_ADMIN'], kernelRelease: '6.5.0' }), [
    'inc_arm64',
    'exc_amd64',
    'inc_two_caps',
    'inc_cap',
    'inc_old_kernel',
    'inc_new_kernel',
    'exc_new_kernel',
  ]);
});

test('errno names, name/names, args, flags and empty lists come out as Podman writes them', () => {
  const s = convert({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrno: 'EPERM',
    architectures: ['SCMP_ARCH_X86_64'],
    flags: ['SECCOMP_FILTER_FLAG_LOG'],
    syscalls: [
      { name: 'one', action: 'SCMP_ACT_ALLOW' },
      { names: ['two'], action: 'SCMP_ACT_ERRNO', errno: 'EACCES' },
      { names: ['three'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, errno: 'EPERM' },
      { names: [], action: 'SCMP_ACT_ALLOW' },
      { names: ['four'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
    ],
  })!;
  assert.equal(
    ociSpecToJson({ ociVersion: '', linux: { seccomp: s } }),
    '{"ociVersion":"","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64"],' +
      '"flags":["SECCOMP_FILTER_FLAG_LOG"],"syscalls":[{"names":["one"],"action":"SCMP_ACT_ALLOW"},' +
      '{"names":["two"],"action":"SCMP_ACT_ERRNO","errnoRet":13},{"names":["three"],"action":"SCMP_ACT_ERRNO","errnoRet":5},' +
      '{"names":["four"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}}}',
  );
  assert.deepEqual(convert({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }), { defaultAction: 'SCMP_ACT_ALLOW' });
  assert.equal(convert({ syscalls: [] }), undefined, 'no default action and no rules: seccomp off');
});

test('uint64 argument values above 2^53 survive exactly', () => {
  const text = '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":18446744073709551615,"valueTwo":9007199254740993,"op":"SCMP_CMP_MASKED_EQ"}]}]}';
  const s = convertSeccompProfile(parseSeccompProfile(text, 'x'), AMD64, 'x')!;
  assert.match(ociSpecToJson({ ociVersion: '', linux: { seccomp: s } }), /"value":18446744073709551615,"valueTwo":9007199254740993,/);
});

test('bad profiles fail with the file named, in Podman\'s words', () => {
  const dir = tempDir();
  const file = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  };
  const truncated = file('bad.json', '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [');
  assert.throws(
    () => loadSeccompProfile(truncated),
    (err: unknown) => isSkiffError(err, 'config') && err.message.startsWith(`loading seccomp profile (${truncated}) failed: decoding seccomp profile failed: `),
  );
  const wrongType = file('type.json', '{"defaultAction": 5}');
  assert.throws(() => loadSeccompProfile(wrongType), {
    message: `loading seccomp profile (${wrongType}) failed: decoding seccomp profile failed: json: cannot unmarshal number into Go struct field Seccomp.defaultAction of type seccomp.Action`,
  });
  const negative = file('neg.json', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":-1,"op":"SCMP_CMP_EQ"}]}]}');
  assert.throws(() => loadSeccompProfile(negative), /cannot unmarshal number -1 into Go struct field Arg.syscalls.args.value of type uint64/);
  const missing = join(dir, 'nosuch.json');
  assert.throws(() => loadSeccompProfile(missing), { message: `opening seccomp profile failed: open ${missing}: no such file or directory` });
  const both = file('both.json', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"x","names":["y"],"action":"SCMP_ACT_ERRNO"}]}');
  assert.throws(() => convertSeccompProfile(loadSeccompProfile(both), AMD64, both), {
    message: `loading seccomp profile (${both}) failed: 'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'`,
  });
  assert.throws(() => convert({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'EBOGUS' }), /unknown errno "EBOGUS"/);
  assert.throws(
    () => convert({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: [] }] }),
    /'architectures' and 'archMap' were specified/,
  );
});
