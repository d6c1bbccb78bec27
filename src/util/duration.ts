/**
 * Go's time.Duration as its String method prints it, since `podman top` (ELAPSED, TIME) and
 * `podman stats` (CPU TIME) print durations that way: `0s`, `850ns`, `1.5µs`, `34.368252ms`,
 * `7.496741572s`, `2m3s`, `1h0m5.5s`. Units stop at hours; fractions drop trailing zeros.
 */

const NS_PER_US = 1_000n;
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** Nanoseconds (a bigint, or a number truncated to an integer) as Go's Duration.String(). */
export function goDuration(nanoseconds: bigint | number): string {
  let ns = typeof nanoseconds === 'bigint' ? nanoseconds : BigInt(Math.trunc(nanoseconds));
  const sign = ns < 0n ? '-' : '';
  if (ns < 0n) ns = -ns;
  if (ns === 0n) return '0s';
  if (ns < NS_PER_US) return `${sign}${ns}ns`;
  if (ns < NS_PER_MS) return `${sign}${fraction(ns, 3)}µs`;
  if (ns < NS_PER_S) return `${sign}${fraction(ns, 6)}ms`;
  const seconds = fraction(ns, 9);
  const wholeSeconds = ns / NS_PER_S;
  const minutes = wholeSeconds / 60n;
  const secondsPart = `${(wholeSeconds % 60n).toString()}${seconds.includes('.') ? seconds.slice(seconds.indexOf('.')) : ''}s`;
  if (minutes === 0n) return `${sign}${secondsPart}`;
  const hours = minutes / 60n;
  if (hours === 0n) return `${sign}${minutes}m${secondsPart}`;
  return `${sign}${hours}h${minutes % 60n}m${secondsPart}`;
}

/** `value / 10^digits` in decimal, trailing zeros of the fraction (and a bare dot) dropped. */
function fraction(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = value / scale;
  const frac = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}
