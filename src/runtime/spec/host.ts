/**
 * Facts about the host that spec generation needs and SpecContext may leave out: read here,
 * once per call, so that tests can pin every one of them through the context instead.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { capabilitiesFromMask } from './capabilities.ts';
import { parseProcMap } from '../../rootless/ids.ts';
import { unescapeMountinfo } from '../../util/fsx.ts';

export function hostHostname(): string {
  return hostname();
}

export function kernelRelease(): string {
  return release();
}

/**
 * The architecture as libseccomp names it (`amd64`, `arm64`, `x86` …), the names that
 * seccomp profiles use in includes/excludes.arches.
 */
export function seccompNativeArch(): string {
  switch (process.arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return 'x86';
    case 'ppc64':
      return 'ppc64le';
    case 'loong64':
      return 'loong64';
    default:
      return process.arch;
  }
}

export function cgroupVersion(): 1 | 2 {
  return existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1;
}

/** The capabilities in this process's bounding set: all that a container can be given. */
export function hostBoundingSet(): string[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  if (m === null) throw new Error('/proc/self/status has no CapBnd line');
  return capabilitiesFromMask(m[1]!);
}

export interface MountFlags {
  readonly nosuid: boolean;
  readonly nodev: boolean;
  readonly noexec: boolean;
}

/**
 * The nosuid/nodev/noexec flags of the mount that holds `path` (what statfs(2) reports in
 * f_flags), read from /proc/self/mountinfo: the last mount whose mount point is the longest
 * prefix of the resolved path is the one on top.
 */
export function mountFlagsOf(path: string): MountFlags {
  const target = realpathSync(path);
  let best: { point: string; options: string[] } | undefined;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 6) continue;
    const point = unescapeMountinfo(fields[4]!);
    const inside = point === '/' || target === point || target.startsWith(`${point}/`);
    if (inside && (best === undefined || point.length >= best.point.length)) {
      best = { point, options: fields[5]!.split(',') };
    }
  }
  const opts = new Set(best?.options ?? []);
  return { nosuid: opts.has('nosuid'), nodev: opts.has('nodev'), noexec: opts.has('noexec') };
}

/** Whether this process's user namespace maps group 5 (tty), which /dev/pts's gid=5 needs. */
export function ttyGroupMapped(): boolean {
  try {
    return parseProcMap(readFileSync('/proc/self/gid_map', 'utf8')).some((m) => m.containerID <= 5 && 5 < m.containerID + m.size);
  } catch {
    return true;
  }
}
