/**
 * Whole-file advisory locks (flock) that the kernel releases when the holder dies, so a
 * crashed skiff never leaves the store locked. The holder's PID is written into the lock file
 * so that a wait that times out can name it.
 */
import { closeSync, openSync, readFileSync, writeSync, ftruncateSync } from 'node:fs';
import { SkiffError } from './errors.ts';
import { flock, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN } from './syscall.ts';

const POLL_MS = 25;

export class FileLock {
  readonly path: string;
  #fd: number | undefined;
  #shared = false;

  constructor(path: string) {
    this.path = path;
  }

  /** Takes the lock exclusively, waiting up to timeoutMs. */
  /** Podman waits for its locks without limit; skiff waits ten minutes, then names the holder. */
  async acquire(timeoutMs = 600_000, shared = false): Promise<void> {
    if (this.#fd !== undefined) throw new SkiffError('internal', `lock ${this.path} already held`);
    const fd = openSync(this.path, 'a+', 0o600);
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB)) break;
        if (Date.now() >= deadline) {
          const holder = readFileSync(this.path, 'utf8').trim();
          throw new SkiffError('lock-timeout', `timed out after ${timeoutMs / 1000}s waiting for lock ${this.path} held by process ${holder || 'unknown'}`);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      // Only the exclusive holder records itself; shared holders leave the file to it.
      if (!shared) {
        ftruncateSync(fd, 0);
        writeSync(fd, String(process.pid), 0);
      }
      this.#shared = shared;
      this.#fd = fd;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  release(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      if (!this.#shared) ftruncateSync(fd, 0);
      flock(fd, LOCK_UN);
    } finally {
      closeSync(fd);
    }
  }

  async with<T>(fn: () => Promise<T>, opts: { timeoutMs?: number; shared?: boolean } = {}): Promise<T> {
    await this.acquire(opts.timeoutMs, opts.shared);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
