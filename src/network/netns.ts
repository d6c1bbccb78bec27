/**
 * A container's network namespace, made by skiff before the runtime creates the container
 * and pinned by a bind mount on a file in the container's run directory (as Podman pins its
 * own under /run/netns). The runtime joins it by path, so whatever connects it (a rootless
 * helper, a bridge) can do so while the rest of the container is still being prepared, and
 * it outlives the container's process until cleanup removes it.
 *
 * util-linux's `unshare --net=FILE` makes and pins it. It cannot be done in this process: a
 * thread that enters a new network namespace cannot come back to one owned by a user
 * namespace above its own (rootless, the host's), and Node cannot give it a thread to lose.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { MNT_DETACH, MS_BIND, mount, umount2 } from '../util/syscall.ts';
import { SkiffError } from '../util/errors.ts';
import { findExecutable } from '../util/which.ts';

/** Makes a new network namespace pinned at `path` (a file, created here). */
export async function createNetns(path: string): Promise<void> {
  const unshare = findExecutable('unshare');
  if (!unshare) throw new SkiffError('unsupported', 'unshare not found: install util-linux');
  // One left by a process killed before its cleanup is let go first.
  umount2(path, MNT_DETACH);
  writeFileSync(path, '', { mode: 0o600 });
  const child = spawn(unshare, [`--net=${path}`, 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const status = await new Promise<string | undefined>((resolve) => {
    child.on('error', (e) => resolve(e.message));
    child.on('close', (code, signal) => resolve(code === 0 ? undefined : (stderr.trim() || signal || `exit status ${code}`)));
  });
  if (status !== undefined) {
    rmSync(path, { force: true });
    throw new SkiffError('io', `creating a network namespace: ${status}`);
  }
}

/**
 * Pins an existing namespace (a container's own, `/proc/PID/ns/net`) at `path`, as Podman pins
 * the namespace the runtime made for a container with a user namespace of its own.
 */
export function pinNetns(source: string, path: string): void {
  umount2(path, MNT_DETACH);
  writeFileSync(path, '', { mode: 0o600 });
  try {
    mount(source, path, 'none', MS_BIND, null);
  } catch (err) {
    rmSync(path, { force: true });
    throw new SkiffError('io', `pinning the network namespace of the container: ${(err as Error).message}`, { cause: err });
  }
}

/** Unpins and removes a namespace made by createNetns (no error when there is none). */
export function removeNetns(path: string): void {
  umount2(path, MNT_DETACH);
  rmSync(path, { force: true });
}
