/**
 * The direct OCI runtime calls Podman makes (REFERENCE §2): `start`, `kill`, `delete --force`,
 * `pause`, `resume`, `update`, `state`. Creation and exec go through conmon instead.
 *
 * Every call is `<runtime> <global flags> <verb> …` with no `--root`, so state lives where the
 * runtime keeps it by default (`/run/crun` for root). The environment is XDG_RUNTIME_DIR only,
 * plus PATH for `start` and `update`, as Podman passes it.
 */
import { basename } from 'node:path';
import { SkiffError } from '../util/errors.ts';
import { defaultRuntimeDir } from './runtime-env.ts';

export interface OciRuntime {
  /** Absolute path of the runtime binary (`/usr/bin/crun`). */
  readonly path: string;
  /** Global flags as the runtime receives them (`--runtime-flag debug` → `--debug`). */
  readonly args?: readonly string[];
  /** XDG_RUNTIME_DIR for the runtime; Podman gives root an empty value. */
  readonly runtimeDir?: string;
}

/** `<runtime> state` output (crun and runc agree on these keys). */
export interface OciState {
  readonly ociVersion: string;
  readonly id: string;
  readonly pid: number;
  readonly status: 'created' | 'running' | 'paused' | 'stopped';
  readonly bundle: string;
  readonly created?: string;
  readonly annotations?: Record<string, string>;
}

export interface RuntimeResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one runtime verb and returns its output. A non-zero exit throws 'oci-runtime-error' with
 * Podman's wording for a failed command: "`<path> <args>` failed: <stderr> (exit status N)".
 */
export async function runRuntime(rt: OciRuntime, verbArgs: readonly string[], opts: { withPath?: boolean; timeoutMs?: number } = {}): Promise<RuntimeResult> {
  const { execFile } = await import('node:child_process');
  const args = [...(rt.args ?? []), ...verbArgs];
  const env: Record<string, string> = { XDG_RUNTIME_DIR: rt.runtimeDir ?? defaultRuntimeDir() };
  const path = process.env['PATH'];
  if (opts.withPath && path !== undefined) env['PATH'] = path;
  return new Promise((resolve, reject) => {
    execFile(rt.path, args, { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: opts.timeoutMs ?? 0 }, (err, stdout, stderr) => {
      if (!err) {
        resolve({ stdout, stderr });
        return;
      }
      const code = (err as { code?: unknown }).code;
      const signal = (err as { signal?: unknown }).signal;
      const status = typeof code === 'number' ? `exit status ${code}` : typeof signal === 'string' && signal ? `signal: ${signal}` : err.message;
      const detail = stderr.trim();
      const cmd = [rt.path, ...args].join(' ');
      reject(new SkiffError('oci-runtime-error', `\`${cmd}\` failed: ${detail ? `${detail} ` : ''}(${status})`, { cause: err }));
    });
  });
}

/** The runtime's short name (`crun`), as Podman puts it in front of runtime errors. */
export function runtimeName(rt: OciRuntime): string {
  return basename(rt.path);
}

/** `crun start <id>`: runs the process of a created container. Attach before calling this. */
export async function startContainer(rt: OciRuntime, id: string): Promise<void> {
  await runRuntime(rt, ['start', id], { withPath: true });
}

/**
 * `crun kill [--all] <id> <signal>`, the signal as a number like Podman passes it.
 * `all` signals every process in the container's cgroup.
 */
export async function killContainer(rt: OciRuntime, id: string, signal: number, opts: { all?: boolean } = {}): Promise<void> {
  if (!Number.isInteger(signal) || signal < 0 || signal > 64) throw new SkiffError('invalid-argument', `invalid signal number ${signal}`);
  const args = ['kill'];
  if (opts.all) args.push('--all');
  args.push(id, String(signal));
  await runRuntime(rt, args);
}

/** `crun delete --force <id>`: removes the runtime's state, killing what is left. */
export async function deleteContainer(rt: OciRuntime, id: string): Promise<void> {
  await runRuntime(rt, ['delete', '--force', id]);
}

export async function pauseContainer(rt: OciRuntime, id: string): Promise<void> {
  await runRuntime(rt, ['pause', id]);
}

export async function resumeContainer(rt: OciRuntime, id: string): Promise<void> {
  await runRuntime(rt, ['resume', id]);
}

/** `crun update --resources=<file> <id>`; the file holds the OCI LinuxResources JSON. */
export async function updateContainer(rt: OciRuntime, id: string, resourcesFile: string): Promise<void> {
  await runRuntime(rt, ['update', `--resources=${resourcesFile}`, id], { withPath: true });
}

/**
 * `crun state <id>` (no global flags, as Podman). Undefined when the runtime does not know the
 * container ("does not exist" / "No such file"), which Podman treats as exited with code -1.
 */
export async function containerState(rt: OciRuntime, id: string): Promise<OciState | undefined> {
  let out: RuntimeResult;
  try {
    out = await runRuntime({ ...rt, args: [] }, ['state', id]);
  } catch (err) {
    if (err instanceof SkiffError && /does not exist|no such file/i.test(err.message)) return undefined;
    throw err;
  }
  let v: unknown;
  try {
    v = JSON.parse(out.stdout);
  } catch (err) {
    throw new SkiffError('oci-runtime-error', `${runtimeName(rt)} state ${id}: output is not JSON`, { cause: err });
  }
  if (typeof v !== 'object' || v === null) throw new SkiffError('oci-runtime-error', `${runtimeName(rt)} state ${id}: output is not an object`);
  const s = v as Record<string, unknown>;
  const status = s['status'];
  if (status !== 'created' && status !== 'running' && status !== 'paused' && status !== 'stopped') {
    throw new SkiffError('oci-runtime-error', `${runtimeName(rt)} state ${id}: unknown status ${JSON.stringify(status)}`);
  }
  return {
    ociVersion: String(s['ociVersion'] ?? ''),
    id: String(s['id'] ?? id),
    pid: typeof s['pid'] === 'number' ? s['pid'] : 0,
    status,
    bundle: String(s['bundle'] ?? ''),
    ...(typeof s['created'] === 'string' ? { created: s['created'] } : {}),
    ...(typeof s['annotations'] === 'object' && s['annotations'] !== null ? { annotations: s['annotations'] as Record<string, string> } : {}),
  };
}

/**
 * The runtime's view of a container's status, synchronously, for the rare moment the state
 * cannot be read from conmon's files (conmon was killed). Undefined when the runtime does
 * not know the container or cannot say.
 */
export function runtimeStatusSync(rt: OciRuntime, id: string): OciState['status'] | undefined {
  // Loaded here, not at the top: listing containers must not pay for child_process.
  const { spawnSync } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
  const r = spawnSync(rt.path, ['state', id], { env: { XDG_RUNTIME_DIR: rt.runtimeDir ?? defaultRuntimeDir() }, encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return undefined;
  try {
    const status = (JSON.parse(r.stdout) as { status?: unknown }).status;
    return status === 'created' || status === 'running' || status === 'paused' || status === 'stopped' ? status : undefined;
  } catch {
    return undefined;
  }
}
