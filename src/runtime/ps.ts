/**
 * A container's processes as `podman top` shows them without running anything in the
 * container: the ps(1) AIX format descriptors plus container ones (capabilities, seccomp,
 * label, host PID/user/group), with the headers and value formats of containers/psgo as
 * Podman 4.3.1 vendors it.
 *
 * Podman joins the container's mount namespace and reads /proc there. Node cannot setns, so
 * the same files are read through /proc/<pid>/root, which is the container's root in its
 * own mount namespace: /proc/<pid>/root/proc is the container's procfs (its PID namespace's
 * view: PIDs and PPIDs as the container sees them), /proc/<pid>/root/etc/passwd its user
 * database, /proc/<pid>/root/dev its devices.
 *
 * Confinement: everything under /proc/<pid>/root is the container's to shape, and an
 * absolute symlink there would resolve against the host's root, not the container's. User
 * databases are therefore resolved component by component inside that root
 * (resolveInRootfs) and opened without following a last link; terminal device nodes are
 * lstat'ed, never followed. The procfs is the kernel's and is read as it is.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { goDuration } from '../util/duration.ts';
import { SkiffError } from '../util/errors.ts';
import { ProcessCgroup } from './cgroups.ts';
import {
  bootTime,
  clockTicks,
  idInside,
  idOutside,
  type IdMapping,
  isProcessGone,
  namespaceId,
  parseCmdline,
  parseIdMap,
  parseProcStat,
  parseProcStatus,
  type ProcStat,
  type ProcStatus,
} from './procfs.ts';
import { parseGroup, parsePasswd, readDatabase, resolveInRootfs } from './spec/user.ts';
import { devMajor, devMinor } from '../util/devnum.ts';

/** A descriptor neither ps's AIX set nor psgo's own; Podman then runs ps(1) in the container. */
export class UnknownDescriptorError extends SkiffError {
  constructor(descriptor: string) {
    super('invalid-argument', `'${descriptor}': unknown descriptor`);
  }
}

/** psgo's default, `ps -ef` alike. */
export const DEFAULT_DESCRIPTORS: readonly string[] = ['user', 'pid', 'ppid', 'pcpu', 'etime', 'tty', 'time', 'args'];

/** A process as the container's procfs shows it. */
interface ContainerProcess {
  readonly pid: string;
  readonly stat: ProcStat;
  readonly status: ProcStatus;
  readonly cmdline: readonly string[];
  readonly label: string;
  readonly pidNs: string;
}

/** A process of the container's cgroup as the host's procfs shows it. */
interface HostProcess {
  readonly pid: string;
  readonly status: ProcStatus;
  readonly pidNs: string;
}

interface Tty {
  readonly major: number;
  readonly minor: number;
  readonly path: string;
}

interface Context {
  readonly host: readonly HostProcess[];
  readonly bootTime: number;
  readonly clockTicks: number;
  /** Name of a uid/gid in the container's /etc/passwd and /etc/group, else the number. */
  user(uid: string): string;
  group(gid: string): string;
  /** Host-side names, through this process's own ID mapping when it has one (rootless). */
  hostUser(uid: string): string;
  hostGroup(gid: string): string;
  hostGroups(gids: readonly string[]): string;
  /** The container's terminals; undefined when /dev cannot be listed. */
  ttys(): readonly Tty[] | undefined;
}

interface Descriptor {
  /** The AIX code (`%C`), when ps has one. */
  readonly code?: string;
  readonly normal: string;
  readonly header: string;
  /** Needs the host's view of the container's processes. */
  readonly onHost?: boolean;
  value(p: ContainerProcess, ctx: Context): string;
}

/** The capability names psgo knows, by bit; higher bits print as `unknown`. */
const CAPABILITY_NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
];
/** All bits of CAPABILITY_NAMES set: printed as `full`. */
const FULL_CAPS = (1n << BigInt(CAPABILITY_NAMES.length)) - 1n;

