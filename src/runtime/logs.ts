/**
 * conmon's k8s-file logs and `podman logs` semantics (REFERENCE §5; libpod/logs/log.go and
 * container_log.go of Podman 4.3.1).
 *
 * A record is `<RFC3339Nano local time> <stdout|stderr> <F|P> <message>`; `P` marks a read that
 * ended mid-line, so the next record continues it. Rendering prints `F` records with a newline
 * and `P` records without, which joins partials back; `-t` prefixes every record.
 *
 * Files are read in chunks, never whole: forwards for a plain read and for follow, backwards
 * from the end for `--tail`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { errnoCode, SkiffError } from '../util/errors.ts';
import { waitForExitFile } from './exitfile.ts';
import { formatLogTimestamp, parseTimestamp, type ParsedTime } from './logtime.ts';

export interface LogRecord {
  readonly time: ParsedTime;
  /** `stdout` or `stderr` (anything else is reported and skipped, as Podman does). */
  readonly stream: string;
  readonly partial: boolean;
  readonly message: string;
}

/** Parses one record; the message is everything after the third space, spaces kept. */
export function parseLogLine(line: string): LogRecord {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  const c = b < 0 ? -1 : line.indexOf(' ', b + 1);
  if (c < 0) throw new SkiffError('io', `'${line}' is not a valid container log line`);
  const stamp = line.slice(0, a);
  const time = parseTimestamp(stamp);
  if (!time) throw new SkiffError('io', `unable to convert time ${stamp} from container log`);
  return { time, stream: line.slice(a + 1, b), partial: line.slice(b + 1, c) === 'P', message: line.slice(c + 1) };
}

export interface RenderOptions {
  readonly timestamps: boolean;
  /** Prefix each record with its container (several containers were asked for). */
  readonly multi: boolean;
  /** With `multi`: the name instead of the 12-char ID (`--names`). */
  readonly names: boolean;
}

/** One record as Podman prints it, with the newline for a full record. Pure. */
export function renderRecord(rec: LogRecord, container: { readonly id: string; readonly name: string }, o: RenderOptions): string {
  let out = '';
  if (o.multi) out = `${o.names ? container.name : container.id.slice(0, 12)} `;
  if (o.timestamps) out += `${formatLogTimestamp(rec.time)} `;
  out += rec.message;
  return rec.partial ? out : `${out}\n`;
}

/** Whether a record passes `--since` (strictly after) and `--until` (strictly before). */
export function inWindow(rec: LogRecord, since: bigint | undefined, until: bigint | undefined): boolean {
  return (since === undefined || rec.time.ns > since) && (until === undefined || rec.time.ns < until);
}

const CHUNK = 64 * 1024;
const NL = 0x0a;

/**
 * The last `n` lines for `--tail n`, as Podman 4.3.1 assembles them: records are taken from the
 * end until `n` full (`F`) records are seen, then each `P` record is appended to the `F`
 * record *before* it in the file. So a partial is glued to the wrong line, and partials that
 * end the file join the last full line; 4.3.1 prints exactly that, and so do we.
 * Every returned record is full.
 */
export async function readTailRecords(path: string, n: number): Promise<LogRecord[]> {
  if (n <= 0) return [];
  const fh = await open(path, 'r');
  const newestFirst: LogRecord[] = [];
  try {
    let pos = (await fh.stat()).size;
    let leftover: Buffer = Buffer.alloc(0);
    let full = 0;
    while (full < n) {
      const atStart = pos === 0;
      let lines: Buffer[];
      if (atStart) {
        lines = [leftover];
        leftover = Buffer.alloc(0);
      } else {
        const size = Math.min(CHUNK, pos);
        pos -= size;
        const chunk = Buffer.alloc(size);
        await readFully(fh, chunk, pos);
        const parts = splitLines(Buffer.concat([chunk, leftover]));
        leftover = parts[0] as Buffer;
        lines = parts.slice(1);
      }
      for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i] as Buffer;
        if (line.length === 0) continue;
        const rec = parseLogLine(line.toString('utf8'));
        newestFirst.push(rec);
        if (!rec.partial) full++;
      }
      if (atStart) break;
    }
  } finally {
    await fh.close();
  }
  const out: LogRecord[] = [];
  let partial = '';
  for (const rec of newestFirst) {
    if (rec.partial) {
      partial += rec.message;
      continue;
    }
    out.unshift({ ...rec, message: rec.message + partial });
    partial = '';
    if (out.length === n) break;
  }
  return out;
}

