/**
 * Whole-file advisory locks that the kernel releases when the holder dies, so a crashed skiff
 * never leaves the store or a container locked.
 *
 * The lock file is an (empty) SQLite database, locked through Node's built-in SQLite: an
 * exclusive lock is an open `BEGIN EXCLUSIVE` transaction, a shared one a read inside
 * `BEGIN`. SQLite takes POSIX record locks (fcntl) on the file, which the kernel drops with
 * the process, exactly what flock(2) gave us, without loading a native FFI module on every
 * command. SQLite's lock protocol also favours a waiting writer over new readers.
 * Waits poll without blocking the event loop; a wait that times out names the holder from
 * /proc/locks.
 */
import { readFileSync, statSync, truncateSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { SkiffError } from './errors.ts';
import { devMajor, devMinor } from './devnum.ts';

const POLL_MS = 25;
const SQLITE_BUSY = 5;
const SQLITE_NOTADB = 26;

function sqliteCode(err: unknown): number | undefined {
  const code = (err as { errcode?: unknown }).errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

function openDb(path: string): DatabaseSync {
  // timeout 0: a busy lock fails at once and is retried here, asynchronously.
  return new DatabaseSync(path, { timeout: 0 });
}

/** PIDs holding POSIX locks on `path`, from /proc/locks (for the timeout message). */
function holders(path: string): number[] {
  try {
    const st = statSync(path, { bigint: true });
    const major = devMajor(st.dev);
    const minor = devMinor(st.dev);
    const inode = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
    const pids = new Set<number>();
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      // "1: POSIX  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
      const at = f.indexOf('ADVISORY');
      if (at < 0 || f[at + 3] !== inode) continue;
      const pid = Number(f[at + 2]);
      if (Number.isInteger(pid) && pid !== process.pid) pids.add(pid);
    }
    return [...pids];
  } catch {
    return [];
  }
}

export class FileLock {
  readonly path: string;
  #db: DatabaseSync | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /**
   * Takes the lock (exclusive unless `shared`), waiting up to timeoutMs. Podman waits for its
   * locks without limit; skiff waits ten minutes, then names the holder.
   */
  async acquire(timeoutMs = 600_000, shared = false): Promise<void> {
    if (this.#db !== undefined) throw new SkiffError('internal', `lock ${this.path} already held`);
    const deadline = Date.now() + timeoutMs;
    let db = this.#open();
    try {
      for (;;) {
        try {
          if (shared) {
            db.exec('BEGIN');
            // The first read takes SQLite's SHARED lock, held until the transaction ends.
            db.prepare('SELECT count(*) FROM sqlite_master').get();
          } else {
            db.exec('BEGIN EXCLUSIVE');
          }
          break;
        } catch (err) {
          if (db.isTransaction) db.exec('ROLLBACK');
          const code = sqliteCode(err);
          if (code === SQLITE_NOTADB) {
            // A lock file from an older skiff (flock, holder PID written into it): empty it.
            db.close();
            truncateSync(this.path, 0);
            db = this.#open();
            continue;
          }
          if (code !== SQLITE_BUSY) throw err;
        }
        if (Date.now() >= deadline) {
          const who = holders(this.path);
          throw new SkiffError('lock-timeout', `timed out after ${timeoutMs / 1000}s waiting for lock ${this.path} held by process ${who.join(', ') || 'unknown'}`);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      this.#db = db;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  #open(): DatabaseSync {
    try {
      return openDb(this.path);
    } catch (err) {
      throw new SkiffError('io', `opening lock ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  release(): void {
    const db = this.#db;
    if (db === undefined) return;
    this.#db = undefined;
    try {
      if (db.isTransaction) db.exec('COMMIT');
    } finally {
      db.close();
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
