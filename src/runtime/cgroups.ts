/**
 * A container's cgroup and the counters `stats` and `top` read from it. The cgroup is found
 * from /proc/<pid>/cgroup of the container's first process, so it does not matter where the
 * cgroup manager (cgroupfs or systemd) put it. cgroup v1 (one hierarchy per controller) and
 * v2 (one unified hierarchy) are both read; the parsers are pure.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupVersion } from './spec/host.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * /proc/<pid>/cgroup as a map from controller to path. v1 lines (`4:memory:/x`,
 * `2:cpu,cpuacct:/x`) give one entry per controller; the v2 line (`0::/x`) gives the key ''.
 * Named hierarchies (`name=systemd`) are kept under their full name.
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (controllers === '') out.set('', path);
    else for (const c of controllers.split(',')) out.set(c, path);
  }
  return out;
}

/** The cgroups of one process, ready to read counters from. */
export class ProcessCgroup {
  readonly version: 1 | 2;
  readonly #paths: Map<string, string>;

  constructor(version: 1 | 2, paths: Map<string, string>) {
    this.version = version;
    this.#paths = paths;
  }

  /** The cgroups of a live process; throws ENOENT when it is gone. */
  static ofPid(pid: number): ProcessCgroup {
    return new ProcessCgroup(cgroupVersion(), parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8')));
  }

  /** The directory of a v1 controller's cgroup, or of the unified cgroup on v2. */
  dir(controller: string): string {
    const key = this.version === 2 ? '' : controller;
    const path = this.#paths.get(key);
    if (path === undefined) throw new Error(`no ${this.version === 2 ? 'unified' : controller} cgroup for the process`);
    return this.version === 2 ? join(CGROUP_ROOT, path) : join(CGROUP_ROOT, controller, path);
  }

  /** The PIDs (host view) in the process's pids cgroup, in the kernel's order. */
  procs(): string[] {
    return readFileSync(join(this.dir('pids'), 'cgroup.procs'), 'utf8').split('\n').filter((l) => l !== '');
  }

  read(controller: string, file: string): string {
    return readFileSync(join(this.dir(controller), file), 'utf8');
  }
}

/** The counters of one cgroup, as Podman's stats collects them. */
export interface CgroupStats {
  /** CPU time of all tasks, ns. */
  readonly cpuTotalNs: bigint;
  /** Of which in kernel mode, ns. */
  readonly cpuSystemNs: bigint;
  /** Per CPU, ns; empty on v2, which does not count per CPU. */
  readonly perCpuNs: readonly bigint[];
  readonly memoryUsage: bigint;
  /** undefined: no limit. */
  readonly memoryLimit: bigint | undefined;
  readonly pids: bigint;
  readonly blockRead: bigint;
  readonly blockWrite: bigint;
}

export function readCgroupStats(cg: ProcessCgroup): CgroupStats {
  if (cg.version === 2) {
    const cpu = parseFlatKeyed(cg.read('cpu', 'cpu.stat'));
    const block = parseIoStat(readOptional(() => cg.read('io', 'io.stat')) ?? '');
    return {
      cpuTotalNs: (cpu.get('usage_usec') ?? 0n) * 1000n,
      cpuSystemNs: (cpu.get('system_usec') ?? 0n) * 1000n,
      perCpuNs: [],
      memoryUsage: parseUint(cg.read('memory', 'memory.current')) ?? 0n,
      memoryLimit: parseUint(cg.read('memory', 'memory.max')),
      pids: parseUint(cg.read('pids', 'pids.current')) ?? 0n,
      blockRead: block.read,
      blockWrite: block.write,
    };
  }
  const blkio = readOptional(() => cg.read('blkio', 'blkio.throttle.io_service_bytes_recursive'));
  const block = parseBlkioServiceBytes(blkio ?? '');
  return {
    cpuTotalNs: parseUint(cg.read('cpuacct', 'cpuacct.usage')) ?? 0n,
    cpuSystemNs: parseUint(cg.read('cpuacct', 'cpuacct.usage_sys')) ?? 0n,
    perCpuNs: parseUintList(cg.read('cpuacct', 'cpuacct.usage_percpu')),
    memoryUsage: parseUint(cg.read('memory', 'memory.usage_in_bytes')) ?? 0n,
    memoryLimit: parseUint(cg.read('memory', 'memory.limit_in_bytes')),
    pids: parseUint(cg.read('pids', 'pids.current')) ?? 0n,
    blockRead: block.read,
    blockWrite: block.write,
  };
}

/** A file's contents, or undefined when the kernel has no such file (a controller not enabled). */
function readOptional(read: () => string): string | undefined {
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** One unsigned number; undefined for `max` (no limit). */
export function parseUint(text: string): bigint | undefined {
  const t = text.trim();
  if (t === 'max') return undefined;
  if (!/^\d+$/.test(t)) throw new Error(`unexpected cgroup value ${JSON.stringify(t.slice(0, 40))}`);
  return BigInt(t);
}

/** Space-separated numbers (cpuacct.usage_percpu). */
export function parseUintList(text: string): bigint[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map((s) => BigInt(s));
}

/** `key value` lines (cpu.stat, memory.stat). */
export function parseFlatKeyed(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) out.set(k, BigInt(v));
  }
  return out;
}

