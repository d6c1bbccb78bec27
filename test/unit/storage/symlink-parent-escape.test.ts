/**
 * Attack: a symlink entry followed by an entry written through it (`a -> /outside`, then `a/x`;
 * `a -> ../../..`, then `a/x`), or a symlink planted at the name of a later file. Parents are
 * resolved as after chroot(dest), so the write lands inside dest; a symlink at the final
 * component is replaced, never followed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyLayer } from '../../../src/storage/apply.ts';
import { chunked, dir, exists, file, sandbox, symlink, tarOf, tree } from './helpers.ts';

test('an absolute symlink parent is clamped to dest', async (t) => {
  const { dest, outside } = sandbox(t);
  const tar = tarOf([symlink('a', outside), file('a/x', 'pwned')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.deepEqual(tree(outside), []);
  // `outside` read with dest as "/": the file is created at dest/<outside path>/x.
  assert.equal(readFileSync(join(dest, outside, 'x'), 'utf8'), 'pwned');
  assert.equal(readlinkSync(join(dest, 'a')), outside);
});

test('a relative symlink climbing above the root is clamped to dest', async (t) => {
  const { base, dest, outside } = sandbox(t);
  const tar = tarOf([symlink('a', '../../..'), file('a/x', 'pwned'), symlink('b', '../outside'), file('b/y', 'pwned')]);
  await applyLayer(chunked(tar), { dest, format: 'vfs' });
  assert.deepEqual(tree(outside), []);
  assert.equal(readFileSync(join(dest, 'x'), 'utf8'), 'pwned');
  assert.equal(readFileSync(join(dest, 'outside/y'), 'utf8'), 'pwned');
  assert.deepEqual(tree(base).filter((p) => !p.startsWith('dest/')), ['outside/']);
});

test('a symlink deeper in the path, pointing up and out, is clamped', async (t) => {
  const { dest, outside } = sandbox(t);
  const tar = tarOf([dir('d/'), dir('d/e/'), symlink('d/e/up', '../../../../../outside'), file('d/e/up/z', 'pwned')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.deepEqual(tree(outside), []);
  assert.equal(readFileSync(join(dest, 'outside/z'), 'utf8'), 'pwned');
});

test('a symlink at the final component is replaced, not written through', async (t) => {
  const { dest, outside } = sandbox(t);
  writeFileSync(join(outside, 'victim'), 'original');
  const tar = tarOf([symlink('f', join(outside, 'victim')), file('f', 'new'), symlink('d', outside), dir('d/')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'original');
  assert.ok(lstatSync(join(dest, 'f')).isFile());
  assert.equal(readFileSync(join(dest, 'f'), 'utf8'), 'new');
  assert.ok(lstatSync(join(dest, 'd')).isDirectory());
  assert.deepEqual(tree(outside), ['victim']);
});

test('a pre-existing symlink in dest (a parent layer, vfs) is followed only inside dest', async (t) => {
  const { dest, outside } = sandbox(t);
  symlinkSync(outside, join(dest, 'planted'));
  const tar = tarOf([file('planted/x', 'pwned')]);
  await applyLayer(chunked(tar), { dest, format: 'vfs' });
  assert.deepEqual(tree(outside), []);
  assert.ok(exists(join(dest, outside, 'x')));
});

test('a directory replaced by a symlink later in the archive is not trusted any more', async (t) => {
  const { dest, outside } = sandbox(t);
  // The node-tar CVE shape: `a/` is seen (and remembered) as a directory, then replaced by a
  // symlink to the outside, then written through.
  const tar = tarOf([dir('a/'), file('a/first', '1'), symlink('a', outside), file('a/second', 'pwned'), dir('b/'), symlink('b', '../../..'), dir('b/c/'), file('b/c/third', 'pwned')]);
  await applyLayer(chunked(tar), { dest, format: 'vfs' });
  assert.deepEqual(tree(outside), []);
  assert.equal(readFileSync(join(dest, outside, 'second'), 'utf8'), 'pwned');
  assert.equal(readFileSync(join(dest, 'c/third'), 'utf8'), 'pwned');
  assert.ok(lstatSync(join(dest, 'a')).isSymbolicLink());
});
