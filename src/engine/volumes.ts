/**
 * Volumes (libpod's Volume and its local driver): named and anonymous directories under
 * `<graphroot>/volumes/<name>/_data` that outlive containers, created on demand by `run -v`,
 * filled from the image on first use (copy-up) and owned like the directory they cover.
 *
 * Lock order: a container's lock, then the store lock, then DB transactions. Volume rows,
 * directories, mounts and copy-ups change only under the store lock, so two containers
 * starting on one fresh volume copy it up once.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord } from '../state/containers.ts';
import { isMountPoint } from '../util/fsx.ts';
import { SkiffError } from '../util/errors.ts';
import { rfc3339Nano } from '../util/time.ts';
import { parseLocalOptions, validateVolumeName } from '../volume/options.ts';
import { inUse, type VolumeRecord, VolumeStore } from '../volume/store.ts';
import type { Engine } from './engine.ts';
import { randomHex } from '../util/random.ts';

export type { VolumeRecord } from '../volume/store.ts';

export interface CreateVolumeOptions {
  readonly name?: string;
  readonly driver?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly options?: readonly string[];
  readonly anonymous?: boolean;
}

export function noSuchVolume(input: string): SkiffError {
  return new SkiffError('no-such-object', `no volume with name "${input}" found: no such volume`);
}

/** A fresh anonymous volume name: 64 hex digits, like a container ID. */
export function anonymousVolumeName(): string {
  return randomHex(32);
}

export class VolumeService {
  readonly #engine: Engine;
  readonly records: VolumeStore;

  constructor(engine: Engine) {
    this.#engine = engine;
    this.records = new VolumeStore(engine.store.db);
  }

