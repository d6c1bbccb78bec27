/**
 * --user and --group-add against a rootfs's /etc/passwd and /etc/group. Expected values
 * were read from configs real Podman 4.3.1 wrote for the same files (fixtures/passwd-users,
 * fixtures/group-users), error texts from its stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAdditionalGroups, resolveExecUser, resolveInRootfs } from '../../../src/runtime/spec/user.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { tempDir } from './helpers.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

function rootfs(files: Record<string, string>): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'etc'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

const USERS = rootfs({
  'etc/passwd': readFileSync(join(FIXTURES, 'passwd-users'), 'utf8'),
  'etc/group': readFileSync(join(FIXTURES, 'group-users'), 'utf8'),
});
const EMPTY = rootfs({});

test('--user resolves as runc does for Podman', () => {
  const cases: [spec: string, uid: number, gid: number, sgids: number[], home: string][] = [
    ['', 0, 0, [], '/root'],
    ['root', 0, 0, [], '/root'],
    ['alice', 1000, 1000, [10, 29, 50], '/home/alice'],
    ['1000', 1000, 1000, [10, 29, 50], '/home/alice'],
    ['alice:wheel', 1000, 10, [], '/home/alice'],
    ['alice:10', 1000, 10, [], '/home/alice'],
    ['alice:alice', 1000, 1000, [], '/home/alice'],
    ['1000:1000', 1000, 1000, [], '/home/alice'],
    ['bob', 1001, 1001, [10, 50], '/home/bob'],
    ['nohome', 1002, 1002, [], ''],
    ['2000', 2000, 0, [], ''],
    ['2000:2000', 2000, 2000, [], ''],
    ['0:10', 0, 10, [], '/root'],
    ['root:wheel', 0, 10, [], '/root'],
  ];
  for (const [spec, uid, gid, sgids, home] of cases) {
    assert.deepEqual(resolveExecUser(spec, { rootfs: USERS }), { uid, gid, sgids, home }, spec);
  }
});

test('without /etc/passwd only numbers work, and there is no home', () => {
  assert.deepEqual(resolveExecUser('', { rootfs: EMPTY }), { uid: 0, gid: 0, sgids: [], home: '' });
  assert.deepEqual(resolveExecUser('1000', { rootfs: EMPTY }), { uid: 1000, gid: 0, sgids: [], home: '' });
  assert.throws(() => resolveExecUser('nobody', { rootfs: EMPTY }), { message: 'unable to find user nobody: no matching entries in passwd file' });
});

test('unknown names and out-of-range ids fail with Podman\'s texts', () => {
  const cases: [string, string][] = [
    ['nosuch', 'unable to find user nosuch: no matching entries in passwd file'],
    ['alice:nosuch', 'unable to find group nosuch: no matching entries in group file'],
    ['99999999999', 'uids and gids must be in range 0-2147483647'],
    ['alice:-1', 'uids and gids must be in range 0-2147483647'],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => resolveExecUser(spec, { rootfs: USERS }), (err: unknown) => isSkiffError(err, 'invalid-argument') && err.message === message, spec);
  }
});

test('--group-add takes names or numbers, keeps the order given, drops duplicates and keep-groups', () => {
  const db = { rootfs: USERS };
  assert.deepEqual(resolveAdditionalGroups(['audio', '5', 'staff'], db), [29, 5, 50]);
  assert.deepEqual(resolveAdditionalGroups(['7', 'wheel', '10', 'keep-groups'], db), [7, 10]);
  assert.deepEqual(resolveAdditionalGroups([], db), []);
  assert.throws(() => resolveAdditionalGroups(['nosuch'], db), { message: 'Unable to find group nosuch: no matching entries in group file' });
  assert.deepEqual(resolveAdditionalGroups(['3'], { rootfs: EMPTY }), [3]);
});

test('a file mounted over /etc/passwd is read instead of the image\'s', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'passwd'), 'carol:x:4242:4243::/home/carol:/bin/sh\n');
  assert.deepEqual(resolveExecUser('carol', { rootfs: USERS, passwdPath: join(dir, 'passwd') }), { uid: 4242, gid: 4243, sgids: [], home: '/home/carol' });
});

// Hostile images: the passwd path must never lead out of the rootfs or hang skiff.

test('an absolute symlink at /etc/passwd is resolved inside the rootfs, not on the host', () => {
  const dir = rootfs({ 'secret': 'evil:x:7:7::/evil:/bin/sh\n' });
  symlinkSync('/secret', join(dir, 'etc/passwd'));
  assert.equal(resolveInRootfs(dir, '/etc/passwd'), join(dir, 'secret'));
  assert.equal(resolveExecUser('evil', { rootfs: dir }).uid, 7);
  const host = rootfs({});
  symlinkSync('/etc/passwd', join(host, 'etc/group'));
  symlinkSync('/etc/hostname', join(host, 'etc/passwd'));
  // The host's /etc/passwd has root; the rootfs has no /etc/hostname, so no entry is found.
  assert.throws(() => resolveExecUser('root', { rootfs: host }), /unable to find user root/);
});

test('.. in a symlink stops at the rootfs', () => {
  const dir = rootfs({});
  symlinkSync('../../../../../../etc/shadow', join(dir, 'etc/passwd'));
  assert.equal(resolveInRootfs(dir, '/etc/passwd'), join(dir, 'etc/shadow'));
  assert.equal(resolveInRootfs(dir, '/../../etc/passwd/..'), join(dir, 'etc'));
});

test('a symlink loop is an error, not a hang', () => {
  const dir = rootfs({});
  symlinkSync('/etc/b', join(dir, 'etc/a'));
  symlinkSync('/etc/a', join(dir, 'etc/b'));
  symlinkSync('/etc/a', join(dir, 'etc/passwd'));
  assert.throws(() => resolveExecUser('root', { rootfs: dir }), (err: unknown) => isSkiffError(err, 'unsafe-path'));
});

test('a FIFO or a directory at /etc/passwd reads as no file (a FIFO would block forever)', () => {
  const dir = rootfs({});
  execFileSync('mkfifo', [join(dir, 'etc/passwd')]);
  mkdirSync(join(dir, 'etc/group'));
  assert.deepEqual(resolveExecUser('', { rootfs: dir }), { uid: 0, gid: 0, sgids: [], home: '' });
  assert.deepEqual(resolveAdditionalGroups(['5'], { rootfs: dir }), [5]);
});
