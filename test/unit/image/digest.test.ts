import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import {
  Digester,
  digestProblem,
  digestStream,
  isFullImageId,
  isImageIdPrefix,
  parseDigest,
  parseImageIdDigest,
  sha256Digest,
  sha256Hex,
} from '../../../src/image/digest.ts';
import { isSkiffError } from '../../../src/util/errors.ts';

const hex = (n: number, c = '0'): string => c.repeat(n);

test('digestProblem gives go-digest messages in go-digest order', () => {
  const cases: [string, string | undefined][] = [
    [`sha256:${hex(64)}`, undefined],
    [`sha384:${hex(96)}`, undefined],
    [`sha512:${hex(128)}`, undefined],
    [`sha256:${hex(63)}`, 'invalid checksum digest length'],
    [`sha256:${hex(65)}`, 'invalid checksum digest length'],
    [`sha512:${hex(64)}`, 'invalid checksum digest length'],
    [`sha256:${hex(64, 'A')}`, 'invalid checksum digest format'],
    [`sha256:${hex(64, 'g')}`, 'invalid checksum digest format'],
    [`SHA256:${hex(64)}`, 'invalid checksum digest format'],
    [`md5:${hex(32)}`, 'unsupported digest algorithm'],
    [`foo+bar:${hex(64)}`, 'unsupported digest algorithm'],
    [`sha256+b64u:abc=_-`, 'unsupported digest algorithm'],
    [`foo..bar:${hex(4)}`, 'invalid checksum digest format'],
    ['sha256:', 'invalid checksum digest format'],
    [':abc', 'invalid checksum digest format'],
    ['nocolon', 'invalid checksum digest format'],
    ['', 'invalid checksum digest format'],
    [`constructor:${hex(64)}`, 'unsupported digest algorithm'],
  ];
  for (const [input, want] of cases) assert.equal(digestProblem(input), want, input);
});

test('unregistered algorithms pass only when allowed and grammatical', () => {
  assert.equal(digestProblem('blake3:abc', { allowUnregistered: true }), undefined);
  assert.equal(digestProblem('Blake3:abc', { allowUnregistered: true }), 'invalid checksum digest format');
  assert.equal(digestProblem(`sha256:${hex(10)}`, { allowUnregistered: true }), 'invalid checksum digest length');
});

test('parseDigest splits and throws invalid-argument', () => {
  assert.deepEqual(parseDigest(`sha256:${hex(64, 'a')}`), { algorithm: 'sha256', encoded: hex(64, 'a'), value: `sha256:${hex(64, 'a')}` });
  assert.throws(
    () => parseDigest('sha256:short'),
    (err) => isSkiffError(err, 'invalid-argument') && err.message === 'invalid checksum digest length' && err.exitCode === 125,
  );
});

test('sha256 helpers and streaming digester agree', async () => {
  const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  assert.equal(sha256Hex(''), empty);
  assert.equal(sha256Digest(new Uint8Array()), `sha256:${empty}`);
  const parts = [Buffer.from('hello '), Buffer.from('world')];
  const d = new Digester();
  for (const p of parts) d.update(p);
  assert.equal(d.digest(), sha256Digest('hello world'));
  assert.equal(d.size, 11);
  assert.deepEqual(await digestStream(Readable.from(parts)), { digest: sha256Digest('hello world'), size: 11 });
  assert.match((await digestStream(Readable.from(parts), 'sha512')).digest, /^sha512:[0-9a-f]{128}$/);
});

test('image ID forms', () => {
  const cases: [string, boolean, boolean][] = [
    // input, isImageIdPrefix, isFullImageId
    ['a', true, false],
    ['a80a679b159c', true, false],
    [hex(64, 'f'), true, true],
    [hex(65, 'f'), false, false],
    ['A80A', false, false],
    ['', false, false],
    ['xyz', false, false],
  ];
  for (const [input, prefix, full] of cases) {
    assert.equal(isImageIdPrefix(input), prefix, input);
    assert.equal(isFullImageId(input), full, input);
  }
  assert.equal(parseImageIdDigest(`sha256:${hex(64, 'b')}`), hex(64, 'b'));
  // podman image exists sha256:a80a679b159c → 125, "Error: sha256:a80a679b159c: invalid format: no 64-byte hexadecimal value"
  for (const bad of ['sha256:a80a679b159c', `sha256:${hex(64, 'B')}`, 'sha256:short']) {
    assert.throws(
      () => parseImageIdDigest(bad),
      (err) => isSkiffError(err, 'invalid-reference') && err.message === `${bad}: invalid format: no 64-byte hexadecimal value`,
    );
  }
});