  get home(): string {
    return join(this.#engine.store.config.graphRoot, 'volumes');
  }

  /** The directory containers see: `<graphroot>/volumes/<name>/_data`. */
  mountPoint(name: string): string {
    return join(this.home, name, '_data');
  }

  list(): VolumeRecord[] {
    return this.records.list();
  }

  /** By full name, else by a unique name prefix, as Podman looks volumes up. */
  find(input: string): VolumeRecord | undefined {
    const exact = this.records.get(input);
    if (exact || input === '') return exact;
    const names = this.records.namesWithPrefix(input);
    if (names.length > 1) throw new SkiffError('invalid-argument', `more than one result for volume name ${input}: volume already exists`);
    return names.length === 1 ? this.records.get(names[0]) : undefined;
  }

  resolve(input: string): VolumeRecord {
    const v = this.find(input);
    if (!v) throw noSuchVolume(input);
    return v;
  }

  async create(opts: CreateVolumeOptions): Promise<VolumeRecord> {
    return this.#engine.store.write(async () => this.createLocked(opts));
  }

  /** `create` with the store lock already held (container creation makes volumes this way). */
  createLocked(opts: CreateVolumeOptions): VolumeRecord {
    const driver = opts.driver ?? 'local';
    if (driver !== 'local') {
      throw new SkiffError(
        'unsupported',
        `volume ${opts.name ?? ''} uses volume plugin ${driver} but it could not be retrieved: no volume plugin with name ${driver} available: required plugin missing`,
      );
    }
    const name = opts.name ?? anonymousVolumeName();
    validateVolumeName(name);
    if (this.records.get(name)) throw new SkiffError('already-exists', `volume with name ${name} already exists: volume already exists`);
    const local = parseLocalOptions(opts.options ?? []);
    // The directory first, then the row: a crash between them leaves a directory without a
    // row, which store recovery removes; never a row without its directory.
    const dir = join(this.home, name);
    mkdirSync(this.home, { recursive: true, mode: 0o700 });
    mkdirSync(dir, { mode: 0o700 });
    try {
      mkdirSync(join(dir, '_data'), { mode: 0o755 });
      chmodSync(join(dir, '_data'), 0o755);
      if (local.uid !== undefined || local.gid !== undefined) {
        chownSync(join(dir, '_data'), local.uid ?? process.geteuid?.() ?? 0, local.gid ?? process.getegid?.() ?? 0);
      }
      this.records.add({
        name,
        driver,
        created: Date.now(),
        labels: { ...(opts.labels ?? {}) },
        options: local.stored,
        anonymous: opts.anonymous ?? false,
        needsCopyUp: true,
        needsChown: local.uid === undefined && local.gid === undefined,
      });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const rec = this.records.get(name);
    if (!rec) throw new SkiffError('internal', `volume ${name} vanished after it was created`);
    return rec;
  }

  /**
   * `volume inspect`'s object, in Podman's field order. Templates see every field; JSON
   * leaves out the zero ones Podman marks omitempty.
   */
  inspect(v: VolumeRecord): Record<string, unknown> {
    const uid = v.options.UID === undefined ? 0 : Number(v.options.UID);
    const gid = v.options.GID === undefined ? 0 : Number(v.options.GID);
    const fields: Record<string, unknown> = {
      Name: v.name,
      Driver: v.driver,
      Mountpoint: this.mountPoint(v.name),
      CreatedAt: rfc3339Nano(v.created),
      Labels: sortedObject(v.labels),
      Scope: 'local',
      Options: sortedObject(v.options),
      UID: uid,
      GID: gid,
      MountCount: v.mountCount,
      NeedsCopyUp: v.needsCopyUp,
      NeedsChown: v.needsChown,
    };
    const omitEmpty = new Set(['UID', 'GID', 'NeedsCopyUp', 'NeedsChown']);
    Object.defineProperty(fields, 'toJSON', {
      enumerable: false,
      value: () => Object.fromEntries(Object.entries(fields).filter(([k, val]) => !(omitEmpty.has(k) && (val === 0 || val === false)))),
    });
    return fields;
  }

  usersOf(name: string): string[] {
    return this.records.usersOf(name);
  }

  /**
   * `volume rm`: refuses a volume in use unless forced; forced, removes the containers that
   * use it first (stopping them within `timeout` seconds), as Podman does.
   */
  async remove(v: VolumeRecord, opts: { force?: boolean; timeout?: number } = {}): Promise<void> {
    const users = this.records.usersOf(v.name);
    if (users.length > 0) {
      if (!opts.force) throw inUse(v.name, users);
      const containers = this.#engine.containers;
      for (const id of users) {
        const c = containers.records.get(id);
        if (c) await containers.remove(c, { force: true, timeout: opts.timeout, volumes: false });
      }
    }
    await this.#engine.store.write(async () => this.removeLocked(v.name));
  }

  /** Removes a volume no container uses: its row, then its directory. Store lock held. */
  removeLocked(name: string): void {
    const v = this.records.get(name);
    if (!v) return;
    if (v.mountCount > 0) this.#unmountFs(v.name);
    this.records.remove(name);
    rmSync(join(this.home, name), { recursive: true, force: true });
  }

  /** `volume prune`: every volume no container uses, that passes `keep` = false. */
  async prune(select: (v: VolumeRecord) => boolean): Promise<string[]> {
    return this.#engine.store.write(async () => {
      const used = this.records.usedNames();
      const removed: string[] = [];
      for (const v of this.records.list()) {
        if (used.has(v.name) || !select(v)) continue;
        this.removeLocked(v.name);
        removed.push(v.name);
      }
      return removed;
    });
  }

  /** Names of the volumes no container uses (for prune's confirmation). */
  unused(): VolumeRecord[] {
    const used = this.records.usedNames();
    return this.records.list().filter((v) => !used.has(v.name));
  }

