/**
 * The layer store: each layer's files in a directory of its own, recorded in the state DB.
 *
 * On disk (overlay):  <graph>/overlay/<id>/{diff/, link, lower, tar-split.gz}
 *                     <graph>/overlay/l/<link> -> ../<id>/diff     (short lowerdir names)
 *           (vfs):    <graph>/vfs/<id>/{rootfs/, tar-split.gz}     (rootfs = parent + this diff)
 *
 * Crash safety (DESIGN §4): a layer is extracted into <driver>/staging-<random>, renamed to
 * <driver>/<id> in one step, and only then recorded in the DB. Whatever a crash leaves is a
 * staging dir or a layer dir the DB does not own; recover() removes both. Callers hold the
 * store lock around every mutation here.
 */
import { existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StorageDriverName } from '../config/config.ts';
import type { StateDb } from '../state/db.ts';
import { SkiffError } from '../util/errors.ts';
import { isMountPoint } from '../util/fsx.ts';
import { sha256, tapHash } from '../util/hash.ts';
import { randomBytes, randomHex } from '../util/random.ts';

export interface LayerRecord {
  readonly id: string;
  readonly parent: string | null;
  readonly driver: StorageDriverName;
  readonly link: string;
  readonly diffDigest: string;
  readonly diffSize: number;
  readonly compressedDigest: string | null;
  readonly compressedSize: number | null;
  readonly contentSize: number;
  readonly created: number;
}

interface LayerRow {
  id: string;
  parent: string | null;
  driver: string;
  link: string;
  diff_digest: string;
  diff_size: number;
  compressed_digest: string | null;
  compressed_size: number | null;
  content_size: number;
  created: number;
}

function fromRow(r: LayerRow): LayerRecord {
  return {
    id: r.id,
    parent: r.parent,
    driver: r.driver as StorageDriverName,
    link: r.link,
    diffDigest: r.diff_digest,
    diffSize: r.diff_size,
    compressedDigest: r.compressed_digest,
    compressedSize: r.compressed_size,
    contentSize: r.content_size,
    created: r.created,
  };
}

/** Podman's layer ID rule for pulled/loaded layers: the first is the diffID hex, each next
 * is sha256(parentID + "+" + diffID hex). */
export function chainLayerId(parentId: string | null, diffDigest: string): string {
  const hex = diffDigest.replace(/^sha256:/, '');
  if (parentId === null) return hex;
  return sha256().update(`${parentId}+${hex}`).digest('hex');
}

const LINK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function newLinkName(): string {
  // 26 base32 characters, like containers/storage, so 128 lowerdirs fit in one page.
  const bytes = randomBytes(26);
  let s = '';
  for (const b of bytes) s += LINK_ALPHABET[b & 31];
  return s;
}

export interface CreateLayerOptions {
  readonly id?: string;
  readonly parent: string | null;
  /** The uncompressed layer tar. */
  readonly tar: AsyncIterable<Uint8Array>;
  /** When given, the diffID the content must have: a mismatch is an error and nothing is kept. */
  readonly expectedDiffDigest?: string;
  readonly compressedDigest?: string;
  readonly compressedSize?: number;
}

/** A layer extracted by stage(), not yet in the store. */
export interface StagedLayer {
  readonly dir: string;
  readonly diffDigest: string;
  readonly diffSize: number;
  readonly contentSize: number;
  /** vfs only: the parent whose copy the staged tree starts from. */
  readonly vfsParent: string | null;
}

export class LayerStore {
  readonly driver: StorageDriverName;
  readonly home: string;
  readonly #db: StateDb;
  readonly #rootless: boolean;

  /** fuse-overlayfs, when overlays of these layers are mounted by it rather than by the kernel. */
  readonly mountProgram: string | undefined;

  constructor(opts: { graphRoot: string; driver: StorageDriverName; db: StateDb; rootless: boolean; mountProgram?: string }) {
    this.driver = opts.driver;
    this.mountProgram = opts.mountProgram;
    this.home = join(opts.graphRoot, opts.driver);
    this.#db = opts.db;
    this.#rootless = opts.rootless;
  }

  /**
   * The options every overlay of these layers is mounted with. Rootless layers keep their
   * whiteouts and opaque markers in `user.overlay.*` (the only xattrs a user namespace can
   * write), which the kernel reads only with `userxattr` (Linux >= 5.11).
   */
  get overlayOptions(): string {
    return this.#rootless && !this.mountProgram ? ',userxattr' : '';
  }

  get(id: string): LayerRecord | undefined {
    const r = this.#db.get<LayerRow>('SELECT * FROM layers WHERE id = ?', id);
    return r ? fromRow(r) : undefined;
  }

  require(id: string): LayerRecord {
    const l = this.get(id);
    if (!l) throw new SkiffError('internal', `layer ${id} is not known to the store`);
    return l;
  }

