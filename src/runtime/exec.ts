/**
 * Exec sessions through conmon, as Podman 4.3.1 runs them (REFERENCE §2, exec bullets).
 *
 * Layout, all created here: `<bundle>/<sessionID>/` holding `exec-process-<random>` (the
 * process JSON), `exec_pid`, `oci-log`, `exit/<containerID>`, and conmon's `attach`, `ctl`,
 * `winsz`. conmon runs with that directory as its cwd.
 *
 * Handshake, in order: start byte → `{"data": 0}` on the attach pipe (socket listening) →
 * connect (resize first with a tty) → second start byte → conmon's first process exits →
 * sync `{"data": <pid>}` → output → sync `{"data": <exit code>}`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SkiffError } from '../util/errors.ts';
import { attach, attachPaths, resizeTerminal, type AttachSession, type AttachStreams, type TerminalSize } from './attach.ts';
import {
  awaitFirstExit,
  CONTAINER_CREATE_TIMEOUT_MS,
  exitCommandArgs,
  readConmonPid,
  sharedConmonArgs,
  spawnConmon,
  writeStartByte,
  type ConmonRuntime,
} from './conmon.ts';
import { exitFilePath, waitForExitFile } from './exitfile.ts';
import { execFailureExitCode } from './ocierror.ts';
import { randomHex } from '../util/random.ts';

export interface ExecOptions extends ConmonRuntime {
  readonly containerId: string;
  readonly containerName: string;
  /** The container's bundle; the session directory is made inside it. */
  readonly bundle: string;
  /** 64-hex session ID; a random one when absent. */
  readonly sessionId?: string;
  /**
   * The OCI `process` object to run, already prepared by the caller (args, env, user, cwd,
   * capabilities; Podman's prepareProcessExec). Its `terminal` is set from `terminal`.
   */
  readonly process: Readonly<Record<string, unknown>>;
  readonly terminal?: boolean;
  /**
   * Streams to attach. Absent: a detached session (`exec -d`) that returns once the process
   * runs; its exit code lands in the session's exit file.
   */
  readonly streams?: AttachStreams;
  readonly detachKeys?: string;
  readonly initialSize?: TerminalSize;
  /** argv conmon execs after the session ends (`… container cleanup --exec <session> <ID>`). */
  readonly exitCommand?: readonly string[];
  readonly preserveFds?: readonly number[];
  readonly cgroupsDisabled?: boolean;
  /** Bound on each wait for conmon (default 240 s). */
  readonly syncTimeoutMs?: number;
  /** Runs before the first start byte, e.g. to move conmon into a cgroup. */
  readonly beforeStart?: (conmonFirstPid: number) => void | Promise<void>;
}

export interface ExecResult {
  readonly sessionId: string;
  readonly sessionDir: string;
  /** The exec process's host pid. */
  readonly pid: number;
  /** Its exit code; undefined for a detached session or when the user detached. */
  readonly exitCode: number | undefined;
  /** The user typed the detach keys; the process keeps running. */
  readonly detached: boolean;
}

/** The paths of an exec session. Pure. */
export function execSessionPaths(bundle: string, sessionId: string): { dir: string; pidFile: string; ociLog: string; exitDir: string } {
  const dir = join(bundle, sessionId);
  return { dir, pidFile: join(dir, 'exec_pid'), ociLog: join(dir, 'oci-log'), exitDir: join(dir, 'exit') };
}

/** conmon's argv for an exec session, in Podman's order. Pure. */
export function execConmonArgs(o: ExecOptions, sessionId: string, processFile: string): string[] {
  const p = execSessionPaths(o.bundle, sessionId);
  const args = sharedConmonArgs({
    runtime: o,
    containerId: o.containerId,
    cuuid: sessionId,
    name: o.containerName,
    bundle: p.dir,
    pidFile: p.pidFile,
    exitDir: p.exitDir,
    log: { driver: 'none' },
    ociLogPath: p.ociLog,
    cgroupsDisabled: o.cgroupsDisabled === true,
  });
  const preserved = o.preserveFds?.length ?? 0;
  if (preserved > 0) args.push('--runtime-opt', '--preserve-fds', '--runtime-opt', String(preserved));
  if (o.terminal) args.push('-t');
  if (o.streams?.stdin) args.push('-i');
  args.push('-e', '--exec-attach', '--exec-process-spec', processFile);
  args.push(...exitCommandArgs(o.exitCommand));
  return args;
}

