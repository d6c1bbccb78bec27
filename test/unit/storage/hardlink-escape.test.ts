/**
 * Attack: hard links whose target is outside dest, directly (`../outside/secret`), through a
 * symlinked parent (`s -> /outside`, link to `s/secret`), or via a symlink that leads out.
 * A hard link to a file outside would let the container read or rewrite it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyLayer } from '../../../src/storage/apply.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { chunked, file, hardlink, sandbox, symlink, tarOf, tree } from './helpers.ts';

function secret(outside: string): string {
  const p = join(outside, 'secret');
  writeFileSync(p, 'top secret');
  return p;
}

test('refuses a hard link whose target climbs out with ..', async (t) => {
  const { dest, outside } = sandbox(t);
  const s = secret(outside);
  const tar = tarOf([hardlink('l', '../outside/secret')]);
  await assert.rejects(applyLayer(chunked(tar), { dest, format: 'overlay' }), (err) => isSkiffError(err, 'unsafe-path'));
  assert.equal(lstatSync(s).nlink, 1);
  assert.deepEqual(tree(dest), []);
});

test('an absolute hard link target is read inside dest, never on the host', async (t) => {
  const { dest, outside } = sandbox(t);
  const s = secret(outside);
  const tar = tarOf([hardlink('l', s)]);
  await assert.rejects(applyLayer(chunked(tar), { dest, format: 'overlay' }), (err) => isSkiffError(err, 'bad-archive'));
  assert.equal(lstatSync(s).nlink, 1);
  assert.deepEqual(tree(dest), []);
});

test('a symlinked parent in the target is resolved inside dest', async (t) => {
  const { dest, outside } = sandbox(t);
  const s = secret(outside);
  const tar = tarOf([symlink('s', outside), hardlink('l', 's/secret')]);
  await assert.rejects(applyLayer(chunked(tar), { dest, format: 'overlay' }), (err) => isSkiffError(err, 'bad-archive'));
  assert.equal(lstatSync(s).nlink, 1);
  assert.deepEqual(tree(dest), ['s']);
});

test('refuses a hard link to a symlink that leads out', async (t) => {
  const { dest, outside } = sandbox(t);
  const s = secret(outside);
  for (const target of [s, '../outside/secret']) {
    const tar = tarOf([symlink('s', target), hardlink('l', 's')]);
    await assert.rejects(applyLayer(chunked(tar), { dest, format: 'overlay' }), (err) => isSkiffError(err, 'unsafe-path'));
  }
  assert.equal(lstatSync(s).nlink, 1);
  assert.deepEqual(tree(outside), ['secret']);
});

test('a hard link inside the layer works and shares the inode', async (t) => {
  const { dest } = sandbox(t);
  const tar = tarOf([file('a/f', 'data'), hardlink('b/g', 'a/f'), symlink('rel', 'a/f'), hardlink('rel2', 'rel')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.equal(lstatSync(join(dest, 'a/f')).ino, lstatSync(join(dest, 'b/g')).ino);
  assert.equal(readFileSync(join(dest, 'b/g'), 'utf8'), 'data');
  assert.ok(lstatSync(join(dest, 'rel2')).isSymbolicLink());
});
