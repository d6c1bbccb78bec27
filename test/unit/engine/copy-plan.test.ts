/**
 * cp's path rules. Each expectation was checked against podman 4.3.1 (`podman cp` between a
 * container and the host, both directions), except where a comment says skiff differs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  archiveTop,
  baseName,
  containerAbsPath,
  dirName,
  fromMount,
  locateInMounts,
  parseCopyArg,
  parseCopyArgs,
  planTransfer,
  preserveBasePath,
  type Probe,
  resolveDestination,
  type Side,
} from '../../../src/engine/copy-plan.ts';
import { isSkiffError } from '../../../src/util/errors.ts';

const CTR: Side = { kind: 'container', name: 'c1' };
const HOST: Side = { kind: 'host' };
const dir = (linkTarget: string): Probe => ({ found: true, isDir: true, isRegular: false, linkTarget });
const file = (linkTarget: string): Probe => ({ found: true, isDir: false, isRegular: true, linkTarget });
const missing = (dangling?: string): Probe => ({ found: false, error: 'no such file or directory', ...(dangling ? { dangling } : {}) });

test('[CONTAINER:]PATH', () => {
  const cases: [string, string, string][] = [
    ['c1:/etc/passwd', 'c1', '/etc/passwd'],
    ['c1:rel/path', 'c1', 'rel/path'],
    ['c1:', 'c1', ''],
    [':/x', '', '/x'],
    ['/abs:with:colons', '', '/abs:with:colons'],
    ['./c1:x', '', './c1:x'],
    ['.', '', '.'],
    ['plain', '', 'plain'],
    ['-', '', '-'],
    ['a:b:c', 'a', 'b:c'],
    ['', '', ''],
  ];
  for (const [input, container, path] of cases) assert.deepEqual(parseCopyArg(input), { container, path }, input);
});

test('both paths are required, with Podman\'s message', () => {
  for (const [s, d] of [['c1:', '/tmp/y'], ['c1:/etc/passwd', ''], ['', 'c1:/x']]) {
    assert.throws(
      () => parseCopyArgs(s as string, d as string),
      (e: unknown) => isSkiffError(e, 'invalid-argument') && e.message === `invalid arguments ${JSON.stringify(s)}, ${JSON.stringify(d)}: you must specify paths`,
    );
  }
});

test('a trailing / or /. survives cleaning', () => {
  const cases: [string, string, string][] = [
    ['d/', '/h/d', '/h/d/'],
    ['d/.', '/h/d', '/h/d/.'],
    ['.', '/h', '/h/.'],
    ['/', '/', '/'],
    ['/.', '/', '/.'],
    ['d', '/h/d', '/h/d'],
    ['d/..', '/h', '/h'],
    ['v1.', '/h/v1.', '/h/v1.'],
  ];
  for (const [original, resolved, want] of cases) assert.equal(preserveBasePath(original, resolved), want, original);
});

test('container paths: relative to the working directory, cleaned lexically', () => {
  const cases: [string, string, string][] = [
    ['/etc/passwd', '/', '/etc/passwd'],
    ['etc/passwd', '/', '/etc/passwd'],
    ['x', '/work', '/work/x'],
    ['../../x', '/work', '/x'],
    ['/a/b/../../../c', '/', '/c'],
    ['/d/./e/', '/', '/d/e'],
    ['.', '/', '/'],
  ];
  for (const [path, workdir, want] of cases) assert.equal(containerAbsPath(path, workdir), want, `${path} in ${workdir}`);
  assert.equal(baseName('/a/b/'), 'b');
  assert.equal(baseName('/'), '/');
  assert.equal(dirName('/a/b/'), '/a');
  assert.equal(dirName('x'), '.');
});

test('mounts: the longest destination that is the path or a parent of it, by text', () => {
  const mounts = [
    { destination: '/data', source: '/host/data' },
    { destination: '/data/sub/', source: '/host/sub' },
    { destination: '/etc/hosts', source: '/run/hosts' },
  ];
  const cases: [string, string | undefined, string][] = [
    ['/data', '/host/data', '/'],
    ['/data/x', '/host/data', '/x'],
    ['/data/sub', '/host/sub', '/'],
    ['/data/sub/y/z', '/host/sub', '/y/z'],
    ['/datax', undefined, '/datax'],
    ['/etc/hosts', '/run/hosts', '/'],
    ['/etc/hostname', undefined, '/etc/hostname'],
    ['/', undefined, '/'],
  ];
  for (const [path, source, inner] of cases) {
    const m = locateInMounts(path, mounts);
    assert.equal(m.mount?.source, source, path);
    assert.equal(m.inner, inner, path);
    assert.equal(fromMount(m.mount, m.inner), path, `${path} round trip`);
  }
  assert.equal(locateInMounts('/x', [{ destination: '/', source: '/r' }]).inner, '/x');
});

test('destinations: existing, missing with an existing parent, or errors as Podman words them', () => {
  // Existing directory or file: no renaming.
  assert.deepEqual(resolveDestination('/t/d', dir('/t/d'), undefined, CTR), { info: dir('/t/d'), baseName: 'd', resolvedToParent: false });
  assert.deepEqual(resolveDestination('/t/f', file('/t/f'), undefined, CTR), { info: file('/t/f'), baseName: 'f', resolvedToParent: false });
  // Missing: created in the parent under its own name (or a dangling link's target's).
  assert.deepEqual(resolveDestination('/t/new', missing(), dir('/t'), CTR), { info: dir('/t'), baseName: 'new', resolvedToParent: true });
  assert.deepEqual(resolveDestination('/dangle', missing('/nowhere/x'), dir('/nowhere'), CTR).baseName, 'x');

  const errors: [string, Probe, Probe | undefined, Side, { stdin?: boolean }, string][] = [
    ['/t/new/', missing(), dir('/t'), CTR, {}, '"/t/new/" could not be found on container c1: no such file or directory'],
    ['/t/nope/x', missing(), missing(), CTR, {}, '"/t/nope/x" could not be found on container c1: no such file or directory'],
    ['/t/new', missing(), dir('/t'), CTR, { stdin: true }, 'destination must be a directory when copying from stdin'],
    ['newdir/', missing(), dir('/h'), HOST, {}, '"newdir/" could not be found on the host: no such file or directory'],
    ['nope/x', missing(), missing(), HOST, {}, '"nope/x" could not be found on the host: no such file or directory'],
    // skiff differs: Podman writes next to a parent that is a file (into /t).
    ['/t/file/x', missing(), file('/t/file'), CTR, {}, '"/t/file/x" could not be found on container c1: not a directory'],
    ['/t/file/', file('/t/file'), undefined, CTR, {}, '"/t/file/" could not be found on container c1: not a directory'],
  ];
  for (const [path, probe, parent, side, opts, message] of errors) {
    assert.throws(() => resolveDestination(path, probe, parent, side, opts), (e: unknown) => isSkiffError(e) && e.message === message, path);
  }
});

test('transfers: the archive\'s top name and where it is extracted', () => {
  const d = dir('/src/d');
  const f = file('/src/f');
  const contents = dir('/src/d/.');
  const existingDir = resolveDestination('/t/e', dir('/t/e'), undefined, CTR);
  const existingFile = resolveDestination('/t/ef', file('/t/ef'), undefined, CTR);
  const fresh = resolveDestination('/t/new', missing(), dir('/t'), CTR);
  const cases: [string, Probe, typeof fresh, string | null, string][] = [
    ['file into a directory', f, existingDir, 'f', '/t/e'],
    ['file onto a file', f, existingFile, 'ef', '/t'],
    ['file to a new name', f, fresh, 'new', '/t'],
    ['directory into a directory', d, existingDir, 'd', '/t/e'],
    ['directory to a new name', d, fresh, 'new', '/t'],
    ['contents into a directory', contents, existingDir, null, '/t/e'],
    ['contents to a new name: the directory is created', contents, fresh, 'new', '/t'],
    ['the root is contents', dir('/'), existingDir, null, '/t/e'],
  ];
  for (const [what, src, dest, top, destDir] of cases) {
    assert.deepEqual(planTransfer(src as Extract<Probe, { found: true }>, dest), { top, destDir }, what);
  }
  assert.throws(
    () => planTransfer(d as Extract<Probe, { found: true }>, existingFile),
    (e: unknown) => isSkiffError(e) && e.message === 'destination must be a directory when copying a directory',
  );
  // Not to be taken for `dir/.`: a name that merely ends in a dot (Podman 4.3.1 copies the parent).
  assert.equal(archiveTop({ isDir: true, isRegular: false, linkTarget: '/src/v1.' }), 'v1.');
  assert.equal(archiveTop({ isDir: false, isRegular: true, linkTarget: '/etc/passwd' }), 'passwd');
});
