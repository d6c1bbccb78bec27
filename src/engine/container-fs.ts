/**
 * What is done with a container's filesystem from outside: export (the whole tree as a tar),
 * diff (what changed against the image), commit (the changes as a new image layer).
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyChanges } from '../image/change.ts';
import { localName } from '../image/names.ts';
import type { ImageRecord } from '../image/store.ts';
import { type HistoryEntry, type ImageConfig, MEDIA } from '../image/types.ts';
import { toContainer } from '../rootless/ids.ts';
import type { ContainerRecord } from '../state/containers.ts';
import { SkiffError } from '../util/errors.ts';
import { goJson } from '../util/gojson.ts';
import { sha256 } from '../util/hash.ts';
import { rfc3339Nano } from '../util/time.ts';
import type { Engine } from './engine.ts';

/** Mounts the container's rootfs if it is not (a stopped container), runs fn, and unmounts again. */
async function withRootfs<T>(engine: Engine, c: ContainerRecord, fn: (rootfs: string) => Promise<T>): Promise<T> {
  const image = engine.store.images.get(c.imageId);
  const wasMounted = c.state.mounted;
  const rootfs = await engine.store.rootfs.mount(c.id, image?.topLayer ?? null);
  try {
    return await fn(rootfs);
  } finally {
    if (!wasMounted && c.state.status !== 'running' && c.state.status !== 'paused') await engine.store.rootfs.unmount(c.id);
  }
}

/**
 * Bytes under `dir` as containers/storage counts a layer's size: every non-directory entry's
 * lstat size, each inode once (hard links are not counted twice).
 */
export function treeSize(dir: string): number {
  const seen = new Set<string>();
  let size = 0;
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      const st = lstatSync(p, { bigint: true });
      if (st.isDirectory()) {
        walk(p);
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      size += Number(st.size);
    }
  };
  walk(dir);
  return size;
}

/**
 * `inspect -s` and `ps --size`: the size of what the container wrote (its overlay upper dir)
 * and of the layers below it (Podman's SizeRootFs leaves the writable layer out).
 */
export function containerSizes(engine: Engine, c: ContainerRecord): { rw: number; rootFs: number } {
  if (engine.store.driver !== 'overlay') throw new SkiffError('unsupported', 'container sizes need the overlay storage driver');
  const image = engine.store.images.get(c.imageId);
  const rw = treeSize(engine.store.rootfs.upperDir(c.id));
  const layers = image ? engine.store.layers.chain(image.topLayer).reduce((n, l) => n + treeSize(engine.store.layers.diffDir(l.id)), 0) : 0;
  return { rw, rootFs: layers };
}

/**
 * A container with a user namespace of its own shows its files with the map's outer IDs
 * (the fuse view, or a vfs copy chowned at create): a tar of them records the container's
 * own IDs. Undefined where files already carry them.
 */
export function containerOwners(c: ContainerRecord): ((uid: number, gid: number) => { uid: number; gid: number }) | undefined {
  const u = c.spec.userns;
  if (!u?.uidMap || !u.gidMap) return undefined;
  const { uidMap, gidMap } = u;
  return (uid, gid) => ({ uid: toContainer(uidMap, uid) ?? OVERFLOW_ID, gid: toContainer(gidMap, gid) ?? OVERFLOW_ID });
}

/** The kernel's overflow ID (nobody), for an owner the map does not cover. */
const OVERFLOW_ID = 65534;

