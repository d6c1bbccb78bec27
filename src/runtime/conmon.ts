/**
 * Spawning conmon for a container exactly as Podman 4.3.1 does (libpod/oci_conmon_common.go),
 * so that conmon, crun and everything reading their files behave as they do under Podman.
 *
 * Process model: skiff → conmon (first process) → conmon daemon (setsid, subreaper) → crun →
 * container. The first conmon process exits once its daemon child is forked; the daemon
 * outlives skiff, which is what makes `run -d` work without a daemon of ours.
 *
 * Protocol (REFERENCE §1.2, §1.3): fds 3 and 4 are the sync and start pipes (3+P and 4+P with P
 * preserved fds; exec adds the attach pipe at 5+P). skiff writes one 0x00 byte on the start pipe
 * once conmon is where it belongs (its cgroup), waits for the first process to exit, then reads
 * one line from the sync pipe: `{"data": <pid>}` or `{"data": -1, "message": "…"}`.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { SkiffError } from '../util/errors.ts';
import { ociRuntimeError, readOciLogMessage } from './ocierror.ts';
import { defaultRuntimeDir } from './runtime-env.ts';
import { SyncPipeReader } from './syncpipe.ts';

/** Podman's define.ContainerCreateTimeout: how long conmon may take to report the pid. */
export const CONTAINER_CREATE_TIMEOUT_MS = 240_000;

/** Which conmon and OCI runtime to use, and the settings every conmon invocation shares. */
export interface ConmonRuntime {
  /** Absolute path of conmon (`/usr/bin/conmon`). */
  readonly conmonPath: string;
  /** Absolute path of the OCI runtime (`/usr/bin/crun`); conmon requires it executable. */
  readonly runtimePath: string;
  /**
   * Global runtime flags exactly as the runtime receives them: `--runtime-flag debug` is `--debug`.
   * They go to conmon as `--runtime-arg` and before the verb of every direct runtime call.
   */
  readonly runtimeArgs?: readonly string[];
  /** XDG_RUNTIME_DIR given to conmon and the runtime; Podman gives root an empty value. */
  readonly runtimeDir?: string;
  /** containers.conf `conmon_env_vars` (`KEY=VALUE`), placed first so later keys win. */
  readonly conmonEnv?: readonly string[];
  /** Cgroup manager is systemd: conmon gets `-s` (crun create gets `--systemd-cgroup`). */
  readonly systemdCgroup?: boolean;
  /** conmon `--log-level` (default `warning`); at `debug` no oci-log args are passed, as Podman. */
  readonly logLevel?: string;
  /** conmon `--syslog`. */
  readonly syslog?: boolean;
}

export type ConmonLogDriver =
  /** Writes `path` in the k8s-file format (`json-file` maps here too, as in Podman). */
  | { readonly driver: 'k8s-file'; readonly path: string }
  | { readonly driver: 'journald' }
  | { readonly driver: 'none' }
  | { readonly driver: 'passthrough' };

export interface CreateContainerOptions extends ConmonRuntime {
  /** 64-hex container ID: conmon `-c` and `-u`, and the runtime's container name. */
  readonly id: string;
  /** The container's name (conmon `-n`). */
  readonly name: string;
  /**
   * The OCI bundle, holding config.json; must exist. conmon creates `attach`, `ctl` and `winsz`
   * here and runs with it as its working directory, so an `oom` file lands here too.
   */
  readonly bundle: string;
  /** Existing directory for `pidfile`, `conmon.pid` and `oci-log`. */
  readonly rundir: string;
  /** Existing directory where conmon writes `<id>` with the exit code. */
  readonly exitDir: string;
  readonly log: ConmonLogDriver;
  /** `--log-size-max` in bytes, when > 0. */
  readonly logSizeMax?: number;
  /** `--log-tag` (conmon rejects it with k8s-file). */
  readonly logTag?: string;
  /** `--cgroups=disabled`: the runtime gets `--cgroup-manager disabled`. */
  readonly cgroupsDisabled?: boolean;
  /** `--sdnotify=container`: the socket conmon proxies. */
  readonly sdNotifySocket?: string;
  /** The container has a terminal (`-t`); conmon then receives the pty from crun. */
  readonly terminal?: boolean;
  /** Keep the container's stdin open for attach (`-i`); ignored with `terminal`. */
  readonly interactive?: boolean;
  /** `--timeout`: seconds after which conmon kills the container. */
  readonly timeout?: number;
  readonly noNewKeyring?: boolean;
  readonly noPivot?: boolean;
  /** argv conmon execs (no PATH search) after the container exits; argv[0] must be absolute. */
  readonly exitCommand?: readonly string[];
  /** skiff's own fds to hand to the container as 3, 4, … (`--preserve-fds`). */
  readonly preserveFds?: readonly number[];
  /**
   * fds conmon only holds for the container's life, after its pipes: the sockets that keep a
   * bridge container's published host ports (Podman's port reservation).
   */
  readonly heldFds?: readonly number[];
  /** Bound on waiting for conmon's answer; default 240 s like Podman. */
  readonly syncTimeoutMs?: number;
  /**
   * Runs after conmon is spawned and before the start byte releases it: the place to move the
   * conmon process into its cgroup, as Podman's moveConmonToCgroupAndSignal does.
   */
  readonly beforeStart?: (conmonFirstPid: number) => void | Promise<void>;
}

