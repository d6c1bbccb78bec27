import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, humanSize, humanSizeCompact } from '../../../src/cli/format/units.ts';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

test('humanDuration follows go-units HumanDuration thresholds', () => {
  const cases: [number, string][] = [
    [-5 * SEC, 'Less than a second'],
    [450, 'Less than a second'],
    [1 * SEC, '1 second'],
    [1999, '1 second'],
    [2 * SEC, '2 seconds'],
    [59 * SEC, '59 seconds'],
    [60 * SEC, 'About a minute'],
    [119 * SEC, 'About a minute'],
    [3 * MIN, '3 minutes'],
    [35 * MIN + 40 * SEC, '35 minutes'],
    [59 * MIN, '59 minutes'],
    [1 * HOUR, 'About an hour'],
    [1 * HOUR + 29 * MIN, 'About an hour'],
    [1 * HOUR + 31 * MIN, '2 hours'],
    [3 * HOUR + 29 * MIN, '3 hours'],
    [3 * HOUR + 31 * MIN, '4 hours'],
    [24 * HOUR, '24 hours'],
    [47 * HOUR, '47 hours'],
    [2 * DAY, '2 days'],
    [13 * DAY + 5 * HOUR, '13 days'],
    [2 * WEEK, '2 weeks'],
    [1 * MONTH, '4 weeks'],
    [1 * MONTH + 2 * WEEK, '6 weeks'],
    [2 * MONTH, '2 months'],
    [5 * MONTH + 2 * WEEK, '5 months'],
    [24 * MONTH, '24 months'],
    [24 * MONTH + 2 * WEEK, '2 years'],
    [3 * YEAR + 2 * MONTH, '3 years'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

test('humanSize: decimal units, 3 significant digits, Go %g rounding (ties to even)', () => {
  const cases: [number, string, string][] = [
    [0, '0 B', '0B'],
    [12, '12 B', '12B'],
    [999, '999 B', '999B'],
    [1000, '1 kB', '1kB'],
    [1125, '1.12 kB', '1.12kB'],
    [1135, '1.14 kB', '1.14kB'],
    [703_000, '703 kB', '703kB'],
    [1_984_000, '1.98 MB', '1.98MB'],
    [1_987_704, '1.99 MB', '1.99MB'],
    [2_140_000, '2.14 MB', '2.14MB'],
    [999_500, '1e+03 kB', '1e+03kB'],
    [5_000_000_000, '5 GB', '5GB'],
  ];
  for (const [bytes, spaced, compact] of cases) {
    assert.equal(humanSize(bytes), spaced, `${bytes}`);
    assert.equal(humanSizeCompact(bytes), compact, `${bytes}`);
  }
  assert.equal(humanSizeCompact(1_987_704, 4), '1.988MB');
});
