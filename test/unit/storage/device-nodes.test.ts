/**
 * Device nodes and fifos: created with mknod when privileged, skipped (not an error) rootless,
 * where mknod of a real device is impossible. A device entry planted over an existing file
 * replaces it rather than writing through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyLayer } from '../../../src/storage/apply.ts';
import { chunked, sandbox, tarOf, tree } from './helpers.ts';
import type { Spec } from './helpers.ts';

const isRoot = process.geteuid?.() === 0;
const dev = (name: string, type: 'chardev' | 'blockdev', devmajor: number, devminor: number, mode = 0o620): Spec => ({
  header: { name, type, devmajor, devminor, mode, uid: 0, gid: 5, mtime: 1_000_000_000 },
});

test('privileged: char and block devices and fifos are created with their numbers and modes', { skip: !isRoot && 'needs root' }, async (t) => {
  const { dest } = sandbox(t);
  const tar = tarOf([
    dev('dev/null', 'chardev', 1, 3, 0o666),
    dev('dev/big', 'chardev', 300, 70000),
    dev('dev/loop9', 'blockdev', 7, 9, 0o660),
    { header: { name: 'run/fifo', type: 'fifo', mode: 0o4610, mtime: 1_000_000_000 } },
  ]);
  await applyLayer(chunked(tar), { dest, format: 'overlay', rootless: false });
  const nul = lstatSync(join(dest, 'dev/null'));
  assert.ok(nul.isCharacterDevice());
  assert.equal(nul.rdev, 0x103);
  assert.equal(nul.mode & 0o7777, 0o666);
  assert.equal(nul.gid, 5);
  assert.equal(nul.mtimeMs, 1_000_000_000_000);
  const big = lstatSync(join(dest, 'dev/big'), { bigint: true });
  // glibc makedev(300, 70000)
  assert.equal(big.rdev, ((300n & 0xfffn) << 8n) | ((300n & ~0xfffn) << 32n) | (70000n & 0xffn) | ((70000n & ~0xffn) << 12n));
  assert.ok(lstatSync(join(dest, 'dev/loop9')).isBlockDevice());
  const fifo = lstatSync(join(dest, 'run/fifo'));
  assert.ok(fifo.isFIFO());
  assert.equal(fifo.mode & 0o7777, 0o4610);
});

test('rootless: devices are skipped without error, fifos still made', async (t) => {
  const { dest } = sandbox(t);
  const tar = tarOf([dev('dev/null', 'chardev', 1, 3), dev('dev/sda', 'blockdev', 8, 0), { header: { name: 'fifo', type: 'fifo', mode: 0o600 } }]);
  await applyLayer(chunked(tar), { dest, format: 'overlay-rootless', rootless: true });
  assert.deepEqual(tree(dest), ['dev/', 'fifo']);
  assert.ok(lstatSync(join(dest, 'fifo')).isFIFO());
});

test('a device entry over a planted symlink replaces the link', { skip: !isRoot && 'needs root' }, async (t) => {
  const { dest, outside } = sandbox(t);
  writeFileSync(join(outside, 'target'), 'safe');
  symlinkSync(join(outside, 'target'), join(dest, 'node'));
  await applyLayer(chunked(tarOf([dev('node', 'chardev', 1, 3)])), { dest, format: 'overlay', rootless: false });
  assert.ok(lstatSync(join(dest, 'node')).isCharacterDevice());
  assert.equal(readFileSync(join(outside, 'target'), 'utf8'), 'safe');
  assert.ok(lstatSync(join(outside, 'target')).isFile());
});
