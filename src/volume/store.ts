/**
 * Volume records in the state database, and which containers use them. The directory of a
 * volume is `<graphroot>/volumes/<name>/_data`; this module only keeps the rows.
 */
import type { StateDb } from '../state/db.ts';
import { SkiffError } from '../util/errors.ts';

export interface VolumeRecord {
  readonly name: string;
  readonly driver: string;
  readonly created: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly options: Readonly<Record<string, string>>;
  readonly anonymous: boolean;
  readonly needsCopyUp: boolean;
  readonly needsChown: boolean;
  readonly mountCount: number;
}

interface Row {
  name: string;
  driver: string;
  created: number;
  labels: string;
  options: string;
  anonymous: number;
  needs_copy_up: number;
  needs_chown: number;
  mount_count: number;
}

function fromRow(r: Row): VolumeRecord {
  return {
    name: r.name,
    driver: r.driver,
    created: r.created,
    labels: JSON.parse(r.labels) as Record<string, string>,
    options: JSON.parse(r.options) as Record<string, string>,
    anonymous: r.anonymous !== 0,
    needsCopyUp: r.needs_copy_up !== 0,
    needsChown: r.needs_chown !== 0,
    mountCount: r.mount_count,
  };
}

export class VolumeStore {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  list(): VolumeRecord[] {
    return this.#db.all<Row>('SELECT * FROM volumes ORDER BY name').map(fromRow);
  }

  get(name: string): VolumeRecord | undefined {
    const r = this.#db.get<Row>('SELECT * FROM volumes WHERE name = ?', name);
    return r ? fromRow(r) : undefined;
  }

  /** Names that start with `prefix` (volume lookups accept a unique prefix, as Podman's do). */
  namesWithPrefix(prefix: string): string[] {
    return this.#db.all<{ name: string }>("SELECT name FROM volumes WHERE name >= ? AND name < ? || x'ff'", prefix, prefix).map((r) => r.name);
  }

  add(rec: Omit<VolumeRecord, 'mountCount'>): void {
    this.#db.write(() => {
      if (this.get(rec.name)) throw new SkiffError('already-exists', `volume with name ${rec.name} already exists: volume already exists`);
      this.#db.run(
        'INSERT INTO volumes (name, driver, created, labels, options, anonymous, needs_copy_up, needs_chown) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        rec.name,
        rec.driver,
        rec.created,
        JSON.stringify(rec.labels),
        JSON.stringify(rec.options),
        rec.anonymous ? 1 : 0,
        rec.needsCopyUp ? 1 : 0,
        rec.needsChown ? 1 : 0,
      );
    });
  }

  /** Changes the copy-up and chown flags. */
  setFlags(name: string, flags: { needsCopyUp?: boolean; needsChown?: boolean }): void {
    this.#db.write(() => {
      if (flags.needsCopyUp !== undefined) this.#db.run('UPDATE volumes SET needs_copy_up = ? WHERE name = ?', flags.needsCopyUp ? 1 : 0, name);
      if (flags.needsChown !== undefined) this.#db.run('UPDATE volumes SET needs_chown = ? WHERE name = ?', flags.needsChown ? 1 : 0, name);
    });
  }

  /** Records that a container uses a volume (idempotent). */
  link(containerId: string, volume: string): void {
    this.#db.run('INSERT OR IGNORE INTO container_volumes (container_id, volume) VALUES (?, ?)', containerId, volume);
  }

  /** Ids of the containers that use a volume. */
  usersOf(volume: string): string[] {
    return this.#db.all<{ container_id: string }>('SELECT container_id FROM container_volumes WHERE volume = ? ORDER BY container_id', volume).map((r) => r.container_id);
  }

  /** Names of every volume some container uses. */
  usedNames(): Set<string> {
    return new Set(this.#db.all<{ volume: string }>('SELECT DISTINCT volume FROM container_volumes').map((r) => r.volume));
  }

  /**
   * Takes one mount reference for a container (once per container start). Returns the
   * count after it, or undefined when the container already held one.
   */
  acquireMount(containerId: string, volume: string): number | undefined {
    return this.#db.write(() => {
      const held = this.#db.get<{ mounted: number }>('SELECT mounted FROM container_volumes WHERE container_id = ? AND volume = ?', containerId, volume);
      if (held?.mounted) return undefined;
      this.link(containerId, volume);
      this.#db.run('UPDATE container_volumes SET mounted = 1 WHERE container_id = ? AND volume = ?', containerId, volume);
      this.#db.run('UPDATE volumes SET mount_count = mount_count + 1 WHERE name = ?', volume);
      return this.#db.get<{ mount_count: number }>('SELECT mount_count FROM volumes WHERE name = ?', volume)?.mount_count ?? 0;
    });
  }

  /** Gives back a container's mount reference. Returns the count after it, or undefined when it held none. */
  releaseMount(containerId: string, volume: string): number | undefined {
    return this.#db.write(() => {
      const held = this.#db.get<{ mounted: number }>('SELECT mounted FROM container_volumes WHERE container_id = ? AND volume = ?', containerId, volume);
      if (!held?.mounted) return undefined;
      this.#db.run('UPDATE container_volumes SET mounted = 0 WHERE container_id = ? AND volume = ?', containerId, volume);
      this.#db.run('UPDATE volumes SET mount_count = MAX(mount_count - 1, 0) WHERE name = ?', volume);
      return this.#db.get<{ mount_count: number }>('SELECT mount_count FROM volumes WHERE name = ?', volume)?.mount_count ?? 0;
    });
  }

  /** Volumes a container holds a mount reference on. */
  mountedBy(containerId: string): string[] {
    return this.#db.all<{ volume: string }>('SELECT volume FROM container_volumes WHERE container_id = ? AND mounted = 1', containerId).map((r) => r.volume);
  }

  /** Removes a volume's row; refuses while a container still uses it. */
  remove(name: string): void {
    this.#db.write(() => {
      const users = this.usersOf(name);
      if (users.length > 0) throw inUse(name, users);
      this.#db.run('DELETE FROM volumes WHERE name = ?', name);
    });
  }
}

export function inUse(name: string, users: readonly string[]): SkiffError {
  return new SkiffError('in-use', `volume ${name} is being used by the following container(s): ${users.join(', ')}: volume is being used`, { exitCode: 2 });
}
