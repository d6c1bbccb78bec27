/**
 * The opened store: state DB, blobs, layers and images of one graph root, and the lock that
 * serialises writers. Lock order: the store lock is taken before any DB write transaction
 * and never while one is open.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, StorageDriverName } from '../config/config.ts';
import { BlobStore } from '../image/blobs.ts';
import { ImageStore } from '../image/store.ts';
import { processAlive } from '../runtime/exitfile.ts';
import { StateDb } from '../state/db.ts';
import { LayerStore } from '../storage/layers.ts';
import { chooseDriver } from '../storage/driver.ts';
import { RootfsStore } from '../storage/rootfs.ts';
import { SkiffError } from '../util/errors.ts';
import { FileLock } from '../util/lock.ts';
import { randomHex } from '../util/random.ts';

export class Store {
  readonly config: Config;
  readonly db: StateDb;
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  readonly images: ImageStore;
  readonly rootfs: RootfsStore;
  readonly driver: StorageDriverName;
  readonly #lock: FileLock;

  constructor(config: Config) {
    this.config = config;
    mkdirSync(config.graphRoot, { recursive: true, mode: 0o700 });
    this.db = StateDb.open(join(config.graphRoot, 'skiff.db'));
    this.driver = this.#chooseDriver();
    this.blobs = new BlobStore(config.graphRoot);
    this.layers = new LayerStore({ graphRoot: config.graphRoot, driver: this.driver, db: this.db, rootless: config.rootless, mountProgram: this.mountProgram });
    this.images = new ImageStore(this.db, this.blobs, this.layers);
    // Rootless, a path in the user's own /tmp directory (binds there live in their mount
    // namespace only); root's in /run, whose ancestors everyone may pass.
    const exposeDir = config.rootless ? `/tmp/skiff-rootfs-${config.uid}` : '/run/skiff-rootfs';
    this.rootfs = new RootfsStore({ graphRoot: config.graphRoot, layers: this.layers, driver: this.driver, exposeDir });
    this.#lock = new FileLock(join(config.graphRoot, 'storage.lock'));
  }

  /** The driver is fixed when the store is first used; asking for another one later is an error,
   * as in Podman, because layers of one driver are useless to the other. */
  #chooseDriver(): StorageDriverName {
    const stored = this.db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'driver'")?.value as StorageDriverName | undefined;
    const wanted = this.config.storageDriver;
    if (stored) {
      if (wanted && wanted !== stored) {
        throw new SkiffError(
          'config',
          `database storage driver "${stored}" does not match our storage driver "${wanted}": to change the driver, remove ${this.config.graphRoot} (all images and containers) or use a different --root`,
        );
      }
      return stored;
    }
    const program = this.config.storageOpts.map((o) => /^(?:overlay\.)?mount_program=(.+)$/.exec(o)?.[1]).find((p) => p !== undefined);
    const choice = chooseDriver({ rootless: this.config.rootless, scratch: join(this.config.graphRoot, 'tmp'), wanted, mountProgram: program });
    this.db.write(() => {
      if (this.db.get("SELECT value FROM meta WHERE key = 'driver'")) return;
      this.db.run("INSERT INTO meta (key, value) VALUES ('driver', ?)", choice.driver);
      this.db.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('driver_reason', ?)", choice.reason);
      if (choice.mountProgram) this.db.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('mount_program', ?)", choice.mountProgram);
    });
    return this.db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'driver'")?.value as StorageDriverName;
  }

  /** Why the store has its driver (`info`), as recorded when it was chosen. */
  get driverReason(): string {
    return this.#meta('driver_reason') ?? `${this.driver}: chosen by an earlier skiff`;
  }

  /** fuse-overlayfs, when this store's overlays are mounted by it rather than by the kernel. */
  get mountProgram(): string | undefined {
    return this.#meta('mount_program');
  }

  #meta(key: string): string | undefined {
    return this.db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)?.value;
  }

  /**
   * Runs a mutation under the store lock, after finishing whatever a crashed writer left.
   * Recovery runs only here, so read-only commands stay cheap.
   */
  async write<T>(fn: () => Promise<T>): Promise<T> {
    return this.#lock.with(async () => {
      this.recover();
      return fn();
    });
  }

  /** Runs a reader that needs files to stay put (save, export) under a shared store lock. */
  async read<T>(fn: () => Promise<T>): Promise<T> {
    return this.#lock.with(fn, { shared: true });
  }

  recover(): void {
    this.#recoverContainers();
    this.#recoverVolumes();
    this.layers.recover(this.#referencedLayers());
    this.blobs.recover(this.images.ownedBlobs());
    this.#recoverScratch();
  }

  /** Every layer some image's chain uses; others are leftovers of an interrupted load or rmi. */
  #referencedLayers(): Set<string> {
    const used = new Set<string>();
    for (const img of this.images.list()) for (const l of this.layers.chain(img.topLayer)) used.add(l.id);
    return used;
  }

  /**
   * A private scratch directory for this process (spooled stdin, decompressed archives, layers
   * being compressed), under the graph root so it is on the store's filesystem. Named by PID:
   * recovery removes the ones whose process is gone, whatever killed it.
   */
  scratchDir(): string {
    const dir = join(this.config.graphRoot, 'tmp', `${process.pid}-${randomHex(4)}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /**
   * Container directories the DB does not own (a create cut short before its row was
   * written, or a removal after its row was deleted): unmount whatever is still mounted
   * there, then remove them.
   */
  #recoverContainers(): void {
    const home = this.rootfs.home;
    if (!existsSync(home)) return;
    const owned = new Set(this.db.all<{ id: string }>('SELECT id FROM containers').map((r) => r.id));
    for (const id of readdirSync(home)) {
      if (owned.has(id)) continue;
      const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4])
        .filter((m) => m !== undefined && m.startsWith(join(home, id)));
      if (mounted.length > 0) continue; // unmounted by the next cleanup, which holds the syscall module
      rmSync(join(home, id), { recursive: true, force: true });
    }
  }

  /**
   * Volume directories without a row: a `volume create` cut short before its row was
   * written, or a removal after the row was deleted. Anything still mounted there is left.
   */
  #recoverVolumes(): void {
    const home = join(this.config.graphRoot, 'volumes');
    if (!existsSync(home)) return;
    const owned = new Set(this.db.all<{ name: string }>('SELECT name FROM volumes').map((r) => r.name));
    const names = readdirSync(home).filter((n) => !owned.has(n));
    if (names.length === 0) return;
    const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]);
    for (const name of names) {
      const dir = join(home, name);
      if (points.some((m) => m !== undefined && (m === dir || m.startsWith(`${dir}/`)))) continue;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  #recoverScratch(): void {
    const tmp = join(this.config.graphRoot, 'tmp');
    if (!existsSync(tmp)) return;
    for (const name of readdirSync(tmp)) {
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) continue;
      if (pid === process.pid) continue;
      rmSync(join(tmp, name), { recursive: true, force: true });
    }
  }

  close(): void {
    this.db.close();
  }
}

