/**
 * Go's Duration.String() (the ELAPSED, TIME and CPU TIME columns) and google/shlex splitting
 * (ps(1) arguments of `top`), by the rules of their Go sources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration } from '../../../src/util/duration.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { shlexSplit } from '../../../src/util/shlex.ts';

test('goDuration prints as time.Duration.String()', () => {
  const cases: [bigint | number, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [999n, '999ns'],
    [1500n, '1.5µs'],
    [1000n, '1µs'],
    [34_368_252n, '34.368252ms'],
    [686_768_543n, '686.768543ms'],
    [1_000_000_000n, '1s'],
    [7_496_741_572n, '7.496741572s'],
    [60_000_000_000n, '1m0s'],
    [456_021_291_520n, '7m36.02129152s'],
    [3_600_000_000_000n, '1h0m0s'],
    [3_723_500_000_000n, '1h2m3.5s'],
    [-1500n, '-1.5µs'],
    [2_015_087_203.9, '2.015087203s'],
  ];
  for (const [ns, text] of cases) assert.equal(goDuration(ns), text, String(ns));
});

test('shlexSplit splits as google/shlex', () => {
  const cases: [string, string[]][] = [
    ['-eo pid,comm', ['-eo', 'pid,comm']],
    ['  a\tb\nc  ', ['a', 'b', 'c']],
    [`'a b' "c\\"d" e\\ f`, ['a b', 'c"d', 'e f']],
    [`"x\\y"`, ['xy']],
    [`'x\\y'`, ['x\\y']],
    ['a#b #c d\ne', ['a#b', 'e']],
    ['""', ['']],
    ['', []],
    ['pid', ['pid']],
  ];
  for (const [input, words] of cases) assert.deepEqual(shlexSplit(input), words, input);
  const errors: [string, string][] = [
    ['"a', 'EOF found when expecting closing quote'],
    ["'a", 'EOF found when expecting closing quote'],
    ['a\\', 'EOF found after escape character'],
    ['"a\\', 'EOF found after escape character'],
  ];
  for (const [input, message] of errors) assert.throws(() => shlexSplit(input), (e: unknown) => isSkiffError(e) && e.message === message, input);
});
