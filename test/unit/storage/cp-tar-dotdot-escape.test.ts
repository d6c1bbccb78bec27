/**
 * Attack: a tar streamed into a container with `cp -` that names paths above its destination
 * (`../../x`, `a/../../x`) or hard-links to them. Such an archive is refused; an absolute
 * name is read relative to the destination.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractInRoot } from '../../../src/storage/copier.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { chunked, file, hardlink, sandbox, symlink, tarOf, tree } from './helpers.ts';

for (const name of ['../x', '../../../../x', 'a/../../x', './../x']) {
  test(`an entry named ${name} is refused`, async (t) => {
    const { dest: root, outside } = sandbox(t);
    mkdirSync(join(root, 'dst/sub'), { recursive: true });
    await assert.rejects(extractInRoot(root, { dir: '/dst/sub', overwrite: false }, chunked(tarOf([file(name, 'pwned')]))), (e: unknown) => isSkiffError(e, 'unsafe-path'));
    assert.deepEqual(tree(root), ['dst/', 'dst/sub/']);
    assert.deepEqual(tree(outside), []);
  });
}

test('an absolute entry name lands under the destination', async (t) => {
  const { dest: root } = sandbox(t);
  mkdirSync(join(root, 'dst'));
  await extractInRoot(root, { dir: '/dst', overwrite: false }, chunked(tarOf([file('/etc/x', 'y')])));
  assert.equal(readFileSync(join(root, 'dst/etc/x'), 'utf8'), 'y');
});

test('hard links to paths above the destination are refused', async (t) => {
  const { dest: root, outside } = sandbox(t);
  writeFileSync(join(outside, 'secret'), 'host');
  mkdirSync(join(root, 'dst'));
  for (const target of ['../../../outside/secret', '../x', join(outside, 'secret').replace(/^\//, '../../../')]) {
    await assert.rejects(extractInRoot(root, { dir: '/dst', overwrite: false }, chunked(tarOf([hardlink('h', target)]))), (e: unknown) => isSkiffError(e, 'unsafe-path'), target);
  }
  // A link to a symlink that leads out would be a second name for that link: refused too.
  await assert.rejects(
    extractInRoot(root, { dir: '/dst', overwrite: false }, chunked(tarOf([symlink('l', join(outside, 'secret')), hardlink('h', 'l')]))),
    (e: unknown) => isSkiffError(e, 'unsafe-path'),
  );
  assert.deepEqual(tree(outside), ['secret']);
  assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), 'host');
});
