/**
 * `image mount` / `image unmount`: an image's files, read-only, at
 * `<graph>/<driver>/<top layer>/merged`, to scan from the host without running anything.
 * Mounts are counted as in containers/storage (each mount adds one, each unmount takes one,
 * the last one unmounts); the count lives beside the mount point and goes with it. Removing
 * the layer (rmi) releases the mount first.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageRecord } from '../image/store.ts';
import { isMountPoint } from '../util/fsx.ts';
import { mountOverlay } from '../storage/rootfs.ts';
import { SkiffError } from '../util/errors.ts';
import type { Engine } from './engine.ts';

function countFile(engine: Engine, img: ImageRecord): string {
  return engine.store.layers.mountCountFile(topOf(img));
}

function topOf(img: ImageRecord): string {
  if (!img.topLayer) throw new SkiffError('unsupported', `image ${img.id.slice(0, 12)} has no layers to mount`);
  return img.topLayer;
}

function emptyLower(home: string, top: string): string {
  const empty = join(home, top, 'empty');
  mkdirSync(empty, { recursive: true, mode: 0o755 });
  return empty;
}

function count(path: string): number {
  try {
    return Number.parseInt(readFileSync(path, 'utf8'), 10) || 0;
  } catch {
    return 0;
  }
}

/** Mounts (or counts one more mount of) an image; returns the mount point. */
export async function mountImage(engine: Engine, img: ImageRecord): Promise<string> {
  const layers = engine.store.layers;
  const target = layers.mergedDir(topOf(img));
  return engine.store.write(async () => {
    if (!isMountPoint(target)) {
      mkdirSync(target, { recursive: true, mode: 0o700 });
      const chain = layers.chain(img.topLayer).map((l) => l.id);
      const sys = await import('../util/syscall.ts');
      if (layers.driver === 'vfs') {
        // A vfs layer holds the whole tree: a read-only bind of it.
        sys.mount(layers.diffDir(chain[0]), target, '', sys.MS_BIND, null);
        sys.mount('', target, '', sys.MS_BIND | sys.MS_REMOUNT | sys.MS_RDONLY | sys.MS_NOSUID | sys.MS_NODEV, null);
      } else {
        // Overlay without an upper layer needs two lower ones: an empty one stands in for a second.
        const rest = chain.length === 1 ? `:${emptyLower(layers.home, topOf(img))}` : '';
        await mountOverlay(layers, target, chain, rest, sys.MS_RDONLY | sys.MS_NOSUID | sys.MS_NODEV);
      }
    }
    const file = countFile(engine, img);
    writeFileSync(file, String(count(file) + 1));
    return target;
  });
}

/** Takes one mount away (all with `force`); unmounts at zero. */
export async function unmountImage(engine: Engine, img: ImageRecord, force: boolean): Promise<void> {
  const target = engine.store.layers.mergedDir(topOf(img));
  await engine.store.write(async () => {
    const file = countFile(engine, img);
    const left = force ? 0 : Math.max(0, count(file) - 1);
    if (left > 0) {
      writeFileSync(file, String(left));
      return;
    }
    if (isMountPoint(target)) {
      const { umount2, MNT_DETACH } = await import('../util/syscall.ts');
      umount2(target, MNT_DETACH);
    }
    if (existsSync(file)) writeFileSync(file, '0');
  });
}

/** The images mounted now, with their mount points. */
export function mountedImages(engine: Engine): { img: ImageRecord; path: string }[] {
  const out: { img: ImageRecord; path: string }[] = [];
  for (const img of engine.store.images.list()) {
    if (!img.topLayer) continue;
    const path = engine.store.layers.mergedDir(img.topLayer);
    if (isMountPoint(path)) out.push({ img, path });
  }
  return out;
}