/** `export`: the container's whole filesystem as a tar stream. */
export async function exportContainer(engine: Engine, c: ContainerRecord, write: (chunks: AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  const { writeTarFromDir } = await import('../storage/tar/writer.ts');
  // Under the container's lock, as Podman exports: the exit command of a container that has just
  // stopped would otherwise unmount its root while the archive is being read.
  await engine.containers.lock(c.id).with(async () => {
    const cur = engine.containers.records.get(c.id) ?? c;
    await withRootfs(engine, cur, (rootfs) => write(writeTarFromDir(rootfs, { idMap: containerOwners(cur) })));
  });
}

export interface Change {
  readonly kind: 'A' | 'C' | 'D';
  readonly path: string;
}

/** Paths the engine itself creates or mounts over in every container: never reported by diff (libpod's list). */
const ENGINE_PATHS = new Set(['/dev', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/proc', '/run', '/run/notify', '/run/.containerenv', '/run/secrets', '/sys', '/etc/mtab']);

/**
 * `diff`: Podman's change list from the overlay upper dir: a whiteout is a deletion, a path
 * that exists in the image is a change, anything else an addition; parents of changes are
 * reported as changed. The engine's own paths are left out.
 */
export async function diffContainer(engine: Engine, c: ContainerRecord): Promise<Change[]> {
  if (engine.store.driver !== 'overlay') throw new SkiffError('unsupported', 'diff needs the overlay storage driver');
  const image = engine.store.images.get(c.imageId);
  const lowers = image ? engine.store.layers.chain(image.topLayer).map((l) => engine.store.layers.diffDir(l.id)) : [];
  const inImage = (rel: string) => lowers.some((d) => {
    try {
      lstatSync(join(d, rel));
      return true;
    } catch {
      return false;
    }
  });
  const upper = engine.store.rootfs.upperDir(c.id);
  const out: Change[] = [];
  const walk = (rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(upper, rel)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(upper, r));
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ kind: 'D', path: `/${r}` });
        continue;
      }
      if (!ENGINE_PATHS.has(`/${r}`)) out.push({ kind: inImage(r) ? 'C' : 'A', path: `/${r}` });
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

export interface CommitOptions {
  readonly name?: string;
  readonly changes: readonly string[];
  readonly message?: string;
  readonly author?: string;
  readonly pause: boolean;
  readonly format: 'oci' | 'docker';
  readonly squash: boolean;
}

/**
 * `commit`: the container's changes become one new layer on top of its image; with
 * `squash`, the whole filesystem (image and changes) becomes the image's only layer.
 */
export async function commitContainer(engine: Engine, c: ContainerRecord, opts: CommitOptions): Promise<ImageRecord> {
  const store = engine.store;
  const image = store.images.get(c.imageId);
  if (!image) throw new SkiffError('image-not-known', `${c.imageId}: image not known`);
  const base = engine.images.config(image);
  const name = opts.name ? localName(opts.name) : undefined;
  // The container's environment as its spec had it at creation (Podman's commit copies
  // Spec.Process.Env: the image's, the defaults, -e), not what the runtime adds at start.
  const { buildEnv, envList } = await import('../runtime/spec/env.ts');
  const env = envList(buildEnv({ imageEnv: base.config?.Env ?? [], envMerge: c.spec.envMerge ?? [], userEnv: c.spec.env }));
  const containerConfig = applyChanges(
    {
      ...(base.config ?? {}),
      Env: env,
      ...(c.spec.command ? { Cmd: [...c.spec.command] } : {}),
      ...(c.spec.entrypoint ? { Entrypoint: [...c.spec.entrypoint] } : {}),
      ...(c.spec.workdir ? { WorkingDir: c.spec.workdir } : {}),
      ...(c.spec.user ? { User: c.spec.user } : {}),
    },
    opts.changes,
  );
  const { writeTarFromDir } = await import('../storage/tar/writer.ts');
  const paused = opts.pause && c.state.status === 'running';
  if (paused) await engine.containers.pause(c);
  try {
    return await store.write(async () => {
      const layer = opts.squash
        ? await withRootfs(engine, c, async (rootfs) => store.layers.create({ parent: null, tar: writeTarFromDir(rootfs, { idMap: containerOwners(c) }), id: undefined }))
        : await store.layers.create({
            parent: image.topLayer,
            // An overlay upper dir holds container IDs (fuse-overlayfs writes them through the
            // map); a vfs copy holds the map's outer IDs.
            tar: writeTarFromDir(store.rootfs.upperDir(c.id), {
              whiteouts: store.driver === 'overlay' ? (engine.config.rootless ? 'user' : 'trusted') : undefined,
              idMap: store.driver === 'vfs' ? containerOwners(c) : undefined,
            }),
            id: undefined,
          });
      const now = rfc3339Nano(Date.now());
      // Squashed, the image's earlier steps made no layer of their own any more.
      const earlier = (base.history ?? []).map((h) => (opts.squash ? { ...h, empty_layer: true } : h));
      const history: HistoryEntry[] = [
        ...earlier,
        { created: now, created_by: `/bin/sh -c #(nop) COMMIT`, ...(opts.author ? { author: opts.author } : {}), ...(opts.message ? { comment: opts.message } : {}) },
      ];
      const config: ImageConfig = {
        created: now,
        ...(opts.author ? { author: opts.author } : {}),
        architecture: base.architecture,
        os: base.os,
        config: containerConfig,
        rootfs: { type: 'layers', diff_ids: opts.squash ? [layer.diffDigest] : [...base.rootfs.diff_ids, layer.diffDigest] },
        history,
      };
      const configBytes = Buffer.from(goJson(config));
      const layers = store.layers.chain(layer.id).reverse();
      const docker = opts.format === 'docker';
      const manifest = docker
        ? {
            schemaVersion: 2,
            mediaType: MEDIA.dockerManifest,
            config: { mediaType: MEDIA.dockerConfig, size: configBytes.length, digest: `sha256:${sha256().update(configBytes).digest('hex')}` },
            layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', size: l.diffSize, digest: l.diffDigest })),
          }
        : {
            schemaVersion: 2,
            config: { mediaType: MEDIA.ociConfig, digest: `sha256:${sha256().update(configBytes).digest('hex')}`, size: configBytes.length },
            layers: layers.map((l) => ({ mediaType: MEDIA.ociLayer, digest: l.diffDigest, size: l.diffSize })),
          };
      return store.images.add({
        config: configBytes,
        manifest: Buffer.from(goJson(manifest)),
        manifestMediaType: docker ? MEDIA.dockerManifest : MEDIA.ociManifest,
        topLayer: layer.id,
        names: name ? [name] : [],
      });
    });
  } finally {
    if (paused) await engine.containers.unpause(c).catch(() => {});
  }
}
