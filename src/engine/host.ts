/** Host facts a container's OCI spec needs: defaults from containers.conf, limits, paths. */
import { existsSync, readFileSync } from 'node:fs';
import { capabilitySets } from '../runtime/spec/capabilities.ts';
import { hostBoundingSet } from '../runtime/spec/host.ts';
import { buildRlimits } from '../runtime/spec/rlimits.ts';
import type { SpecContext, UlimitSpec } from '../runtime/spec/types.ts';
import type { ContainerRecord } from '../state/containers.ts';
import { rfc3339Nano } from '../util/time.ts';
import type { Engine } from './engine.ts';
import type { ContainerPaths } from './paths.ts';
import { pinsNetns } from '../network/files.ts';

const LIMIT_NAMES: Record<string, string> = {
  'Max cpu time': 'cpu',
  'Max file size': 'fsize',
  'Max data size': 'data',
  'Max stack size': 'stack',
  'Max core file size': 'core',
  'Max resident set': 'rss',
  'Max processes': 'nproc',
  'Max open files': 'nofile',
  'Max locked memory': 'memlock',
  'Max address space': 'as',
  'Max file locks': 'locks',
  'Max pending signals': 'sigpending',
  'Max msgqueue size': 'msgqueue',
  'Max nice priority': 'nice',
  'Max realtime priority': 'rtprio',
  'Max realtime timeout': 'rttime',
};

/** This process's rlimits from /proc/self/limits ("unlimited" as MAX_SAFE_INTEGER). */
export function hostRlimits(): Record<string, { soft: number; hard: number }> {
  const out: Record<string, { soft: number; hard: number }> = {};
  let text = '';
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n').slice(1)) {
    const name = Object.keys(LIMIT_NAMES).find((n) => line.startsWith(n));
    if (!name) continue;
    const [soft, hard] = line.slice(name.length).trim().split(/\s+/);
    const v = (s: string) => (s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
    out[LIMIT_NAMES[name]] = { soft: v(soft), hard: v(hard) };
  }
  return out;
}

/** containers.conf `default_ulimits` entries are `name=A:B`; Podman 4.3.1 takes A as hard, B as soft (REFERENCE §3). */
export function parseDefaultUlimits(entries: readonly string[]): UlimitSpec[] {
  const out: UlimitSpec[] = [];
  for (const e of entries) {
    const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(e.trim());
    if (!m) continue;
    const a = Number(m[2]);
    const b = m[3] === undefined ? a : Number(m[3]);
    out.push({ name: m[1], hard: a, soft: b });
  }
  return out;
}

/**
 * Podman's default RLIMIT_NPROC is the kernel's pid_max (REFERENCE §3): no more processes can
 * exist anyway, so it bounds the nproc limit skiff may add on its own.
 */
function withPidMax(limits: Record<string, { soft: number; hard: number }>): Record<string, { soft: number; hard: number }> {
  try {
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
    const cur = limits.nproc;
    if (Number.isFinite(pidMax) && pidMax > 0 && cur) limits.nproc = { soft: Math.min(cur.soft, pidMax), hard: Math.min(cur.hard, pidMax) };
  } catch {
    // no /proc: keep the process's own limits
  }
  return limits;
}

export function hostSpecContext(engine: Engine, c: ContainerRecord, rootfs: string, p: ContainerPaths): SpecContext {
  const d = engine.config.containers;
  const sysctls: Record<string, string> = {};
  for (const s of d.sysctls) {
    const eq = s.indexOf('=');
    if (eq > 0) sysctls[s.slice(0, eq).trim()] = s.slice(eq + 1).trim();
  }
  const seccomp = [d.seccompProfile, '/etc/containers/seccomp.json', '/usr/share/containers/seccomp.json'].find((f) => f !== undefined && existsSync(f));
  const init = [c.spec.initPath, d.initPath, '/usr/libexec/podman/catatonit', '/usr/bin/catatonit'].find((f) => f !== undefined && existsSync(f));
  return {
    id: c.id,
    rootfs,
    files: {
      hostname: p.hostname,
      hosts: c.spec.noHosts ? undefined : p.hosts,
      resolvConf: existsSync(p.resolvConf) ? p.resolvConf : undefined,
      containerEnv: p.containerEnv,
      shm: p.shm,
    },
    cgroupsPath: engine.containerCgroups() ? `/skiff_parent/skiff-${c.id}` : undefined,
    rootless: engine.config.rootless,
    ...(pinsNetns(c.spec) ? { netnsPath: p.netns } : {}),
    defaults: {
      capabilities: d.capabilities,
      sysctls,
      ulimits: parseDefaultUlimits(d.ulimits),
      pidsLimit: d.pidsLimit,
    },
    hostRlimits: withPidMax(hostRlimits()),
    defaultSeccompProfile: seccomp,
    createdAt: rfc3339Nano(c.created),
    initBinary: init,
  };
}

/**
 * The capability bounding set and rlimits a container's process gets, computed from its spec
 * the way generation computes them: what inspect shows before config.json exists.
 */
export function processPreview(
  engine: Engine,
  c: ContainerRecord,
  imageUser: string | undefined,
): { bounding: string[]; effective: string[]; rlimits: { type: string; soft: number; hard: number }[] } {
  const d = engine.config.containers;
  const sets = capabilitySets({ defaults: d.capabilities, add: c.spec.capAdd, drop: c.spec.capDrop, privileged: c.spec.privileged, user: c.spec.user ?? imageUser ?? '', boundingSet: hostBoundingSet() });
  const rlimits = c.spec.ulimitHost ? [] : buildRlimits({ user: c.spec.ulimits, defaults: parseDefaultUlimits(d.ulimits), host: withPidMax(hostRlimits()) });
  return { bounding: [...sets.bounding], effective: [...sets.effective], rlimits: rlimits.map((r) => ({ type: r.type, soft: Number(r.soft), hard: Number(r.hard) })) };
}
