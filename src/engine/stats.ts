/**
 * `stats`: resource usage of containers from their cgroups, as Podman 4.3.1 computes it
 * (libpod's GetContainerStats and the ContainerStats loop of its ABI engine).
 *
 * CPU % is the CPU time used since the previous sample over the wall time since then; the
 * first sample of a container compares with its start, so it equals the average (AVG CPU %).
 * A container that is neither running nor paused reports zeros. The memory limit is the
 * container's own when it has one below the machine's RAM, else the RAM.
 */
import { totalmem } from 'node:os';
import { ProcessCgroup, readCgroupStats } from '../runtime/cgroups.ts';
import { isProcessGone } from '../runtime/procfs.ts';
import { cgroupVersion } from '../runtime/spec/host.ts';
import type { ContainerRecord } from '../state/containers.ts';
import { isSkiffError, SkiffError } from '../util/errors.ts';
import type { Engine } from './engine.ts';

/** One sample of one container (Podman's define.ContainerStats). */
export interface ContainerStats {
  readonly containerId: string;
  readonly name: string;
  /** Percent of one CPU since the previous sample. */
  readonly cpu: number;
  /** Percent of one CPU since the container started. */
  readonly avgCpu: number;
  /** CPU time, ns, in total, in kernel mode, and per CPU (empty on cgroup v2). */
  readonly cpuNano: bigint;
  readonly cpuSystemNano: bigint;
  readonly perCpu: readonly bigint[];
  /** When the sample was taken, ns since the epoch. */
  readonly systemNano: bigint;
  readonly memUsage: number;
  readonly memLimit: number;
  readonly memPerc: number;
  readonly netInput: number;
  readonly netOutput: number;
  readonly blockInput: number;
  readonly blockOutput: number;
  readonly pids: number;
}

export interface StatsQuery {
  /** The most recently created container only. */
  readonly latest?: boolean;
  /** Names or IDs; none (and not latest) means every container. */
  readonly containers?: readonly string[];
}

/** The previous sample of each container, by ID, kept by a streaming caller between samples. */
export type StatsHistory = Map<string, ContainerStats>;

/**
 * One sample of every container the query selects, in Podman's order: the given order for
 * named containers, by ID for all. Records each sample in `history`.
 */
export function sampleStats(engine: Engine, query: StatsQuery, history: StatsHistory): ContainerStats[] {
  if (engine.config.rootless && cgroupVersion() === 1) {
    throw new SkiffError('unsupported', 'stats is not supported in rootless mode without cgroups v2');
  }
  const out: ContainerStats[] = [];
  for (const c of selectContainers(engine, query)) {
    const s = containerStats(engine, c, history.get(c.id));
    history.set(c.id, s);
    out.push(s);
  }
  return out;
}

function selectContainers(engine: Engine, query: StatsQuery): ContainerRecord[] {
  const svc = engine.containers;
  const names = query.containers ?? [];
  const listError = (message: string, cause?: unknown): SkiffError =>
    new SkiffError('no-such-object', `unable to get list of containers: ${message}`, { cause });
  if (query.latest) {
    const last = svc.records.list().at(-1);
    if (!last) throw listError('no such container');
    return [svc.sync(last)];
  }
  if (names.length > 0) {
    return names.map((n) => {
      try {
        return svc.resolve(n);
      } catch (err) {
        if (isSkiffError(err)) throw listError(`unable to look up container ${n}: ${err.message}`, err);
        throw err;
      }
    });
  }
  return svc.list().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function zeroStats(c: ContainerRecord): ContainerStats {
  return {
    containerId: c.id,
    name: c.name,
    cpu: 0,
    avgCpu: 0,
    cpuNano: 0n,
    cpuSystemNano: 0n,
    perCpu: [],
    systemNano: 0n,
    memUsage: 0,
    memLimit: 0,
    memPerc: 0,
    netInput: 0,
    netOutput: 0,
    blockInput: 0,
    blockOutput: 0,
    pids: 0,
  };
}

function containerStats(engine: Engine, c: ContainerRecord, previous: ContainerStats | undefined): ContainerStats {
  if (c.state.status !== 'running' && c.state.status !== 'paused') return zeroStats(c);
  let cg: ProcessCgroup;
  try {
    cg = ProcessCgroup.ofPid(c.state.pid);
  } catch (err) {
    // Exited since the state was read: report it as Podman reports a stopped container.
    if (isProcessGone(err) && !isActive(engine.containers.sync(c))) return zeroStats(c);
    throw new SkiffError('io', `unable to load cgroup of container ${c.id}: ${(err as Error).message}`, { cause: err });
  }
  let cgroup: ReturnType<typeof readCgroupStats>;
  try {
    cgroup = readCgroupStats(cg);
  } catch (err) {
    if (isProcessGone(err) && !isActive(engine.containers.sync(c))) return zeroStats(c);
    throw new SkiffError('io', `unable to obtain cgroup stats: ${(err as Error).message}`, { cause: err });
  }
  const startedNs = BigInt(Math.trunc(c.state.startedAt)) * 1_000_000n;
  // A counter below the last sample's means a restart into a new cgroup: the history is void.
  let prevCpu = 0n;
  let prevSystem = startedNs;
  if (previous !== undefined) {
    if (previous.cpuNano > cgroup.cpuTotalNs) prevSystem = 0n;
    else {
      prevCpu = previous.cpuNano;
      prevSystem = previous.systemNano;
    }
  }
  const now = nowNs();
  const memLimit = memoryLimit(c);
  const memUsage = Number(cgroup.memoryUsage);
  return {
    containerId: c.id,
    name: c.name,
    cpu: cpuPercent(cgroup.cpuTotalNs - prevCpu, now - prevSystem),
    avgCpu: cpuPercent(cgroup.cpuTotalNs, now - startedNs),
    cpuNano: cgroup.cpuTotalNs,
    cpuSystemNano: cgroup.cpuSystemNs,
    perCpu: cgroup.perCpuNs,
    systemNano: now,
    memUsage,
    memLimit,
    memPerc: (memUsage / memLimit) * 100,
    // skiff's networks are none, host or another container's (joined), and none of them is
    // a network namespace skiff set up: like Podman for those, there are no counters to read.
    netInput: 0,
    netOutput: 0,
    blockInput: Number(cgroup.blockRead),
    blockOutput: Number(cgroup.blockWrite),
    pids: Number(cgroup.pids),
  };
}

function isActive(c: ContainerRecord): boolean {
  return c.state.status === 'running' || c.state.status === 'paused';
}

function cpuPercent(cpuDeltaNs: bigint, wallDeltaNs: bigint): number {
  return cpuDeltaNs > 0n && wallDeltaNs > 0n ? (Number(cpuDeltaNs) / Number(wallDeltaNs)) * 100 : 0;
}

/** The container's --memory when set and below the machine's RAM, else the RAM. */
function memoryLimit(c: ContainerRecord): number {
  const physical = totalmem();
  const own = c.spec.resources.memory;
  return own === undefined || own <= 0 || own > physical ? physical : own;
}

function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}
