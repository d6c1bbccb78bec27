/**
 * Attack: headers altered after they were written (a name or size changed in place). The
 * checksum must catch them: bad-archive, and nothing extracted from the bad header on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLayer } from '../../../src/storage/apply.ts';
import { readTar } from '../../../src/storage/tar/reader.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { chunked, file, sandbox, tarOf, tree } from './helpers.ts';

const isBad = (err: unknown): boolean => isSkiffError(err, 'bad-archive');

test('a header changed after checksumming is refused', async (t) => {
  const tar = Buffer.from(tarOf([file('good', 'ok'), file('evil', 'x')]));
  tar.write('../e', 1024, 'latin1'); // the second header's name, checksum left as it was
  const names: string[] = [];
  await assert.rejects(async () => {
    for await (const e of readTar(chunked(tar))) names.push(e.header.name);
  }, isBad);
  assert.deepEqual(names, ['good']);
  const { dest } = sandbox(t);
  await assert.rejects(applyLayer(chunked(tar), { dest, format: 'overlay' }), isBad);
  assert.deepEqual(tree(dest), ['good']);
});

test('a checksum field that is not a number is refused', async () => {
  const tar = Buffer.from(tarOf([file('f', 'x')]));
  tar.write('zzzzzz\0 ', 148, 'latin1');
  await assert.rejects(async () => {
    for await (const _ of readTar(chunked(tar)));
  }, isBad);
});

test('a checksum computed over signed bytes (old writers) is accepted', async () => {
  const tar = Buffer.from(tarOf([file('f\u00e9', 'x')]));
  // The pax header's name holds UTF-8 bytes >= 0x80; re-sum them as signed chars.
  tar.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) {
    const c = tar[i] as number;
    sum += c > 127 ? c - 256 : c;
  }
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  const names: string[] = [];
  for await (const e of readTar(chunked(tar))) names.push(e.header.name);
  assert.deepEqual(names, ['f\u00e9']);
});
