/**
 * Moving images into and out of the store: import of a rootfs tarball, load of archives and
 * layout directories, save to them. One pipeline (storeSourceImage) stores any SourceImage,
 * so registries plug in later as one more source.
 */
import { createReadStream, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { goArch } from '../util/platform.ts';
import { applyChanges } from '../image/change.ts';
import { localName } from '../image/names.ts';
import type { ImageRecord } from '../image/store.ts';
import { openArchiveSource, writeArchive } from '../image/transport/archive.ts';
import type { ArchiveFormat, SourceImage } from '../image/transport/types.ts';
import { type ImageConfig, MEDIA, type Manifest } from '../image/types.ts';
import { chainLayerId } from '../storage/layers.ts';
import { errnoCode, SkiffError } from '../util/errors.ts';
import { goJson } from '../util/gojson.ts';
import { decompress, sha256, tapHash } from '../util/stream.ts';
import { rfc3339Nano, rfc3339NanoFromNs } from '../util/time.ts';
import type { ImageService } from './images.ts';

export interface ImportOptions {
  /** A file path, or '-' for `stdin`. */
  readonly source: string;
  readonly stdin?: NodeJS.ReadableStream;
  readonly reference?: string;
  readonly changes?: readonly string[];
  readonly message?: string;
  readonly os?: string;
  readonly arch?: string;
  readonly variant?: string;
}


/** `skiff import`: a rootfs tarball (optionally compressed) becomes a one-layer image. */
export async function importTarball(images: ImageService, opts: ImportOptions): Promise<ImageRecord> {
  const name = opts.reference ? localName(opts.reference) : undefined;
  let input: AsyncIterable<Uint8Array>;
  let created: string;
  if (opts.source === '-') {
    input = (opts.stdin ?? process.stdin) as AsyncIterable<Uint8Array>;
    created = rfc3339Nano(Date.now());
  } else {
    try {
      const st = statSync(opts.source, { bigint: true });
      if (st.isDirectory()) throw new SkiffError('invalid-argument', `error opening "${opts.source}": is a directory`);
      created = rfc3339NanoFromNs(st.mtimeNs);
    } catch (e) {
      if (e instanceof SkiffError) throw e;
      throw new SkiffError('invalid-argument', `error opening "${opts.source}": open ${opts.source}: ${errnoText(e)}`);
    }
    input = createReadStream(opts.source);
  }
  // Validate the changes before any work is done.
  const containerConfig = applyChanges({}, opts.changes ?? []);
  const store = images.store;
  return store.write(async () => {
    const { stream } = decompress(input);
    const layer = await store.layers.create({ parent: null, tar: stream }).catch((e: unknown) => {
      throw wrapLayerError(e);
    });
    const hex = layer.diffDigest.slice('sha256:'.length);
    const config: ImageConfig = {
      created,
      architecture: opts.arch ?? goArch(),
      os: opts.os ?? 'linux',
      ...(opts.variant ? { variant: opts.variant } : {}),
      config: containerConfig,
      rootfs: { type: 'layers', diff_ids: [layer.diffDigest] },
      history: [{ created, created_by: `/bin/sh -c #(nop) ADD file:${hex} in /`, comment: opts.message || 'imported from tarball' }],
    };
    const configBytes = Buffer.from(goJson(config));
    const manifestBytes = Buffer.from(
      goJson(ociManifest({ mediaType: MEDIA.ociConfig, digest: digestHex(configBytes), size: configBytes.length }, [
        { mediaType: MEDIA.ociLayer, digest: layer.diffDigest, size: layer.diffSize },
      ])),
    );
    return store.images.add({
      config: configBytes,
      manifest: manifestBytes,
      manifestMediaType: MEDIA.ociManifest,
      topLayer: layer.id,
      names: name ? [name] : [],
    });
  });
}

function digestHex(bytes: Uint8Array): string {
  return `sha256:${sha256().update(bytes).digest('hex')}`;
}

/** An OCI manifest with Go's field order, so its digest matches what Podman computes. */
function ociManifest(config: { mediaType: string; digest: string; size: number }, layers: { mediaType: string; digest: string; size: number }[]): Manifest {
  return { schemaVersion: 2, config, layers } as Manifest;
}

function errnoText(e: unknown): string {
  switch (errnoCode(e)) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

function wrapLayerError(e: unknown): unknown {
  if (e instanceof SkiffError) return e;
  const code = errnoCode(e);
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR_ZSTD') {
    return new SkiffError('bad-archive', `processing tar file: corrupt compressed data: ${(e as Error).message}`, { cause: e });
  }
  return e;
}

/**
 * Stores one image from any source: layers in order (skipping ones the store has), each
 * checked against its blob digest and its diffID, then the config and manifest, then names.
 * Called with the store lock held.
 */
export async function storeSourceImage(images: ImageService, src: SourceImage, names: readonly string[]): Promise<ImageRecord> {
  const store = images.store;
  const { validateConfig, parseJson } = await import('../image/types.ts');
  const config = validateConfig(parseJson(src.configBytes, 'image config'));
  const configDigest = digestHex(src.configBytes);
  if (configDigest !== src.manifest.config.digest) {
    throw new SkiffError('digest-mismatch', `image config digest ${configDigest} does not match the manifest's ${src.manifest.config.digest}`);
  }
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== src.manifest.layers.length) {
    throw new SkiffError('bad-archive', `image has ${src.manifest.layers.length} layers but its config lists ${diffIds.length} diff IDs`);
  }
  let parent: string | null = null;
  for (let i = 0; i < diffIds.length; i++) {
    const desc = src.manifest.layers[i];
    const id = chainLayerId(parent, diffIds[i]);
    if (!store.layers.get(id)) {
      const blobHash = sha256();
      const counter = { bytes: 0 };
      const { stream } = decompress(tapHash(src.openBlob(desc), blobHash, counter));
      // A layer described by its diffID (docker-archive) is verified by the diffID check in
      // create(); its described size may be that of a compressed member, so it is not compared.
      const size = desc.digest === diffIds[i] ? -1 : desc.size;
      await store.layers
        .create({ id, parent, tar: verifyAtEnd(stream, () => checkBlob(desc.digest, blobHash.digest('hex'), counter.bytes, size)), expectedDiffDigest: diffIds[i] })
        .catch((e: unknown) => {
          throw wrapLayerError(e);
        });
    }
    parent = id;
  }
  return store.images.add({
    config: src.configBytes,
    manifest: src.manifestBytes,
    manifestMediaType: src.manifestMediaType,
    topLayer: parent,
    names,
  });
}

