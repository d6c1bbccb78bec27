/**
 * Container records: the immutable config (ContainerSpec, stored as JSON) and the mutable
 * state. State changes go through update(), which re-reads the row inside its transaction so
 * that a writer never acts on a state another process has already changed.
 */
import type { ContainerSpec } from '../runtime/spec/types.ts';
import { SkiffError } from '../util/errors.ts';
import type { StateDb } from './db.ts';

export type ContainerStatus = 'configured' | 'created' | 'running' | 'paused' | 'stopped' | 'exited' | 'removing';

/**
 * The state names a user may give (`ps --filter status=`, `wait --condition`): those Podman's
 * StringToContainerStatus accepts. "configured" is not one: users see such a container as
 * "created". "unknown" is accepted and matches nothing here.
 */
const STATUS_NAMES = ['created', 'running', 'stopped', 'paused', 'exited', 'removing', 'unknown'] as const;
export type StatusName = (typeof STATUS_NAMES)[number];

export function parseStatusName(s: string): StatusName {
  const name = STATUS_NAMES.find((n) => n === s);
  if (name === undefined) throw new SkiffError('invalid-argument', `unknown container state: ${s}: invalid argument`);
  return name;
}

export interface ContainerState {
  readonly status: ContainerStatus;
  readonly pid: number;
  readonly conmonPid: number;
  readonly exitCode: number | null;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly oomKilled: boolean;
  readonly mounted: boolean;
  readonly restarts: number;
  /** Stopped by `stop` (or rm -f): the restart policy leaves it stopped. */
  readonly stoppedByUser: boolean;
}

export interface ContainerRecord {
  readonly id: string;
  readonly name: string;
  readonly imageId: string;
  readonly created: number;
  readonly spec: ContainerSpec;
  readonly state: ContainerState;
}

interface Row {
  id: string;
  name: string;
  image_id: string;
  spec: string;
  created: number;
  state: string;
  pid: number;
  conmon_pid: number;
  exit_code: number | null;
  started_at: number;
  finished_at: number;
  oom_killed: number;
  mounted: number;
  restarts: number;
  stopped_by_user: number;
}

function fromRow(r: Row): ContainerRecord {
  return {
    id: r.id,
    name: r.name,
    imageId: r.image_id,
    created: r.created,
    spec: JSON.parse(r.spec) as ContainerSpec,
    state: {
      status: r.state as ContainerStatus,
      pid: r.pid,
      conmonPid: r.conmon_pid,
      exitCode: r.exit_code,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      oomKilled: r.oom_killed !== 0,
      mounted: r.mounted !== 0,
      restarts: r.restarts,
      stoppedByUser: r.stopped_by_user !== 0,
    },
  };
}

export class ContainerStore {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  list(): ContainerRecord[] {
    return this.#db.all<Row>('SELECT * FROM containers ORDER BY created, rowid').map(fromRow);
  }

  get(id: string): ContainerRecord | undefined {
    const r = this.#db.get<Row>('SELECT * FROM containers WHERE id = ?', id);
    return r ? fromRow(r) : undefined;
  }

  byName(name: string): ContainerRecord | undefined {
    const r = this.#db.get<Row>('SELECT * FROM containers WHERE name = ?', name);
    return r ? fromRow(r) : undefined;
  }

  idsWithPrefix(prefix: string): string[] {
    return this.#db.all<{ id: string }>("SELECT id FROM containers WHERE id >= ? AND id < ? || 'g'", prefix, prefix).map((r) => r.id);
  }

  /** Ids of containers created from an image. */
  usersOf(imageId: string): string[] {
    return this.#db.all<{ id: string }>('SELECT id FROM containers WHERE image_id = ?', imageId).map((r) => r.id);
  }

  /**
   * Ids of containers that join a namespace of container `id` (`container:ID` in their spec):
   * found by the text of the stored spec, without reading every spec.
   */
  dependentsOf(id: string): string[] {
    return this.#db.all<{ id: string }>('SELECT id FROM containers WHERE id != ? AND instr(spec, ?) > 0', id, `"container:${id}"`).map((r) => r.id);
  }

  nameTaken(name: string): boolean {
    return this.#db.get('SELECT 1 FROM containers WHERE name = ?', name) !== undefined;
  }

  /** Inserts a new container; the name must be free (checked in the same transaction). */
  add(rec: { id: string; name: string; imageId: string; spec: ContainerSpec; created: number }): void {
    this.#db.write(() => {
      const holder = this.#db.get<{ id: string }>('SELECT id FROM containers WHERE name = ?', rec.name);
      if (holder) {
        throw new SkiffError(
          'already-exists',
          `creating container storage: the container name "${rec.name}" is already in use by ${holder.id}. You have to remove that container to be able to reuse that name: that name is already in use`,
        );
      }
      this.#db.run(
        "INSERT INTO containers (id, name, image_id, spec, created, state) VALUES (?, ?, ?, ?, ?, 'configured')",
        rec.id,
        rec.name,
        rec.imageId,
        JSON.stringify(rec.spec),
        rec.created,
      );
    });
  }

  /**
   * Changes a container's state atomically: fn gets the current state (re-read inside the
   * transaction) and returns the fields to change, or undefined to change nothing.
   */
  update(id: string, fn: (current: ContainerState) => Partial<ContainerState> | undefined): ContainerRecord {
    return this.#db.write(() => {
      const cur = this.get(id);
      if (!cur) throw new SkiffError('no-such-object', `no container with ID ${id} found in database: no such container`);
      const change = fn(cur.state);
      if (!change) return cur;
      const next = { ...cur.state, ...change };
      this.#db.run(
        `UPDATE containers SET state = ?, pid = ?, conmon_pid = ?, exit_code = ?, started_at = ?, finished_at = ?,
           oom_killed = ?, mounted = ?, restarts = ?, stopped_by_user = ? WHERE id = ?`,
        next.status,
        next.pid,
        next.conmonPid,
        next.exitCode,
        next.startedAt,
        next.finishedAt,
        next.oomKilled ? 1 : 0,
        next.mounted ? 1 : 0,
        next.restarts,
        next.stoppedByUser ? 1 : 0,
        id,
      );
      return { ...cur, state: next };
    });
  }

  rename(id: string, name: string): void {
    this.#db.write(() => {
      const holder = this.#db.get<{ id: string }>('SELECT id FROM containers WHERE name = ?', name);
      if (holder && holder.id !== id) {
        throw new SkiffError('already-exists', `renaming container ${id}: name ${name} already in use, cannot rename container ${id}: container already exists`);
      }
      this.#db.run('UPDATE containers SET name = ? WHERE id = ?', name, id);
    });
  }

  remove(id: string): void {
    this.#db.write(() => this.#db.run('DELETE FROM containers WHERE id = ?', id));
  }
}
