/**
 * conmon's exit files (REFERENCE §1.4): `<exit-dir>/<container ID>` holds the exit status in
 * decimal with no newline (128+N for a signal death, -1 when unknown). conmon writes it
 * atomically (temp file + rename) after the output is drained, so a file that exists is
 * complete. Podman takes FinishedAt from the file's ctime.
 */
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, SkiffError } from '../util/errors.ts';

export interface ExitFile {
  /** The container's exit code; -1 when conmon could not tell. */
  readonly exitCode: number;
  /** When the file was written (its ctime), in nanoseconds since the epoch. */
  readonly finishedAtNs: bigint;
}

/** Parses an exit file's content; undefined when it is not a decimal integer. */
export function parseExitCode(text: string): number | undefined {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : undefined;
}

/** The exit file's path for a container (or, with the session's exit dir, an exec session). */
export function exitFilePath(exitDir: string, containerId: string): string {
  return join(exitDir, containerId);
}

/**
 * Reads an exit file; undefined when it does not exist (yet). Synchronous underneath: the file
 * is a few bytes, and node:fs/promises is not worth loading for it on every command.
 */
export async function readExitFile(path: string): Promise<ExitFile | undefined> {
  let text: string;
  let ctimeNs: bigint;
  try {
    const st = statSync(path, { bigint: true });
    text = readFileSync(path, 'utf8');
    ctimeNs = st.ctimeNs;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new SkiffError('io', `reading exit file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const exitCode = parseExitCode(text);
  if (exitCode === undefined) throw new SkiffError('io', `converting exit status from conmon file ${path}: ${JSON.stringify(text)} is not a number`);
  return { exitCode, finishedAtNs: ctimeNs };
}

export interface WaitForExitOptions {
  /** Give up after this long with a 'timeout' error; default: wait without bound. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Poll interval, the fallback when inotify misses an event (default 250 ms). */
  readonly pollMs?: number;
  /**
   * A process whose death means no exit file will come (conmon's pid): when it is gone and the
   * file still is not there, the wait ends with `undefined`.
   */
  readonly monitorPid?: number;
}

/**
 * Waits until the exit file exists and returns it. Watches the directory with inotify
 * (fs.watch) and polls as a fallback. Resolves `undefined` only when `monitorPid` died without
 * writing the file; rejects on timeout or abort.
 */
export async function waitForExitFile(path: string, o: WaitForExitOptions = {}): Promise<ExitFile | undefined> {
  const first = await readExitFile(path);
  if (first) return first;
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const pollMs = o.pollMs ?? 250;
  return new Promise<ExitFile | undefined>((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let settled = false;
    let checking = false;
    let again = false;
    const timers: NodeJS.Timeout[] = [];
    const cleanup = () => {
      settled = true;
      watcher?.close();
      for (const t of timers) clearTimeout(t);
      o.signal?.removeEventListener('abort', onAbort);
    };
    const check = async () => {
      if (settled) return;
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const f = await readExitFile(path);
          if (settled) return;
          if (f) {
            cleanup();
            resolve(f);
            return;
          }
          if (o.monitorPid !== undefined && !processAlive(o.monitorPid)) {
            // The monitor may have written the file just before dying: look once more.
            const last = await readExitFile(path);
            if (settled) return;
            cleanup();
            resolve(last);
            return;
          }
        } while (again);
      } catch (err) {
        cleanup();
        reject(err);
      } finally {
        checking = false;
      }
    };
    const onAbort = () => {
      cleanup();
      reject(new SkiffError('timeout', `waiting for exit file ${path} was cancelled`, { cause: o.signal?.reason }));
    };
    if (o.signal?.aborted) {
      onAbort();
      return;
    }
    o.signal?.addEventListener('abort', onAbort);
    try {
      watcher = watch(dir, { persistent: true }, () => void check());
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      // No inotify (or the dir is missing for now): polling alone still works.
    }
    timers.push(setInterval(() => void check(), pollMs));
    if (o.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          cleanup();
          reject(new SkiffError('timeout', `timed out after ${o.timeoutMs}ms waiting for exit file ${path}`));
        }, o.timeoutMs),
      );
    }
    void check();
  });
}

/** Whether a pid exists (signal 0); EPERM still means it exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}
