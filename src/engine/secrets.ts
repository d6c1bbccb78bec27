/**
 * Secrets (Podman's secrets manager with its `file` driver): records in the state database,
 * values in the driver's files under `<graphroot>/secrets` (0700 directories, 0600 files).
 *
 * A value leaves the store only to reach a container: a mount secret is copied at create into
 * `<bundle>/secrets/<n>` (with the owner and mode asked for) and bound read-only at its
 * target; an env secret is read at each start into config.json's process env (config.json
 * is 0600 and goes with the container). Never into the container's spec or state, its own
 * layer, an image, inspect output or a log.
 *
 * Lock order: the store lock, then DB transactions (values are written before their record
 * and deleted after it, under the store lock; recovery removes values without a record).
 */
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ContainerSecret } from '../runtime/spec/types.ts';
import { FileDriver } from '../secrets/filedriver.ts';
import { checkSecretSize, SECRET_ID_LENGTH, type SecretRequest, secretEnvName, secretMountTarget, validateSecretName } from '../secrets/options.ts';
import { nameInUse, type SecretRecord, SecretStore } from '../secrets/store.ts';
import { SkiffError } from '../util/errors.ts';
import { randomHex } from '../util/random.ts';
import type { Engine } from './engine.ts';
import { secretCopyPath } from './paths.ts';

export type { SecretRecord } from '../secrets/store.ts';

export interface CreateSecretOptions {
  readonly name: string;
  readonly data: Uint8Array;
  /** 'file' (the default, also for ''). */
  readonly driver?: string;
  readonly driverOptions?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  /** Replace a secret of the same name (its creation time stays; a new ID). */
  readonly replace?: boolean;
}

export function noSuchSecret(input: string): SkiffError {
  return new SkiffError('no-such-object', `no secret with name or id "${input}": no such secret`);
}

/** Drivers Podman 4.3 has that skiff does not. */
const OTHER_DRIVERS = new Set(['pass', 'shell']);

export class SecretService {
  readonly #engine: Engine;
  readonly records: SecretStore;

  constructor(engine: Engine) {
    this.#engine = engine;
    this.records = new SecretStore(engine.store.db);
  }

  get home(): string {
    return join(this.#engine.store.config.graphRoot, 'secrets');
  }

  /** The file driver's default directory, shown as its `path` option as Podman shows it. */
  get defaultPath(): string {
    return join(this.home, 'filedriver');
  }

  list(): SecretRecord[] {
    return this.records.list();
  }

  /**
   * Podman's lookup: a full name or ID, else a unique ID prefix of at most 25 characters
   * (an empty one included, as in Podman). Undefined when none.
   */
  find(input: string): SecretRecord | undefined {
    const exact = this.records.byId(input) ?? this.records.byName(input);
    if (exact || input.length > SECRET_ID_LENGTH) return exact;
    const ids = this.records.idsWithPrefix(input);
    if (ids.length > 1) throw new SkiffError('ambiguous-id', `more than one result secret with prefix ${input}: secret is ambiguous`);
    return ids.length === 1 ? this.records.byId(ids[0]) : undefined;
  }

  resolve(input: string): SecretRecord {
    const s = this.find(input);
    if (!s) throw noSuchSecret(input);
    return s;
  }

  #driver(rec: Pick<SecretRecord, 'driver' | 'driverOptions'>): FileDriver {
    if (rec.driver !== 'file') throw new SkiffError('unsupported', `secret driver ${rec.driver} is not supported`);
    const path = rec.driverOptions.path;
    if (path === undefined || path === '') throw new SkiffError('invalid-argument', 'need path for filedriver: invalid driver option');
    return new FileDriver(path);
  }