/**
 * A capability mask (hex, as /proc/<pid>/status has it) as psgo prints it: `full` when every
 * capability psgo knows is set and nothing else, `none` when empty, else the names sorted,
 * comma-separated. Capabilities newer than psgo's list (PERFMON, BPF, CHECKPOINT_RESTORE)
 * print as `unknown`, as Podman 4.3.1 prints them.
 */
export function capabilityText(hexMask: string): string {
  if (!/^[0-9a-fA-F]{1,16}$/.test(hexMask)) throw new Error(`unexpected capability mask ${JSON.stringify(hexMask)}`);
  const mask = BigInt(`0x${hexMask}`);
  if (mask === FULL_CAPS) return 'full';
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) if ((mask >> BigInt(bit)) & 1n) names.push(CAPABILITY_NAMES[bit] ?? 'unknown');
  return names.length === 0 ? 'none' : names.sort().join(',');
}

/**
 * strconv.FormatFloat(x, 'f', 3, 64): exact decimal rounding with ties to even (toFixed breaks
 * ties upwards), `NaN` and `±Inf` spelled as Go spells them.
 */
export function fixed3(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  // A double's exact decimal expansion ends well within 100 digits at the magnitudes seen here.
  const [whole, frac] = Math.abs(x).toFixed(100).split('.');
  if (!/^50*$/.test(frac.slice(3))) return x.toFixed(3);
  let digits = BigInt(whole + frac.slice(0, 3));
  if (digits % 2n === 1n) digits += 1n;
  const text = digits.toString().padStart(4, '0');
  return `${x < 0 ? '-' : ''}${text.slice(0, -3)}.${text.slice(-3)}`;
}

/** Seconds since the epoch at which the process started (whole seconds, as psgo counts). */
function startSeconds(p: ContainerProcess, ctx: Context): number {
  return Math.trunc(p.stat.starttime / ctx.clockTicks) + ctx.bootTime;
}

function elapsedNs(p: ContainerProcess, ctx: Context): bigint {
  const nowNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  return nowNs - BigInt(startSeconds(p, ctx)) * 1_000_000_000n;
}

/** CPU time in whole seconds. */
function cpuSeconds(p: ContainerProcess, ctx: Context): number {
  return Math.trunc((p.stat.utime + p.stat.stime) / ctx.clockTicks);
}

function findHost(p: ContainerProcess, ctx: Context): HostProcess | undefined {
  // The host process is one PID namespace up: its NSpid lists the host PID, then the container's.
  return ctx.host.find((h) => h.status.nspid.length >= 2 && h.status.nspid[1] === p.pid && h.pidNs === p.pidNs);
}

