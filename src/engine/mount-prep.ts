/**
 * What the engine does on the host for a container's mounts before the runtime sees them:
 * `U` (chown the source to the container user, recursively, as Podman does) and `O` (an
 * overlay over a host directory whose writes land in a scratch upper directory and vanish
 * when the container stops).
 */
import { existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MountSpec } from '../runtime/spec/types.ts';
import { SkiffError } from '../util/errors.ts';

/**
 * Host directories `U` refuses to chown: a typo here would hand the system to a container
 * user (Podman refuses the same ones).
 */
const PROTECTED = new Set(['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib64', '/media', '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var']);

/** chown -R without following symlinks: the links themselves get the owner. */
export function chownTree(path: string, uid: number, gid: number): void {
  const abs = resolve(path);
  if (PROTECTED.has(abs)) {
    throw new SkiffError('invalid-argument', `chowning host path "${abs}" is not allowed. You can manually \`chown -R ${uid}:${gid} ${abs}\``);
  }
  const walk = (p: string): void => {
    lchownSync(p, uid, gid);
    const st = lstatSync(p);
    if (!st.isDirectory()) return;
    for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(abs);
}

/** Where a container's `O` overlays live: `<bundle>/overlay/<n>/{upper,work,merge}`. */
export function overlayHome(bundle: string): string {
  return join(bundle, 'overlay');
}

/**
 * Mounts an overlay with `source` as its lower layer and returns the merged directory to
 * bind into the container instead of `source`. `mountProgram`: fuse-overlayfs mounts it, as
 * it mounts the store's overlays (a rootless user whose kernel cannot).
 */
export async function mountOverlayVolume(bundle: string, index: number, source: string, mountProgram?: string): Promise<string> {
  if (!existsSync(source) || !lstatSync(source).isDirectory()) {
    throw new SkiffError('invalid-argument', `overlay mount source ${source} must be a directory`);
  }
  const dir = join(overlayHome(bundle), String(index));
  const upper = join(dir, 'upper');
  const work = join(dir, 'work');
  const merge = join(dir, 'merge');
  rmSync(dir, { recursive: true, force: true });
  for (const d of [upper, work, merge]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const esc = (p: string) => p.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/:/g, '\\:');
  const options = `lowerdir=${esc(resolve(source))},upperdir=${esc(upper)},workdir=${esc(work)}`;
  if (mountProgram) {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(mountProgram, ['-o', options, merge], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new SkiffError('io', `mounting the overlay of ${source} with ${mountProgram}: ${(r.stderr || r.error?.message || `exit status ${r.status}`).trim()}`);
    return merge;
  }
  const { mount } = await import('../util/syscall.ts');
  mount('overlay', merge, 'overlay', 0, options);
  return merge;
}

/** Unmounts and deletes every `O` overlay of a container (its writes go with them). */
export async function removeOverlayVolumes(bundle: string): Promise<void> {
  const home = overlayHome(bundle);
  if (!existsSync(home)) return;
  const { isMountPoint } = await import('../util/fsx.ts');
  const { umount2, MNT_DETACH } = await import('../util/syscall.ts');
  for (const n of readdirSync(home)) {
    const merge = join(home, n, 'merge');
    if (isMountPoint(merge)) umount2(merge, MNT_DETACH);
  }
  rmSync(home, { recursive: true, force: true });
}

/** The mounts with `U` applied on the host and `O` binds turned into binds of their overlays. */
export async function prepareHostMounts(mounts: readonly MountSpec[], bundle: string, user: { uid: number; gid: number }, mountProgram?: string): Promise<MountSpec[]> {
  const out: MountSpec[] = [];
  let overlays = 0;
  for (const m of mounts) {
    let cur = m;
    if ((m.type === 'bind' || m.type === 'volume') && m.options.includes('U')) chownTree(m.source, user.uid, user.gid);
    if (m.type === 'bind' && m.options.includes('O')) {
      const merged = await mountOverlayVolume(bundle, overlays++, m.source, mountProgram);
      cur = { ...m, source: merged, options: m.options.filter((o) => o !== 'O' && o !== 'U') };
    }
    out.push(cur);
  }
  return out;
}
