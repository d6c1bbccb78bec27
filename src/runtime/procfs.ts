/**
 * Parsers for the /proc files that `top` and `stats` read (proc(5)), and the few host facts
 * they need (boot time, clock ticks). The parsers are pure; the readers take the procfs
 * directory to read from, so a container's own /proc (its PID namespace's view, reached
 * through /proc/<pid>/root/proc) reads the same way as the host's.
 *
 * Everything in a container's /proc is written by the kernel, but which processes exist and
 * what their names and command lines say is the container's choice: names may hold spaces
 * and parentheses, so /proc/<pid>/stat is split around the last `)`.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { errnoCode } from '../util/errors.ts';

/** The fields of /proc/<pid>/stat that ps descriptors use; numbers as the kernel wrote them. */
export interface ProcStat {
  readonly pid: string;
  /** The executable name without the parentheses. */
  readonly comm: string;
  readonly state: string;
  readonly ppid: string;
  readonly pgrp: string;
  readonly ttyNr: number;
  /** Clock ticks in user and kernel mode. */
  readonly utime: number;
  readonly stime: number;
  readonly nice: string;
  /** Clock ticks after boot. */
  readonly starttime: number;
  /** Bytes. */
  readonly vsize: number;
}

export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`unexpected /proc stat line: ${text.slice(0, 80)}`);
  // Fields from 3 (state) on; rest[i] is field i + 3 of proc(5).
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number): string => rest[n - 3] ?? '0';
  return {
    pid: text.slice(0, open).trim(),
    comm: text.slice(open + 1, close),
    state: field(3),
    ppid: field(4),
    pgrp: field(5),
    ttyNr: Number(field(7)),
    utime: Number(field(14)),
    stime: Number(field(15)),
    nice: field(19),
    starttime: Number(field(22)),
    vsize: Number(field(23)),
  };
}

/** The lines of /proc/<pid>/status that ps descriptors use, each split into its fields. */
export interface ProcStatus {
  readonly name: string;
  /** The one-letter state (`S`, `R`, `Z` …). */
  readonly state: string;
  readonly ppid: string;
  /** Real, effective, saved, filesystem. */
  readonly uids: readonly string[];
  readonly gids: readonly string[];
  readonly groups: readonly string[];
  /** The PID in each nested PID namespace, the reader's first. */
  readonly nspid: readonly string[];
  /** Resident set size in KiB; '' for kernel threads. */
  readonly vmRss: string;
  readonly capInh: string;
  readonly capPrm: string;
  readonly capEff: string;
  readonly capBnd: string;
  readonly capAmb: string;
  /** 0, 1 or 2; '' when the kernel has no seccomp. */
  readonly seccomp: string;
}

export function parseProcStatus(text: string): ProcStatus {
  const lines = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // A key with no value ("Groups:" for a process without supplementary groups) counts as absent.
    if (fields.length >= 2) lines.set(fields[0], fields.slice(1));
  }
  const one = (key: string): string => lines.get(key)?.[0] ?? '';
  const all = (key: string): string[] => lines.get(key) ?? [];
  return {
    name: one('Name:'),
    state: one('State:'),
    ppid: one('PPid:'),
    uids: all('Uid:'),
    gids: all('Gid:'),
    groups: all('Groups:'),
    nspid: all('NSpid:'),
    vmRss: one('VmRSS:'),
    capInh: one('CapInh:'),
    capPrm: one('CapPrm:'),
    capEff: one('CapEff:'),
    capBnd: one('CapBnd:'),
    capAmb: one('CapAmb:'),
    seccomp: one('Seccomp:'),
  };
}

/**
 * /proc/<pid>/cmdline split at NUL bytes, keeping the empty string after the final NUL (so the
 * words joined with spaces end in a space, as `podman top` prints them). An empty file (a
 * kernel thread or a zombie) gives `['']`.
 */
export function parseCmdline(data: Buffer): string[] {
  return data.toString('utf8').split('\0');
}

/** One line of a uid_map or gid_map: `inside outside count`. */
export interface IdMapping {
  readonly inside: number;
  readonly outside: number;
  readonly count: number;
}

export function parseIdMap(text: string): IdMapping[] {
  const out: IdMapping[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/).map(Number);
    if (f.length === 3 && f.every(Number.isSafeInteger)) out.push({ inside: f[0], outside: f[1], count: f[2] });
  }
  return out;
}

/** An ID seen outside a user namespace as the namespace sees it; undefined when unmapped. */
export function idInside(map: readonly IdMapping[], id: number): number | undefined {
  const m = map.find((e) => id >= e.outside && id < e.outside + e.count);
  return m === undefined ? undefined : m.inside + (id - m.outside);
}

/** An ID seen inside a user namespace as its parent sees it; undefined when unmapped. */
export function idOutside(map: readonly IdMapping[], id: number): number | undefined {
  const m = map.find((e) => id >= e.inside && id < e.inside + e.count);
  return m === undefined ? undefined : m.outside + (id - m.inside);
}

/** The boot time in seconds since the epoch (`btime` of /proc/stat). */
export function bootTime(): number {
  const m = /^btime\s+(\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
  if (!m) throw new Error("couldn't extract boot time from /proc/stat");
  return Number(m[1]);
}

const AT_CLKTCK = 17n;

/** sysconf(_SC_CLK_TCK), from the AT_CLKTCK entry the kernel put in this process's auxv. */
export function clockTicks(): number {
  const auxv = readFileSync('/proc/self/auxv');
  for (let off = 0; off + 16 <= auxv.length; off += 16) {
    if (auxv.readBigUInt64LE(off) === AT_CLKTCK) return Number(auxv.readBigUInt64LE(off + 8));
  }
  throw new Error('cannot find AT_CLKTCK in auxv');
}

/** The target of a /proc/<pid>/ns/<kind> link (`pid:[4026532201]`), or '' when it may not be read. */
export function namespaceId(procDir: string, pid: string, kind: 'pid' | 'user' | 'mnt' | 'net'): string {
  try {
    return readlinkSync(`${procDir}/${pid}/ns/${kind}`);
  } catch (err) {
    if (errnoCode(err) === 'EACCES' || errnoCode(err) === 'EPERM') return '';
    throw err;
  }
}

/** Whether an error means the process went away while it was being read. */
export function isProcessGone(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ESRCH';
}
