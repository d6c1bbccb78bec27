/**
 * Device nodes for linux.devices: one host node for --device, or every node under /dev for
 * --privileged (the walk Podman does: sorted by name, recursing into directories except
 * pts, shm, fd, mqueue and LXD's, skipping /dev/console and symlinks).
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, SkiffError } from '../../util/errors.ts';
import { devMajor, devMinor } from '../../util/devnum.ts';

export interface HostDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** st_mode: the type bits and the permissions, as runtime-spec's fileMode holds them. */
  fileMode: number;
  uid: number;
  gid: number;
}

const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

function fromStats(path: string, st: BigIntStats): HostDevice | undefined {
  const mode = Number(st.mode);
  const fmt = mode & S_IFMT;
  if (fmt !== S_IFCHR && fmt !== S_IFBLK) return undefined;
  return {
    path,
    type: fmt === S_IFCHR ? 'c' : 'b',
    major: devMajor(st.rdev),
    minor: devMinor(st.rdev),
    fileMode: mode,
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

/**
 * The device node at `hostPath` (symlinks followed, as `--device /dev/disk/by-id/x` needs),
 * recorded at `containerPath`. A directory gives every node below it, at the same place
 * under `containerPath`. Errors read like Podman's: `stat /dev/nosuch: no such file or directory`.
 */
export function devicesFromPath(hostPath: string, containerPath: string): HostDevice[] {
  let st: BigIntStats;
  try {
    st = statSync(hostPath, { bigint: true });
  } catch (err) {
    const reason = errnoCode(err) === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
    throw new SkiffError('invalid-argument', `stat ${hostPath}: ${reason}`, { cause: err });
  }
  if (st.isDirectory()) {
    return walkDevices(hostPath).map((d) => ({ ...d, path: join(containerPath, d.path.slice(hostPath.length)) }));
  }
  const dev = fromStats(containerPath, st);
  if (dev === undefined) throw new SkiffError('invalid-argument', `${hostPath} is not a valid device`);
  return [dev];
}

const SKIPPED_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts']);

function walkDevices(dir: string): HostDevice[] {
  const out: HostDevice[] = [];
  const names = readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const path = join(dir, name);
    let st: BigIntStats;
    try {
      st = lstatSync(path, { bigint: true });
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    if (st.isDirectory()) {
      if (!SKIPPED_DIRS.has(name)) out.push(...walkDevices(path));
      continue;
    }
    if (name === 'console' || st.isSymbolicLink()) continue;
    const dev = fromStats(path, st);
    if (dev !== undefined) out.push(dev);
  }
  return out;
}

/** Every device node under `dir` (default /dev), for --privileged. */
export function listHostDevices(dir = '/dev'): HostDevice[] {
  return walkDevices(dir);
}