export interface CreatedContainer {
  /** The container's init process as seen from the host. */
  readonly pid: number;
  /** The conmon daemon that monitors it (also in `<rundir>/conmon.pid`). */
  readonly conmonPid: number;
}

/** conmon's argv for a container, in Podman's order (REFERENCE §1.1). Pure. */
export function containerConmonArgs(o: CreateContainerOptions): string[] {
  const args = sharedConmonArgs({
    runtime: o,
    containerId: o.id,
    cuuid: o.id,
    name: o.name,
    bundle: o.bundle,
    pidFile: join(o.rundir, 'pidfile'),
    exitDir: o.exitDir,
    log: o.log,
    ociLogPath: join(o.rundir, 'oci-log'),
    ...(o.logSizeMax !== undefined ? { logSizeMax: o.logSizeMax } : {}),
    ...(o.logTag !== undefined ? { logTag: o.logTag } : {}),
    cgroupsDisabled: o.cgroupsDisabled === true,
  });
  if (o.sdNotifySocket) args.push(`--sdnotify-socket=${o.sdNotifySocket}`);
  if (o.terminal) args.push('-t');
  else if (o.interactive) args.push('-i');
  if (o.timeout !== undefined && o.timeout > 0) args.push(`--timeout=${o.timeout}`);
  if (o.noNewKeyring) args.push('--no-new-keyring');
  args.push('--conmon-pidfile', join(o.rundir, 'conmon.pid'));
  if (o.noPivot) args.push('--no-pivot');
  args.push(...exitCommandArgs(o.exitCommand));
  const preserved = o.preserveFds?.length ?? 0;
  if (preserved > 0) args.push('--runtime-opt', '--preserve-fds', '--runtime-opt', String(preserved));
  return args;
}

export interface SharedArgsInput {
  readonly runtime: ConmonRuntime;
  readonly containerId: string;
  /** The container ID for a container, the session ID for an exec session. */
  readonly cuuid: string;
  readonly name: string;
  readonly bundle: string;
  readonly pidFile: string;
  readonly exitDir: string;
  readonly log: ConmonLogDriver;
  readonly ociLogPath: string;
  readonly logSizeMax?: number;
  readonly logTag?: string;
  readonly cgroupsDisabled: boolean;
}

/** The arguments container and exec invocations share (Podman's sharedConmonArgs). Pure. */
export function sharedConmonArgs(i: SharedArgsInput): string[] {
  const rt = i.runtime;
  const args = [
    '--api-version', '1',
    '-c', i.containerId,
    '-u', i.cuuid,
    '-r', rt.runtimePath,
    '-b', i.bundle,
    '-p', i.pidFile,
    '-n', i.name,
    '--exit-dir', i.exitDir,
    '--full-attach',
  ];
  for (const a of rt.runtimeArgs ?? []) args.push('--runtime-arg', a);
  if (rt.systemdCgroup && !i.cgroupsDisabled) args.push('-s');
  args.push('-l', logDriverArg(i.log));
  const level = rt.logLevel ?? 'warning';
  args.push('--log-level', level);
  if (rt.syslog) args.push('--syslog');
  if (i.logSizeMax !== undefined && i.logSizeMax > 0) args.push('--log-size-max', String(i.logSizeMax));
  if (level !== 'debug') args.push('--runtime-arg', '--log-format=json', '--runtime-arg', '--log', `--runtime-arg=${i.ociLogPath}`);
  if (i.logTag) args.push('--log-tag', i.logTag);
  if (i.cgroupsDisabled) args.push('--runtime-arg', '--cgroup-manager', '--runtime-arg', 'disabled');
  return args;
}

export function exitCommandArgs(argv: readonly string[] | undefined): string[] {
  if (!argv || argv.length === 0) return [];
  const [cmd, ...rest] = argv;
  const out = ['--exit-command', cmd as string];
  for (const a of rest) out.push('--exit-command-arg', a);
  return out;
}