function splitLines(buf: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(NL, start);
    if (nl < 0) break;
    parts.push(buf.subarray(start, nl));
    start = nl + 1;
  }
  parts.push(buf.subarray(start));
  return parts;
}

async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesRead } = await fh.read(buf, off, buf.length - off, position + off);
    if (bytesRead === 0) throw new SkiffError('io', 'log file shrank while reading it');
    off += bytesRead;
  }
}

/**
 * Reads a log file forwards from an offset, line by line, remembering where it stopped so a
 * follower can continue. A file replaced by conmon's size limit (new inode, or shorter than
 * the offset) is read again from its start.
 */
class LogFileCursor {
  readonly #path: string;
  #offset: number;
  #ino: bigint | undefined;
  #leftover: Buffer = Buffer.alloc(0);

  constructor(path: string, offset: number, ino: bigint | undefined) {
    this.#path = path;
    this.#offset = offset;
    this.#ino = ino;
  }

  /**
   * Hands every complete line up to the current end to `onLine`. With `final`, a last line
   * without its newline is handed over too.
   */
  async drain(onLine: (line: string) => Promise<void>, final: boolean): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(this.#path, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    try {
      const st = await fh.stat({ bigint: true });
      if ((this.#ino !== undefined && st.ino !== this.#ino) || st.size < BigInt(this.#offset)) {
        this.#offset = 0;
        this.#leftover = Buffer.alloc(0);
      }
      this.#ino = st.ino;
      const buf = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, CHUNK, this.#offset);
        if (bytesRead === 0) break;
        this.#offset += bytesRead;
        const parts = splitLines(Buffer.concat([this.#leftover, buf.subarray(0, bytesRead)]));
        this.#leftover = Buffer.from(parts.pop() as Buffer);
        for (const p of parts) if (p.length > 0) await onLine(p.toString('utf8'));
      }
      if (final && this.#leftover.length > 0) {
        const last = this.#leftover.toString('utf8');
        this.#leftover = Buffer.alloc(0);
        await onLine(last);
      }
    } finally {
      await fh.close();
    }
  }
}

export interface LogSource {
  /** Full container ID (the prefix shows its first 12 characters). */
  readonly id: string;
  readonly name: string;
  /** `<bundle>/ctr.log`; a missing file means no logs yet, which is not an error. */
  readonly path: string;
  /**
   * Set when the container is running: `--follow` then continues until this exit file appears
   * (or the monitor pid dies). A source without it is read to its end even with `--follow`.
   */
  readonly running?: { readonly exitFile: string; readonly conmonPid?: number };
}

export interface LogsOptions {
  readonly timestamps?: boolean;
  /** `--tail`: the last N lines; negative or absent = all; 0 = none (then only what follows). */
  readonly tail?: number;
  /** `--since`/`--until`, nanoseconds since the epoch (logtime.ts parseInputTime). */
  readonly since?: bigint;
  readonly until?: bigint;
  readonly follow?: boolean;
  /** `--names`. */
  readonly names?: boolean;
  /** Prefix lines with the container; default: when there is more than one source. */
  readonly multi?: boolean;
  /** Stops a follow (the caller's Ctrl-C or a test's bound). */
  readonly signal?: AbortSignal;
  /** How often a follower polls besides inotify (default 250 ms, Podman's poll interval). */
  readonly pollMs?: number;
  /** Unparseable lines and unknown streams, which Podman logs as errors and skips. */
  readonly onWarning?: (message: string) => void;
}

export interface LogOutput {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/**
 * Writes the logs of one or more containers. Without follow they are read one after another;
 * with follow, all at once, their lines interleaving as they come.
 */
export async function writeLogs(sources: readonly LogSource[], o: LogsOptions, out: LogOutput): Promise<void> {
  const render: RenderOptions = { timestamps: o.timestamps === true, multi: o.multi ?? sources.length > 1, names: o.names === true };
  if (o.follow) {
    await Promise.all(sources.map((s) => writeSourceLogs(s, o, render, out)));
    return;
  }
  for (const s of sources) await writeSourceLogs(s, o, render, out);
}

async function writeSourceLogs(src: LogSource, o: LogsOptions, render: RenderOptions, out: LogOutput): Promise<void> {
  const emit = async (rec: LogRecord) => {
    if (!inWindow(rec, o.since, o.until)) return;
    const text = renderRecord(rec, src, render);
    if (rec.stream === 'stdout') await write(out.stdout, text);
    else if (rec.stream === 'stderr') await write(out.stderr, text);
    else o.onWarning?.(`Unknown Device type '${rec.stream}' in log file from Container ${src.id}`);
  };
  const onLine = async (line: string) => {
    let rec: LogRecord;
    try {
      rec = parseLogLine(line);
    } catch (err) {
      o.onWarning?.(`Getting new log line: ${(err as Error).message}`);
      return;
    }
    await emit(rec);
  };

  let st;
  try {
    st = await stat(src.path, { bigint: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw new SkiffError('io', `unable to read log file ${src.id} for ${src.path} : ${(err as Error).message}`, { cause: err });
  }
  const tail = o.tail ?? -1;
  let cursor: LogFileCursor;
  if (tail >= 0) {
    for (const rec of await readTailRecords(src.path, tail)) await emit(rec);
    cursor = new LogFileCursor(src.path, Number(st.size), st.ino);
  } else {
    cursor = new LogFileCursor(src.path, 0, st.ino);
  }

  if (!o.follow || !src.running) {
    if (tail < 0) await cursor.drain(onLine, true);
    return;
  }
  await followSource(cursor, src.path, src.running, o, onLine);
}

async function followSource(
  cursor: LogFileCursor,
  path: string,
  running: NonNullable<LogSource['running']>,
  o: LogsOptions,
  onLine: (line: string) => Promise<void>,
): Promise<void> {
  const pollMs = o.pollMs ?? 250;
  const stopWaiting = new AbortController();
  let exited = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  const exit = waitForExitFile(running.exitFile, {
    signal: stopWaiting.signal,
    pollMs,
    ...(running.conmonPid !== undefined ? { monitorPid: running.conmonPid } : {}),
  }).then(
    () => {
      exited = true;
      poke();
    },
    (err: unknown) => {
      if (!stopWaiting.signal.aborted) failure = err;
      poke();
    },
  );
  const onAbort = () => poke();
  o.signal?.addEventListener('abort', onAbort);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(path, { persistent: false }, poke);
    watcher.on('error', () => watcher?.close());
  } catch {
    // polling alone still works
  }
  try {
    for (;;) {
      await cursor.drain(onLine, false);
      if (failure !== undefined) throw failure;
      if (o.signal?.aborted) return;
      if (exited) {
        // conmon writes the exit file after the last log write; one more poll interval covers
        // a reader that saw the file before the data (Podman waits the same, #10675).
        await new Promise((r) => setTimeout(r, pollMs));
        await cursor.drain(onLine, true);
        return;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
    o.signal?.removeEventListener('abort', onAbort);
    stopWaiting.abort();
    await exit;
  }
}

function write(stream: Writable, text: string): Promise<void> | void {
  if (stream.write(text)) return;
  return new Promise<void>((resolve, reject) => {
    const onDrain = () => {
      stream.removeListener('error', onError);
      resolve();
    };
    const onError = (err: Error) => {
      stream.removeListener('drain', onDrain);
      reject(err);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