function checkBlob(expected: string, actualHex: string, bytes: number, size: number): void {
  if (`sha256:${actualHex}` !== expected) throw new SkiffError('digest-mismatch', `blob digest sha256:${actualHex} does not match the expected ${expected}`);
  if (size >= 0 && bytes !== size) throw new SkiffError('digest-mismatch', `blob ${expected} has ${bytes} bytes, expected ${size}`);
}

/** Runs a check after the source is fully consumed and before the consumer sees the end. */
async function* verifyAtEnd(source: AsyncIterable<Uint8Array>, check: () => void): AsyncGenerator<Uint8Array> {
  yield* source;
  check();
}

/**
 * `skiff load`: every image in an archive or layout directory, each accepted by the trust
 * policy first, as Podman's load does. Returns the names (or IDs) loaded.
 */
export async function loadImages(images: ImageService, path: string, trust?: { checkPath(transport: string, path: string, ref: string, manifest: Buffer): Promise<unknown> }): Promise<string[]> {
  const scratch = images.store.scratchDir();
  const reader = await openArchiveSource(path, scratch).catch((e: unknown) => {
    rmSync(scratch, { recursive: true, force: true });
    throw e;
  });
  try {
    const loaded: string[] = [];
    const sources = await reader.images();
    // Every image is judged before any is stored: a refused archive changes nothing.
    for (const src of sources) await trust?.checkPath(reader.transport, resolve(path), '', src.manifestBytes);
    await images.store.write(async () => {
      for (const src of sources) {
        const rec = await storeSourceImage(images, src, src.names);
        loaded.push(...(src.names.length > 0 ? src.names : [`sha256:${rec.id}`]));
      }
    });
    return loaded;
  } finally {
    await reader.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface SaveOptions {
  readonly output: string;
  readonly format: ArchiveFormat;
  readonly multiImage: boolean;
  readonly compress?: boolean;
  /** The names to record for a single image, verbatim (push to oci:DIR:REF and friends). */
  readonly names?: readonly string[];
}

/** `skiff save`: the named images into one archive or directory. */
export async function saveImages(images: ImageService, inputs: readonly string[], opts: SaveOptions): Promise<void> {
  if (inputs.length > 1 && !opts.multiImage && opts.format !== 'docker-archive') {
    throw new SkiffError('invalid-argument', `--multi-image-archive is required to save more than one image to ${opts.format}`);
  }
  const store = images.store;
  // Without --multi-image-archive, arguments after the first are extra names for the first image.
  const groups = opts.multiImage ? inputs.map((i) => [i]) : [inputs];
  const items = groups.map(([first, ...extra]) => {
    const img = images.resolve(first);
    // A name given by the user is what the archive records; an ID records none.
    const byId = /^(sha256:)?[0-9a-f]+$/.test(first) && img.id.startsWith(first.replace(/^sha256:/, ''));
    const own = byId ? undefined : (img.names.find((n) => n === first) ?? img.names.find((n) => n === safeLocalName(first)) ?? img.names.find((n) => n.endsWith(`/${first}`) || n.endsWith(`/${first}:latest`)));
    const names = opts.names ?? [...new Set([...(own ? [own] : []), ...extra.map((e) => localName(e))])].sort();
    return { img, names };
  });
  // A shared lock: no writer removes the layers while they are read; other readers may run.
  const scratch = store.scratchDir();
  try {
    await store.read(() =>
      writeArchive(opts.output, opts.format, items.map(({ img, names }) => {
    const config = store.images.config(img);
    const layers = store.layers.chain(img.topLayer).reverse();
    return {
      names,
      configBytes: store.images.configBytes(img),
      diffIds: config.rootfs.diff_ids,
      diffSizes: layers.map((l) => l.diffSize),
      layerTar: (i: number) => store.layers.diffTar(layers[i].id),
    };
  }), { compress: opts.compress, scratch }),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function safeLocalName(input: string): string | undefined {
  try {
    return localName(input);
  } catch {
    return undefined;
  }
}
