/** Mount options and the mount list. Expected options were read from Podman 4.3.1's configs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { MountFlags } from '../../../src/runtime/spec/host.ts';
import { buildMounts, mountDepth, processMountOptions } from '../../../src/runtime/spec/mounts.ts';
import type { MountInput } from '../../../src/runtime/spec/mounts.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { tempDir } from './helpers.ts';

const NONE: MountFlags = { nosuid: false, nodev: false, noexec: false };
const NOSUID_NODEV: MountFlags = { nosuid: true, nodev: true, noexec: false };
const ALL: MountFlags = { nosuid: true, nodev: true, noexec: true };

test('bind, volume and tmpfs options as Podman completes them', () => {
  const cases: [kind: 'bind' | 'volume' | 'tmpfs', flags: MountFlags, given: string[], want: string[]][] = [
    ['bind', NONE, [], ['rw', 'rprivate', 'rbind']],
    ['bind', NONE, ['ro'], ['ro', 'rprivate', 'rbind']],
    ['bind', NONE, ['nosuid', 'noexec', 'nodev'], ['nosuid', 'noexec', 'nodev', 'rw', 'rprivate', 'rbind']],
    ['bind', NONE, ['rw', 'shared'], ['rw', 'shared', 'rbind']],
    ['bind', NONE, ['rslave', 'ro'], ['rslave', 'ro', 'rbind']],
    ['bind', NONE, ['bind'], ['bind', 'rw', 'rprivate']],
    ['bind', NONE, ['nocopy'], ['nocopy', 'rw', 'rprivate', 'rbind']],
    ['bind', NONE, ['exec', 'suid', 'dev'], ['exec', 'suid', 'dev', 'rw', 'rprivate', 'rbind']],
    ['bind', NONE, ['z'], ['z', 'rw', 'rprivate', 'rbind']],
    // The source's own filesystem flags carry over, as statfs(2) reports them.
    ['bind', ALL, [], ['rw', 'rprivate', 'noexec', 'nosuid', 'nodev', 'rbind']],
    ['bind', ALL, ['exec'], ['exec', 'rw', 'rprivate', 'nosuid', 'nodev', 'rbind']],
    ['volume', NOSUID_NODEV, [], ['rw', 'rprivate', 'nosuid', 'nodev', 'rbind']],
    ['volume', NOSUID_NODEV, ['ro', 'nocopy'], ['ro', 'nocopy', 'rprivate', 'nosuid', 'nodev', 'rbind']],
    ['tmpfs', NOSUID_NODEV, [], ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup']],
    ['tmpfs', NOSUID_NODEV, ['size=10m', 'noexec', 'mode=700'], ['size=10m', 'noexec', 'mode=700', 'rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup']],
    ['tmpfs', NOSUID_NODEV, ['ro'], ['ro', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup']],
    ['tmpfs', NOSUID_NODEV, ['exec', 'notmpcopyup'], ['exec', 'rw', 'rprivate', 'nosuid', 'nodev']],
    ['tmpfs', NOSUID_NODEV, ['rw', 'size=1g'], ['rw', 'size=1g', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup']],
  ];
  for (const [kind, flags, given, want] of cases) assert.deepEqual(processMountOptions(given, kind, flags), want, `${kind} ${given}`);
});

test('conflicting or misplaced options are refused', () => {
  const cases: [kind: 'bind' | 'tmpfs', given: string[], message: string][] = [
    ['bind', ['ro', 'rw'], "only one of 'rw' and 'ro' can be used: duplicate mount option passed"],
    ['bind', ['shared', 'rslave'], 'only one root propagation mode can be used: duplicate mount option passed'],
    ['bind', ['size=1m'], "the 'size' option is only allowed with tmpfs mounts: invalid mount option"],
    ['bind', ['tmpcopyup'], "the 'tmpcopyup' option is only allowed with tmpfs mounts: invalid mount option"],
    ['tmpfs', ['bind'], "the 'bind' and 'rbind' options are not allowed with tmpfs mounts: invalid mount option"],
    ['tmpfs', ['Z'], "the 'z' and 'Z' options are not allowed with tmpfs mounts: invalid mount option"],
    ['bind', ['noatime'], 'unknown mount option "noatime": invalid mount option'],
    ['bind', ['z', 'Z'], "only one of 'z' and 'Z' can be used: duplicate mount option passed"],
  ];
  for (const [kind, given, message] of cases) {
    assert.throws(() => processMountOptions(given, kind, NONE), (err: unknown) => isSkiffError(err, 'invalid-argument') && err.message === message, `${given}`);
  }
  assert.deepEqual(processMountOptions(['O'], 'bind', NONE), ['O', 'rw', 'rprivate', 'rbind']);
  assert.throws(() => processMountOptions(['O'], 'tmpfs', NONE), (err: unknown) => isSkiffError(err, 'invalid-argument'));
  assert.throws(() => processMountOptions(['O', 'O'], 'bind', NONE), (err: unknown) => isSkiffError(err, 'invalid-argument'));
});

test('depth is the number of separators in the cleaned path', () => {
  const cases: [string, number][] = [
    ['/', 1],
    ['/proc', 1],
    ['/dev/pts', 2],
    ['/sys/fs/cgroup', 3],
    ['/a//b/', 2],
    ['/a/./b/../c', 2],
  ];
  for (const [p, d] of cases) assert.equal(mountDepth(p), d, p);
});

const ROOTFS = tempDir();
mkdirSync(join(ROOTFS, 'var'));
mkdirSync(join(ROOTFS, 'run'));
symlinkSync('../run', join(ROOTFS, 'var/run'));

function input(over: Partial<MountInput> = {}): MountInput {
  return {
    rootfs: ROOTFS,
    mounts: [],
    tmpfs: {},
    readOnly: false,
    readOnlyTmpfs: true,
    privileged: false,
    ipc: { mode: 'private' },
    files: { hostname: '/r/hostname', hosts: '/r/hosts', containerEnv: '/r/.containerenv', shm: '/b/shm' },
    uid: 1000,
    gid: 100,
    mountFlagsOf: () => NONE,
    ...over,
  };
}

const dests = (over: Partial<MountInput>) => buildMounts(input(over)).mounts.map((m) => m.destination);

test('the default list, in Podman\'s order', () => {
  assert.deepEqual(dests({}), ['/proc', '/dev', '/sys', '/dev/pts', '/dev/mqueue', '/etc/hosts', '/dev/shm', '/run/.containerenv', '/etc/hostname', '/sys/fs/cgroup']);
});

test('a user mount takes the place of the mount skiff would add there', () => {
  const plan = buildMounts(input({ mounts: [{ type: 'bind', source: '/h', destination: '/etc/hosts', options: [] }], tmpfs: { '/dev/shm': '', '/dev/mqueue': '' } }));
  const byDest = new Map(plan.mounts.map((m) => [m.destination, m]));
  assert.deepEqual(byDest.get('/etc/hosts'), { destination: '/etc/hosts', type: 'bind', source: '/h', options: ['rw', 'rprivate', 'rbind'] });
  assert.equal(byDest.get('/dev/shm')!.type, 'tmpfs');
  assert.equal(byDest.get('/dev/mqueue')!.type, 'tmpfs');
  assert.equal(plan.mounts.length, 10);
});

test('anything mounted at /run hides /run/.containerenv; a deeper mount does not', () => {
  assert.ok(!dests({ tmpfs: { '/run': '' } }).includes('/run/.containerenv'));
  assert.ok(!dests({ mounts: [{ type: 'bind', source: '/x', destination: '/run', options: [] }] }).includes('/run/.containerenv'));
  assert.ok(dests({ tmpfs: { '/run/lock': '' } }).includes('/run/.containerenv'));
});

test('--ipc none has no /dev/shm, --ipc host binds the host\'s', () => {
  assert.ok(!dests({ ipc: { mode: 'none' } }).includes('/dev/shm'));
  const shm = buildMounts(input({ ipc: { mode: 'host' } })).mounts.find((m) => m.destination === '/dev/shm')!;
  assert.deepEqual(shm, { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['bind', 'rprivate', 'nosuid', 'noexec', 'nodev'] });
});

test('U on a tmpfs becomes uid=/gid=; z and Z are dropped', () => {
  const plan = buildMounts(input({ tmpfs: { '/t': 'U,size=1m' }, mounts: [{ type: 'bind', source: '/s', destination: '/b', options: ['Z', 'U'] }] }));
  const byDest = new Map(plan.mounts.map((m) => [m.destination, m.options]));
  assert.deepEqual(byDest.get('/t'), ['uid=1000', 'gid=100', 'size=1m', 'rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup']);
  assert.deepEqual(byDest.get('/b'), ['rw', 'rprivate', 'rbind']);
});

test('a tmpfs destination is resolved through the rootfs\'s symlinks', () => {
  const m = buildMounts(input({ tmpfs: { '/var/run': '' } })).mounts.find((x) => x.type === 'tmpfs' && x.destination !== '/dev')!;
  assert.equal(m.destination, '/run');
});

test('shared or slave mounts set the rootfs propagation', () => {
  const prop = (options: string[]) => buildMounts(input({ mounts: [{ type: 'bind', source: '/s', destination: '/a', options }] })).rootfsPropagation;
  assert.equal(prop([]), undefined);
  assert.equal(prop(['shared']), 'shared');
  assert.equal(prop(['rshared']), 'shared');
  assert.equal(prop(['rslave']), 'rslave');
  assert.equal(prop(['slave']), 'rslave');
});

test('two mounts at one place are refused', () => {
  assert.throws(
    () => buildMounts(input({ mounts: [{ type: 'bind', source: '/s', destination: '/a', options: [] }], tmpfs: { '/a/': '' } })),
    (err: unknown) => isSkiffError(err, 'invalid-argument') && /duplicate mount destination/.test(err.message),
  );
  assert.throws(() => buildMounts(input({ tmpfs: { relative: '' } })), /must be an absolute path/);
});
