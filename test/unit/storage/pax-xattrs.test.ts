/**
 * Extended attributes travel as pax `SCHILY.xattr.*` records whose values are raw bytes: NULs,
 * newlines, '=' and invalid UTF-8 must survive, so records are split by their length, never by
 * text. Checked writer → reader, GNU tar → reader → disk, and writer → GNU tar → disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyLayer } from '../../../src/storage/apply.ts';
import { parsePaxRecords, readTar } from '../../../src/storage/tar/reader.ts';
import { encodeHeader } from '../../../src/storage/tar/writer.ts';
import { lgetxattr, lsetxattr } from '../../../src/util/syscall.ts';
import { chunked, dir, file, sandbox, tarOf } from './helpers.ts';

const isRoot = process.geteuid?.() === 0;

const values = new Map<string, Buffer>([
  ['user.binary', Buffer.from([0x00, 0x0a, 0xff, 0x3d, 0x0a, 0x20, 0xc3, 0x28, 0x00])],
  ['user.text', Buffer.from('a=b\nc=d\n')],
  ['user.empty', Buffer.alloc(0)],
  ['user.big', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 131 + 7) & 0xff))],
  ['security.capability', Buffer.from('0100000200200000000000000000000000000000', 'hex')],
]);

async function readXattrs(tar: Buffer): Promise<Map<string, Map<string, Buffer>>> {
  const out = new Map<string, Map<string, Buffer>>();
  for await (const e of readTar(chunked(tar))) out.set(e.header.name, e.header.xattrs);
  return out;
}

test('pax records are split by length, values kept as bytes', () => {
  const rec = (k: string, v: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(` ${k}=`), v, Buffer.from('\n')]);
    let n = body.length + 1;
    while (String(n).length + body.length !== n) n = String(n).length + body.length;
    return Buffer.concat([Buffer.from(String(n)), body]);
  };
  const v = Buffer.from([0x31, 0x30, 0x20, 0x0a, 0x3d, 0xff, 0x00]); // "10 \n=" ...: looks like a record start
  const parsed = parsePaxRecords(Buffer.concat([rec('SCHILY.xattr.user.x', v), rec('path', Buffer.from('p'))]));
  assert.deepEqual(parsed.get('SCHILY.xattr.user.x'), v);
  assert.equal(parsed.get('path')?.toString(), 'p');
});

test('writer → reader round trip of binary xattr values', async () => {
  const tar = tarOf([file('f', 'data', { xattrs: values }), dir('d/', { xattrs: new Map([['user.k', Buffer.from([0xff])]]) })]);
  const got = await readXattrs(tar);
  assert.deepEqual(got.get('f'), values);
  assert.deepEqual(got.get('d/'), new Map([['user.k', Buffer.from([0xff])]]));
});

test('extraction sets binary xattr values exactly', async (t) => {
  const { dest } = sandbox(t);
  const tar = tarOf([file('f', 'data', { xattrs: values }), { header: { name: 'ln', type: 'symlink', linkname: 'f', xattrs: new Map([['trusted.t', Buffer.from([0, 1])]]) } }]);
  await applyLayer(chunked(tar), { dest, format: 'overlay', rootless: false });
  for (const [k, v] of values) assert.deepEqual(lgetxattr(join(dest, 'f'), k), v, k);
  if (isRoot) assert.deepEqual(lgetxattr(join(dest, 'ln'), 'trusted.t'), Buffer.from([0, 1]));
});

test('GNU tar pax xattrs are read as bytes and extracted', async (t) => {
  const { base, dest } = sandbox(t);
  const src = join(base, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'f'), 'data');
  for (const [k, v] of values) if (k.startsWith('user.')) lsetxattr(join(src, 'f'), k, v);
  const r = spawnSync('tar', ['--format=pax', '--xattrs', '--xattrs-include=*', '-cf', '-', '-C', src, 'f'], { maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr.toString());
  const got = (await readXattrs(r.stdout)).get('f');
  for (const [k, v] of values) if (k.startsWith('user.') && v.length > 0) assert.deepEqual(got?.get(k), v, k);
  await applyLayer(chunked(r.stdout), { dest, format: 'overlay' });
  for (const [k, v] of values) if (k.startsWith('user.') && v.length > 0) assert.deepEqual(lgetxattr(join(dest, 'f'), k), v, k);
});

test('GNU tar extracts the binary xattrs this writer records', (t) => {
  const { dest } = sandbox(t);
  const user = new Map([...values].filter(([k, v]) => k.startsWith('user.') && v.length > 0));
  const tar = tarOf([file('f', 'data', { xattrs: user })]);
  const r = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '-xf', '-', '-C', dest], { input: tar });
  assert.equal(r.status, 0, r.stderr.toString());
  for (const [k, v] of user) assert.deepEqual(lgetxattr(join(dest, 'f'), k), v, k);
});

test('an xattr name holding "=" cannot be written', () => {
  assert.throws(() => encodeHeader({ name: 'f', type: 'file', size: 0, xattrs: new Map([['user.a=b', Buffer.from('x')]]) }));
});
