/**
 * Who a rootless skiff runs for, and where that user's volatile state lives.
 *
 * An unprivileged user's skiff runs inside a user namespace (and mount namespace) kept by a
 * pause process: the user is root there, the subordinate IDs are the other users. Inside,
 * getuid() says 0, so the user's own IDs travel in the environment, under the names Podman
 * uses for the same purpose (`_CONTAINERS_ROOTLESS_UID`, `_CONTAINERS_ROOTLESS_GID`,
 * `_CONTAINERS_USERNS_CONFIGURED=done`); conmon and the exit commands inherit them.
 */
import { lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SkiffError } from '../util/errors.ts';

export interface RootlessUser {
  readonly uid: number;
  readonly gid: number;
  /** True when this process already runs in the user's namespace. */
  readonly inNamespace: boolean;
}

const FULL_MAP = /^\s*0\s+0\s+4294967295\s*$/;

/** True when this process is in a user namespace other than the initial one. */
export function inUserNamespace(): boolean {
  try {
    return !FULL_MAP.test(readFileSync('/proc/self/uid_map', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The rootless user this process acts for, or undefined for root on the host. The markers
 * in the environment count only inside a user namespace, so that a root shell that inherited
 * them is still root.
 */
export function rootlessUser(env: NodeJS.ProcessEnv = process.env): RootlessUser | undefined {
  const uid = process.getuid?.() ?? 0;
  if (env._CONTAINERS_USERNS_CONFIGURED === 'done' && env._CONTAINERS_ROOTLESS_UID && inUserNamespace()) {
    const u = Number(env._CONTAINERS_ROOTLESS_UID);
    const g = Number(env._CONTAINERS_ROOTLESS_GID ?? u);
    if (Number.isInteger(u) && u > 0 && Number.isInteger(g)) return { uid: u, gid: g, inNamespace: true };
  }
  if (uid === 0) return undefined;
  return { uid, gid: process.getgid?.() ?? uid, inNamespace: false };
}

/**
 * The user's runtime directory: XDG_RUNTIME_DIR when the user owns it, else
 * /tmp/skiff-run-UID, made 0700 here and refused when someone else owns it (a directory
 * planted in /tmp must never receive the user's sockets). Inside the namespace the value
 * chosen outside arrives as XDG_RUNTIME_DIR and is taken as it is.
 */
export function userRuntimeDir(user: RootlessUser, env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (user.inNamespace && xdg) return xdg;
  if (xdg) {
    try {
      if (lstatSync(xdg).uid === user.uid) return xdg;
    } catch {
      // Missing: fall back below.
    }
  }
  const dir = `/tmp/skiff-run-${user.uid}`;
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SkiffError('io', `creating runtime directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const st = lstatSync(dir);
  // Inside the namespace the user's own files show as owned by 0.
  const owner = user.inNamespace ? 0 : user.uid;
  if (!st.isDirectory() || st.uid !== owner || (st.mode & 0o077) !== 0) {
    throw new SkiffError('io', `runtime directory ${dir} is not a private directory of UID ${user.uid}: set XDG_RUNTIME_DIR to a directory you own`);
  }
  return dir;
}

/** Where the pause process's PID is kept: one per user, whatever --runroot a command uses. */
export function pausePidFile(runtimeDir: string): string {
  return join(runtimeDir, 'skiff', 'pause.pid');
}

/** The UID whose files and settings apply: the rootless user's, or 0 for root on the host. */
export function callerUid(env: NodeJS.ProcessEnv = process.env): number {
  return rootlessUser(env)?.uid ?? 0;
}
