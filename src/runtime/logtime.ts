/**
 * Times as `podman logs` reads and prints them: the k8s-file record timestamp, the `-t` format
 * `2006-01-02T15:04:05.000000000Z07:00`, and `--since`/`--until` values (Podman's
 * util.ParseInputTime: RFC 3339 and a few layouts, a Unix timestamp, or a Go duration).
 * Instants are bigint nanoseconds since the epoch, since records carry nanoseconds.
 */
import { SkiffError } from '../util/errors.ts';

export interface ParsedTime {
  /** Nanoseconds since the epoch. */
  readonly ns: bigint;
  /** The wall clock as written, `YYYY-MM-DDTHH:MM:SS`. */
  readonly wall: string;
  /** Nine-digit fraction. */
  readonly frac: string;
  /** Offset from UTC in minutes, as written. */
  readonly offsetMinutes: number;
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp with an optional fraction of up to nine digits. */
export function parseTimestamp(text: string): ParsedTime | undefined {
  const m = STAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fracRaw, zone] = m as unknown as [string, string, string, string, string, string, string, string | undefined, string];
  const ms = utcMillis(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
  if (ms === undefined) return undefined;
  const offsetMinutes = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const frac = (fracRaw ?? '').padEnd(9, '0');
  const ns = BigInt(ms - offsetMinutes * 60_000) * 1_000_000n + BigInt(frac);
  return { ns, wall: text.slice(0, 19), frac, offsetMinutes };
}

/** Formats as Go's `2006-01-02T15:04:05.000000000Z07:00`: the record's own offset, `Z` for UTC. */
export function formatLogTimestamp(t: ParsedTime): string {
  return `${t.wall}.${t.frac}${formatOffset(t.offsetMinutes)}`;
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Epoch milliseconds of a UTC wall clock, or undefined when a field is out of range. */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to the 1900s.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  if (date.getUTCDate() !== d || date.getUTCMonth() !== mo - 1) return undefined;
  return date.getTime();
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Parses a Go duration (`10m`, `1h30m`, `1.5s`, `-2h`, `0`) into nanoseconds; undefined when it
 * is not one. Units: ns us µs ms s m h.
 */
export function parseGoDuration(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m) return undefined;
    const [whole, int = '', frac = '', unit = ''] = m;
    if (int === '' && frac === '') return undefined;
    const scale = UNIT_NS[unit] as number;
    total += Number(int || '0') * scale + (frac ? Number(`0.${frac}`) * scale : 0);
    rest = rest.slice(whole.length);
  }
  return sign * total;
}

/**
 * Podman's util.ParseInputTime for `--since` (`since` true) and `--until`: RFC 3339 (with or
 * without fraction), `2006-01-02T15:04:05[.fraction]` (UTC), `2006-01-02Z07:00`, `2006-01-02`
 * (UTC), a Unix timestamp with optional fraction, or a Go duration counted back from now for
 * `--since` and forward for `--until`.
 */
export function parseInputTime(input: string, since: boolean, nowMs: number = Date.now()): bigint {
  const full = parseTimestamp(input);
  if (full) return full.ns;
  const noZone = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)$/.exec(input);
  if (noZone) {
    const t = parseTimestamp(`${noZone[1]}Z`);
    if (t) return t.ns;
  }
  const dateZone = /^(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?$/.exec(input);
  if (dateZone) {
    const t = parseTimestamp(`${dateZone[1]}T00:00:00${dateZone[2] ?? 'Z'}`);
    if (t) return t.ns;
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(input)) {
    const secs = Number(input);
    const whole = Math.trunc(secs);
    return BigInt(whole) * 1_000_000_000n + BigInt(Math.trunc((secs - whole) * 1e9));
  }
  const d = parseGoDuration(input);
  if (d === undefined) throw new SkiffError('invalid-argument', 'unable to interpret time value');
  const nowNs = BigInt(Math.trunc(nowMs)) * 1_000_000n;
  const dNs = BigInt(Math.trunc(d));
  return since ? nowNs - dNs : nowNs + dNs;
}
