/**
 * generateSpec beyond the golden cases: its errors (texts from Podman 4.3.1's stderr),
 * rlimits, namespaces, devices, and the JSON form of the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageConfig } from '../../../src/image/types.ts';
import { listHostDevices } from '../../../src/runtime/spec/devices.ts';
import { devMajor, devMinor } from '../../../src/util/devnum.ts';
import { generateSpec } from '../../../src/runtime/spec/generate.ts';
import type { OciSpec } from '../../../src/runtime/spec/oci.ts';
import { ociSpecToJson, parseJsonExact } from '../../../src/runtime/spec/oci.ts';
import { buildRlimits } from '../../../src/runtime/spec/rlimits.ts';
import type { ContainerSpec, SpecContext } from '../../../src/runtime/spec/types.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { tempDir } from './helpers.ts';

const ROOTFS = tempDir();
mkdirSync(join(ROOTFS, 'etc'));
writeFileSync(join(ROOTFS, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
writeFileSync(join(ROOTFS, 'etc/group'), 'root:x:0:\n');

const ID = '0123456789abcdef'.repeat(4);
const IMAGE: ImageConfig = { architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [] } };

const SPEC: ContainerSpec = {
  name: 'c',
  imageId: 'x',
  imageName: 'x',
  env: {},
  groupAdd: [],
  terminal: false,
  stdin: false,
  privileged: false,
  readOnly: false,
  readOnlyTmpfs: true,
  capAdd: [],
  capDrop: [],
  noNewPrivileges: false,
  seccompProfile: 'unconfined',
  mask: [],
  unmask: [],
  labelDisable: false,
  mounts: [],
  tmpfs: {},
  devices: [],
  ulimits: [],
  ulimitHost: false,
  resources: {},
  labels: {},
  annotations: {},
  init: false,
  stopSignal: 15,
  stopTimeout: 10,
  network: { mode: 'none' },
  ipc: { mode: 'private' },
  pid: { mode: 'private' },
  uts: { mode: 'private' },
  sysctls: {},
  logDriver: 'k8s-file',
  remove: false,
  timeout: 0,
};

const CTX: SpecContext = {
  id: ID,
  rootfs: ROOTFS,
  files: { hostname: '/r/hostname', hosts: '/r/hosts', containerEnv: '/r/.containerenv', shm: '/b/shm' },
  cgroupsPath: `/skiff_parent/skiff-${ID}`,
  defaults: { capabilities: ['CHOWN', 'KILL'], sysctls: { 'net.ipv4.ping_group_range': '0 0', 'fs.mqueue.msg_max': '10' }, ulimits: [], pidsLimit: 2048 },
  hostRlimits: { nofile: { soft: 1024, hard: 20000 }, nproc: { soft: 96365, hard: 96365 } },
  createdAt: '2026-01-01T00:00:00Z',
  host: { hostname: 'thehost', kernelRelease: '6.1.0', seccompArch: 'amd64', cgroupVersion: 1, boundingSet: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_ADMIN'] },
};

const gen = (spec: Partial<ContainerSpec> = {}, ctx: Partial<SpecContext> = {}, image = IMAGE) => generateSpec({ ...SPEC, ...spec }, image, { ...CTX, ...ctx });

function throwsWith(fn: () => unknown, message: string | RegExp, code = 'invalid-argument'): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isSkiffError(err), `not a SkiffError: ${String(err)}`);
    assert.equal(err.code, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

test('no command anywhere is Podman\'s error', () => {
  const none: ImageConfig = { ...IMAGE, config: {} };
  throwsWith(() => gen({}, {}, none), 'no command or entrypoint provided, and no CMD or ENTRYPOINT from image');
  throwsWith(() => gen({ entrypoint: [] }), 'no command or entrypoint provided, and no CMD or ENTRYPOINT from image');
  assert.deepEqual(gen({ entrypoint: [], command: ['ls'] }).process!.args, ['ls']);
  const withEntrypoint: ImageConfig = { ...IMAGE, config: { Entrypoint: ['/e'], Cmd: ['c'] } };
  assert.deepEqual(gen({}, {}, withEntrypoint).process!.args, ['/e', 'c']);
  assert.deepEqual(gen({ command: ['x'] }, {}, withEntrypoint).process!.args, ['/e', 'x']);
  assert.deepEqual(gen({ entrypoint: ['/f'] }, {}, withEntrypoint).process!.args, ['/f']);
  assert.deepEqual(gen({ entrypoint: ['/f'], command: ['y'] }, {}, withEntrypoint).process!.args, ['/f', 'y']);
});

test('--init runs the command under the init binary', () => {
  const s = gen({ init: true, command: ['sleep', '1'] }, { initBinary: '/usr/bin/catatonit' });
  assert.deepEqual(s.process!.args, ['/run/podman-init', '--', 'sleep', '1']);
  assert.deepEqual(
    s.mounts!.find((m) => m.destination === '/run/podman-init'),
    { destination: '/run/podman-init', type: 'bind', source: '/usr/bin/catatonit', options: ['bind', 'ro', 'rprivate'] },
  );
  assert.equal(gen({ init: true, initPath: '/opt/tini' }, { initBinary: '/usr/bin/catatonit' }).mounts!.find((m) => m.destination === '/run/podman-init')!.source, '/opt/tini');
  throwsWith(() => gen({ init: true }), /init binary not found/, 'config');
});

test('users and groups that do not exist fail as with Podman', () => {
  throwsWith(() => gen({ user: 'nosuch' }), 'unable to find user nosuch: no matching entries in passwd file');
  throwsWith(() => gen({ groupAdd: ['nosuch'] }), `looking up supplemental groups for container ${ID}: Unable to find group nosuch: no matching entries in group file`);
  assert.deepEqual(gen({ groupAdd: ['keep-groups'] }).annotations!['run.oci.keep_original_groups'], '1');
});

test('hostname and HOSTNAME follow the UTS namespace', () => {
  const own = gen();
  assert.equal(own.hostname, ID.slice(0, 12));
  assert.ok(own.process!.env!.includes(`HOSTNAME=${ID.slice(0, 12)}`));
  const hostNet = gen({ network: { mode: 'host' } });
  assert.equal(hostNet.hostname, 'thehost');
  const joined = gen({ uts: { mode: 'path', path: '/proc/42/ns/uts' } });
  assert.equal(joined.hostname, undefined);
  assert.ok(joined.process!.env!.includes('HOSTNAME=thehost'));
  assert.ok(gen({ env: { HOSTNAME: 'mine', HOME: '/h' } }).process!.env!.includes('HOSTNAME=mine'));
  assert.ok(!gen({ env: { HOME: '/h' } }).process!.env!.includes('HOME=/root'));
  const message = 'invalid config provided: cannot set hostname when running in the host UTS namespace: invalid configuration';
  throwsWith(() => gen({ uts: { mode: 'host' }, hostname: 'x' }), message);
  throwsWith(() => gen({ uts: { mode: 'path', path: '/proc/1/ns/uts' }, hostname: 'x' }), message);
});

test('namespaces: host removes, path joins, cgroup v2 adds a cgroup namespace', () => {
  const ns = gen({ pid: { mode: 'host' }, network: { mode: 'path', path: '/run/netns/n1' }, ipc: { mode: 'path', path: '/proc/9/ns/ipc' } }).linux!.namespaces;
  assert.deepEqual(ns, [{ type: 'network', path: '/run/netns/n1' }, { type: 'ipc', path: '/proc/9/ns/ipc' }, { type: 'uts' }, { type: 'mount' }]);
  const v2 = gen({}, { host: { ...CTX.host, cgroupVersion: 2 } }).linux!.namespaces!;
  assert.deepEqual(v2.at(-1), { type: 'cgroup' });
});

test('sysctls that would change the host are dropped from the defaults and refused from the user', () => {
  assert.deepEqual(gen().linux!.sysctl, { 'fs.mqueue.msg_max': '10', 'net.ipv4.ping_group_range': '0 0' });
  assert.deepEqual(gen({ network: { mode: 'host' } }).linux!.sysctl, { 'fs.mqueue.msg_max': '10' });
  assert.equal(gen({ network: { mode: 'host' }, ipc: { mode: 'host' } }).linux!.sysctl, undefined);
  throwsWith(
    () => gen({ network: { mode: 'host' }, sysctls: { 'net.core.somaxconn': '5' } }),
    "sysctl net.core.somaxconn=5 can't be set since Network Namespace set to host: invalid argument",
  );
  throwsWith(() => gen({ ipc: { mode: 'host' }, sysctls: { 'fs.mqueue.msg_max': '5' } }), /since IPC Namespace set to host/);
  throwsWith(() => gen({ uts: { mode: 'host' }, sysctls: { 'kernel.hostname': 'x' } }), /since UTS Namespace set to host/);
  assert.deepEqual(Object.keys(gen({ sysctls: { 'kernel.shm_rmid_forced': '1', 'a.b': '2' } }).linux!.sysctl!), [
    'a.b',
    'fs.mqueue.msg_max',
    'kernel.shm_rmid_forced',
    'net.ipv4.ping_group_range',
  ]);
});

test('resources: swap twice the memory unless given, -1 for none; pids -1 is unlimited', () => {
  const MiB = 1024 * 1024;
  const r = (resources: ContainerSpec['resources']) => gen({ resources }).linux!.resources!;
  assert.deepEqual(r({}), { devices: [{ allow: false, access: 'rwm' }], pids: { limit: 2048 } });
  assert.deepEqual(r({ memory: 10 * MiB }).memory, { limit: 10 * MiB, swap: 20 * MiB });
  assert.deepEqual(r({ memory: 10 * MiB, memorySwap: -1 }).memory, { limit: 10 * MiB });
  assert.deepEqual(r({ cpus: 0.5 }).cpu, { quota: 50000, period: 100000 });
  assert.deepEqual(r({ cpus: 0.29 }).cpu, { quota: 28999, period: 100000 }, 'truncated as Go truncates the float');
  assert.deepEqual(r({ pidsLimit: -1 }).pids, { limit: 0 });
  assert.deepEqual(r({ pidsLimit: 10 }).pids, { limit: 10 });
  assert.equal(gen({}, { defaults: { ...CTX.defaults, pidsLimit: 0 } }).linux!.resources!.pids, undefined);
});

test('rlimits: defaults clamped to the host, --ulimit as asked, --ulimit host none at all', () => {
  const host = { nofile: { soft: 1024, hard: 20000 }, nproc: { soft: 96365, hard: 96365 } };
  assert.deepEqual(buildRlimits({ user: [], defaults: [], host }), [
    { type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 },
    { type: 'RLIMIT_NPROC', hard: 96365, soft: 96365 },
  ]);
  assert.deepEqual(buildRlimits({ user: [], defaults: [{ name: 'nofile', soft: 10000, hard: 30000 }], host }), [
    { type: 'RLIMIT_NOFILE', hard: 20000, soft: 10000 },
    { type: 'RLIMIT_NPROC', hard: 96365, soft: 96365 },
  ]);
  // Asked for explicitly: written as asked (crun then fails the way it fails for Podman).
  assert.deepEqual(buildRlimits({ user: [{ name: 'nofile', soft: 50000, hard: 50000 }], defaults: [], host })[0], { type: 'RLIMIT_NOFILE', hard: 50000, soft: 50000 });
  assert.deepEqual(
    buildRlimits({ user: [{ name: 'rtprio', soft: 1, hard: 2 }, { name: 'nproc', soft: 3, hard: 4 }, { name: 'core', soft: -1, hard: -1 }], defaults: [], host }),
    [
      { type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 },
      { type: 'RLIMIT_RTPRIO', hard: 2, soft: 1 },
      { type: 'RLIMIT_NPROC', hard: 4, soft: 3 },
      { type: 'RLIMIT_CORE', hard: 18446744073709551615n, soft: 18446744073709551615n },
    ],
  );
  throwsWith(() => buildRlimits({ user: [{ name: 'bogus', soft: 1, hard: 1 }], defaults: [], host }), 'invalid ulimit type: bogus');
  assert.equal(gen({ ulimitHost: true }).process!.rlimits, undefined);
});

test('--device: stat of the host node, cgroup rule with the given access', () => {
  const s = gen({ devices: [{ hostPath: '/dev/null', containerPath: '', permissions: '' }, { hostPath: '/dev/zero', containerPath: '/dev/z', permissions: 'rw' }] });
  assert.deepEqual(s.linux!.devices, [
    { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o20666, uid: 0, gid: 0 },
    { path: '/dev/z', type: 'c', major: 1, minor: 5, fileMode: 0o20666, uid: 0, gid: 0 },
  ]);
  assert.deepEqual(s.linux!.resources!.devices, [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 5, access: 'rw' },
  ]);
  throwsWith(() => gen({ devices: [{ hostPath: '/dev/nosuch', containerPath: '', permissions: '' }] }), 'stat /dev/nosuch: no such file or directory');
  throwsWith(() => gen({ devices: [{ hostPath: '/dev/null', containerPath: '', permissions: 'rx' }] }), 'rx is not a valid device permission');
  throwsWith(() => gen({ devices: [{ hostPath: '/etc/hostname', containerPath: '', permissions: '' }] }), /is not a valid device/);
});

test('device numbers split as glibc splits a 64-bit dev_t', () => {
  const makedev = (maj: bigint, min: bigint) => ((maj & 0xfffff000n) << 32n) | ((maj & 0xfffn) << 8n) | ((min & 0xffffff00n) << 12n) | (min & 0xffn);
  for (const [maj, min] of [[1, 3], [259, 0], [4095, 255], [4096, 256], [0x7fffffff, 0xfffff]] as const) {
    const rdev = makedev(BigInt(maj), BigInt(min));
    assert.deepEqual([devMajor(rdev), devMinor(rdev)], [maj, min]);
  }
});

test('host devices for --privileged: sorted, console and /dev/pts left out', () => {
  const devices = listHostDevices();
  const paths = devices.map((d) => d.path);
  assert.ok(paths.includes('/dev/null'));
  assert.ok(!paths.includes('/dev/console'));
  assert.ok(!paths.some((p) => p.startsWith('/dev/pts/') || p.startsWith('/dev/shm/')));
  assert.deepEqual(devices.find((d) => d.path === '/dev/null'), { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o20666, uid: 0, gid: 0 });
});

test('seccomp: privileged runs unconfined unless a profile is named; no default profile fails closed', () => {
  const profile = join(ROOTFS, 'profile.json');
  writeFileSync(profile, '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}');
  assert.equal(gen({ seccompProfile: undefined, privileged: true }, { hostDevices: () => [] }).linux!.seccomp, undefined);
  assert.deepEqual(gen({ seccompProfile: profile, privileged: true }, { hostDevices: () => [] }).linux!.seccomp, { defaultAction: 'SCMP_ACT_ALLOW' });
  assert.deepEqual(gen({ seccompProfile: undefined }, { defaultSeccompProfile: profile }).linux!.seccomp, { defaultAction: 'SCMP_ACT_ALLOW' });
  assert.equal(gen({ seccompProfile: undefined }, { defaultSeccompProfile: profile }).annotations!['io.podman.annotations.seccomp'], undefined);
  assert.equal(gen({ seccompProfile: profile }).annotations!['io.podman.annotations.seccomp'], profile);
  throwsWith(() => gen({ seccompProfile: undefined }), /no default seccomp profile/, 'config');
});

test('annotations: the user\'s kept unless Podman sets the same key, sorted', () => {
  const a = gen({ annotations: { 'io.container.manager': 'mine', 'io.podman.annotations.init': 'X', 'a.b': 'c' }, remove: true, terminal: true }).annotations!;
  assert.deepEqual(Object.keys(a), [...Object.keys(a)].sort());
  assert.equal(a['io.container.manager'], 'mine');
  assert.equal(a['io.podman.annotations.init'], 'FALSE');
  assert.equal(a['io.podman.annotations.autoremove'], 'TRUE');
  assert.equal(a['io.kubernetes.cri-o.TTY'], 'true');
  assert.equal(a['a.b'], 'c');
});

test('config.json bytes are Go\'s: HTML characters escaped, uint64 exact, no undefined members', () => {
  const s = gen({ env: { X: '<a&b>\u2028\b\n' }, ulimits: [{ name: 'core', soft: -1, hard: -1 }], terminal: true });
  const text = ociSpecToJson(s);
  assert.match(text, /"X=\\u003ca\\u0026b\\u003e\\u2028\\u0008\\n"/);
  assert.match(text, /"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615/);
  assert.ok(text.startsWith('{"ociVersion":"1.0.2-dev","process":{"terminal":true,"user":{"uid":0,"gid":0,"umask":18},"args":["/bin/sh"]'));
  assert.ok(!text.includes('undefined'));
  assert.equal(ociSpecToJson(parseJsonExact(text) as OciSpec), text, 'a read and a write give the same bytes');
});