/**
 * Runs a process in a running container. Attached: streams until the process ends and returns
 * its exit code. Detached: returns once it runs. A process that cannot start throws Podman's
 * OCI error with exec's exit codes (127 not found, 126 permission, 255 other).
 */
export async function execInContainer(o: ExecOptions): Promise<ExecResult> {
  const sessionId = o.sessionId ?? randomHex(32);
  if (!/^[0-9a-f]{64}$/.test(sessionId)) throw new SkiffError('invalid-argument', `invalid exec session ID ${JSON.stringify(sessionId)}`);
  const timeoutMs = o.syncTimeoutMs ?? CONTAINER_CREATE_TIMEOUT_MS;
  const paths = execSessionPaths(o.bundle, sessionId);
  await mkdir(paths.exitDir, { recursive: true, mode: 0o755 });
  const processFile = join(paths.dir, `exec-process-${randomHex(6)}`);
  await writeFile(processFile, JSON.stringify({ ...o.process, terminal: o.terminal === true }), { mode: 0o600 });

  const conmon = await spawnConmon({
    runtime: o,
    args: execConmonArgs(o, sessionId, processFile),
    cwd: paths.dir,
    ...(o.preserveFds ? { preserveFds: o.preserveFds } : {}),
    attachPipe: true,
  });
  let session: AttachSession | undefined;
  try {
    if (o.beforeStart) await o.beforeStart(conmon.child.pid as number);
    await writeStartByte(conmon.start);
    const ready = await (conmon.attach as NonNullable<typeof conmon.attach>).next(timeoutMs, 'the exec attach socket');
    if (ready.data < 0) throw new SkiffError('conmon-failed', `conmon failed to set up the exec attach socket${ready.message ? `: ${ready.message}` : ''}`);
    if (o.streams) {
      const { socketPath, ctlPath } = attachPaths(paths.dir);
      if (o.terminal && o.initialSize) await resizeTerminal(ctlPath, o.initialSize).catch(() => {});
      session = await attach({
        socketPath,
        ctlPath,
        streams: o.streams,
        ...(o.detachKeys !== undefined ? { detachKeys: o.detachKeys } : {}),
        tty: o.terminal === true,
        ...(o.initialSize ? { initialSize: o.initialSize } : {}),
      });
    }
    await writeStartByte(conmon.start);
    await awaitFirstExit(conmon, timeoutMs);
    const pid = await readConmonPid(conmon, o.runtimePath, (o.logLevel ?? 'warning') === 'debug' ? undefined : paths.ociLog, timeoutMs, execFailureExitCode);
    if (!session) return { sessionId, sessionDir: paths.dir, pid, exitCode: undefined, detached: false };

    const { detached } = await session.done;
    session = undefined;
    if (detached) return { sessionId, sessionDir: paths.dir, pid, exitCode: undefined, detached: true };
    return { sessionId, sessionDir: paths.dir, pid, exitCode: await readExecExitCode(conmon.sync, paths.exitDir, o.containerId, timeoutMs), detached: false };
  } finally {
    session?.close();
    conmon.close();
  }
}

/**
 * The exit code conmon sends on the sync pipe after the process ends; the session's exit file
 * when the pipe has nothing (both carry the same number).
 */
async function readExecExitCode(
  sync: { next(timeoutMs: number, what: string): Promise<{ data: number; message?: string }> },
  exitDir: string,
  containerId: string,
  timeoutMs: number,
): Promise<number> {
  try {
    const msg = await sync.next(timeoutMs, 'the exec exit code');
    return msg.data;
  } catch {
    const f = await waitForExitFile(exitFilePath(exitDir, containerId), { timeoutMs: Math.min(timeoutMs, 10_000) });
    if (!f) throw new SkiffError('conmon-failed', 'conmon exited without reporting the exec exit code');
    return f.exitCode;
  }
}
