/**
 * ID mappings of a rootless user namespace: the subordinate ranges /etc/subuid and /etc/subgid
 * give a user, the maps built from them, and the maps the kernel shows in /proc/PID/uid_map.
 * Pure logic apart from the file reads, so that it can be tested without a namespace.
 */
import { readFileSync } from 'node:fs';

export interface IdRange {
  readonly start: number;
  readonly count: number;
}

/** One line of uid_map/gid_map, in the OCI spec's shape. */
export interface IdMapping {
  readonly containerID: number;
  readonly hostID: number;
  readonly size: number;
}

/** The ranges /etc/subuid (or subgid) gives a user, by name or by UID, in file order. */
export function rangesOf(text: string, user: string, id: number): IdRange[] {
  const out: IdRange[] = [];
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (!owner || owner.startsWith('#') || start === undefined || count === undefined) continue;
    if (owner !== user && owner !== String(id)) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isInteger(s) && Number.isInteger(c) && s >= 0 && c > 0) out.push({ start: s, count: c });
  }
  return out;
}

export function readRanges(path: string, user: string, id: number): IdRange[] {
  try {
    return rangesOf(readFileSync(path, 'utf8'), user, id);
  } catch {
    return [];
  }
}

/**
 * The map of the user's namespace, as Podman makes it: the user is root (0), then each
 * subordinate range follows from 1 on, in file order.
 */
export function namespaceMap(id: number, ranges: readonly IdRange[]): IdMapping[] {
  const out: IdMapping[] = [{ containerID: 0, hostID: id, size: 1 }];
  let next = 1;
  for (const r of ranges) {
    out.push({ containerID: next, hostID: r.start, size: r.count });
    next += r.count;
  }
  return out;
}

/** "0 1000 1 1 100000 65536": newuidmap's arguments after the PID. */
export function mapperArgs(map: readonly IdMapping[]): string[] {
  return map.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)]);
}

/** `C:H:S` per line of a map, as --uidmap takes them and inspect shows them. */
export function mapStrings(map: readonly IdMapping[]): string[] {
  return map.map((m) => `${m.containerID}:${m.hostID}:${m.size}`);
}

/** Parses /proc/PID/uid_map text. */
export function parseProcMap(text: string): IdMapping[] {
  const out: IdMapping[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 3) continue;
    const [containerID, hostID, size] = f.map(Number);
    if ([containerID, hostID, size].every(Number.isInteger)) out.push({ containerID, hostID, size });
  }
  return out;
}

/** The number of IDs a map covers inside (the highest inside ID + 1). */
export function mapSize(map: readonly IdMapping[]): number {
  return map.reduce((n, m) => Math.max(n, m.containerID + m.size), 0);
}

/** Translates an inside ID to the outside one, or undefined when the map does not cover it. */
export function toHost(map: readonly IdMapping[], id: number): number | undefined {
  for (const m of map) if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + (id - m.containerID);
  return undefined;
}

/** Translates an outside ID to the inside one, or undefined when it is not mapped. */
export function toContainer(map: readonly IdMapping[], id: number): number | undefined {
  for (const m of map) if (id >= m.hostID && id < m.hostID + m.size) return m.containerID + (id - m.hostID);
  return undefined;
}