/**
 * v1 blkio.throttle.io_service_bytes_recursive: `8:0 Read 4096` lines per device and operation,
 * and a `Total` line. Bytes read and written, summed over devices (the op compared without case).
 */
export function parseBlkioServiceBytes(text: string): { read: bigint; write: bigint } {
  let read = 0n;
  let write = 0n;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3 || !/^\d+:\d+$/.test(f[0]) || !/^\d+$/.test(f[2])) continue;
    const op = f[1].toLowerCase();
    if (op === 'read') read += BigInt(f[2]);
    else if (op === 'write') write += BigInt(f[2]);
  }
  return { read, write };
}

/** v2 io.stat: `8:0 rbytes=4096 wbytes=0 rios=1 …` per device; rbytes and wbytes summed. */
export function parseIoStat(text: string): { read: bigint; write: bigint } {
  let read = 0n;
  let write = 0n;
  for (const line of text.split('\n')) {
    for (const kv of line.trim().split(/\s+/).slice(1)) {
      const m = /^(rbytes|wbytes)=(\d+)$/.exec(kv);
      if (!m) continue;
      if (m[1] === 'rbytes') read += BigInt(m[2]);
      else write += BigInt(m[2]);
    }
  }
  return { read, write };
}

/**
 * Moves a process into the cgroupfs cgroup `path` (e.g. `/skiff_parent/conmon`) in every
 * controller hierarchy, creating it as needed, as Podman does with conmon under the cgroupfs
 * manager: conmon's memory is then accounted apart from the shell that started it. Named
 * hierarchies (name=systemd) are left alone, as Podman leaves them. Root only: an
 * unprivileged caller cannot write there, and the process stays where it is.
 */
export function moveToCgroup(pid: number, path: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): void {
  const rel = path.replace(/^\/+/, '');
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    const mountPoint = line.split(' ')[4];
    if (mountPoint === undefined) continue;
    if (fstype === 'cgroup2') {
      // Only the unified hierarchy of a pure v2 host carries controllers; a hybrid host's
      // /sys/fs/cgroup/unified is left alone, as Podman leaves it.
      if (mountPoint !== '/sys/fs/cgroup') continue;
    } else if (fstype !== 'cgroup' || superOpts.split(',').some((o) => o.startsWith('name='))) {
      continue;
    }
    const dir = join(mountPoint, rel);
    mkdirSync(dir, { recursive: true });
    if (fstype === 'cgroup' && superOpts.split(',').includes('cpuset')) inheritCpuset(mountPoint, rel);
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  }
}

/** A v1 cpuset cgroup takes no task until cpus and mems are set: copy them down from the parents. */
function inheritCpuset(mountPoint: string, rel: string): void {
  let dir = mountPoint;
  for (const part of rel.split('/').filter(Boolean)) {
    const parent = dir;
    dir = join(dir, part);
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (readFileSync(join(dir, f), 'utf8').trim() === '') writeFileSync(join(dir, f), readFileSync(join(parent, f), 'utf8'));
    }
  }
}
