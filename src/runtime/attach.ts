/**
 * Attaching to conmon's attach socket (REFERENCE §1.5, §1.6).
 *
 * The socket is AF_UNIX SOCK_SEQPACKET, which Node's `net` cannot open, so node-unix-socket
 * (a native addon, loaded on first use) does it. Each packet from conmon is one read from the
 * container: byte 0 names the stream (2 stdout, 3 stderr), the rest is raw data. What skiff
 * writes is raw stdin with no header; a half-close closes the container's stdin.
 *
 * Connect before `crun start`: conmon only forwards output to clients connected at the time.
 */
import { closeSync, constants as fsConstants, openSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { SeqpacketSocket } from 'node-unix-socket';
import { errnoCode, SkiffError } from '../util/errors.ts';
import { disableOutputProcessing } from './termios.ts';

/** containers.conf's default `detach_keys`. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

const STREAM_STDOUT = 2;
const STREAM_STDERR = 3;
/** conmon receives at most CONN_SOCK_BUF_SIZE-1 bytes per packet; larger ones are cut. */
const MAX_INPUT_PACKET = 8192;
/** sockaddr_un.sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;
/** Linux x86-64 O_PATH; Node's fs.constants does not export it. */
const O_PATH = 0o10000000;

const CTRL_NAMES = ['@', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '[', '\\', ']', '^', '_'];

/**
 * Parses a detach-key spec the way Podman does (moby/term ToBytes): comma-separated keys, each a
 * single character, `ctrl-<c>` for c in @ a–z [ \ ] ^ _, or `DEL`. The empty string disables
 * detaching and gives no bytes.
 */
export function parseDetachKeys(spec: string): Uint8Array {
  if (spec === '') return new Uint8Array(0);
  const codes: number[] = [];
  for (const key of spec.split(',')) {
    if (key.length === 1) {
      codes.push(Buffer.from(key, 'utf8')[0] as number);
      continue;
    }
    const ctrl = key.startsWith('ctrl-') && key.length === 6 ? CTRL_NAMES.indexOf(key.slice(5)) : -1;
    if (ctrl >= 0) codes.push(ctrl);
    else if (key === 'DEL') codes.push(127);
    else throw new SkiffError('invalid-argument', `invalid detach keys: Unknown character: '${key}'`);
  }
  return Uint8Array.from(codes);
}

/**
 * Finds the detach sequence in a stream of stdin chunks. Bytes that might start the sequence
 * are held back until the sequence completes (detach: they are dropped) or breaks (they are
 * forwarded), so the container never sees a completed detach sequence.
 */
export class DetachKeyMatcher {
  readonly #keys: Uint8Array;
  #matched = 0;

  constructor(keys: Uint8Array) {
    this.#keys = keys;
  }

  /** Returns the bytes to forward now, and whether the sequence completed in this chunk. */
  feed(chunk: Uint8Array): { forward: Buffer; detached: boolean } {
    const keys = this.#keys;
    if (keys.length === 0) return { forward: Buffer.from(chunk), detached: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === keys[this.#matched]) {
        this.#matched++;
        if (this.#matched === keys.length) {
          this.#matched = 0;
          return { forward: Buffer.from(out), detached: true };
        }
        continue;
      }
      // The partial match broke: forward what was held, then retry this byte from the start.
      for (let i = 0; i < this.#matched; i++) out.push(keys[i] as number);
      this.#matched = 0;
      if (b === keys[0]) {
        this.#matched = 1;
        if (keys.length === 1) {
          this.#matched = 0;
          return { forward: Buffer.from(out), detached: true };
        }
      } else {
        out.push(b);
      }
    }
    return { forward: Buffer.from(out), detached: false };
  }

  /** The held-back bytes of an unfinished match, to forward when stdin ends. */
  flush(): Buffer {
    const held = Buffer.from(this.#keys.subarray(0, this.#matched));
    this.#matched = 0;
    return held;
  }
}

export interface TerminalSize {
  readonly rows: number;
  readonly cols: number;
}

/**
 * Resizes the container's pty through conmon's `ctl` FIFO (`1 <rows> <cols>\n`). The FIFO is
 * opened non-blocking; while conmon has not opened it yet (ENXIO/ENOENT) this retries every
 * 100 ms up to `waitMs`, like Podman's openControlFile.
 */
export async function resizeTerminal(ctlPath: string, size: TerminalSize, waitMs = 2000): Promise<void> {
  const line = `1 ${Math.max(0, Math.floor(size.rows))} ${Math.max(0, Math.floor(size.cols))}\n`;
  await writeControl(ctlPath, line, waitMs);
}

/** Asks conmon to reopen its log files (`2 0 0\n`), e.g. after the log was rotated. */
export async function reopenLogs(ctlPath: string, waitMs = 2000): Promise<void> {
  await writeControl(ctlPath, '2 0 0\n', waitMs);
}

async function writeControl(ctlPath: string, line: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let fd: number;
    try {
      fd = openSync(ctlPath, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    } catch (err) {
      const code = errnoCode(err);
      if ((code === 'ENXIO' || code === 'ENOENT') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      throw new SkiffError('io', `failed to open ctl file ${ctlPath}: ${(err as Error).message}`, { cause: err });
    }
    try {
      writeSync(fd, line);
      return;
    } catch (err) {
      throw new SkiffError('io', `failed to write to ctl file ${ctlPath}: ${(err as Error).message}`, { cause: err });
    } finally {
      closeSync(fd);
    }
  }
}

/** A TTY-capable stdin (process.stdin when it is a terminal). */
interface MaybeTTYReadable extends Readable {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

/** A TTY-capable output (process.stdout when it is a terminal). */
interface MaybeTTYWritable extends Writable {
  isTTY?: boolean;
  rows?: number;
  columns?: number;
}

export interface AttachStreams {
  /** Forwarded to the container's stdin; its end half-closes the socket. None: closed at once. */
  readonly stdin?: Readable;
  /** Receives stream 2 (all output with a tty). */
  readonly stdout?: Writable;
  /** Receives stream 3. */
  readonly stderr?: Writable;
}

export interface AttachOptions {
  /** `<bundle>/attach`, or `<bundle>/<session>/attach` for exec. Paths over 107 bytes work. */
  readonly socketPath: string;
  /** The `ctl` FIFO beside the socket; needed for resizing. */
  readonly ctlPath?: string;
  readonly streams: AttachStreams;
  /** Podman's `--detach-keys` syntax; default ctrl-p,ctrl-q; '' disables detaching. */
  readonly detachKeys?: string;
  /**
   * The container has a terminal: a TTY stdin goes raw for the session, and the size of a TTY
   * stdout is sent to the pty first and on every SIGWINCH.
   */
  readonly tty?: boolean;
  /** Size to set before connecting (default: the TTY stdout's size, when there is one). */
  readonly initialSize?: TerminalSize;
}

export interface AttachResult {
  /** The user typed the detach keys; the container keeps running. */
  readonly detached: boolean;
}

export interface AttachSession {
  /** Settles when the container's output ends (conmon closed the socket) or the user detached. */
  readonly done: Promise<AttachResult>;
  /** Ends the session from skiff's side (counts as a detach). */
  close(): void;
}

type SeqpacketModule = Pick<typeof import('node-unix-socket'), 'SeqpacketSocket'>;
let addon: SeqpacketModule | undefined;
/**
 * node-unix-socket's SEQPACKET class, loaded without the package's entry point: that one also
 * loads its datagram and worker support (net, dgram, worker_threads) and finds the native
 * binding by asking process.report whether libc is musl, together ~8 ms of every attached run.
 * On glibc Linux the binding's package is named for the platform; it is put in the require
 * cache as the package's `addon` module, which its seqpacket module then uses. Anywhere else,
 * or if that package is missing, the package loads as its author intended.
 */
function unixSocket(): SeqpacketModule {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  try {
    const addonPath = require.resolve('node-unix-socket/js/addon.js');
    if (!require.cache[addonPath] && process.platform === 'linux') {
      const binding = require(`node-unix-socket-linux-${process.arch}-gnu`) as object;
      const { Module } = require('node:module') as typeof import('node:module');
      const m = new Module(addonPath);
      m.filename = addonPath;
      m.exports = binding;
      m.loaded = true;
      require.cache[addonPath] = m;
    }
    addon = require('node-unix-socket/js/seqpacket.js') as SeqpacketModule;
  } catch {
    addon = require('node-unix-socket') as SeqpacketModule;
  }
  return addon;
}

/**
 * Connects to an attach socket and wires the streams. Resolves once connected, so a caller
 * can `crun start` right after and lose no output.
 */
export async function attach(o: AttachOptions): Promise<AttachSession> {
  const keys = parseDetachKeys(o.detachKeys ?? DEFAULT_DETACH_KEYS);
  const out = o.streams.stdout as MaybeTTYWritable | undefined;
  if (o.tty && o.ctlPath) {
    const size = o.initialSize ?? terminalSize(out);
    if (size) await resizeTerminal(o.ctlPath, size);
  }
  const socket = await connectSeqpacket(o.socketPath);
  return wireSession(socket, o, keys);
}

function terminalSize(s: MaybeTTYWritable | undefined): TerminalSize | undefined {
  if (!s?.isTTY || !s.rows || !s.columns) return undefined;
  return { rows: s.rows, cols: s.columns };
}

/**
 * Opens a SEQPACKET connection. A path too long for sun_path is reached through an O_PATH fd
 * of its directory (`/proc/self/fd/<fd>/attach`), which is how conmon binds it too.
 */
export async function connectSeqpacket(path: string): Promise<SeqpacketSocket> {
  // node-unix-socket reports connect failures as "Unknown errno"; check first for a real reason.
  try {
    statSync(path);
  } catch (err) {
    throw new SkiffError('io', `failed to connect to container's attach socket: ${path}: ${(err as Error).message}`, { cause: err });
  }
  let dirFd: number | undefined;
  let address = path;
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    const slash = path.lastIndexOf('/');
    dirFd = openSync(path.slice(0, slash) || '/', O_PATH | fsConstants.O_DIRECTORY);
    address = join(`/proc/self/fd/${dirFd}`, path.slice(slash + 1));
  }
  const { SeqpacketSocket: Socket } = unixSocket();
  const socket = new Socket();
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      socket.once('error', onError);
      try {
        socket.connect(address, () => {
          socket.removeListener('error', onError);
          resolve();
        });
      } catch (err) {
        reject(err);
      }
    });
  } catch (err) {
    socket.destroy();
    throw new SkiffError('io', `failed to connect to container's attach socket: ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (dirFd !== undefined) closeSync(dirFd);
  }
  return socket;
}

function wireSession(socket: SeqpacketSocket, o: AttachOptions, keys: Uint8Array): AttachSession {
  const stdin = o.streams.stdin as MaybeTTYReadable | undefined;
  const stdout = o.streams.stdout as MaybeTTYWritable | undefined;
  const stderr = o.streams.stderr;
  const matcher = new DetachKeyMatcher(keys);
  let finished = false;
  let resolveDone!: (r: AttachResult) => void;
  const done = new Promise<AttachResult>((r) => (resolveDone = r));

  const rawMode = o.tty === true && stdin?.isTTY === true && typeof stdin.setRawMode === 'function';
  if (rawMode) {
    stdin?.setRawMode?.(true);
    const fd = (stdin as { fd?: unknown }).fd;
    if (typeof fd === 'number') disableOutputProcessing(fd);
  }

  const onResize = () => {
    const size = terminalSize(stdout);
    if (size && o.ctlPath) resizeTerminal(o.ctlPath, size, 0).catch(() => {});
  };
  const watchResize = o.tty === true && o.ctlPath !== undefined && stdout?.isTTY === true;
  if (watchResize) stdout?.on('resize', onResize);

  socket.on('data', (packet: Buffer) => {
    if (packet.length < 1) return;
    const data = packet.subarray(1);
    if (packet[0] === STREAM_STDOUT) stdout?.write(data);
    else if (packet[0] === STREAM_STDERR) stderr?.write(data);
  });
  socket.on('end', () => finish(false));
  socket.on('close', () => finish(false));
  // A reset by conmon on exit ends the output like EOF does (Podman treats ECONNRESET as EOF).
  socket.on('error', () => finish(false));

  let pendingWrites = 0;
  let stdinEnded = false;
  const send = (buf: Buffer) => {
    for (let off = 0; off < buf.length; off += MAX_INPUT_PACKET) {
      const part = buf.subarray(off, Math.min(buf.length, off + MAX_INPUT_PACKET));
      pendingWrites++;
      try {
        socket.write(part, 0, part.length, () => {
          pendingWrites--;
          if (pendingWrites < 16 && !finished && !stdinEnded) stdin?.resume();
        });
      } catch {
        finish(false);
        return;
      }
    }
    if (pendingWrites >= 16) stdin?.pause();
  };
  const onStdinData = (chunk: Buffer | string) => {
    if (finished) return;
    const { forward, detached } = matcher.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (forward.length > 0) send(forward);
    if (detached) finish(true);
  };
  const onStdinEnd = () => {
    if (finished || stdinEnded) return;
    stdinEnded = true;
    const held = matcher.flush();
    if (held.length > 0) send(held);
    try {
      socket.end();
    } catch {
      // already closed by conmon
    }
  };
  if (stdin) {
    stdin.on('data', onStdinData);
    stdin.on('end', onStdinEnd);
    stdin.on('error', onStdinEnd);
    stdin.resume();
  } else {
    // No input attached: close the container's stdin at once, as Podman's CloseWrite does.
    onStdinEnd();
  }

  function finish(detached: boolean): void {
    if (finished) return;
    finished = true;
    if (stdin) {
      stdin.removeListener('data', onStdinData);
      stdin.removeListener('end', onStdinEnd);
      stdin.removeListener('error', onStdinEnd);
      stdin.pause();
    }
    if (rawMode) stdin?.setRawMode?.(false);
    if (watchResize) stdout?.removeListener('resize', onResize);
    try {
      // Podman half-closes before closing, on detach too.
      if (!stdinEnded) socket.end();
    } catch {
      // already closed
    }
    socket.destroy();
    resolveDone({ detached });
  }

  return { done, close: () => finish(true) };
}

/** The attach socket and ctl FIFO of a container bundle (or an exec session dir). */
export function attachPaths(dir: string): { socketPath: string; ctlPath: string } {
  return { socketPath: join(dir, 'attach'), ctlPath: join(dir, 'ctl') };
}
