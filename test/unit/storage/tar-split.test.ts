/**
 * tar-split: extraction records what reassembly needs to give back the original tar byte for
 * byte (same sha256, hence same diffID). Checked against GNU tar's pax, gnu and ustar output,
 * this writer's output, and hostile shapes (marker files with content, trailing bytes); and a
 * layer changed on disk must fail reassembly rather than yield different bytes.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { applyLayer } from '../../../src/storage/apply.ts';
import type { LayerFormat } from '../../../src/storage/apply.ts';
import { createSplitWriter, reassemble } from '../../../src/storage/tar/split.ts';
import { writeTarFromDir } from '../../../src/storage/tar/writer.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { lsetxattr } from '../../../src/util/syscall.ts';
import { chunked, dir, file, hardlink, sandbox, symlink, tarOf } from './helpers.ts';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** Extracts `tar` with a split writer. */
async function extract(t: TestContext, tar: Buffer, format: LayerFormat = 'overlay'): Promise<{ dest: string; splitPath: string; size: number }> {
  const { base, dest } = sandbox(t);
  const splitPath = join(base, 'tar-split.gz');
  const split = await createSplitWriter(splitPath);
  const { size } = await applyLayer(chunked(tar), { dest, format, split });
  await split.close();
  return { dest, splitPath, size };
}

/** Extracts `tar` with a split writer, then rebuilds it; returns the rebuilt bytes. */
async function roundTrip(t: TestContext, tar: Buffer, format: LayerFormat = 'overlay'): Promise<{ out: Buffer; dest: string; splitPath: string; size: number }> {
  const x = await extract(t, tar, format);
  return { ...x, out: await collect(reassemble(x.splitPath, x.dest)) };
}

/** A tree with what layers hold: nesting, empty and big files, hard and soft links, xattrs. */
function makeTree(root: string, opts: { long: boolean; xattrs: boolean }): void {
  mkdirSync(join(root, 'etc/deep/er'), { recursive: true });
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'big.bin'), randomBytes(2_500_000 + 123));
  writeFileSync(join(root, 'etc/deep/er/one-block'), 'x'.repeat(512));
  linkSync(join(root, 'etc/hosts'), join(root, 'hosts-hard'));
  linkSync(join(root, 'empty'), join(root, 'etc/empty-hard'));
  symlinkSync('../hosts-hard', join(root, 'etc/rel-link'));
  symlinkSync('/etc/hosts', join(root, 'abs-link'));
  // Fits ustar only through the prefix field: a 113-byte directory path, a 90-byte name.
  const pre = `${'a'.repeat(50)}/${'b'.repeat(60)}`;
  mkdirSync(join(root, pre), { recursive: true });
  writeFileSync(join(root, pre, 'n'.repeat(90)), 'prefixed');
  if (opts.long) {
    const longDir = join(root, 'l'.repeat(150));
    mkdirSync(longDir);
    writeFileSync(join(longDir, 'f'.repeat(200)), 'long name');
    symlinkSync('t'.repeat(300), join(root, 'long-target-link'));
    linkSync(join(longDir, 'f'.repeat(200)), join(root, 'hard-to-long'));
  }
  if (opts.xattrs) lsetxattr(join(root, 'etc/hosts'), 'user.bin', Buffer.from([0, 10, 255, 61, 10]));
}