  list(): LayerRecord[] {
    return this.#db.all<LayerRow>('SELECT * FROM layers ORDER BY created').map(fromRow);
  }

  /** The layer and its ancestors, top first. */
  chain(topId: string | null): LayerRecord[] {
    const out: LayerRecord[] = [];
    let id = topId;
    while (id) {
      const l = this.require(id);
      out.push(l);
      id = l.parent;
    }
    return out;
  }

  /** The directory holding this layer's own files (overlay) or its full tree (vfs). */
  diffDir(id: string): string {
    return this.driver === 'overlay' ? join(this.home, id, 'diff') : join(this.home, id, 'rootfs');
  }

  #splitPath(id: string): string {
    return join(this.home, id, 'tar-split.gz');
  }

  async create(opts: CreateLayerOptions): Promise<LayerRecord> {
    if (opts.id && this.get(opts.id)) return this.require(opts.id);
    if (opts.parent && !this.get(opts.parent)) throw new SkiffError('internal', `parent layer ${opts.parent} is not known to the store`);
    mkdirSync(this.home, { recursive: true, mode: 0o700 });
    const staged = await this.stage(join(this.home, `staging-${randomHex(8)}`), opts.tar, { parent: opts.parent, expectedDiffDigest: opts.expectedDiffDigest });
    try {
      return this.commit(staged, { id: opts.id, parent: opts.parent, compressedDigest: opts.compressedDigest, compressedSize: opts.compressedSize });
    } finally {
      rmSync(staged.dir, { recursive: true, force: true });
    }
  }

  /**
   * Extracts a layer into `dir` (which must not exist; on the store's filesystem) without
   * touching the store: pulls run this for several layers at once, outside the store lock.
   * Only overlay layers can be staged before their parent is stored; a vfs layer is a copy of
   * its parent plus its own changes, so `parent` must be stored already.
   */
  async stage(dir: string, tar: AsyncIterable<Uint8Array>, opts: { parent: string | null; expectedDiffDigest?: string }): Promise<StagedLayer> {
    mkdirSync(dir, { mode: 0o700 });
    try {
      const content = this.driver === 'overlay' ? join(dir, 'diff') : join(dir, 'rootfs');
      // Extraction code loads only when a layer is written: listing commands never need it.
      const [{ applyLayer }, { createSplitWriter }] = await Promise.all([import('./apply.ts'), import('./tar/split.ts')]);
      if (this.driver === 'vfs' && opts.parent) {
        const { spawnSync } = await import('node:child_process');
        // cp -a keeps owners, modes, xattrs, devices and hard links, which fs.cp does not.
        const cp = spawnSync('cp', ['-a', '--reflink=auto', this.diffDir(opts.parent), content], { encoding: 'utf8' });
        if (cp.status !== 0) throw new SkiffError('io', `copying parent layer ${opts.parent}: ${cp.stderr.trim()}`);
      } else {
        mkdirSync(content, { mode: 0o555 });
      }
      const hash = sha256();
      const counter = { bytes: 0 };
      const split = await createSplitWriter(join(dir, 'tar-split.gz'));
      const format = this.driver === 'vfs' ? 'vfs' : this.#rootless ? 'overlay-rootless' : 'overlay';
      let size: number;
      try {
        ({ size } = await applyLayer(tapHash(tar, hash, counter), { dest: content, format, rootless: this.#rootless, split }));
        await split.close();
      } catch (e) {
        await split.abort();
        throw e;
      }
      const diffDigest = `sha256:${hash.digest('hex')}`;
      if (opts.expectedDiffDigest && opts.expectedDiffDigest !== diffDigest) {
        throw new SkiffError('digest-mismatch', `layer content digest ${diffDigest} does not match the expected diffID ${opts.expectedDiffDigest}`);
      }
      return { dir, diffDigest, diffSize: counter.bytes, contentSize: size, vfsParent: this.driver === 'vfs' ? opts.parent : null };
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Moves a staged layer into the store and records it (with the store lock held). The staged
   * directory is consumed; when the layer is already stored, the existing record is returned
   * and the caller removes the staged directory.
   */
  commit(staged: StagedLayer, opts: { id?: string; parent: string | null; compressedDigest?: string; compressedSize?: number }): LayerRecord {
    if (opts.parent && !this.get(opts.parent)) throw new SkiffError('internal', `parent layer ${opts.parent} is not known to the store`);
    if (this.driver === 'vfs' && staged.vfsParent !== opts.parent) throw new SkiffError('internal', 'a vfs layer was staged on another parent');
    const id = opts.id ?? chainLayerId(opts.parent, staged.diffDigest);
    const existing = this.get(id);
    if (existing) return existing;
    mkdirSync(this.home, { recursive: true, mode: 0o700 });
    const link = newLinkName();
    if (this.driver === 'overlay') {
      writeFileSync(join(staged.dir, 'link'), link);
      if (opts.parent) {
        const lowers = [this.require(opts.parent).link, ...this.#lowerLinks(opts.parent)].map((l) => `l/${l}`);
        writeFileSync(join(staged.dir, 'lower'), lowers.join(':'));
      }
    }
    const final = join(this.home, id);
    rmSync(final, { recursive: true, force: true }); // an orphan of a crash: the DB does not own it
    renameSync(staged.dir, final);
    if (this.driver === 'overlay') {
      mkdirSync(join(this.home, 'l'), { recursive: true, mode: 0o700 });
      symlinkSync(`../${id}/diff`, join(this.home, 'l', link));
    }
    const record: LayerRecord = {
      id,
      parent: opts.parent,
      driver: this.driver,
      link,
      diffDigest: staged.diffDigest,
      diffSize: staged.diffSize,
      compressedDigest: opts.compressedDigest ?? null,
      compressedSize: opts.compressedSize ?? null,
      contentSize: staged.contentSize,
      created: Date.now(),
    };
    this.#db.run(
      `INSERT INTO layers (id, parent, driver, link, diff_digest, diff_size, compressed_digest, compressed_size, content_size, created)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      record.id,
      record.parent,
      record.driver,
      record.link,
      record.diffDigest,
      record.diffSize,
      record.compressedDigest,
      record.compressedSize,
      record.contentSize,
      record.created,
    );
    return record;
  }

  /** Remembers the compressed blob a push made of a layer that had none recorded. */
  recordCompressed(id: string, digest: string, size: number): void {
    this.#db.run('UPDATE layers SET compressed_digest = ?, compressed_size = ? WHERE id = ? AND compressed_digest IS NULL', digest, size, id);
  }

  #lowerLinks(id: string): string[] {
    return this.chain(id)
      .slice(1)
      .map((l) => l.link);
  }

  /** The layer's uncompressed tar, byte for byte as it was stored (its digest is the diffID). */
  async *diffTar(id: string): AsyncGenerator<Buffer> {
    const { reassemble } = await import('./tar/split.ts');
    yield* reassemble(this.#splitPath(id), this.diffDir(id));
  }

  /** Removes a layer that nothing references. The DB row goes first: a crash after it leaves
   * only an orphan directory, which recover() removes. */
  remove(id: string): void {
    const layer = this.get(id);
    if (!layer) return;
    this.#db.run('DELETE FROM layers WHERE id = ?', id);
    if (this.driver === 'overlay') rmSync(join(this.home, 'l', layer.link), { force: true });
    // An `image mount` of this layer must go first: removing through it would delete files
    // of every layer below.
    releaseImageMount(join(this.home, id));
    rmSync(join(this.home, id), { recursive: true, force: true });
  }

  /** Where `image mount` mounts the image whose top layer this is (Podman's …/<layer>/merged). */
  mergedDir(id: string): string {
    return join(this.home, id, 'merged');
  }

  /** How many `image mount`s of the image whose top layer this is are outstanding. */
  mountCountFile(id: string): string {
    return mountCountIn(join(this.home, id));
  }

  /**
   * Removes whatever a crash left: layers no image uses (a load or rmi cut short), staging
   * dirs, layer dirs the DB does not own, dangling links. Children go before their parents.
   */
  recover(referenced: ReadonlySet<string>): void {
    const unused = this.list().filter((l) => !referenced.has(l.id));
    const depth = (l: LayerRecord): number => this.chain(l.id).length;
    for (const l of unused.sort((a, b) => depth(b) - depth(a))) this.remove(l.id);
    if (!existsSync(this.home)) return;
    const owned = new Set(this.#db.all<{ id: string }>('SELECT id FROM layers WHERE driver = ?', this.driver).map((r) => r.id));
    for (const name of readdirSync(this.home)) {
      if (name === 'l') continue;
      if (!owned.has(name)) rmSync(join(this.home, name), { recursive: true, force: true });
    }
    const linkDir = join(this.home, 'l');
    if (!existsSync(linkDir)) return;
    for (const link of readdirSync(linkDir)) {
      const target = readlinkSync(join(linkDir, link));
      const id = target.split('/')[1];
      if (!owned.has(id)) rmSync(join(linkDir, link), { force: true });
    }
  }
}

/** Unmounts an image mount inside a layer directory, whatever its count (sync: removal paths are). */
export function releaseImageMount(layerDir: string): void {
  const merged = join(layerDir, 'merged');
  if (!existsSync(merged)) return;
  if (isMountPoint(merged)) {
    const { spawnSync } = process.getBuiltinModule('node:child_process');
    const r = spawnSync('umount', ['-l', merged], { encoding: 'utf8' });
    if (r.status !== 0) throw new SkiffError('io', `unmounting ${merged}: ${r.stderr.trim()}`);
  }
  rmSync(mountCountIn(layerDir), { force: true });
}

function mountCountIn(layerDir: string): string {
  return join(layerDir, 'mount-count');
}