function logDriverArg(log: ConmonLogDriver): string {
  switch (log.driver) {
    case 'k8s-file':
      return `k8s-file:${log.path}`;
    case 'journald':
      return 'journald';
    case 'none':
      return 'none';
    case 'passthrough':
      return 'passthrough';
  }
}

/**
 * conmon's environment (Podman's configureConmonEnv): conmon_env_vars first, then the pipe fds,
 * `LC_*`, PATH, CONTAINERS_CONF, CONTAINERS_HELPER_BINARY_DIR, XDG_RUNTIME_DIR,
 * the two rootless markers and HOME. A later key wins.
 */
export function conmonEnvironment(rt: ConmonRuntime, pipeFds: Record<string, number>, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of rt.conmonEnv ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  for (const [k, v] of Object.entries(pipeFds)) out[k] = String(v);
  for (const [k, v] of Object.entries(env)) if (k.startsWith('LC_') && v !== undefined) out[k] = v;
  for (const k of ['PATH', 'CONTAINERS_CONF', 'CONTAINERS_HELPER_BINARY_DIR']) {
    const v = env[k];
    if (v !== undefined) out[k] = v;
  }
  out['XDG_RUNTIME_DIR'] = rt.runtimeDir ?? defaultRuntimeDir(env);
  out['_CONTAINERS_USERNS_CONFIGURED'] = env['_CONTAINERS_USERNS_CONFIGURED'] ?? '';
  out['_CONTAINERS_ROOTLESS_UID'] = env['_CONTAINERS_ROOTLESS_UID'] ?? '';
  const home = env['HOME'] ?? homedir();
  if (home) out['HOME'] = home;
  return out;
}

/** A spawned conmon whose first process has not been released yet. */
export interface SpawnedConmon {
  readonly child: ChildProcess;
  readonly sync: SyncPipeReader;
  readonly start: Writable;
  /** Exec only: the pipe on which conmon says its attach socket is listening. */
  readonly attach: SyncPipeReader | undefined;
  /** Resolves with the first process's exit status (it exits once the daemon is forked). */
  readonly firstExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the first process wrote on stderr (conmon's own errors, before it daemonizes). */
  stderr(): string;
  /** Closes every pipe skiff still holds. */
  close(): void;
}

export interface SpawnConmonOptions {
  readonly runtime: ConmonRuntime;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly preserveFds?: readonly number[];
  readonly heldFds?: readonly number[];
  /** Exec sessions get a third pipe, `_OCI_ATTACHPIPE`. */
  readonly attachPipe: boolean;
}

/**
 * Starts conmon in its own session (detached), so it neither dies with skiff's terminal nor
 * gets its signals; conmon's daemon child then calls setsid itself. stdin and stdout are
 * /dev/null, stderr is captured for conmon's own error messages.
 */
export async function spawnConmon(o: SpawnConmonOptions): Promise<SpawnedConmon> {
  const { spawn } = await import('node:child_process');
  const preserved = o.preserveFds ?? [];
  const base = 3 + preserved.length;
  const pipeFds: Record<string, number> = { _OCI_SYNCPIPE: base, _OCI_STARTPIPE: base + 1 };
  if (o.attachPipe) pipeFds['_OCI_ATTACHPIPE'] = base + 2;
  const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'ignore', 'pipe', ...preserved, 'pipe', 'pipe'];
  if (o.attachPipe) stdio.push('pipe');
  stdio.push(...(o.heldFds ?? []));

  const child = spawn(o.runtime.conmonPath, o.args, {
    cwd: o.cwd,
    detached: true,
    stdio,
    env: conmonEnvironment(o.runtime, pipeFds),
  });
  const firstExit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (err) =>
      reject(new SkiffError('conmon-failed', `cannot run conmon ${o.runtime.conmonPath}: ${err.message}`, { cause: err })),
    );
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // An 'error' is reported through firstExit; keep it from becoming an unhandled rejection.
  firstExit.catch(() => {});
  let stderrText = '';
  const stderr = child.stdio[2] as Readable;
  stderr.setEncoding('utf8');
  stderr.on('data', (d: string) => {
    if (stderrText.length < 65536) stderrText += d;
  });
  stderr.on('error', () => {});
  const syncStream = child.stdio[base] as Readable;
  const startStream = child.stdio[base + 1] as Writable;
  startStream.on('error', () => {});
  const sync = new SyncPipeReader(syncStream);
  const attach = o.attachPipe ? new SyncPipeReader(child.stdio[base + 2] as Readable) : undefined;
  // The spawned pid exists unless spawn failed; wait for either to be sure.
  if (child.pid === undefined) await firstExit;
  return {
    child,
    sync,
    start: startStream,
    attach,
    firstExit,
    stderr: () => stderrText,
    close() {
      sync.close();
      attach?.close();
      startStream.destroy();
      stderr.destroy();
      child.unref();
    },
  };
}