  async create(opts: CreateSecretOptions): Promise<SecretRecord> {
    validateSecretName(opts.name);
    checkSecretSize(opts.data);
    const driver = opts.driver === undefined || opts.driver === '' ? 'file' : opts.driver;
    const driverOptions: Record<string, string> = { ...(opts.driverOptions ?? {}) };
    // A relative path would name a different directory from every other working directory.
    driverOptions.path = driverOptions.path === undefined ? this.defaultPath : driverOptions.path === '' ? '' : resolve(driverOptions.path);
    return this.#engine.store.write(async () => {
      this.#recoverLocked();
      const old = this.records.byName(opts.name);
      if (old && !opts.replace) throw nameInUse(opts.name);
      // Podman checks the driver after the name.
      if (OTHER_DRIVERS.has(driver)) throw new SkiffError('unsupported', `secret driver ${driver} is not supported: use the file driver`);
      if (driver !== 'file') throw new SkiffError('invalid-argument', 'invalid driver');
      const now = Date.now();
      const rec: SecretRecord = {
        id: this.#newId(),
        name: opts.name,
        driver,
        driverOptions,
        labels: { ...(opts.labels ?? {}) },
        created: old?.created ?? now,
        updated: now,
      };
      const files = this.#driver(rec);
      this.#ensureHome();
      files.store(rec.id, opts.data);
      try {
        this.records.add(rec, old?.id);
      } catch (e) {
        files.delete(rec.id);
        throw e;
      }
      if (old) this.#deleteValue(old);
      return rec;
    });
  }

  /** Removes a secret's record, then its value. Containers keep the copies they have. */
  async remove(rec: SecretRecord): Promise<void> {
    await this.#engine.store.write(async () => {
      this.records.remove(rec.id);
      this.#deleteValue(rec);
    });
  }

  /** The value, for `inspect --showsecret` and containers. */
  value(rec: SecretRecord): Buffer {
    return this.#driver(rec).lookup(rec.id);
  }

  /**
   * `secret inspect`'s object in Podman's shape (entities.SecretInfoReport): Maps and Dates so
   * that templates print them as Go would. SecretData only with `showSecret`, as later Podman.
   */
  inspect(rec: SecretRecord, opts: { showSecret?: boolean } = {}): Record<string, unknown> {
    return {
      ID: rec.id,
      CreatedAt: new Date(rec.created),
      UpdatedAt: new Date(rec.updated),
      Spec: {
        Name: rec.name,
        Driver: { Name: rec.driver, Options: new Map(Object.entries(rec.driverOptions)) },
        Labels: new Map(Object.entries(rec.labels)),
      },
      SecretData: opts.showSecret ? this.value(rec).toString('utf8') : '',
    };
  }

  /**
   * The `--secret`s of a new container resolved to the secrets they name (which must exist
   * now, as in Podman), with their targets made final.
   */
  resolveRequests(requests: readonly SecretRequest[]): ContainerSecret[] {
    return requests.map((r) => {
      const rec = this.resolve(r.source);
      const target = r.type === 'mount' ? secretMountTarget(rec.name, r.target) : secretEnvName(r);
      return { name: rec.name, id: rec.id, type: r.type, target, uid: r.uid, gid: r.gid, mode: r.mode };
    });
  }

  /**
   * Copies a new container's mount secrets into `dir` (0700), one file per secret named by
   * its index, owned and moded as asked. The caller holds the store lock.
   */
  writeContainerCopies(dir: string, secrets: readonly ContainerSecret[]): void {
    if (!secrets.some((s) => s.type === 'mount')) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    secrets.forEach((s, i) => {
      if (s.type !== 'mount') return;
      const rec = this.records.byId(s.id);
      if (!rec) throw noSuchSecret(s.name);
      const data = this.value(rec);
      const file = secretCopyPath(dir, i);
      // Created 0600 for root before it gets its owner and mode: never readable by others meanwhile.
      const fd = openSync(file, 'wx', 0o600);
      try {
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      } finally {
        closeSync(fd);
      }
      chownSync(file, s.uid, s.gid);
      // Go's os.FileMode keeps only the permission bits of a number such as 01777.
      chmodSync(file, s.mode & 0o777);
    });
  }

  /**
   * A container's env secrets' values, read from the store at start (Podman's rule: a secret
   * removed since create fails the start). Later targets of one name win.
   */
  containerEnv(secrets: readonly ContainerSecret[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const s of secrets) {
      if (s.type !== 'env') continue;
      const rec = this.records.byName(s.name);
      if (!rec) throw noSuchSecret(s.name);
      env[s.target] = this.value(rec).toString('utf8');
    }
    return env;
  }

  #newId(): string {
    for (;;) {
      const id = randomHex(13).slice(0, SECRET_ID_LENGTH);
      if (!this.records.byId(id)) return id;
    }
  }

  #ensureHome(): void {
    mkdirSync(this.home, { recursive: true, mode: 0o700 });
    chmodSync(this.home, 0o700);
    mkdirSync(this.defaultPath, { recursive: true, mode: 0o700 });
    chmodSync(this.defaultPath, 0o700);
  }

  #deleteValue(rec: SecretRecord): void {
    try {
      this.#driver(rec).delete(rec.id);
    } catch (e) {
      if (!(e instanceof SkiffError)) throw e;
    }
  }

  /** Values in the default directory that no record owns. Store lock held. */
  #recoverLocked(): void {
    new FileDriver(this.defaultPath).removeOrphans(this.records.ids());
  }
}

