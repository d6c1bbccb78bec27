/**
 * The reader and writer against each other and against GNU tar: names of every length and
 * script, ids and sizes past octal range, fractional times, every entry type; and
 * writeTarFromDir's determinism and its overlay whiteout conversion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { readTar } from '../../../src/storage/tar/reader.ts';
import type { TarHeader } from '../../../src/storage/tar/reader.ts';
import { encodeHeader, writeTar, writeTarFromDir } from '../../../src/storage/tar/writer.ts';
import type { TarWriteEntry } from '../../../src/storage/tar/writer.ts';
import { lsetxattr, mknod, S_IFCHR } from '../../../src/util/syscall.ts';
import { chunked, sandbox } from './helpers.ts';

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function read(tar: Buffer): Promise<Array<{ h: TarHeader; body: Buffer }>> {
  const out: Array<{ h: TarHeader; body: Buffer }> = [];
  for await (const e of readTar(chunked(tar))) out.push({ h: e.header, body: await collect(e.body) });
  return out;
}

const longName = `${'dir/'.repeat(40)}${'é'.repeat(60)}.txt`;
const entries: TarWriteEntry[] = [
  { header: { name: 'plain.txt', type: 'file', size: 5, mode: 0o640, uid: 1000, gid: 1000, uname: 'u', gname: 'g', mtime: 1_700_000_000 }, body: Buffer.from('hello') },
  { header: { name: longName, type: 'file', size: 3, mode: 0o4755, mtime: 1_700_000_000.25 }, body: Buffer.from('abc') },
  { header: { name: 'ünïcödé/', type: 'dir', mode: 0o1777, uid: 4_000_000_000, gid: 3_000_000, mtime: 0 } },
  { header: { name: 'link-long', type: 'symlink', linkname: 't/'.repeat(120), mode: 0o777, mtime: 5 } },
  { header: { name: 'hard', type: 'hardlink', linkname: 'plain.txt', mtime: 5 } },
  { header: { name: 'dev/tty', type: 'chardev', devmajor: 5, devminor: 0, mode: 0o666 } },
  { header: { name: 'dev/huge', type: 'blockdev', devmajor: 4_000_000, devminor: 9, mode: 0o600 } },
  { header: { name: 'fifo', type: 'fifo', mode: 0o600 } },
  { header: { name: 'uname', type: 'file', size: 0, uname: 'a-user-name-longer-than-thirty-two-bytes', gname: 'grüppe' }, body: Buffer.alloc(0) },
];

test('writer → reader round trip keeps every field', async () => {
  const tar = await collect(writeTar(entries));
  const got = await read(tar);
  assert.equal(got.length, entries.length);
  for (const [i, e] of entries.entries()) {
    const { h, body } = got[i] as { h: TarHeader; body: Buffer };
    const w = e.header;
    assert.equal(h.name, w.name);
    assert.equal(h.type, w.type);
    assert.equal(h.linkname, w.linkname ?? '');
    assert.equal(h.mode, w.mode ?? (w.type === 'dir' ? 0o755 : 0o644));
    assert.equal(h.uid, w.uid ?? 0);
    assert.equal(h.gid, w.gid ?? 0);
    assert.equal(h.uname, w.uname ?? '');
    assert.equal(h.gname, w.gname ?? '');
    assert.equal(h.mtime, w.mtime ?? 0);
    assert.equal(h.devmajor, w.devmajor ?? 0);
    assert.equal(h.devminor, w.devminor ?? 0);
    assert.deepEqual(body, e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body as Uint8Array));
  }
});

test('plain entries are ustar, without a pax header', () => {
  const b = encodeHeader({ name: 'a/b', type: 'file', size: 1, mtime: 1 });
  assert.equal(b.length, 512);
  assert.equal(b.toString('latin1', 257, 263), 'ustar\0');
  const viaPrefix = encodeHeader({ name: `${'p'.repeat(150)}/${'n'.repeat(99)}`, type: 'file', size: 0 });
  assert.equal(viaPrefix.length, 512);
});

test('a size past 8 GiB is carried in pax', async () => {
  const h = encodeHeader({ name: 'huge', type: 'file', size: 2 ** 34 + 1 });
  assert.ok(h.length > 512);
  assert.match(h.toString('latin1', 512, 1024), /\d+ size=17179869185\n/);
});

test('GNU tar lists and extracts this writer\'s output', async (t) => {
  const { dest } = sandbox(t);
  const tar = await collect(writeTar(entries.filter((e) => !e.header.type.endsWith('dev'))));
  const list = spawnSync('tar', ['--numeric-owner', '-tvf', '-'], { input: tar });
  assert.equal(list.status, 0, list.stderr.toString());
  assert.match(list.stdout.toString(), /^-rw-r----- 1000\/1000 +5 2023-11-1[45] \d\d:\d\d plain\.txt$/m);
  assert.match(list.stdout.toString(), /^drwxrwxrwt 4000000000\/3000000 .* ünïcödé\/$/m);
  assert.ok(list.stdout.toString().includes(longName));
  const x = spawnSync('tar', ['-xf', '-', '-C', dest], { input: tar });
  assert.equal(x.status, 0, x.stderr.toString());
  assert.equal(readFileSync(join(dest, longName), 'utf8'), 'abc');
  assert.equal(readlinkSync(join(dest, 'link-long')), 't/'.repeat(120));
  assert.equal(lstatSync(join(dest, 'hard')).ino, lstatSync(join(dest, 'plain.txt')).ino);
});

for (const format of ['gnu', 'pax', 'ustar', 'v7'] as const) {
  test(`reads GNU tar --format=${format}`, async (t) => {
    const { base } = sandbox(t);
    const src = join(base, 'src');
    mkdirSync(join(src, 'd'), { recursive: true });
    writeFileSync(join(src, 'd/f'), 'content');
    chmodSync(join(src, 'd/f'), 0o2751);
    utimesSync(join(src, 'd/f'), 1_600_000_000, 1_600_000_000);
    symlinkSync('d/f', join(src, 's'));
    linkSync(join(src, 'd/f'), join(src, 'h'));
    const long = format === 'gnu' || format === 'pax';
    if (long) {
      writeFileSync(join(src, 'x'.repeat(180)), 'long');
      symlinkSync('y'.repeat(180), join(src, 'sl'));
    }
    // Past the 7-digit octal range, gnu uses base-256 and pax a record; ustar cannot hold it.
    const [uid, gid] = format === 'ustar' ? [1_000_000, 2_000_000] : [4_000_000, 3_000_000];
    const owner = format === 'v7' ? [] : [`--owner=${uid}`, `--group=${gid}`];
    const r = spawnSync('tar', [`--format=${format}`, ...owner, '--sort=name', '-cf', '-', '-C', src, '.'], { maxBuffer: 1 << 24 });
    assert.equal(r.status, 0, r.stderr.toString());
    const got = new Map((await read(r.stdout)).map((e) => [e.h.name, e]));
    const f = got.get('./d/f');
    assert.ok(f);
    assert.equal(f.h.type, 'file');
    assert.equal(f.body.toString(), 'content');
    assert.equal(f.h.mode, 0o2751);
    assert.equal(Math.floor(f.h.mtime), 1_600_000_000);
    if (format !== 'v7') assert.equal(f.h.uid, uid);
    if (format !== 'v7') assert.equal(f.h.gid, gid);
    assert.equal(got.get('./d/')?.h.type, 'dir');
    assert.equal(got.get('./s')?.h.linkname, 'd/f');
    assert.equal(got.get('./h')?.h.type, 'hardlink');
    if (long) {
      assert.equal(got.get(`./${'x'.repeat(180)}`)?.body.toString(), 'long');
      assert.equal(got.get('./sl')?.h.linkname, 'y'.repeat(180));
    }
  });
}

test('writeTarFromDir: sorted, deterministic, and GNU tar rebuilds the tree', async (t) => {
  const { base, dest } = sandbox(t);
  const src = join(base, 'src');
  mkdirSync(join(src, 'b/c'), { recursive: true });
  writeFileSync(join(src, 'b/z'), 'z');
  writeFileSync(join(src, 'a'), 'a'.repeat(100_000));
  linkSync(join(src, 'a'), join(src, 'b/c/a-again'));
  symlinkSync('../a', join(src, 'b/ln'));
  lsetxattr(join(src, 'a'), 'user.k', Buffer.from([1, 2, 3]));
  const one = await collect(writeTarFromDir(src, { mtime: 0 }));
  const two = await collect(writeTarFromDir(src, { mtime: 0 }));
  assert.deepEqual(one, two);
  const names = (await read(one)).map((e) => `${e.h.type}:${e.h.name}`);
  assert.deepEqual(names, ['file:a', 'dir:b/', 'dir:b/c/', 'hardlink:b/c/a-again', 'symlink:b/ln', 'file:b/z']);
  const x = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '-xf', '-', '-C', dest], { input: one });
  assert.equal(x.status, 0, x.stderr.toString());
  assert.equal(readFileSync(join(dest, 'b/c/a-again'), 'utf8'), 'a'.repeat(100_000));
  assert.equal(readlinkSync(join(dest, 'b/ln')), '../a');
});

test('writeTarFromDir: overlay whiteouts become .wh. entries', { skip: process.geteuid?.() !== 0 && 'needs root for 0:0 devices and trusted xattrs' }, async (t) => {
  const { base } = sandbox(t);
  const src = join(base, 'upper');
  mkdirSync(join(src, 'opq'), { recursive: true });
  writeFileSync(join(src, 'opq/new'), 'n');
  lsetxattr(join(src, 'opq'), 'trusted.overlay.opaque', Buffer.from('y'));
  mknod(join(src, 'deleted'), S_IFCHR, 0, 0);
  const tar = await collect(writeTarFromDir(src, { whiteouts: 'trusted' }));
  const got = await read(tar);
  assert.deepEqual(
    got.map((e) => `${e.h.type}:${e.h.name}`),
    ['file:.wh.deleted', 'dir:opq/', 'file:opq/.wh..wh..opq', 'file:opq/new'],
  );
  assert.equal(got[0]?.h.mode, 0);
  assert.equal(got[1]?.h.xattrs.size, 0);
});
