/**
 * Whiteouts (`.wh.NAME`) and opaque markers (`.wh..wh..opq`) in their three stored forms, and
 * the hostile cases: a whiteout under a path already whited out, reserved `.wh..wh.` names,
 * whiteouts aimed through symlinks, and forged overlay xattrs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyLayer } from '../../../src/storage/apply.ts';
import { lgetxattr } from '../../../src/util/syscall.ts';
import { chunked, dir, exists, file, sandbox, symlink, tarOf, tree } from './helpers.ts';

function isWhiteoutDevice(path: string): boolean {
  const st = lstatSync(path);
  return st.isCharacterDevice() && st.rdev === 0;
}

test('overlay: a whiteout becomes a 0:0 char device owned like the entry', async (t) => {
  const { dest } = sandbox(t);
  const tar = tarOf([dir('etc/'), file('etc/.wh.passwd', '', { uid: 1234, gid: 5678 }), file('.wh.gone', '')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.ok(isWhiteoutDevice(join(dest, 'etc/passwd')));
  assert.equal(lstatSync(join(dest, 'etc/passwd')).uid, 1234);
  assert.equal(lstatSync(join(dest, 'etc/passwd')).gid, 5678);
  assert.ok(isWhiteoutDevice(join(dest, 'gone')));
  assert.deepEqual(tree(dest), ['etc/', 'etc/passwd', 'gone']);
});

test('overlay: an opaque marker sets trusted.overlay.opaque=y and keeps the layer entries', async (t) => {
  const { dest } = sandbox(t);
  const tar = tarOf([dir('d/'), file('d/.wh..wh..opq', ''), file('d/new', 'n')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.equal(lgetxattr(join(dest, 'd'), 'trusted.overlay.opaque')?.toString(), 'y');
  assert.deepEqual(tree(dest), ['d/', 'd/new']);
});

test('overlay-rootless: user.overlay.opaque and a 0:0 whiteout device', async (t) => {
  const { dest } = sandbox(t);
  const tar = tarOf([dir('d/'), file('d/.wh..wh..opq', ''), file('d/.wh.x', '')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay-rootless' });
  assert.equal(lgetxattr(join(dest, 'd'), 'user.overlay.opaque')?.toString(), 'y');
  assert.equal(lgetxattr(join(dest, 'd'), 'trusted.overlay.opaque'), undefined);
  assert.ok(isWhiteoutDevice(join(dest, 'd/x')));
});

test('a whiteout under a path already whited out is skipped', async (t) => {
  const { dest } = sandbox(t);
  const tar = tarOf([file('.wh.a', ''), file('a/.wh.b', ''), file('a/b/.wh..wh..opq', '')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.deepEqual(tree(dest), ['a']);
  assert.ok(isWhiteoutDevice(join(dest, 'a')));

  const v = sandbox(t);
  const tar2 = tarOf([file('.wh.a', ''), file('a/.wh.b', ''), file('a/b/.wh..wh..opq', '')]);
  await applyLayer(chunked(tar2), { dest: v.dest, format: 'vfs' });
  assert.deepEqual(tree(v.dest), []);
});

test('reserved .wh..wh. names are skipped, not written', async (t) => {
  const { dest } = sandbox(t);
  const tar = tarOf([dir('.wh..wh.plnk/'), file('.wh..wh.plnk/123', 'x'), file('.wh..wh.aufs', 'y'), file('keep', 'k')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.deepEqual(tree(dest), ['keep']);
});

test('overlay attributes in the tar itself are not applied', async (t) => {
  const { dest } = sandbox(t);
  const forged = new Map([
    ['trusted.overlay.opaque', Buffer.from('y')],
    ['trusted.overlay.redirect', Buffer.from('/etc')],
    ['user.overlay.opaque', Buffer.from('y')],
  ]);
  const tar = tarOf([dir('d/', { xattrs: forged })]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  for (const name of forged.keys()) assert.equal(lgetxattr(join(dest, 'd'), name), undefined, name);
});

function vfsParent(dest: string): void {
  mkdirSync(join(dest, 'd/sub'), { recursive: true });
  writeFileSync(join(dest, 'd/old'), 'old');
  writeFileSync(join(dest, 'd/sub/deep'), 'old');
  writeFileSync(join(dest, 'gone'), 'old');
  mkdirSync(join(dest, 'gonedir/x'), { recursive: true });
  writeFileSync(join(dest, 'keep'), 'old');
}

test('vfs: a whiteout deletes the name, files and whole trees alike', async (t) => {
  const { dest } = sandbox(t);
  vfsParent(dest);
  const tar = tarOf([file('.wh.gone', ''), file('.wh.gonedir', ''), file('.wh.never-existed', '')]);
  await applyLayer(chunked(tar), { dest, format: 'vfs' });
  assert.deepEqual(tree(dest), ['d/', 'd/old', 'd/sub/', 'd/sub/deep', 'keep']);
});

test('vfs: an opaque marker empties the old content but keeps this layer entries', async (t) => {
  const { dest } = sandbox(t);
  vfsParent(dest);
  // `d/sub/new` comes before the marker: it belongs to this layer and must survive, while the
  // old `d/sub/deep` beside it goes.
  const tar = tarOf([dir('d/'), file('d/sub/new', 'n'), file('d/.wh..wh..opq', ''), file('d/after', 'a')]);
  await applyLayer(chunked(tar), { dest, format: 'vfs' });
  assert.deepEqual(tree(dest), ['d/', 'd/after', 'd/sub/', 'd/sub/new', 'gone', 'gonedir/', 'gonedir/x/', 'keep']);
});

test('vfs: a whiteout of a symlink removes the link, not its target', async (t) => {
  const { dest, outside } = sandbox(t);
  writeFileSync(join(outside, 'precious'), 'p');
  symlinkSync(join(outside, 'precious'), join(dest, 'ln'));
  symlinkSync(outside, join(dest, 'dirln'));
  const tar = tarOf([file('.wh.ln', ''), file('dirln/.wh.precious', '')]);
  await applyLayer(chunked(tar), { dest, format: 'vfs' });
  assert.equal(exists(join(dest, 'ln')), false);
  assert.equal(readFileSync(join(outside, 'precious'), 'utf8'), 'p');
});

test('overlay: a whiteout through a symlinked parent lands inside dest', async (t) => {
  const { dest, outside } = sandbox(t);
  const tar = tarOf([symlink('s', outside), file('s/.wh.victim', '')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.deepEqual(tree(outside), []);
  assert.ok(isWhiteoutDevice(join(dest, outside, 'victim')));
});

test('overlay-rootless as an unprivileged user: whiteouts, opaque dirs, no devices', { skip: (process.geteuid?.() !== 0 || !existsSync('/usr/bin/setpriv')) && 'needs root to drop to another user' }, (t) => {
  const { base, dest } = sandbox(t);
  chmodSync(base, 0o755);
  chownSync(dest, 65534, 65534);
  const script = `
    import { applyLayer } from ${JSON.stringify(new URL('../../../src/storage/apply.ts', import.meta.url).href)};
    import { tarOf, file, dir, chunked } from ${JSON.stringify(new URL('./helpers.ts', import.meta.url).href)};
    const me = { uid: process.getuid(), gid: process.getgid() };
    const tar = tarOf([
      dir('d/'), file('d/.wh..wh..opq', ''), file('d/.wh.x', ''),
      file('f', 'x', { xattrs: new Map([['trusted.a', Buffer.from('1')], ['user.b', Buffer.from('2')]]) }),
      { header: { name: 'dev/null', type: 'chardev', devmajor: 1, devminor: 3 } },
    ]);
    await applyLayer(chunked(tar), { dest: ${JSON.stringify(dest)}, format: 'overlay-rootless', rootless: true, idMap: () => me });
  `;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // Linux >= 5.8 lets anyone create the 0:0 whiteout device; older kernels get the xattr form.
  const wh = lstatSync(join(dest, 'd/x'));
  assert.ok((wh.isCharacterDevice() && wh.rdev === 0) || lgetxattr(join(dest, 'd/x'), 'user.overlay.whiteout') !== undefined);
  assert.equal(lgetxattr(join(dest, 'd'), 'user.overlay.opaque')?.toString(), 'y');
  assert.equal(lgetxattr(join(dest, 'f'), 'user.b')?.toString(), '2');
  assert.equal(lgetxattr(join(dest, 'f'), 'trusted.a'), undefined);
  assert.deepEqual(tree(dest), ['d/', 'd/x', 'dev/', 'f']);
});
