/**
 * Attack: entry names that climb out of the layer root with `..`, directly or after folding
 * (`a/../../x`), or after a leading `/`. Each must be refused with unsafe-path and leave nothing
 * outside dest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyLayer } from '../../../src/storage/apply.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { chunked, dir, file, sandbox, tarOf, tree } from './helpers.ts';

const escapes = ['../escaped', '../outside/escaped', 'a/../../outside/escaped', './../outside/escaped', '/../outside/escaped', 'a/b/../../../escaped', '..'];

for (const name of escapes) {
  test(`refuses ${JSON.stringify(name)}`, async (t) => {
    const { base, dest, outside } = sandbox(t);
    const tar = tarOf([dir('a/'), file('ok', 'fine'), file(name, 'pwned')]);
    await assert.rejects(applyLayer(chunked(tar), { dest, format: 'overlay' }), (err) => isSkiffError(err, 'unsafe-path'));
    assert.deepEqual(tree(outside), []);
    assert.deepEqual(tree(base), ['dest/', 'dest/a/', 'dest/ok', 'outside/']);
  });
}

test('refuses a whiteout that names the parent directory', async (t) => {
  const { dest, outside } = sandbox(t);
  const tar = tarOf([dir('a/'), file('a/keep', 'x'), file('a/.wh...', '')]);
  await assert.rejects(applyLayer(chunked(tar), { dest, format: 'vfs' }), (err) => isSkiffError(err, 'unsafe-path'));
  assert.deepEqual(tree(dest), ['a/', 'a/keep']);
  assert.deepEqual(tree(outside), []);
});

test('folds names that stay inside and reads absolute names from the root', async (t) => {
  const { base, dest } = sandbox(t);
  const tar = tarOf([file('./a/../b', 'one'), file('/etc/passwd', 'two'), file('//c//./d', 'three')]);
  await applyLayer(chunked(tar), { dest, format: 'overlay' });
  assert.equal(readFileSync(join(dest, 'b'), 'utf8'), 'one');
  assert.equal(readFileSync(join(dest, 'etc/passwd'), 'utf8'), 'two');
  assert.equal(readFileSync(join(dest, 'c/d'), 'utf8'), 'three');
  assert.deepEqual(tree(base), ['dest/', 'dest/b', 'dest/c/', 'dest/c/d', 'dest/etc/', 'dest/etc/passwd', 'outside/']);
});