  /**
   * Before a container starts: mounts its volumes that carry a filesystem, copies the image's
   * content at each mount point into a volume that never had it, and gives a fresh volume
   * the owner and mode of the directory it covers (else the container user's). Returns each
   * volume's host directory. `rootfs` is the container's mounted root.
   */
  async prepare(c: ContainerRecord, rootfs: string, user: { uid: number; gid: number }): Promise<Map<string, string>> {
    const sources = new Map<string, string>();
    const mounts = c.spec.mounts.filter((m) => m.type === 'volume');
    if (mounts.length === 0) return sources;
    await this.#engine.store.write(async () => {
      const { resolveInRootfs } = await import('../runtime/spec/user.ts');
      for (const m of mounts) {
        const v = this.records.get(m.source);
        if (!v) throw new SkiffError('no-such-object', `retrieving named volume ${m.source} for container ${c.id}: no volume with name "${m.source}" found: no such volume`);
        const data = this.mountPoint(v.name);
        const local = parseLocalOptions(optionEntries(v.options));
        if (local.mount) {
          const count = this.records.acquireMount(c.id, v.name);
          if (count === 1) {
            try {
              this.#mountFs(v.name, local.mount, c.id);
            } catch (e) {
              this.records.releaseMount(c.id, v.name);
              throw e;
            }
          }
        }
        sources.set(v.name, data);
        const inside = resolveInRootfs(rootfs, m.destination);
        if (v.needsCopyUp && local.copy && !m.options.includes('nocopy')) {
          if (!existsSync(inside)) mkdirSync(inside, { recursive: true, mode: 0o755 });
          if (readdirSync(data).length === 0 && statSync(inside).isDirectory() && readdirSync(inside).length > 0) {
            await copyTree(inside, data);
          }
          this.records.setFlags(v.name, { needsCopyUp: false });
        }
        if (v.needsChown) {
          const st = existsSync(inside) ? statSync(inside) : undefined;
          if (st?.isDirectory()) {
            chownSync(data, st.uid, st.gid);
            chmodSync(data, st.mode & 0o7777);
          } else {
            chownSync(data, user.uid, user.gid);
          }
          this.records.setFlags(v.name, { needsChown: false });
        }
      }
    });
    return sources;
  }

  /** After a container stops: gives back its mount references, unmounting the last. */
  async release(c: ContainerRecord): Promise<void> {
    if (this.records.mountedBy(c.id).length === 0) return;
    await this.#engine.store.write(async () => {
      for (const name of this.records.mountedBy(c.id)) {
        if (this.records.releaseMount(c.id, name) === 0) this.#unmountFs(name);
      }
    });
  }

  /** After a container is removed with -v (or --rm): its anonymous volumes no other container uses. Store lock held. */
  removeAnonymousLocked(names: readonly string[]): void {
    for (const name of names) {
      const v = this.records.get(name);
      if (!v?.anonymous || this.records.usersOf(name).length > 0) continue;
      this.removeLocked(name);
    }
  }

  #mountFs(name: string, src: { type?: string; device?: string; options?: string }, containerId: string): void {
    const { spawnSync } = childProcess();
    const args: string[] = [];
    if (src.type) args.push('-t', src.type);
    if (src.options) args.push('-o', src.options);
    args.push(src.device ?? src.type ?? 'none', this.mountPoint(name));
    const r = spawnSync('mount', args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      const why = (r.stderr || r.error?.message || `exit status ${r.status}`).trim().split('\n')[0];
      throw new SkiffError('io', `mounting volume ${name} for container ${containerId}: ${why}`);
    }
  }

  #unmountFs(name: string): void {
    const { spawnSync } = childProcess();
    const mp = this.mountPoint(name);
    const r = spawnSync('umount', [mp], { encoding: 'utf8' });
    if ((r.error || r.status !== 0) && isMountPoint(mp)) {
      throw new SkiffError('io', `unmounting volume ${name}: ${(r.stderr || r.error?.message || '').trim()}`);
    }
  }
}

/** child_process, loaded when a volume needs mount(8): the engine is on every command's path. */
function childProcess(): typeof import('node:child_process') {
  return process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
}

/** The stored option map back as `-o` entries (UID/GID are derived from o= and left out). */
function optionEntries(options: Readonly<Record<string, string>>): string[] {
  return Object.entries(options)
    .filter(([k]) => k !== 'UID' && k !== 'GID')
    .map(([k, v]) => (v === '' && (k === 'copy' || k === 'nocopy') ? k : `${k}=${v}`));
}

function sortedObject(o: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Copies the tree under `from` into the empty directory `to`, keeping owners, modes, times,
 * links, devices and the xattrs images carry: through the same tar writer and hardened
 * extractor as layers, so nothing in the image can write outside `to`.
 */
async function copyTree(from: string, to: string): Promise<void> {
  const { writeTarFromDir } = await import('../storage/tar/writer.ts');
  const { extractArchive } = await import('../storage/apply.ts');
  // A plain archive: an image file named `.wh.x` is copied as it is, not read as a whiteout.
  await extractArchive(writeTarFromDir(from), { root: to });
}