function findTty(ttyNr: number, ctx: Context): string {
  const major = devMajor(BigInt(ttyNr));
  const minor = devMinor(BigInt(ttyNr));
  const ttys = ctx.ttys();
  if (ttys === undefined) return '';
  const t = ttys.find((x) => x.major === major && x.minor === minor);
  return t === undefined ? '?' : t.path.replace(/^\/dev\//, '');
}

/**
 * Go's time.Time.String() in the local zone for whole seconds: `2026-11-23 14:16:10 +0000 UTC`.
 * The zone's name is the one Intl gives (`UTC`, `EST`, or `GMT+1` where Go would print `CET`).
 */
function localTimeText(seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const abs = Math.abs(offset);
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName')?.value ?? 'UTC';
  const date = `${String(d.getFullYear()).padStart(4, '0')}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return `${date} ${time} ${offset < 0 ? '-' : '+'}${two(Math.trunc(abs / 60))}${two(abs % 60)} ${zone}`;
}

const DESCRIPTORS: readonly Descriptor[] = [
  {
    code: '%C',
    normal: 'pcpu',
    header: '%CPU',
    value: (p, ctx) => fixed3((100 * cpuSeconds(p, ctx)) / (Number(elapsedNs(p, ctx)) / 1e9)),
  },
  { code: '%G', normal: 'group', header: 'GROUP', value: (p, ctx) => ctx.group(p.status.gids[1] ?? '') },
  { normal: 'groups', header: 'GROUPS', value: (p, ctx) => p.status.groups.map((g) => ctx.group(g)).join(',') },
  { code: '%P', normal: 'ppid', header: 'PPID', value: (p) => p.status.ppid },
  { code: '%U', normal: 'user', header: 'USER', value: (p, ctx) => ctx.user(p.status.uids[1] ?? '') },
  { code: '%a', normal: 'args', header: 'COMMAND', value: (p) => (p.cmdline[0] === '' ? `[${p.status.name}]` : p.cmdline.join(' ')) },
  { code: '%c', normal: 'comm', header: 'COMMAND', value: (p) => p.stat.comm },
  { code: '%g', normal: 'rgroup', header: 'RGROUP', value: (p, ctx) => ctx.group(p.status.gids[0] ?? '') },
  { code: '%n', normal: 'nice', header: 'NI', value: (p) => p.stat.nice },
  { code: '%p', normal: 'pid', header: 'PID', value: (p) => p.pid },
  { code: '%r', normal: 'pgid', header: 'PGID', value: (p) => p.stat.pgrp },
  { code: '%t', normal: 'etime', header: 'ELAPSED', value: (p, ctx) => goDuration(elapsedNs(p, ctx)) },
  { code: '%u', normal: 'ruser', header: 'RUSER', value: (p, ctx) => ctx.user(p.status.uids[0] ?? '') },
  { code: '%x', normal: 'time', header: 'TIME', value: (p, ctx) => goDuration(BigInt(cpuSeconds(p, ctx)) * 1_000_000_000n) },
  { code: '%y', normal: 'tty', header: 'TTY', value: (p, ctx) => findTty(p.stat.ttyNr, ctx) },
  { code: '%z', normal: 'vsz', header: 'VSZ', value: (p) => String(Math.trunc(p.stat.vsize / 1024)) },
  { normal: 'capamb', header: 'AMBIENT CAPS', value: (p) => capabilityText(p.status.capAmb) },
  { normal: 'capinh', header: 'INHERITED CAPS', value: (p) => capabilityText(p.status.capInh) },
  { normal: 'capprm', header: 'PERMITTED CAPS', value: (p) => capabilityText(p.status.capPrm) },
  { normal: 'capeff', header: 'EFFECTIVE CAPS', value: (p) => capabilityText(p.status.capEff) },
  { normal: 'capbnd', header: 'BOUNDING CAPS', value: (p) => capabilityText(p.status.capBnd) },
  { normal: 'seccomp', header: 'SECCOMP', value: (p) => ({ '0': 'disabled', '1': 'strict', '2': 'filter' })[p.status.seccomp] ?? '?' },
  { normal: 'label', header: 'LABEL', value: (p) => p.label },
  { normal: 'hpid', header: 'HPID', onHost: true, value: (p, ctx) => findHost(p, ctx)?.pid ?? '?' },
  {
    normal: 'huser',
    header: 'HUSER',
    onHost: true,
    value: (p, ctx) => {
      const h = findHost(p, ctx);
      return h === undefined ? '?' : ctx.hostUser(h.status.uids[1] ?? '');
    },
  },
  {
    normal: 'hgroup',
    header: 'HGROUP',
    onHost: true,
    value: (p, ctx) => {
      const h = findHost(p, ctx);
      return h === undefined ? '?' : ctx.hostGroup(h.status.gids[1] ?? '');
    },
  },
  {
    normal: 'hgroups',
    header: 'HGROUPS',
    onHost: true,
    value: (p, ctx) => {
      const h = findHost(p, ctx);
      return h === undefined ? '?' : ctx.hostGroups(h.status.groups);
    },
  },
  { normal: 'rss', header: 'RSS', value: (p) => (p.status.vmRss === '' ? '0' : p.status.vmRss) },
  { normal: 'state', header: 'STATE', value: (p) => p.status.state },
  { normal: 'stime', header: 'STIME', value: (p, ctx) => localTimeText(startSeconds(p, ctx)) },
];

/** The descriptors `top` accepts in their normal form, sorted (`podman top --list-descriptors`). */
export function descriptorNames(): string[] {
  return DESCRIPTORS.map((d) => d.normal).sort();
}

/** Descriptors by code or normal name; none means the default set. Throws UnknownDescriptorError. */
export function translateDescriptors(names: readonly string[]): Descriptor[] {
  return (names.length === 0 ? DEFAULT_DESCRIPTORS : names).map((raw) => {
    const name = raw.trim();
    const d = DESCRIPTORS.find((x) => x.code === name || x.normal === name);
    if (!d) throw new UnknownDescriptorError(name);
    return d;
  });
}

/**
 * The table `top` prints for the container whose first process is `pid` (host PID): a header
 * row, then one row per process in the container's PID namespace, in PID order.
 */
export function processTable(pid: number, names: readonly string[]): string[][] {
  const descriptors = translateDescriptors(names);
  const root = `/proc/${pid}/root`;
  const ctx = context(pid, root, descriptors.some((d) => d.onHost === true));
  const rows = [descriptors.map((d) => d.header)];
  for (const p of containerProcesses(pid, root)) rows.push(descriptors.map((d) => d.value(p, ctx)));
  return rows;
}

function context(pid: number, root: string, onHost: boolean): Context {
  const users = idNames(() => parsePasswd(readContainerDatabase(root, '/etc/passwd') ?? '').map((e) => ({ name: e.name, id: e.uid })));
  const groups = idNames(() => parseGroup(readContainerDatabase(root, '/etc/group') ?? '').map((e) => ({ name: e.name, id: e.gid })));
  const hostUsers = idNames(() => parsePasswd(readFileSync('/etc/passwd', 'utf8')).map((e) => ({ name: e.name, id: e.uid })));
  const hostGroupNames = idNames(() => parseGroup(readFileSync('/etc/group', 'utf8')).map((e) => ({ name: e.name, id: e.gid })));
  // Rootless, skiff's own IDs are mapped: a host ID is translated before it is named.
  const ownUids = parseIdMap(readFileSync('/proc/self/uid_map', 'utf8'));
  const ownGids = parseIdMap(readFileSync('/proc/self/gid_map', 'utf8'));
  const mapped = !isIdentity(ownUids);
  const throughMap = (id: string, map: readonly IdMapping[], names: (id: string) => string, overflow: string): string => {
    const outside = idOutside(map, Number(id));
    return outside === undefined ? readFileSync(overflow, 'utf8').trim() : names(String(outside));
  };
  let ttys: readonly Tty[] | undefined | null = null;
  return {
    host: onHost ? hostProcesses(pid) : [],
    bootTime: bootTime(),
    clockTicks: clockTicks(),
    user: users,
    group: groups,
    hostUser: (uid) => (mapped ? throughMap(uid, ownUids, hostUsers, '/proc/sys/fs/overflowuid') : hostUsers(uid)),
    hostGroup: (gid) => (mapped ? throughMap(gid, ownGids, hostGroupNames, '/proc/sys/fs/overflowgid') : hostGroupNames(gid)),
    hostGroups: (gids) => (mapped ? gids.map((g) => throughMap(g, ownGids, hostGroupNames, '/proc/sys/fs/overflowgid')) : gids).join(','),
    ttys: () => {
      if (ttys === null) ttys = containerTtys(root);
      return ttys;
    },
  };
}

function isIdentity(map: readonly IdMapping[]): boolean {
  return map.length === 1 && map[0].inside === 0 && map[0].outside === 0 && map[0].count === 4294967295;
}

/** A lookup from a numeric ID to the first name the database gives it, the number when none. */
function idNames(load: () => { name: string; id: number }[]): (id: string) => string {
  let entries: { name: string; id: number }[] | undefined;
  return (id) => {
    if (entries === undefined) {
      try {
        entries = load();
      } catch {
        // An unreadable or hostile database names nobody, as a missing one: IDs print as numbers.
        entries = [];
      }
    }
    const n = Number(id);
    return entries.find((e) => e.id === n)?.name ?? id;
  };
}

/** A user database of the container, resolved inside its root (see the confinement note above). */
function readContainerDatabase(root: string, path: string): string | undefined {
  return readDatabase(resolveInRootfs(root, path), true);
}

/** Every process in the container's procfs; ones that exit while being read are left out. */
function containerProcesses(pid: number, root: string): ContainerProcess[] {
  const procDir = `${root}/proc`;
  const pids = readdirSync(procDir)
    .filter((n) => /^\d+$/.test(n))
    .sort((a, b) => Number(a) - Number(b));
  const userNsMap = containerIdMaps(pid);
  const out: ContainerProcess[] = [];
  for (const p of pids) {
    try {
      const status = parseProcStatus(readFileSync(`${procDir}/${p}/status`, 'utf8'));
      out.push({
        pid: p,
        stat: parseProcStat(readFileSync(`${procDir}/${p}/stat`, 'utf8')),
        status: userNsMap ? inUserNamespace(status, userNsMap) : status,
        cmdline: parseCmdline(readFileSync(`${procDir}/${p}/cmdline`)),
        label: processLabel(procDir, p),
        pidNs: namespaceId(procDir, p, 'pid'),
      });
    } catch (err) {
      if (!isProcessGone(err)) throw err;
    }
  }
  return out;
}

/**
 * The container's uid and gid maps when it has a user namespace of its own: /proc shows IDs
 * as seen from skiff's namespace, and psgo reports them as the container sees them.
 */
function containerIdMaps(pid: number): { uids: IdMapping[]; gids: IdMapping[]; overflowUid: string; overflowGid: string } | undefined {
  if (namespaceId('/proc', 'self', 'user') === namespaceId('/proc', String(pid), 'user')) return undefined;
  return {
    uids: parseIdMap(readFileSync(`/proc/${pid}/uid_map`, 'utf8')),
    gids: parseIdMap(readFileSync(`/proc/${pid}/gid_map`, 'utf8')),
    overflowUid: readFileSync('/proc/sys/kernel/overflowuid', 'utf8').trim(),
    overflowGid: readFileSync('/proc/sys/kernel/overflowgid', 'utf8').trim(),
  };
}

function inUserNamespace(s: ProcStatus, m: NonNullable<ReturnType<typeof containerIdMaps>>): ProcStatus {
  const uid = (id: string): string => String(idInside(m.uids, Number(id)) ?? m.overflowUid);
  const gid = (id: string): string => String(idInside(m.gids, Number(id)) ?? m.overflowGid);
  return { ...s, uids: s.uids.map(uid), gids: s.gids.map(gid), groups: s.groups.map(gid) };
}

/** The LSM label (/proc/<pid>/attr/current), `?` when the host has no labelling. */
function processLabel(procDir: string, pid: string): string {
  try {
    return readFileSync(`${procDir}/${pid}/attr/current`, 'utf8').replace(/^\n+|\n+$/g, '');
  } catch (err) {
    if (isProcessGone(err)) throw err;
    lstatSync(`${procDir}/${pid}`);
    return '?';
  }
}

/** The host's view of the processes in the container's pids cgroup. */
function hostProcesses(pid: number): HostProcess[] {
  const out: HostProcess[] = [];
  for (const p of ProcessCgroup.ofPid(pid).procs()) {
    try {
      out.push({ pid: p, status: parseProcStatus(readFileSync(`/proc/${p}/status`, 'utf8')), pidNs: namespaceId('/proc', p, 'pid') });
    } catch (err) {
      if (!isProcessGone(err)) throw err;
    }
  }
  return out;
}

/** The container's /dev/tty* and /dev/pts/* character devices; links are not followed. */
function containerTtys(root: string): Tty[] | undefined {
  const paths: string[] = [];
  try {
    for (const n of readdirSync(`${root}/dev`)) if (n.startsWith('tty')) paths.push(`/dev/${n}`);
    for (const n of readdirSync(`${root}/dev/pts`)) paths.push(`/dev/pts/${n}`);
  } catch {
    return undefined;
  }
  const out: Tty[] = [];
  for (const path of paths) {
    const st = lstatSync(`${root}${path}`, { bigint: true, throwIfNoEntry: false });
    if (!st?.isCharacterDevice()) continue;
    out.push({ major: devMajor(st.rdev), minor: devMinor(st.rdev), path });
  }
  return out;
}
