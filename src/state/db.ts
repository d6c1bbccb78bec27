/**
 * The state database: the single source of truth for what the store owns (DESIGN §4).
 * SQLite in WAL mode; every write is one BEGIN IMMEDIATE transaction with a busy timeout, and
 * no transaction is ever held across I/O of another kind (downloads, extraction, children).
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { dirname } from 'node:path';
import { SkiffError } from '../util/errors.ts';
import { MIGRATIONS } from './schema.ts';

const BUSY_TIMEOUT_MS = 30_000;

export class StateDb {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #inTransaction = false;

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
  }

  static open(path: string): StateDb {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Made 0600 before SQLite opens it (SQLite gives its -wal and -shm files the same mode):
    // the database holds every container's configuration, environment included.
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SkiffError('io', `creating state database ${path}: ${(err as Error).message}`, { cause: err });
    }
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
    } catch (err) {
      throw new SkiffError('io', `opening state database ${path}: ${(err as Error).message}`, { cause: err });
    }
    const state = new StateDb(path, db);
    state.#migrate();
    return state;
  }

  #migrate(): void {
    const current = this.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new SkiffError(
        'config',
        `state database ${this.path} has schema version ${current}, newer than this skiff understands (${MIGRATIONS.length})`,
      );
    }
    if (current === MIGRATIONS.length) return;
    this.write(() => {
      // Re-read under the write lock: another process may have migrated meanwhile.
      const v = this.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0;
      for (let i = v; i < MIGRATIONS.length; i++) this.#db.exec(MIGRATIONS[i]);
      this.#db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    });
  }

  #prepare(sql: string): StatementSync {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  get<T>(sql: string, ...params: SqlParam[]): T | undefined {
    return this.#prepare(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: SqlParam[]): T[] {
    return this.#prepare(sql).all(...params) as T[];
  }

  run(sql: string, ...params: SqlParam[]): { changes: number } {
    const r = this.#prepare(sql).run(...params);
    return { changes: Number(r.changes) };
  }

  /** Runs fn inside one BEGIN IMMEDIATE transaction; nested calls join the outer one. */
  write<T>(fn: () => T): T {
    if (this.#inTransaction) return fn();
    this.#db.exec('BEGIN IMMEDIATE');
    this.#inTransaction = true;
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    } finally {
      this.#inTransaction = false;
    }
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}

export type SqlParam = string | number | bigint | null | Uint8Array;
