/**
 * conmon's sync and attach pipes: one JSON object per line, `{"data": N}` or
 * `{"data": -1, "message": "…"}` (conmon src/parent_pipe_fd.c, api version 1).
 */
import type { Readable } from 'node:stream';
import { SkiffError } from '../util/errors.ts';

export interface SyncMessage {
  /** A pid, an exit code, 0 for "attach socket ready", or negative for a failure. */
  readonly data: number;
  readonly message?: string;
}

/** Parses one line from conmon; throws on anything that is not its JSON shape. */
export function parseSyncMessage(line: string): SyncMessage {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new SkiffError('conmon-failed', `conmon bytes ${JSON.stringify(line)}: not JSON`, { cause: err });
  }
  if (typeof v !== 'object' || v === null || !('data' in v) || typeof v.data !== 'number' || !Number.isInteger(v.data)) {
    throw new SkiffError('conmon-failed', `conmon bytes ${JSON.stringify(line)}: no integer "data"`);
  }
  const message = 'message' in v && typeof v.message === 'string' ? v.message : undefined;
  return message === undefined ? { data: v.data } : { data: v.data, message };
}

/**
 * Reads conmon's messages from one pipe, in order. The stream is consumed from construction on,
 * so no message is lost between calls to next().
 */
export class SyncPipeReader {
  readonly #stream: Readable;
  #buffer = '';
  #lines: string[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(stream: Readable) {
    this.#stream = stream;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let nl: number;
      while ((nl = this.#buffer.indexOf('\n')) >= 0) {
        this.#lines.push(this.#buffer.slice(0, nl));
        this.#buffer = this.#buffer.slice(nl + 1);
      }
      this.#notify();
    });
    stream.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    stream.on('close', () => {
      this.#ended = true;
      this.#notify();
    });
    stream.on('error', (err) => {
      // A reset when conmon goes away is an end, not an error worth more than "no message".
      this.#error = err;
      this.#ended = true;
      this.#notify();
    });
  }

  /**
   * The next message. Throws 'conmon-failed' when the pipe ends first and 'timeout' when
   * `timeoutMs` passes. What conmon sent without a final newline before closing still counts.
   */
  async next(timeoutMs: number, what: string): Promise<SyncMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return parseSyncMessage(line);
      if (this.#ended) {
        if (this.#buffer.trim() !== '') {
          const rest = this.#buffer;
          this.#buffer = '';
          return parseSyncMessage(rest);
        }
        const why = this.#error ? `: ${this.#error.message}` : '';
        throw new SkiffError('conmon-failed', `conmon closed its pipe before sending ${what}${why}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new SkiffError('timeout', `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what} from conmon`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** Stops reading and closes skiff's end of the pipe. */
  close(): void {
    this.#stream.destroy();
  }

  #notify(): void {
    this.#wake?.();
  }
}
