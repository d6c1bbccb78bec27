/**
 * The pause process and the way into its namespaces.
 *
 * The first rootless command makes a user namespace and a mount namespace (`unshare`), maps
 * the user to root and the subordinate ranges after it (`newuidmap`/`newgidmap`, setuid
 * helpers from the uidmap package), and leaves `catatonit -P` in them, in its own session, so
 * that the namespaces outlive the command. Every later command joins them with `nsenter`:
 * all of a user's commands share one mount namespace, where the overlay mounts of their
 * containers live. A killed pause process is noticed (its PID no longer names a pause
 * process in another user namespace) and made again: in the namespaces of the containers still
 * running, when there are some, else in new ones.
 *
 * bin/skiff joins an existing pause process itself, before Node starts; this module is the
 * path when there is none yet, or when the shell could not tell.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SkiffError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fsx.ts';
import { selfCommand } from '../util/self.ts';
import { findExecutable } from '../util/which.ts';
import { type IdMapping, mapperArgs, namespaceMap, readRanges } from './ids.ts';
import { pausePidFile, type RootlessUser, userRuntimeDir } from './userns.ts';

/** The name the kernel gives the pause process (bin/skiff checks for it before joining). */
export const PAUSE_COMM = 'catatonit';

function nsOf(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/user`);
  } catch {
    return undefined;
  }
}

/**
 * The pause file: the PID, then the user namespace it holds (`user:[INODE]`), so that a PID
 * reused by another process of the user's (rootless Podman's own catatonit, say) is not taken
 * for it. bin/skiff reads the first word only.
 */
function readPauseFile(pidFile: string): { pid: number; ns: string | undefined } | undefined {
  try {
    const [pidText, ns] = readFileSync(pidFile, 'utf8').trim().split(/\s+/);
    const pid = Number(pidText);
    return Number.isInteger(pid) && pid > 1 ? { pid, ns } : undefined;
  } catch {
    return undefined;
  }
}

/** The PID in the file when it is this user's live pause process, in a namespace of its own. */
export function livePause(pidFile: string, uid: number): number | undefined {
  const recorded = readPauseFile(pidFile);
  if (!recorded) return undefined;
  const { pid } = recorded;
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== PAUSE_COMM) return undefined;
    if (statSync(`/proc/${pid}`).uid !== uid) return undefined;
  } catch {
    return undefined;
  }
  // A killed pause process keeps its user namespace (it is in its credentials) until it is
  // reaped, but loses its mount namespace at once: the one nsenter joins.
  try {
    readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
  const ns = nsOf(pid);
  if (recorded.ns !== undefined && ns !== recorded.ns) return undefined;
  return ns !== undefined && ns !== nsOf('self') ? pid : undefined;
}

export interface Mapping {
  readonly uids: IdMapping[];
  readonly gids: IdMapping[];
  /** Set when the user has no subordinate ranges and gets only their own ID. */
  readonly single: boolean;
}

/** The maps the namespace gets, from /etc/subuid and /etc/subgid. */
export function plannedMapping(user: RootlessUser, name: string, files = { subuid: '/etc/subuid', subgid: '/etc/subgid' }): Mapping {
  const uidRanges = readRanges(files.subuid, name, user.uid);
  const gidRanges = readRanges(files.subgid, name, user.uid);
  if (uidRanges.length === 0 || gidRanges.length === 0) {
    return { uids: namespaceMap(user.uid, []), gids: namespaceMap(user.gid, []), single: true };
  }
  return { uids: namespaceMap(user.uid, uidRanges), gids: namespaceMap(user.gid, gidRanges), single: false };
}

function runMapper(tool: 'newuidmap' | 'newgidmap', pid: number, map: readonly IdMapping[]): void {
  const path = findExecutable(tool);
  if (!path) throw new SkiffError('rootless', `${tool} not found: install the uidmap package (apt-get install uidmap) to use the ranges in /etc/sub${tool === 'newuidmap' ? 'uid' : 'gid'}`);
  const r = spawnSync(path, [String(pid), ...mapperArgs(map)], { encoding: 'utf8' });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit status ${r.status}`).trim().split('\n')[0];
    throw new SkiffError('rootless', `cannot set up namespace using "${path}": ${why}`);
  }
}

