/** Facts about the host, the store and the runtime, for `skiff info`. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { cpus, freemem, hostname, release, totalmem, uptime } from 'node:os';
import { parseProcMap } from '../rootless/ids.ts';
import { VERSION } from '../version.ts';
import type { Engine } from './engine.ts';
import { goArch } from '../util/platform.ts';
import { findExecutable } from '../util/which.ts';

export { findExecutable };

export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

function versionOf(path: string | undefined): string {
  if (!path) return '';
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 5000 });
  return (r.stdout ?? '').trim();
}

export function cgroupVersion(): 'v1' | 'v2' {
  try {
    const t = statfsSync('/sys/fs/cgroup').type;
    return t === 0x63677270 ? 'v2' : 'v1';
  } catch {
    return 'v1';
  }
}

function cgroupControllers(version: 'v1' | 'v2'): string[] {
  try {
    if (version === 'v2') return readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').trim().split(/\s+/).filter(Boolean);
    const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
    const out: string[] = [];
    for (const l of lines) {
      const ctrls = l.split(':')[1];
      for (const c of ctrls.split(',')) if (c && !c.startsWith('name=') && !out.includes(c)) out.push(c);
    }
    return out;
  } catch {
    return [];
  }
}

function distribution(): { distribution: string; version: string; codename?: string } {
  try {
    const kv = Object.fromEntries(
      readFileSync('/etc/os-release', 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => {
          const i = l.indexOf('=');
          return [l.slice(0, i), l.slice(i + 1).replace(/^"|"$/g, '')];
        }),
    );
    return { distribution: kv.ID ?? 'unknown', version: kv.VERSION_ID ?? 'unknown', ...(kv.VERSION_CODENAME ? { codename: kv.VERSION_CODENAME } : {}) };
  } catch {
    return { distribution: 'unknown', version: 'unknown' };
  }
}

function formatUptime(secs: number): string {
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = (secs % 60).toFixed(2);
  return `${h}h ${m}m ${s}s (Approximately ${(secs / 86400).toFixed(2)} days)`;
}

/** statfs magic numbers, named as containers/storage names the backing filesystem. */
const FS_NAMES: Record<number, string> = { 0xef53: 'extfs', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x01021994: 'tmpfs', 0x794c7630: 'overlayfs', 0x2fc12fc1: 'zfs' };

/**
 * Podman's graphStatus keys for overlay (none for vfs), and "Driver Choice": which driver,
 * mounted how, and why (src/storage/driver.ts).
 */
function graphStatus(driver: string, graphRoot: string, native: boolean, reason: string): Record<string, string> {
  if (driver !== 'overlay') return { 'Driver Choice': reason };
  let backing = 'unknown';
  try {
    const t = statfsSync(graphRoot).type;
    backing = FS_NAMES[t] ?? `<unknown: 0x${t.toString(16)}>`;
  } catch {
    // keep unknown
  }
  return { 'Backing Filesystem': backing, 'Driver Choice': reason, 'Native Overlay Diff': String(native), 'Supports d_type': 'true', 'Using metacopy': 'false' };
}

/** This process's user namespace map (rootless), as Podman's info shows it. */
function ownMap(file: 'uid_map' | 'gid_map'): { container_id: number; host_id: number; size: number }[] {
  try {
    return parseProcMap(readFileSync(`/proc/self/${file}`, 'utf8')).map((m) => ({ container_id: m.containerID, host_id: m.hostID, size: m.size }));
  } catch {
    return [];
  }
}

export function versionInfo(): Record<string, unknown> {
  return {
    APIVersion: VERSION,
    Version: VERSION,
    NodeVersion: process.version,
    GitCommit: '',
    BuiltTime: '',
    Built: 0,
    OsArch: `linux/${goArch()}`,
    Os: 'linux',
  };
}

export function systemInfo(engine: Engine): Record<string, unknown> {
  const cfg = engine.config;
  const cgv = cgroupVersion();
  const runtimePath = findExecutable(cfg.runtime);
  const conmonPath = cfg.conmon ?? findExecutable('conmon');
  const store = engine.store;
  const imageCount = store.images.list().length;
  const seccompProfile = ['/usr/share/containers/seccomp.json', '/etc/containers/seccomp.json'].find((p) => existsSync(p)) ?? '';
  return {
    host: {
      arch: goArch(),
      cgroupManager: cfg.cgroupManager,
      cgroupVersion: cgv,
      cgroupControllers: cgroupControllers(cgv),
      conmon: { path: conmonPath ?? '', version: versionOf(conmonPath) },
      cpus: cpus().length,
      distribution: distribution(),
      eventLogger: cfg.eventsBackend,
      hostname: hostname(),
      ...(cfg.rootless ? { idMappings: { gidmap: ownMap('gid_map'), uidmap: ownMap('uid_map') } } : {}),
      kernel: release(),
      memFree: freemem(),
      memTotal: totalmem(),
      // Rootless containers have no bridge networks yet: their user-mode helper stands in.
      networkBackend: cfg.rootless ? (findExecutable('pasta') ? 'pasta' : 'slirp4netns') : 'netavark',
      ociRuntime: { name: cfg.runtime.split('/').at(-1), path: runtimePath ?? '', version: versionOf(runtimePath) },
      os: 'linux',
      security: {
        capabilities: DEFAULT_CAPABILITIES.join(','),
        rootless: cfg.rootless,
        seccompEnabled: seccompProfile !== '',
        seccompProfilePath: seccompProfile,
      },
      uptime: formatUptime(uptime()),
    },
    store: {
      configFile: cfg.files.find((f) => f.endsWith('storage.conf')) ?? '',
      containerStore: { number: 0, paused: 0, running: 0, stopped: 0 },
      graphDriverName: store.driver,
      graphOptions: store.mountProgram ? { 'overlay.mount_program': { Executable: store.mountProgram, Package: '', Version: versionOf(store.mountProgram).split('\n')[0] } } : {},
      graphRoot: cfg.graphRoot,
      graphStatus: graphStatus(store.driver, cfg.graphRoot, store.mountProgram === undefined, store.driverReason),
      imageStore: { number: imageCount },
      runRoot: cfg.runRoot,
    },
    registries: {},
    version: versionInfo(),
  };
}
