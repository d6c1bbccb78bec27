/** Time formats as Go prints them, since they are part of Podman's output. */
import { SkiffError } from './errors.ts';

/** Go's time.RFC3339Nano in UTC: `2026-11-23T11:01:54.765350399Z`, trailing zeros trimmed. */
export function rfc3339Nano(ms: number, extraNs = 0): string {
  const d = new Date(Math.floor(ms));
  const base = d.toISOString().slice(0, 19);
  const ns = (Math.floor(ms) % 1000) * 1_000_000 + Math.round((ms - Math.floor(ms)) * 1_000_000) + extraNs;
  if (ns === 0) return `${base}Z`;
  return `${base}.${String(ns).padStart(9, '0').replace(/0+$/, '')}Z`;
}

/** RFC3339Nano from nanoseconds since the epoch (a bigint, as fs.stat gives with bigint: true). */
export function rfc3339NanoFromNs(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const frac = Number(ns % 1_000_000_000n);
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return frac === 0 ? `${base}Z` : `${base}.${String(frac).padStart(9, '0').replace(/0+$/, '')}Z`;
}

/** Parses an RFC 3339 time with up to nanosecond precision into milliseconds (fractional). */
export function parseRfc3339(s: string): number {
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : 0;
}

/** Go's default time.Time String(): `2026-11-23 11:01:54.765350399 +0000 UTC`. */
export function goTimeString(ms: number): string {
  const iso = rfc3339Nano(ms);
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(iso);
  if (!m) return iso;
  return `${m[1]} ${m[2]}${m[3] ?? ''} +0000 UTC`;
}

/**
 * A filter time as Podman takes it: a Go duration before now (`10m`, `1h30m`), a Unix time
 * (`1700000000` or with fraction), or an RFC 3339 date or date-time. Returns ms since the epoch.
 */
export function parseUntil(value: string, now = Date.now()): number {
  const dur = /^(?:(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(value);
  if (dur) {
    const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
    let ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]];
    return now - ms;
  }
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const t = Date.parse(value);
  if (Number.isFinite(t)) return t;
  throw new SkiffError('invalid-argument', `invalid until filter value "${value}": expected a duration, a Unix time or an RFC 3339 time`);
}