function writeSingleMapping(pid: number, user: RootlessUser): void {
  // Without a setuid helper a user may map only their own IDs, and only after giving up
  // setgroups(2) in the namespace.
  writeFileSync(`/proc/${pid}/setgroups`, 'deny\n');
  writeFileSync(`/proc/${pid}/uid_map`, `0 ${user.uid} 1\n`);
  writeFileSync(`/proc/${pid}/gid_map`, `0 ${user.gid} 1\n`);
}

async function createPause(user: RootlessUser, warn: (m: string) => void): Promise<number> {
  const unshare = findExecutable('unshare');
  const pauser = findExecutable(PAUSE_COMM);
  if (!unshare) throw new SkiffError('rootless', 'unshare not found: install util-linux');
  if (!pauser) throw new SkiffError('rootless', 'catatonit not found: install the catatonit package to run skiff rootless');
  const before = nsOf('self');
  // "slave": mounts made on the host later still show inside; the containers' mounts stay inside.
  const child = spawn(unshare, ['--user', '--mount', '--propagation', 'slave', '--', pauser, '-P'], { detached: true, stdio: 'ignore', cwd: '/' });
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = signal ?? `exit status ${code}`;
  });
  child.on('error', (e) => {
    exited = e.message;
  });
  const pid = child.pid;
  if (pid === undefined) throw new SkiffError('rootless', 'cannot start the pause process');
  const deadline = Date.now() + 5000;
  for (;;) {
    const ns = nsOf(pid);
    if (ns !== undefined && ns !== before) break;
    if (exited !== undefined) throw new SkiffError('rootless', `cannot create a user namespace: unshare: ${exited}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new SkiffError('rootless', 'cannot create a user namespace: unshare did not enter one within 5s');
    }
    await sleep(1);
  }
  try {
    const mapping = plannedMapping(user, userInfo().username);
    if (mapping.single) {
      warn(
        'Using rootless single mapping into the namespace. This might break some images. Check /etc/subuid and /etc/subgid for adding sub*ids if not using a network user' +
          ` (as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${userInfo().username}, then skiff system migrate)`,
      );
      writeSingleMapping(pid, user);
    } else {
      runMapper('newuidmap', pid, mapping.uids);
      runMapper('newgidmap', pid, mapping.gids);
    }
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  child.unref();
  return pid;
}

/** The user's pause process, made when there is none. */
export async function ensurePause(user: RootlessUser, warn: (m: string) => void): Promise<{ pid: number; runtimeDir: string }> {
  const runtimeDir = userRuntimeDir(user);
  const pidFile = pausePidFile(runtimeDir);
  const found = livePause(pidFile, user.uid);
  if (found !== undefined) return { pid: found, runtimeDir };
  mkdirSync(dirname(pidFile), { recursive: true, mode: 0o700 });
  // Two first commands at once make one pause process: the second waits and joins it.
  const { FileLock } = await import('../util/lock.ts');
  const lock = new FileLock(join(dirname(pidFile), 'pause.lock'));
  return lock.with(async () => {
    const again = livePause(pidFile, user.uid);
    if (again !== undefined) return { pid: again, runtimeDir };
    // A killed pause process leaves its namespaces to the containers still running in them:
    // a new pause process joins those (their conmon holds them), or the containers would be
    // stranded in namespaces no later command could enter. Only a pause file left behind says
    // the pause process died unasked: `system migrate` and `reset` remove the file when they end
    // it, and the conmons of the containers they stopped may still be finishing their cleanup.
    const holder = readPauseFile(pidFile) !== undefined ? namespaceHolder(user.uid) : undefined;
    const pid = holder !== undefined ? await pauseIn(holder) : await createPause(user, warn);
    try {
      writeFileAtomic(pidFile, `${pid} ${nsOf(pid) ?? ''}\n`, 0o600);
    } catch (err) {
      process.kill(pid, 'SIGKILL');
      throw err;
    }
    return { pid, runtimeDir };
  });
}

/** A conmon of this user's that runs in a user namespace other than this process's. */
function namespaceHolder(uid: number): number | undefined {
  const own = nsOf('self');
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== 'conmon') continue;
      if (statSync(`/proc/${name}`).uid !== uid) continue;
      readlinkSync(`/proc/${name}/ns/mnt`);
      const ns = nsOf(Number(name));
      if (ns !== undefined && ns !== own) return Number(name);
    } catch {
      // gone meanwhile, or not ours to look at
    }
  }
  return undefined;
}

/** A pause process in the user and mount namespaces of process `holder`. */
async function pauseIn(holder: number): Promise<number> {
  const nsenter = findExecutable('nsenter');
  const pauser = findExecutable(PAUSE_COMM);
  if (!nsenter || !pauser) throw new SkiffError('rootless', 'nsenter and catatonit are needed to run skiff rootless: install util-linux and catatonit');
  const child = spawn(nsenter, ['--user', '--mount', '--preserve-credentials', '--target', String(holder), '--', pauser, '-P'], { detached: true, stdio: 'ignore', cwd: '/' });
  const pid = child.pid;
  if (pid === undefined) throw new SkiffError('rootless', 'cannot start the pause process');
  const want = nsOf(holder);
  const deadline = Date.now() + 5000;
  // nsenter becomes the pause process (exec): ready once it is catatonit, in the namespace.
  const comm = (): string => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return '';
    }
  };
  while (!(nsOf(pid) === want && comm() === PAUSE_COMM)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new SkiffError('rootless', `cannot join the user namespace of process ${holder}`);
    }
    await sleep(1);
  }
  child.unref();
  return pid;
}

/** The environment of a process that runs in the user's namespace. */
export function namespaceEnv(user: RootlessUser, runtimeDir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, _CONTAINERS_USERNS_CONFIGURED: 'done', _CONTAINERS_ROOTLESS_UID: String(user.uid), _CONTAINERS_ROOTLESS_GID: String(user.gid), XDG_RUNTIME_DIR: runtimeDir };
}

/**
 * Runs this skiff command again inside the user's namespaces, in place of this process.
 * Never returns.
 */
export async function reenterInNamespace(user: RootlessUser, argv: readonly string[], warn: (m: string) => void): Promise<never> {
  const { pid, runtimeDir } = await ensurePause(user, warn);
  const nsenter = findExecutable('nsenter');
  if (!nsenter) throw new SkiffError('rootless', 'nsenter not found: install util-linux');
  // --preserve-credentials: the user's own IDs are root in the namespace already, and a
  // namespace with a single mapping forbids the setgroups(2) nsenter would otherwise make.
  const args = ['nsenter', '--user', '--mount', '--preserve-credentials', '--target', String(pid), `--wd=${process.cwd()}`, '--', ...selfCommand(argv)];
  process.execve?.(nsenter, args, namespaceEnv(user, runtimeDir) as Record<string, string>);
  throw new SkiffError('internal', 'process.execve is not available: skiff needs Node 24');
}

/**
 * Ends the user's pause process (`system migrate`, `system reset`), so that the next command
 * makes a new namespace from the current /etc/subuid and /etc/subgid.
 */
export function stopPause(user: RootlessUser): boolean {
  const runtimeDir = userRuntimeDir(user);
  const pidFile = pausePidFile(runtimeDir);
  const pid = user.inNamespace ? pauseOfThisNamespace(pidFile) : livePause(pidFile, user.uid);
  rmSync(pidFile, { force: true });
  if (pid === undefined) return false;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return false;
  }
  return true;
}

/** Inside the namespace: the pause process named in the file, when it holds this very namespace. */
function pauseOfThisNamespace(pidFile: string): number | undefined {
  try {
    const recorded = readPauseFile(pidFile);
    if (!recorded) return undefined;
    const { pid } = recorded;
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== PAUSE_COMM) return undefined;
    return nsOf(pid) === nsOf('self') ? pid : undefined;
  } catch {
    return undefined;
  }
}
