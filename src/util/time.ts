/** Time formats as Go prints them, since they are part of Podman's output. */

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
