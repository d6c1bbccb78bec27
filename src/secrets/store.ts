/**
 * Secret records in the state database: names, IDs, drivers, labels and times. A secret's
 * value is never stored here; its driver keeps it (filedriver.ts).
 */
import type { StateDb } from '../state/db.ts';
import { SkiffError } from '../util/errors.ts';

export interface SecretRecord {
  /** 25 hex digits. */
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  readonly driverOptions: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch. */
  readonly created: number;
  readonly updated: number;
}

interface Row {
  id: string;
  name: string;
  driver: string;
  driver_options: string;
  labels: string;
  created: number;
  updated: number;
}

function fromRow(r: Row): SecretRecord {
  return {
    id: r.id,
    name: r.name,
    driver: r.driver,
    driverOptions: JSON.parse(r.driver_options) as Record<string, string>,
    labels: JSON.parse(r.labels) as Record<string, string>,
    created: r.created,
    updated: r.updated,
  };
}

export function nameInUse(name: string): SkiffError {
  return new SkiffError('already-exists', `${name}: secret name in use`);
}

export class SecretStore {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  /** Oldest first (Podman lists them in Go map order, which is random). */
  list(): SecretRecord[] {
    return this.#db.all<Row>('SELECT * FROM secrets ORDER BY created, id').map(fromRow);
  }

  byName(name: string): SecretRecord | undefined {
    const r = this.#db.get<Row>('SELECT * FROM secrets WHERE name = ?', name);
    return r ? fromRow(r) : undefined;
  }

  byId(id: string): SecretRecord | undefined {
    const r = this.#db.get<Row>('SELECT * FROM secrets WHERE id = ?', id);
    return r ? fromRow(r) : undefined;
  }

  idsWithPrefix(prefix: string): string[] {
    return this.#db.all<{ id: string }>("SELECT id FROM secrets WHERE id >= ? AND id < ? || x'ff' ORDER BY id", prefix, prefix).map((r) => r.id);
  }

  ids(): Set<string> {
    return new Set(this.#db.all<{ id: string }>('SELECT id FROM secrets').map((r) => r.id));
  }

  /**
   * Adds a secret; with `replacing`, the row of that ID (the same name's old secret) goes in
   * the same transaction. Refuses a name that another secret holds.
   */
  add(rec: SecretRecord, replacing?: string): void {
    this.#db.write(() => {
      if (replacing !== undefined) this.#db.run('DELETE FROM secrets WHERE id = ?', replacing);
      if (this.byName(rec.name)) throw nameInUse(rec.name);
      this.#db.run(
        'INSERT INTO secrets (id, name, driver, driver_options, labels, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)',
        rec.id,
        rec.name,
        rec.driver,
        JSON.stringify(rec.driverOptions),
        JSON.stringify(rec.labels),
        rec.created,
        rec.updated,
      );
    });
  }

  remove(id: string): void {
    this.#db.write(() => this.#db.run('DELETE FROM secrets WHERE id = ?', id));
  }
}