for (const format of ['pax', 'gnu', 'ustar'] as const) {
  test(`GNU tar --format=${format}: reassembly is byte-exact`, async (t) => {
    const { base } = sandbox(t);
    const src = join(base, 'src');
    mkdirSync(src);
    makeTree(src, { long: format !== 'ustar', xattrs: format === 'pax' });
    const args = [`--format=${format}`, ...(format === 'pax' ? ['--xattrs', '--xattrs-include=*'] : []), '-cf', '-', '-C', src, '.'];
    const r = spawnSync('tar', args, { maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, r.stderr.toString());
    const tar = r.stdout;
    for (const layerFormat of ['overlay', 'vfs'] as const) {
      const { out, size } = await roundTrip(t, tar, layerFormat);
      assert.equal(out.length, tar.length);
      assert.equal(sha(out), sha(tar));
      assert.ok(size >= 2_500_000);
    }
  });
}

test('this writer\'s output: reassembly is byte-exact', async (t) => {
  const { base } = sandbox(t);
  const src = join(base, 'src');
  mkdirSync(src);
  makeTree(src, { long: true, xattrs: true });
  const tar = await collect(writeTarFromDir(src));
  const { out } = await roundTrip(t, tar);
  assert.equal(sha(out), sha(tar));
});

test('hostile shapes: marker files with content, skipped entries, trailing bytes', async (t) => {
  const tar = Buffer.concat([
    tarOf([
      dir('d/'),
      file('d/.wh.gone', 'whiteout with content'),
      file('d/.wh..wh..opq', 'opaque with content'),
      file('.wh..wh.plnk/1', 'aufs'),
      file('d/real', 'real'),
      file('d/real2', Buffer.alloc(70_000, 7)),
    ]),
    Buffer.from('trailing garbage after the end blocks'),
  ]);
  for (const format of ['overlay', 'vfs'] as const) {
    const { out } = await roundTrip(t, tar, format);
    assert.equal(sha(out), sha(tar));
  }
});

test('content through a symlinked parent is found where extraction put it', async (t) => {
  const tar = tarOf([symlink('a', '/elsewhere'), file('a/x', 'through the link'), symlink('b', 'a'), file('b/y', 'twice')]);
  const { out } = await roundTrip(t, tar);
  assert.equal(sha(out), sha(tar));
});

test('a layer file changed on disk fails reassembly', async (t) => {
  const tar = tarOf([file('f', 'original'), file('g', 'same size')]);
  const { dest, splitPath } = await extract(t, tar);
  writeFileSync(join(dest, 'g'), 'SAME SIZE');
  await assert.rejects(collect(reassemble(splitPath, dest)), (err) => isSkiffError(err, 'io') && /checksum/.test((err as Error).message));
  truncateSync(join(dest, 'f'), 2);
  await assert.rejects(collect(reassemble(splitPath, dest)), (err) => isSkiffError(err, 'io'));
});

test('a file overwritten later in the same layer fails reassembly instead of lying', async (t) => {
  const tar = tarOf([file('f', 'first version'), file('f', 'second')]);
  const { dest, splitPath } = await extract(t, tar);
  await assert.rejects(collect(reassemble(splitPath, dest)), (err) => isSkiffError(err, 'io'));
});

test('a truncated or corrupt split file is an error', async (t) => {
  const tar = tarOf([file('f', 'x'), hardlink('h', 'f')]);
  const { dest, splitPath, out } = await roundTrip(t, tar);
  assert.equal(sha(out), sha(tar));
  const raw = gunzipSync(readFileSync(splitPath));
  writeFileSync(splitPath, gzipSync(raw.subarray(0, raw.length - 1)));
  await assert.rejects(collect(reassemble(splitPath, dest)), (err) => isSkiffError(err, 'io'));
  writeFileSync(splitPath, gzipSync(Buffer.concat([Buffer.from('NOTSPLIT'), raw.subarray(8)])));
  await assert.rejects(collect(reassemble(splitPath, dest)), (err) => isSkiffError(err, 'io'));
  await assert.rejects(collect(reassemble(join(dest, 'missing.gz'), dest)), (err) => isSkiffError(err, 'io'));
});

test('abort removes the temp file and publishes nothing', async (t) => {
  const { base } = sandbox(t);
  const w = await createSplitWriter(join(base, 'x.gz'));
  await w.raw(Buffer.alloc(10));
  await w.abort();
  assert.deepEqual(spawnSync('ls', ['-A', base]).stdout.toString().trim().split('\n').sort(), ['dest', 'outside']);
});
