/** `--since`/`--until` values (Podman's util.ParseInputTime) and Go durations. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogTimestamp, parseGoDuration, parseInputTime, parseTimestamp } from '../../../src/runtime/logtime.ts';
import { parseExitCode } from '../../../src/runtime/exitfile.ts';
import { isSkiffError } from '../../../src/util/errors.ts';

const ns = (iso: string, extraNs = 0n) => BigInt(Date.parse(iso)) * 1_000_000n + extraNs;

test('parseGoDuration', () => {
  const cases: [string, number | undefined][] = [
    ['10m', 600e9], ['1h30m', 5400e9], ['1.5s', 1.5e9], ['-2h', -7200e9], ['0', 0], ['300ms', 3e8], ['2us', 2000], ['2µs', 2000],
    ['1h1m1s1ms1us1ns', 3661e9 + 1e6 + 1e3 + 1], ['.5m', 30e9],
    ['', undefined], ['10', undefined], ['m', undefined], ['1d', undefined], ['1.s', 1e9], ['1 m', undefined], ['--1s', undefined],
  ];
  for (const [s, want] of cases) assert.equal(parseGoDuration(s), want, s);
});

test('parseInputTime: layouts, Unix timestamps, durations', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  const cases: [string, boolean, bigint][] = [
    ['2026-11-23T12:01:50.920783156Z', true, ns('2026-11-23T12:01:50Z', 920783156n)],
    ['2026-11-23T13:01:50+01:00', true, ns('2026-11-23T12:01:50Z')],
    ['2026-11-23T12:01:50', true, ns('2026-11-23T12:01:50Z')],
    ['2026-11-23T12:01:50.5', true, ns('2026-11-23T12:01:50Z', 500000000n)],
    ['2026-11-23', true, ns('2026-11-23T00:00:00Z')],
    ['2026-11-23+02:00', true, ns('2026-11-22T22:00:00Z')],
    ['1700000000', true, 1700000000n * 1_000_000_000n],
    ['1700000000.25', true, 1700000000n * 1_000_000_000n + 250000000n],
    ['10m', true, ns('2026-11-23T11:50:00Z')],
    ['10m', false, ns('2026-11-23T12:10:00Z')],
  ];
  for (const [s, since, want] of cases) assert.equal(parseInputTime(s, since, now), want, s);
  for (const bad of ['bogus', '2026-13-01', '2026-02-30T00:00:00Z', 'yesterday']) {
    assert.throws(() => parseInputTime(bad, true, now), (e: unknown) => isSkiffError(e, 'invalid-argument') && e.message === 'unable to interpret time value', bad);
  }
});

test('record timestamps: Go\'s LogTimeFormat keeps nine digits and the offset, Z for UTC', () => {
  const t = parseTimestamp('2026-11-22T07:32:32.604862895+00:00');
  assert.ok(t);
  assert.equal(formatLogTimestamp(t), '2026-11-22T07:32:32.604862895Z');
  const short = parseTimestamp('2026-11-22T07:32:32.5-05:30');
  assert.ok(short);
  assert.equal(formatLogTimestamp(short), '2026-11-22T07:32:32.500000000-05:30');
  assert.equal(short.ns, ns('2026-11-22T13:02:32Z', 500000000n));
  // Years below 100 are years, not 19xx.
  assert.equal(parseTimestamp('0099-01-01T00:00:00Z')?.ns, BigInt(new Date('0099-01-01T00:00:00Z').getTime()) * 1_000_000n);
});

test('exit file contents', () => {
  assert.equal(parseExitCode('3'), 3);
  assert.equal(parseExitCode('137'), 137);
  assert.equal(parseExitCode('-1'), -1);
  assert.equal(parseExitCode('0\n'), 0);
  assert.equal(parseExitCode(''), undefined);
  assert.equal(parseExitCode('x'), undefined);
});
