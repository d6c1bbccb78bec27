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
import { mkdirSync, rmSync } from 'node:fs';
import { isMountPoint } from '../util/fsx.ts';
import { join } from 'node:path';
import type { StorageDriverName } from '../config/config.ts';
import { SkiffError } from '../util/errors.ts';
import type { LayerStore } from './layers.ts';

const PAGE = 4096;

export class RootfsStore {
  readonly home: string;
  readonly #layers: LayerStore;
  readonly #driver: StorageDriverName;

  constructor(opts: { graphRoot: string; layers: LayerStore; driver: StorageDriverName }) {
    this.home = join(opts.graphRoot, 'containers');
    this.#layers = opts.layers;
    this.#driver = opts.driver;
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

  /** Creates the container's directories (the caller holds the store lock). */
  async create(id: string, topLayer: string | null): Promise<void> {
    const fs = join(this.home, id, 'fs');
    mkdirSync(this.bundle(id), { recursive: true, mode: 0o700 });
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
  }

  /** Mounts the root filesystem (idempotent) and returns its path. */
  async mount(id: string, topLayer: string | null): Promise<string> {
    const target = this.mountPoint(id);
    if (this.#driver === 'vfs') return target;
    if (isMountPoint(target)) return target;
    const { mount } = await import('../util/syscall.ts');
    const chain = this.#layers.chain(topLayer);
    const upper = this.upperDir(id);
    const work = join(this.home, id, 'fs', 'work');
    if (chain.length === 0) {
      // An image without layers: an empty lower dir keeps overlay happy.
      const empty = join(this.home, id, 'fs', 'empty');
      mkdirSync(empty, { recursive: true });
      mount('overlay', target, 'overlay', 0, `lowerdir=${empty},upperdir=${upper},workdir=${work}`);
      return target;
    }
    await mountOverlay(this.#layers, target, chain.map((l) => l.id), `,upperdir=${upper},workdir=${work}`, 0);
    return target;
  }

  async unmount(id: string): Promise<void> {
    if (this.#driver === 'vfs') return;
    const target = this.mountPoint(id);
    if (!isMountPoint(target)) return;
    const { umount2, MNT_DETACH } = await import('../util/syscall.ts');
    umount2(target, MNT_DETACH);
  }

  async remove(id: string): Promise<void> {
    await this.unmount(id);
    rmSync(this.dir(id), { recursive: true, force: true });
  }
}

/**
 * Mounts an overlay of `layers` (top first) at `target`, with `rest` appended to the options:
 * absolute lowerdirs while they fit in one page, else the layers' short `l/` names relative to
 * the driver home, mounting from there.
 */
export async function mountOverlay(store: LayerStore, target: string, layers: readonly string[], rest: string, flags: number): Promise<void> {
  const { mount } = await import('../util/syscall.ts');
  const absolute = `lowerdir=${layers.map((id) => store.diffDir(id)).join(':')}${rest}`;
  if (absolute.length < PAGE) {
    mount('overlay', target, 'overlay', flags, absolute);
    return;
  }
  const relative = `lowerdir=${layers.map((id) => `l/${store.require(id).link}`).join(':')}${rest}`;
  if (relative.length >= PAGE) throw new SkiffError('unsupported', `image has too many layers (${layers.length}) to mount`);
  const cwd = process.cwd();
  process.chdir(store.home);
  try {
    mount('overlay', target, 'overlay', flags, relative);
  } finally {
    process.chdir(cwd);
  }
}
