/**
 * What `cp` asks of the extractor and the archiver beyond a layer's rules: `.wh.` names are
 * plain files, a directory and a non-directory replace each other only with --overwrite,
 * owners are set to one user, devices can be left out; archives are named from the top entry
 * and leave /dev, /proc and /sys out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractArchive } from '../../../src/storage/apply.ts';
import { archiveInRoot } from '../../../src/storage/copier.ts';
import { readTar } from '../../../src/storage/tar/reader.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { chunked, dir, file, sandbox, tarOf, tree } from './helpers.ts';

const root = process.geteuid?.() === 0;

async function entries(tar: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readTar(tar)) out.push(`${e.header.type} ${e.header.name}${e.header.linkname ? ` ${e.header.linkname}` : ''} ${e.header.uid}:${e.header.gid}`);
  return out;
}

test('whiteout names are ordinary files', async (t) => {
  const { dest } = sandbox(t);
  writeFileSync(join(dest, 'x'), 'kept');
  await extractArchive(chunked(tarOf([file('.wh.x', 'a'), dir('d/'), file('d/.wh..wh..opq', 'b')])), { root: dest });
  assert.deepEqual(tree(dest), ['.wh.x', 'd/', 'd/.wh..wh..opq', 'x']);
  assert.equal(readFileSync(join(dest, 'x'), 'utf8'), 'kept');
});

test('a directory and a non-directory replace each other only when allowed', async (t) => {
  const { dest } = sandbox(t);
  mkdirSync(join(dest, 'isdir'));
  writeFileSync(join(dest, 'isfile'), '');
  const refused = (e: unknown) => isSkiffError(e, 'already-exists');
  await assert.rejects(extractArchive(chunked(tarOf([file('isdir', 'x')])), { root: dest, replaceDirectories: false }), refused);
  await assert.rejects(extractArchive(chunked(tarOf([dir('isfile/')])), { root: dest, replaceDirectories: false }), refused);
  assert.ok(statSync(join(dest, 'isdir')).isDirectory());
  assert.ok(statSync(join(dest, 'isfile')).isFile());
  // Same kinds merge or replace as before.
  await extractArchive(chunked(tarOf([dir('isdir/'), file('isfile', 'new')])), { root: dest, replaceDirectories: false });
  assert.equal(readFileSync(join(dest, 'isfile'), 'utf8'), 'new');
  await extractArchive(chunked(tarOf([file('isdir', 'x'), dir('isfile/')])), { root: dest, replaceDirectories: true });
  assert.ok(statSync(join(dest, 'isdir')).isFile());
  assert.ok(statSync(join(dest, 'isfile')).isDirectory());
});

test('entries land under `into`, and a ./ entry describes that directory', async (t) => {
  const { dest } = sandbox(t);
  mkdirSync(join(dest, 'a/b'), { recursive: true });
  await extractArchive(chunked(tarOf([dir('./', { mode: 0o700 }), file('./f', 'x')])), { root: dest, into: 'a/b' });
  assert.equal(readFileSync(join(dest, 'a/b/f'), 'utf8'), 'x');
  assert.equal(statSync(join(dest, 'a/b')).mode & 0o777, 0o700);
  await assert.rejects(extractArchive(chunked(tarOf([file('./', '')])), { root: dest, into: 'a/b' }), (e: unknown) => isSkiffError(e, 'bad-archive'));
});

test('every entry gets the one owner asked for', { skip: !root && 'needs root to chown' }, async (t) => {
  const { dest } = sandbox(t);
  await extractArchive(chunked(tarOf([file('deep/er/f', 'x', { uid: 42, gid: 43 }), dir('d/', { uid: 7, gid: 8 })])), { root: dest, idMap: () => ({ uid: 1000, gid: 1001 }) });
  for (const p of ['deep', 'deep/er', 'deep/er/f', 'd']) assert.deepEqual([lstatSync(join(dest, p)).uid, lstatSync(join(dest, p)).gid], [1000, 1001], p);
});

test('devices are left out when asked', { skip: !root && 'needs root for mknod' }, async (t) => {
  const { dest } = sandbox(t);
  const tar = tarOf([{ header: { name: 'null', type: 'chardev', devmajor: 1, devminor: 3, mode: 0o666 } }, file('f', 'x')]);
  await extractArchive(chunked(tar), { root: dest, skipDevices: true });
  assert.deepEqual(tree(dest), ['f']);
});

test('archives: named from the top entry, contents only, /dev /proc /sys left out', async (t) => {
  const { dest: r } = sandbox(t);
  for (const d of ['dev', 'proc', 'sys', 'd/sub']) mkdirSync(join(r, d), { recursive: true });
  writeFileSync(join(r, 'dev/null'), '');
  writeFileSync(join(r, 'd/f'), 'x');
  linkSync(join(r, 'd/f'), join(r, 'd/sub/hard'));
  const owner = { uid: 5, gid: 6 };
  assert.deepEqual(await entries(archiveInRoot(r, { path: '/d', top: 'new', owner })), ['dir new/ 5:6', 'file new/f 5:6', 'dir new/sub/ 5:6', 'hardlink new/sub/hard new/f 5:6']);
  assert.deepEqual(await entries(archiveInRoot(r, { path: '/d', top: null, owner })), ['file f 5:6', 'dir sub/ 5:6', 'hardlink sub/hard f 5:6']);
  const all = await entries(archiveInRoot(r, { path: '/', top: null, owner, exclude: ['dev', 'proc', 'sys'] }));
  assert.ok(all.every((e) => !/ (dev|proc|sys)\//.test(e)), all.join('\n'));
  assert.deepEqual(await entries(archiveInRoot(r, { path: '/dev', top: 'dev', exclude: ['dev'] })), []);
  await assert.rejects(entries(archiveInRoot(r, { path: '/dev/null', top: 'null', exclude: ['dev'] })), (e: unknown) => isSkiffError(e, 'no-such-object'));
});
