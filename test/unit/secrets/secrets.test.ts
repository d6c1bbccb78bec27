/**
 * Secrets' pure parts: the `--secret` option string (Podman 4.3.1's parseSecrets and its
 * error texts), mount targets, names, `secret ls --filter`, and where the spec mounts them.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ImageConfig } from '../../../src/image/types.ts';
import { generateSpec } from '../../../src/runtime/spec/generate.ts';
import { buildMounts, type MountInput } from '../../../src/runtime/spec/mounts.ts';
import type { ContainerSpec, SpecContext } from '../../../src/runtime/spec/types.ts';
import { secretFilter } from '../../../src/secrets/filter.ts';
import { checkSecretSize, parseSecretOption, secretEnvName, secretMountTarget, validateSecretName } from '../../../src/secrets/options.ts';
import type { SecretRecord } from '../../../src/secrets/store.ts';

describe('--secret option strings', () => {
  const ok: [string, object][] = [
    ['mysecret', { source: 'mysecret', type: 'mount', target: '', uid: 0, gid: 0, mode: 0o444 }],
    // Without a comma the whole value is the name, even with an `=` in it.
    ['type=env', { source: 'type=env', type: 'mount', target: '', uid: 0, gid: 0, mode: 0o444 }],
    ['s,type=env', { source: 's', type: 'env', target: '', uid: 0, gid: 0, mode: 0o444 }],
    ['s,type=env,target=TOKEN', { source: 's', type: 'env', target: 'TOKEN', uid: 0, gid: 0, mode: 0o444 }],
    ['source=s,type=mount,target=/etc/x,uid=100,GID=200,mode=0440', { source: 's', type: 'mount', target: '/etc/x', uid: 100, gid: 200, mode: 0o440 }],
    ['s,UID=4294967295,mode=1777', { source: 's', type: 'mount', target: '', uid: 4294967295, gid: 0, mode: 0o1777 }],
    ['s,target=', { source: 's', type: 'mount', target: '', uid: 0, gid: 0, mode: 0o444 }],
    ['s,type=env,target=A=B', { source: 's', type: 'env', target: 'A=B', uid: 0, gid: 0, mode: 0o444 }],
    ['type=env,source=s', { source: 's', type: 'env', target: '', uid: 0, gid: 0, mode: 0o444 }],
  ];
  for (const [input, want] of ok) it(`reads ${JSON.stringify(input)}`, () => assert.deepEqual(parseSecretOption(input), want));

  const bad: [string, string][] = [
    ['s,type=foo', 'type foo is invalid: parsing secret'],
    ['s,type=ENV', 'type ENV is invalid: parsing secret'],
    ['s,type=env,type=mount', 'cannot set more than one secret type: parsing secret'],
    ['s,bogus=1', 'option bogus=1 invalid: parsing secret'],
    ['s,TYPE=env', 'option TYPE=env invalid: parsing secret'],
    ['s,target', 'option target must be in form option=value: parsing secret'],
    ['type=env,s', 'option s must be in form option=value: parsing secret'],
    [',type=env', 'no source found ,type=env: parsing secret'],
    ['s,uid=abc', 'UID abc invalid: parsing secret'],
    ['s,uid=0x10', 'UID 0x10 invalid: parsing secret'],
    ['s,uid=4294967296', 'UID 4294967296 invalid: parsing secret'],
    ['s,gid=-1', 'GID -1 invalid: parsing secret'],
    ['s,mode=999', 'mode 999 invalid: parsing secret'],
    ['s,mode=', 'mode  invalid: parsing secret'],
    ['s,type=env,uid=1', 'UID, GID, Mode options cannot be set with secret type env: parsing secret'],
    ['s,mode=0400,type=env', 'UID, GID, Mode options cannot be set with secret type env: parsing secret'],
  ];
  for (const [input, message] of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => assert.throws(() => parseSecretOption(input), (e: Error & { code?: string }) => e.message === message && e.code === 'invalid-argument'));
  }
});

describe('targets', () => {
  it('puts mount secrets under /run/secrets unless the target is absolute, cleaned as filepath.Join', () => {
    assert.equal(secretMountTarget('db', ''), '/run/secrets/db');
    assert.equal(secretMountTarget('db', 'cfg/pass'), '/run/secrets/cfg/pass');
    assert.equal(secretMountTarget('db', '/etc/db/pass'), '/etc/db/pass');
    assert.equal(secretMountTarget('db', '/etc//db/./pass/'), '/etc/db/pass');
    assert.equal(secretMountTarget('db', '../etc/x'), '/run/etc/x');
  });
  it('names an env secret after its target, else after the secret as the user named it', () => {
    assert.equal(secretEnvName(parseSecretOption('db,type=env')), 'db');
    assert.equal(secretEnvName(parseSecretOption('db,type=env,target=PASS')), 'PASS');
  });
});

describe('names and sizes', () => {
  it('takes what Podman takes', () => {
    for (const name of ['a', 'A.b_c-1', '0', 'x'.repeat(64)]) validateSecretName(name);
  });
  it('refuses what Podman refuses', () => {
    for (const name of ['', '-a', '.a', 'a-', 'a.', 'a b', 'a/b', '/tmp/x', 'x'.repeat(65)]) {
      assert.throws(() => validateSecretName(name), { message: `only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: ${name}: invalid secret name` });
    }
  });
  it('wants 1 to 511999 bytes', () => {
    checkSecretSize(Buffer.alloc(1));
    checkSecretSize(Buffer.alloc(511999));
    for (const n of [0, 512000]) assert.throws(() => checkSecretSize(Buffer.alloc(n)), { message: 'secret data must be larger than 0 and less than 512000 bytes' });
  });
});

describe('secret ls --filter', () => {
  const rec = (name: string, id: string): SecretRecord => ({ id, name, driver: 'file', driverOptions: {}, labels: {}, created: 0, updated: 0 });
  const all = [rec('web', 'aaa1'), rec('db', 'bbb2'), rec('webdb', 'ccc3')];
  const names = (specs: string[]) => all.filter(secretFilter(specs)).map((s) => s.name);
  it('matches regular expressions anywhere, any value of a key', () => {
    assert.deepEqual(names(['name=web']), ['web', 'webdb']);
    assert.deepEqual(names(['name=^db$', 'name=^web$']), ['web', 'db']);
    assert.deepEqual(names(['ID=^bb']), ['db']);
    assert.deepEqual(names(['name=(']), []);
  });
  it('ANDs different keys', () => assert.deepEqual(names(['name=web', 'id=c']), ['webdb']));
  it('refuses other keys and values without =', () => {
    assert.throws(() => secretFilter(['label=a']), { message: 'invalid filter "label"' });
    assert.throws(() => secretFilter(['name']), { message: 'filter input must be in the form of filter=value: name is invalid' });
  });
});

const ROOTFS = mkdtempSync(join(tmpdir(), 'skiff-secret-unit-'));
mkdirSync(join(ROOTFS, 'etc'));
writeFileSync(join(ROOTFS, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
writeFileSync(join(ROOTFS, 'etc/group'), 'root:x:0:\n');
after(() => rmSync(ROOTFS, { recursive: true, force: true }));

describe('secret mounts in the spec', () => {
  const input = (over: Partial<MountInput['files']> = {}, more: Partial<MountInput> = {}): MountInput => ({
    rootfs: ROOTFS,
    mounts: [],
    tmpfs: {},
    readOnly: false,
    readOnlyTmpfs: true,
    privileged: false,
    ipc: { mode: 'private' },
    files: { hostname: '/r/hostname', containerEnv: '/r/.containerenv', shm: '/b/shm', ...over },
    uid: 0,
    gid: 0,
    mountFlagsOf: () => ({ nosuid: false, nodev: false, noexec: false }),
    ...more,
  });
  const secrets = { dir: '/r/run/secrets', mounts: [{ source: '/b/secrets/0', destination: '/run/secrets/db' }, { source: '/b/secrets/1', destination: '/etc/db.pass' }] };

  it('binds /run/secrets from the run root, then each copy read-only, parents first', () => {
    const m = buildMounts(input({ secrets })).mounts;
    const at = (d: string) => m.findIndex((x) => x.destination === d);
    assert.deepEqual(m[at('/run/secrets')], { destination: '/run/secrets', type: 'bind', source: '/r/run/secrets', options: ['bind', 'rprivate'] });
    assert.deepEqual(m[at('/run/secrets/db')], { destination: '/run/secrets/db', type: 'bind', source: '/b/secrets/0', options: ['bind', 'rprivate', 'ro'] });
    assert.deepEqual(m[at('/etc/db.pass')], { destination: '/etc/db.pass', type: 'bind', source: '/b/secrets/1', options: ['bind', 'rprivate', 'ro'] });
    assert.ok(at('/run/secrets') < at('/run/secrets/db'));
  });
  it('leaves a place to the user mount there', () => {
    const m = buildMounts(input({ secrets }, { mounts: [{ type: 'bind', source: '/h', destination: '/run/secrets', options: [] }] })).mounts;
    assert.equal(m.filter((x) => x.destination === '/run/secrets').length, 1);
    assert.equal(m.find((x) => x.destination === '/run/secrets')?.source, '/h');
    assert.ok(m.some((x) => x.destination === '/run/secrets/db'));
  });
  it('adds nothing without mount secrets', () => {
    assert.ok(!buildMounts(input({ secrets: { dir: '/r/run/secrets', mounts: [] } })).mounts.some((x) => x.destination.startsWith('/run/secrets')));
  });
  it('with --read-only, as Podman makes its own binds', () => {
    const m = buildMounts(input({ secrets }, { readOnly: true })).mounts;
    assert.deepEqual(m.find((x) => x.destination === '/run/secrets')?.options, ['bind', 'rprivate', 'ro', 'nosuid', 'noexec', 'nodev']);
    assert.deepEqual(m.find((x) => x.destination === '/etc/db.pass')?.options, ['bind', 'rprivate', 'ro', 'nosuid', 'noexec', 'nodev']);
  });
});

describe('env secrets in the spec', () => {
  const spec = {
    name: 'c', imageId: 'x', imageName: 'x', env: { TOKEN: 'from -e', OTHER: 'kept' }, groupAdd: [], terminal: false, stdin: false, privileged: false,
    readOnly: false, readOnlyTmpfs: true, capAdd: [], capDrop: [], noNewPrivileges: false, seccompProfile: 'unconfined', mask: [], unmask: [],
    labelDisable: false, mounts: [], tmpfs: {}, devices: [], ulimits: [], ulimitHost: false, resources: {}, labels: {}, annotations: {}, init: false,
    stopSignal: 15, stopTimeout: 10, network: { mode: 'none' }, ipc: { mode: 'private' }, pid: { mode: 'private' }, uts: { mode: 'private' }, sysctls: {},
    logDriver: 'k8s-file', remove: false, timeout: 0,
  } satisfies ContainerSpec;
  const ctx: SpecContext = {
    id: 'a'.repeat(64), rootfs: ROOTFS, files: { hostname: '/r/hostname', containerEnv: '/r/.containerenv', shm: '/b/shm' }, cgroupsPath: '/x',
    defaults: { capabilities: [], sysctls: {}, ulimits: [], pidsLimit: 0 }, hostRlimits: {}, createdAt: '2026-01-01T00:00:00Z',
    host: { hostname: 'h', kernelRelease: '6.1.0', seccompArch: 'amd64', cgroupVersion: 1, boundingSet: [] },
  };
  const image: ImageConfig = { architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: [] } };
  it('win over the image, -e and the defaults', () => {
    const env = generateSpec(spec, image, { ...ctx, secretEnv: { TOKEN: 'secret', PATH: 'p' } }).process?.env;
    assert.deepEqual(env, ['PATH=p', 'TERM=xterm', 'container=podman', 'TOKEN=secret', 'OTHER=kept', 'HOME=/root', 'HOSTNAME=aaaaaaaaaaaa']);
  });
});
