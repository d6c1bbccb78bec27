/**
 * Attack: symlinks that would lead `cp` writes out of a container — a destination directory
 * that is a link to a host directory, a link planted where a copied file lands, a tar streamed
 * in with `cp -` whose entries create a link and then write through it. With the container's
 * root as "/", every write lands inside the root; a link at the final name is replaced.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractInRoot, lookupInRoot } from '../../../src/storage/copier.ts';
import { chunked, dir, file, sandbox, symlink, tarOf, tree } from './helpers.ts';

test('a destination directory that links out resolves inside the root', async (t) => {
  const { dest: root, outside } = sandbox(t);
  symlinkSync(outside, join(root, 'to-host'));
  // cp resolves the destination first, as the container sees it: a missing directory.
  assert.equal(lookupInRoot(root, '/to-host').found, false);
  mkdirSync(join(root, outside), { recursive: true });
  await extractInRoot(root, { dir: '/to-host', overwrite: false }, chunked(tarOf([file('f', 'data')])));
  assert.deepEqual(tree(outside), []);
  assert.equal(readFileSync(join(root, outside, 'f'), 'utf8'), 'data');
});

test('tar entries written through a symlink they created stay inside the root', async (t) => {
  const { dest: root, outside } = sandbox(t);
  mkdirSync(join(root, 'dst'));
  const tar = tarOf([symlink('abs', outside), file('abs/x', 'pwned'), symlink('rel', '../../../../../..'), dir('rel/y/'), file('rel/y/z', 'pwned')]);
  await extractInRoot(root, { dir: '/dst', overwrite: false }, chunked(tar));
  assert.deepEqual(tree(outside), []);
  // An absolute target is the container's path; `..` stops at the container's root.
  assert.equal(readFileSync(join(root, outside, 'x'), 'utf8'), 'pwned');
  assert.equal(readFileSync(join(root, 'y/z'), 'utf8'), 'pwned');
});

test('a symlink already at a copied file\'s name is replaced, not written through', async (t) => {
  const { dest: root, outside } = sandbox(t);
  writeFileSync(join(outside, 'victim'), 'original');
  mkdirSync(join(root, 'dst'));
  symlinkSync(join(outside, 'victim'), join(root, 'dst/f'));
  symlinkSync('../../outside/victim', join(root, 'dst/g'));
  await extractInRoot(root, { dir: '/dst', overwrite: false }, chunked(tarOf([file('f', 'new'), file('g', 'new')])));
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'original');
  assert.ok(lstatSync(join(root, 'dst/f')).isFile());
  assert.ok(lstatSync(join(root, 'dst/g')).isFile());
});

test('a destination given with .. or through links never leaves the root', async (t) => {
  const { dest: root, outside } = sandbox(t);
  mkdirSync(join(root, 'a'));
  symlinkSync('../../..', join(root, 'a/up'));
  await extractInRoot(root, { dir: '/a/up/../..', overwrite: false }, chunked(tarOf([file('f', 'x')])));
  assert.deepEqual(tree(outside), []);
  assert.equal(readFileSync(join(root, 'f'), 'utf8'), 'x');
});
