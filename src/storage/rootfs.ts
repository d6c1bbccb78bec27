/**
 * A container's writable filesystem over its image's layers.
 *
 * On disk:  <graph>/containers/<ID>/fs/{diff,work,merged}   (overlay: upper, work, mount point)
 *           <graph>/containers/<ID>/fs/rootfs                 (vfs: a full copy of the image)
 *           <graph>/containers/<ID>/userdata/                  (the OCI bundle: config.json, logs, sockets)
 *
 * The overlay mount uses absolute lowerdirs while they fit in one page, else the short
 * `l/<link>` names relative to the driver home, mounting from there (DESIGN §4, REFERENCE §6).
 */
import { chmodSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { type IdMapping, mapStrings, toHost } from '../rootless/ids.ts';
import { isMountPoint } from '../util/fsx.ts';
import { findExecutable } from '../util/which.ts';
import { join } from 'node:path';
import type { StorageDriverName } from '../config/config.ts';
import { SkiffError } from '../util/errors.ts';
import type { LayerStore } from './layers.ts';

const PAGE = 4096;

export class RootfsStore {
  readonly home: string;
  readonly #layers: LayerStore;
  readonly #driver: StorageDriverName;

  /** Where the roots of containers with user namespaces of their own are bound (see #expose). */
  readonly #exposeDir: string;

  constructor(opts: { graphRoot: string; layers: LayerStore; driver: StorageDriverName; exposeDir: string }) {
    this.home = join(opts.graphRoot, 'containers');
    this.#layers = opts.layers;
    this.#driver = opts.driver;
    this.#exposeDir = opts.exposeDir;
  }

  dir(id: string): string {
    return join(this.home, id);
  }

  bundle(id: string): string {
    return join(this.home, id, 'userdata');
  }

  /** Where the container's root filesystem appears once mounted. */
  mountPoint(id: string): string {
    return this.#driver === 'overlay' ? join(this.home, id, 'fs', 'merged') : join(this.home, id, 'fs', 'rootfs');
  }

  /** The container's own changes (overlay upper dir); for vfs the whole tree. */
  upperDir(id: string): string {
    return this.#driver === 'overlay' ? join(this.home, id, 'fs', 'diff') : join(this.home, id, 'fs', 'rootfs');
  }

  /**
   * Creates the container's directories (the caller holds the store lock). With `idMap` (a
   * user namespace of the container's own), its files are shown through the map: overlay
   * mounts it with fuse-overlayfs's uidmapping/gidmapping, vfs chowns its copy once here.
   */
  async create(id: string, topLayer: string | null, idMap?: ContainerIdMap): Promise<void> {
    const fs = join(this.home, id, 'fs');
    mkdirSync(this.bundle(id), { recursive: true, mode: 0o700 });
    if (idMap) {
      mkdirSync(fs, { recursive: true, mode: 0o700 });
      writeFileSync(join(fs, IDMAP_FILE), JSON.stringify(idMap), { flag: 'wx' });
    }
    if (this.#driver === 'overlay') {
      for (const d of ['diff', 'work', 'merged']) mkdirSync(join(fs, d), { recursive: true, mode: 0o755 });
      return;
    }
    mkdirSync(fs, { recursive: true, mode: 0o700 });
    if (topLayer) {
      const { spawnSync } = await import('node:child_process');
      const cp = spawnSync('cp', ['-a', '--reflink=auto', this.#layers.diffDir(topLayer), join(fs, 'rootfs')], { encoding: 'utf8' });
      if (cp.status !== 0) throw new SkiffError('io', `copying the image into the container's filesystem: ${cp.stderr.trim()}`);
    } else {
      mkdirSync(join(fs, 'rootfs'), { mode: 0o755 });
    }
    if (idMap) shiftOwners(join(fs, 'rootfs'), idMap);
  }

  #idMap(id: string): ContainerIdMap | undefined {
    try {
      return JSON.parse(readFileSync(join(this.home, id, 'fs', IDMAP_FILE), 'utf8')) as ContainerIdMap;
    } catch {
      return undefined;
    }
  }

  /**
   * Mounts the root filesystem (idempotent) and returns its path. A container with a user
   * namespace of its own gets it at its exposed path (see #expose).
   */
  async mount(id: string, topLayer: string | null): Promise<string> {
    const target = this.mountPoint(id);
    const idMap = this.#idMap(id);
    if (this.#driver === 'vfs') return idMap ? this.#expose(id, target, idMap) : target;
    if (idMap) {
      if (!isMountPoint(target)) {
        const chain = this.#layers.chain(topLayer);
        const rest = `,upperdir=${this.upperDir(id)},workdir=${join(this.home, id, 'fs', 'work')}`;
        await mountShifted(this.#layers, target, chain.map((l) => l.id), rest, idMap, join(this.home, id, 'fs', 'empty'));
      }
      return this.#expose(id, target, idMap);
    }
    if (isMountPoint(target)) return target;
    const chain = this.#layers.chain(topLayer);
    const upper = this.upperDir(id);
    const work = join(this.home, id, 'fs', 'work');
    if (chain.length === 0) {
      // An image without layers: an empty lower dir keeps overlay happy.
      const empty = join(this.home, id, 'fs', 'empty');
      mkdirSync(empty, { recursive: true });
      await overlayMount(this.#layers, target, `lowerdir=${empty},upperdir=${upper},workdir=${work}${this.#layers.overlayOptions}`, 0);
      return target;
    }
    await mountOverlay(this.#layers, target, chain.map((l) => l.id), `,upperdir=${upper},workdir=${work}`, 0);
    return target;
  }

  /**
   * The runtime reaches a container's root filesystem as the container's root, which in a
   * namespace of the container's own is not skiff's user and may not pass through the store's
   * private directories. The root is therefore also bound at EXPOSE/<ID>, below a directory
   * that others may pass (0711) but not list; the mount point is the container root's alone.
   * Rootless, the bind exists only in the user's own mount namespace: to everyone else the
   * directory is empty. Nothing of the user's or the store's has its mode changed.
   */
  async #expose(id: string, source: string, idMap: ContainerIdMap): Promise<string> {
    const exposed = join(this.#exposeDir, id);
    if (isMountPoint(exposed)) return exposed;
    privateDir(this.#exposeDir, 0o711);
    mkdirSync(exposed, { recursive: true, mode: 0o700 });
    lchownSync(exposed, toHost(idMap.uidMap, 0) ?? 0, toHost(idMap.gidMap, 0) ?? 0);
    const { mount, MS_BIND } = await import('../util/syscall.ts');
    mount(source, exposed, 'none', MS_BIND, null);
    return exposed;
  }

  async unmount(id: string): Promise<void> {
    const { umount2, MNT_DETACH } = await import('../util/syscall.ts');
    const exposed = join(this.#exposeDir, id);
    if (isMountPoint(exposed)) umount2(exposed, MNT_DETACH);
    try {
      rmdirSync(exposed);
    } catch {
      // never exposed (no namespace of its own), or already gone
    }
    if (this.#driver === 'vfs') return;
    const target = this.mountPoint(id);
    if (!isMountPoint(target)) return;
    umount2(target, MNT_DETACH);
  }

  async remove(id: string): Promise<void> {
    await this.unmount(id);
    rmSync(this.dir(id), { recursive: true, force: true });
  }
}

/** What an overlay mount needs of a layer store. */
type OverlayLayers = Pick<LayerStore, 'mountProgram' | 'overlayOptions' | 'diffDir' | 'require' | 'home'>;

/**
 * Mounts an overlay of `layers` (top first) at `target`, with `rest` appended to the options:
 * absolute lowerdirs while they fit in one page, else the layers' short `l/` names relative to
 * the driver home, mounting from there.
 */
export async function mountOverlay(store: OverlayLayers, target: string, layers: readonly string[], rest: string, flags: number): Promise<void> {
  const options = `${rest}${store.overlayOptions}`;
  const absolute = `lowerdir=${layers.map((id) => store.diffDir(id)).join(':')}${options}`;
  if (absolute.length < PAGE) {
    await overlayMount(store, target, absolute, flags);
    return;
  }
  const relative = `lowerdir=${layers.map((id) => `l/${store.require(id).link}`).join(':')}${options}`;
  if (relative.length >= PAGE) throw new SkiffError('unsupported', `image has too many layers (${layers.length}) to mount`);
  await overlayMount(store, target, relative, flags, store.home);
}

/** A container's own user namespace maps (container ID → ID of skiff's namespace). */
export interface ContainerIdMap {
  readonly uidMap: readonly IdMapping[];
  readonly gidMap: readonly IdMapping[];
}

const IDMAP_FILE = 'idmap.json';


/**
 * An overlay whose files show through a container's maps, by fuse-overlayfs: on disk the
 * owners stay container IDs (so layers are shared with every other container, and the upper
 * dir commits as it is); seen from skiff's namespace they are the map's outer IDs. No copy,
 * no chown: the cost is one FUSE daemon for the container.
 */
async function mountShifted(store: LayerStore, target: string, layers: readonly string[], rest: string, idMap: ContainerIdMap, empty: string): Promise<void> {
  const program = store.mountProgram ?? findExecutable('fuse-overlayfs');
  if (!program) throw new SkiffError('unsupported', 'a container with a user namespace of its own needs fuse-overlayfs to show the image with its owners: install fuse-overlayfs');
  const mapping = `,uidmapping=${mapStrings(idMap.uidMap).join(':')},gidmapping=${mapStrings(idMap.gidMap).join(':')}`;
  const shifted = { mountProgram: program, overlayOptions: '', diffDir: (id: string) => store.diffDir(id), require: (id: string) => store.require(id), home: store.home };
  if (layers.length === 0) {
    mkdirSync(empty, { recursive: true });
    await overlayMount(shifted, target, `lowerdir=${empty}${rest}${mapping}`, 0);
    return;
  }
  await mountOverlay(shifted, target, layers, `${rest}${mapping}`, 0);
}

/**
 * A directory of this process's user with exactly `mode`, made when missing; one that is a
 * symlink, not a directory, or someone else's is refused (it could be planted in /tmp).
 */
function privateDir(dir: string, mode: number): void {
  try {
    mkdirSync(dir, { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== (process.geteuid?.() ?? 0)) throw new SkiffError('io', `${dir} is not a directory of this user: remove it`);
  if ((st.mode & 0o7777) !== mode) chmodSync(dir, mode);
}

/** vfs: a container's copy given its owners through the map, once, at create. */
function shiftOwners(root: string, idMap: ContainerIdMap): void {
  // cp -a keeps hard links: an inode is shifted once, whichever of its names comes first.
  const seen = new Set<string>();
  const walk = (path: string): void => {
    const st = lstatSync(path);
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    const uid = toHost(idMap.uidMap, st.uid);
    const gid = toHost(idMap.gidMap, st.gid);
    if (uid === undefined || gid === undefined) throw new SkiffError('invalid-argument', `${path} is owned by ${st.uid}:${st.gid}, which the container's user namespace does not map`);
    // chown clears set-ID bits: put them back.
    lchownSync(path, uid, gid);
    if (!st.isSymbolicLink() && (st.mode & 0o6000) !== 0) chmodSync(path, st.mode & 0o7777);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(root);
}

/**
 * One overlay mount: by the kernel, or by fuse-overlayfs when the store uses it (a rootless
 * user whose kernel cannot mount overlay in a user namespace). Relative lowerdirs resolve
 * from `cwd`.
 */
async function overlayMount(store: OverlayLayers, target: string, options: string, flags: number, cwd?: string): Promise<void> {
  if (store.mountProgram) {
    const { spawnSync } = await import('node:child_process');
    const { MS_RDONLY } = await import('../util/syscall.ts');
    const opts = (flags & MS_RDONLY) !== 0 ? `${options},ro` : options;
    const r = spawnSync(store.mountProgram, ['-o', opts, target], { cwd: cwd ?? '/', encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new SkiffError('io', `mounting ${target} with ${store.mountProgram}: ${(r.stderr || r.error?.message || `exit status ${r.status}`).trim()}`);
    return;
  }
  const { mount } = await import('../util/syscall.ts');
  if (cwd === undefined) {
    mount('overlay', target, 'overlay', flags, options);
    return;
  }
  const before = process.cwd();
  process.chdir(cwd);
  try {
    mount('overlay', target, 'overlay', flags, options);
  } finally {
    process.chdir(before);
  }
}
