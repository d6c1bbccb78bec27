/**
 * Attack: archives cut short anywhere (in a header, in pax data, in content, before the end
 * blocks), and headers whose numbers are negative, overflowing or not numbers. Each must end
 * with bad-archive, never with a partial success or a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLayer } from '../../../src/storage/apply.ts';
import { readTar } from '../../../src/storage/tar/reader.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { chunked, dir, file, sandbox, tarOf } from './helpers.ts';

async function entries(buf: Buffer): Promise<string[]> {
  const names: string[] = [];
  for await (const e of readTar(chunked(buf))) {
    names.push(e.header.name);
    for await (const _ of e.body);
  }
  return names;
}

const isBad = (err: unknown): boolean => isSkiffError(err, 'bad-archive') && !(err as Error).message.includes('\n');

/** Rewrites a header block's checksum after it was edited. */
function rechecksum(buf: Buffer, at: number): void {
  buf.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += buf[i] as number;
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 8, 'latin1');
}

// Blocks: [dir hdr][pax hdr][pax data][file hdr][content ×2][end ×2], 512 bytes each.
const longName = `dir/${'f'.repeat(120)}`; // too long for ustar even with a prefix: needs pax
const sample = tarOf([dir('a/'), file(longName, 'x'.repeat(1000))]);

test('the intact sample reads', async () => {
  assert.deepEqual(await entries(sample), ['a/', longName]);
});

for (const [what, cut] of [
  ['inside the first header', 100],
  ['inside pax data', 1024 + 20],
  ['inside the header after pax', 1536 + 300],
  ['inside the content', 2048 + 700],
  ['inside content padding', 2048 + 1010],
  ['at a header boundary, without end blocks', 3072],
  ['inside the second end block', 3584 + 100],
] as const) {
  test(`truncated ${what}`, async (t) => {
    const tar = sample.subarray(0, cut);
    await assert.rejects(entries(tar), isBad);
    const { dest } = sandbox(t);
    await assert.rejects(applyLayer(chunked(tar), { dest, format: 'overlay' }), isBad);
  });
}

test('EOF after a single end block is tolerated, as GNU tar does', async () => {
  assert.deepEqual(await entries(sample.subarray(0, sample.length - 512)), ['a/', longName]);
});

test('an empty stream is an empty archive', async () => {
  assert.deepEqual(await entries(Buffer.alloc(0)), []);
});

test('data after a lone zero block is refused', async () => {
  const one = tarOf([file('x', 'y')], { end: false });
  const tar = Buffer.concat([Buffer.alloc(512), one, Buffer.alloc(1024)]);
  await assert.rejects(entries(tar), isBad);
});

test('a negative base-256 size is refused', async () => {
  const tar = Buffer.from(tarOf([file('f', 'abc')]));
  tar.fill(0xff, 124, 136);
  rechecksum(tar, 0);
  await assert.rejects(entries(tar), isBad);
});

test('a size beyond 2^53 in base-256 is refused', async () => {
  const tar = Buffer.from(tarOf([file('f', 'abc')]));
  tar.fill(0, 124, 136);
  tar[124] = 0x80;
  tar.fill(0xff, 128, 136);
  rechecksum(tar, 0);
  await assert.rejects(entries(tar), isBad);
});

test('a base-256 size in range is read', async () => {
  const tar = Buffer.from(tarOf([file('f', 'abc')]));
  tar.fill(0, 124, 136);
  tar[124] = 0x80;
  tar[135] = 3;
  rechecksum(tar, 0);
  assert.deepEqual(await entries(tar), ['f']);
});

test('a size field that is not octal is refused', async () => {
  const tar = Buffer.from(tarOf([file('f', 'abc')]));
  tar.write('0000000009a\0', 124, 'latin1');
  rechecksum(tar, 0);
  await assert.rejects(entries(tar), isBad);
});

test('a size that runs past the end of the archive is refused', async (t) => {
  const tar = Buffer.from(tarOf([file('f', 'abc')]));
  tar.write('77777777777\0', 124, 'latin1');
  rechecksum(tar, 0);
  await assert.rejects(entries(tar), isBad);
  const { dest } = sandbox(t);
  await assert.rejects(applyLayer(chunked(tar), { dest, format: 'vfs' }), isBad);
});

test('an oversized pax header is refused before it is buffered', async () => {
  const tar = Buffer.from(tarOf([file(longName, 'abc')]));
  tar.write('77777777777\0', 124, 'latin1'); // the pax header's size: 8 GiB
  rechecksum(tar, 0);
  await assert.rejects(entries(tar), isBad);
});

test('a pax record whose length lies is refused', async () => {
  const tar = Buffer.from(tarOf([file(longName, 'abc')]));
  const at = tar.indexOf(' path=');
  tar.write('9', at - 1, 'latin1'); // the record now claims a different length (pax data has no checksum)
  await assert.rejects(entries(tar), isBad);
});

test('random garbage is refused', async () => {
  const junk = Buffer.alloc(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 0xff;
  await assert.rejects(entries(junk), isBad);
});
