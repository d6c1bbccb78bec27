/**
 * Attack: chains of symlinks, absolute and relative, that each look harmless but together lead
 * out of dest (`a -> /b`, `b -> ../c`, `c -> /outside`), and loops that never resolve.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { applyLayer } from '../../../src/storage/apply.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { chunked, file, sandbox, symlink, tarOf, tree } from './helpers.ts';

test('a chain of absolute and relative symlinks stays inside dest', async (t) => {
  const { dest, outside } = sandbox(t);
  const tar = tarOf([symlink('a', '/b'), symlink('b', '../c'), symlink('c', outside), file('a/x', 'pwned'), file('/a/y', 'pwned')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.deepEqual(tree(outside), []);
  assert.equal(readFileSync(join(dest, outside, 'x'), 'utf8'), 'pwned');
  assert.equal(readFileSync(join(dest, outside, 'y'), 'utf8'), 'pwned');
});

test('a symlink to / is dest itself', async (t) => {
  const { dest, outside } = sandbox(t);
  const tar = tarOf([symlink('root', '/'), symlink('root2', 'root/root/..'), file('root2/root/x', 'in')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.equal(readFileSync(join(dest, 'x'), 'utf8'), 'in');
  assert.deepEqual(tree(outside), []);
});

test('a symlink loop is refused', async (t) => {
  const { dest, outside } = sandbox(t);
  const tar = tarOf([symlink('a', 'b'), symlink('b', '/a'), file('a/x', 'loop')]);
  await assert.rejects(applyLayer(chunked(tar), { dest, format: 'overlay' }), (err) => isSkiffError(err, 'unsafe-path'));
  assert.deepEqual(tree(outside), []);
});

test('merged-usr style absolute links of a parent layer are followed inside dest (vfs)', async (t) => {
  const { dest, outside } = sandbox(t);
  mkdirSync(join(dest, 'usr/lib'), { recursive: true });
  symlinkSync('/usr/lib', join(dest, 'lib'));
  const tar = tarOf([file('lib/libx.so', 'elf')]);
  await applyLayer(chunked(tar), { dest, format: 'vfs' });
  assert.equal(readFileSync(join(dest, 'usr/lib/libx.so'), 'utf8'), 'elf');
  assert.deepEqual(tree(outside), []);
});