/** Writes the one-byte go-ahead conmon waits for on its start pipe. */
export function writeStartByte(start: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    start.write(Buffer.from([0]), (err) => (err ? reject(new SkiffError('conmon-failed', `writing to conmon's start pipe: ${err.message}`, { cause: err })) : resolve()));
  });
}

/** Waits (bounded) for conmon's first process and fails with its stderr if it did not exit 0. */
export async function awaitFirstExit(c: SpawnedConmon, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SkiffError('timeout', `timed out after ${Math.round(timeoutMs / 1000)}s waiting for conmon to start`)), timeoutMs);
  });
  try {
    const { code, signal } = await Promise.race([c.firstExit, timeout]);
    if (code !== 0) {
      const status = signal ? `signal: ${signal}` : `exit status ${code}`;
      const detail = c.stderr().trim();
      throw new SkiffError('conmon-failed', `conmon failed: ${status}${detail ? `: ${detail}` : ''}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads conmon's answer (a pid, or an error) like Podman's readConmonPipeData: a negative
 * `data` becomes the runtime's own message from `ociLogPath` when crun wrote one, else conmon's
 * `message`, classified by ociRuntimeError.
 */
export async function readConmonPid(
  c: SpawnedConmon,
  runtimePath: string,
  ociLogPath: string | undefined,
  timeoutMs: number,
  exitCodeFor?: Parameters<typeof ociRuntimeError>[2],
): Promise<number> {
  const name = basename(runtimePath);
  let msg;
  try {
    msg = await c.sync.next(timeoutMs, 'the container pid');
  } catch (err) {
    const ociMsg = ociLogPath ? await readOciLogMessage(ociLogPath) : undefined;
    if (ociMsg !== undefined) throw ociRuntimeError(name, ociMsg, exitCodeFor);
    if (err instanceof SkiffError && err.code === 'timeout') throw new SkiffError('timeout', 'container creation timeout: internal libpod error');
    const detail = c.stderr().trim();
    throw new SkiffError('conmon-failed', `container create failed (no logs from conmon): ${(err as Error).message}${detail ? `: ${detail}` : ''}`, { cause: err });
  }
  if (msg.data < 0) {
    const ociMsg = ociLogPath ? await readOciLogMessage(ociLogPath) : undefined;
    if (ociMsg !== undefined) throw ociRuntimeError(name, ociMsg, exitCodeFor);
    if (msg.message) throw ociRuntimeError(name, msg.message, exitCodeFor);
    throw new SkiffError('conmon-failed', 'container create failed: internal libpod error');
  }
  return msg.data;
}

/**
 * Creates a container through conmon: spawn, release, wait for the first process, read the pid.
 * On success the container is `created` (crun state) and its attach socket listens at
 * `<bundle>/attach`; the caller attaches, then runs `crun start` (oci.ts startContainer).
 * Failures are SkiffErrors: 'oci-not-found' (exit 127), 'oci-permission-denied' and
 * 'oci-runtime-error' (126) with Podman's text, 'conmon-failed' or 'timeout' (125).
 */
export async function createContainer(o: CreateContainerOptions): Promise<CreatedContainer> {
  const timeoutMs = o.syncTimeoutMs ?? CONTAINER_CREATE_TIMEOUT_MS;
  const conmon = await spawnConmon({
    runtime: o,
    args: containerConmonArgs(o),
    cwd: o.bundle,
    ...(o.preserveFds ? { preserveFds: o.preserveFds } : {}),
    ...(o.heldFds ? { heldFds: o.heldFds } : {}),
    attachPipe: false,
  });
  try {
    if (o.beforeStart) await o.beforeStart(conmon.child.pid as number);
    await writeStartByte(conmon.start);
    await awaitFirstExit(conmon, timeoutMs);
    const level = o.logLevel ?? 'warning';
    const pid = await readConmonPid(conmon, o.runtimePath, level === 'debug' ? undefined : join(o.rundir, 'oci-log'), timeoutMs);
    const conmonPid = await readPidFile(join(o.rundir, 'conmon.pid'));
    return { pid, conmonPid };
  } finally {
    conmon.close();
  }
}

/** Reads a pid file as conmon and crun write it (decimal, no newline); a few bytes, read synchronously. */
export async function readPidFile(path: string): Promise<number> {
  const text = readFileSync(path, 'utf8').trim();
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) throw new SkiffError('conmon-failed', `pid file ${path} holds ${JSON.stringify(text)}, not a pid`);
  return pid;
}
