/**
 * Attack: a container plants symlinks so that `cp CONTAINER:PATH` reads a host file — an
 * absolute link (`/x -> /etc/shadow`, meant as the host's), a relative one climbing out
 * (`../../../..`), a link to a directory outside used as a parent, a loop. Looked up and
 * archived with the container's root as "/", each one stays inside that root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archiveInRoot, lookupInRoot } from '../../../src/storage/copier.ts';
import { readTar } from '../../../src/storage/tar/reader.ts';
import { sandbox } from './helpers.ts';

async function names(tar: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readTar(tar)) out.push(e.header.name);
  return out;
}

test('an absolute symlink is resolved inside the root, never on the host', async (t) => {
  const { dest: root, outside } = sandbox(t);
  writeFileSync(join(outside, 'secret'), 'host secret');
  symlinkSync(join(outside, 'secret'), join(root, 'abs'));
  const gone = lookupInRoot(root, '/abs');
  assert.equal(gone.found, false);
  // What the link names does not exist in the root: neither it nor its parent is found.
  assert.equal(lookupInRoot(root, (gone as { dangling: string }).dangling).found, false);
  await assert.rejects(names(archiveInRoot(root, { path: '/abs', top: 'abs' })), /no such file or directory/);
  // The same path inside the root is what the link names, once it exists there.
  mkdirSync(join(root, outside), { recursive: true });
  writeFileSync(join(root, outside, 'secret'), 'container file');
  const found = lookupInRoot(root, '/abs');
  assert.deepEqual(found, { found: true, isDir: false, isRegular: true, path: join(outside, 'secret') });
});

test('a relative symlink climbing out stops at the root', async (t) => {
  const { dest: root, outside } = sandbox(t);
  writeFileSync(join(outside, 'secret'), 'host secret');
  mkdirSync(join(root, 'a/b'), { recursive: true });
  symlinkSync('../../../../../../../../outside/secret', join(root, 'a/b/up'));
  assert.equal(lookupInRoot(root, '/a/b/up').found, false);
  symlinkSync('../../../../../../..', join(root, 'a/top'));
  assert.deepEqual(lookupInRoot(root, '/a/top'), { found: true, isDir: true, isRegular: false, path: '/' });
  assert.equal(lookupInRoot(root, '/a/top/outside/secret').found, false);
  await assert.rejects(names(archiveInRoot(root, { path: '/a/b/up', top: 'x' })), /no such file or directory/);
});

test('a symlinked parent directory leading out is followed inside the root', async (t) => {
  const { dest: root, outside } = sandbox(t);
  writeFileSync(join(outside, 'secret'), 'host secret');
  symlinkSync(outside, join(root, 'dir'));
  assert.equal(lookupInRoot(root, '/dir/secret').found, false);
  // Archiving the link archives what it names inside the root: nothing, here.
  await assert.rejects(names(archiveInRoot(root, { path: '/dir', top: 'dir' })), /no such file or directory/);
});

test('symlinks inside an archived tree are archived as links, not followed', async (t) => {
  const { dest: root, outside } = sandbox(t);
  writeFileSync(join(outside, 'secret'), 'host secret');
  mkdirSync(join(root, 'd'));
  symlinkSync(outside, join(root, 'd/out'));
  symlinkSync(join(outside, 'secret'), join(root, 'd/file'));
  const entries: string[] = [];
  for await (const e of readTar(archiveInRoot(root, { path: '/d', top: 'd' }))) entries.push(`${e.header.type} ${e.header.name} ${e.header.linkname}`);
  assert.deepEqual(entries, ['dir d/ ', `symlink d/file ${join(outside, 'secret')}`, `symlink d/out ${outside}`]);
});

test('a symlink loop ends the lookup instead of spinning', (t) => {
  const { dest: root } = sandbox(t);
  symlinkSync('b', join(root, 'a'));
  symlinkSync('a', join(root, 'b'));
  assert.deepEqual(lookupInRoot(root, '/a'), { found: false, error: 'too many levels of symbolic links' });
});
