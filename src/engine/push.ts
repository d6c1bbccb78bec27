/**
 * `push` to a registry. Each layer is either reused or uploaded:
 *  - reused when its compressed blob is known (the blob it was pulled as, or the one an earlier
 *    push made) and the registry has it (HEAD) or can link it from another repository of the
 *    same registry (a cross-repository mount);
 *  - else compressed from the stored layer as it streams to the registry, the digest computed
 *    on the way and given in the closing PUT.
 * A pulled image pushed unchanged keeps its manifest byte for byte, so its digest is the same
 * on both registries. The store is read under a shared lock: no layer is removed mid-push.
 */
import { writeFileSync } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { type ImageReference, normalizeName } from '../image/reference.ts';
import type { ImageRecord } from '../image/store.ts';
import type { RegistryClient } from '../image/transport/registry/client.ts';
import { type Descriptor, type Manifest, MEDIA, parseJson, validateManifest } from '../image/types.ts';
import type { LayerRecord } from '../storage/layers.ts';
import { SkiffError, isSkiffError } from '../util/errors.ts';
import { sha256 } from '../util/stream.ts';
import type { Engine } from './engine.ts';
import { repoOf } from './images.ts';
import { type CopyReporter, SILENT } from './pull.ts';
import { openClient, type RegistryAccess } from './registry-access.ts';

export type ManifestFormat = 'oci' | 'v2s2';
export type CompressionFormat = 'gzip' | 'zstd';

export interface PushOptions extends RegistryAccess {
  readonly format?: ManifestFormat;
  readonly compression?: CompressionFormat;
  readonly compressionLevel?: number;
  /** Compress again even where a compressed blob is known (`--force-compression`). */
  readonly forceCompression?: boolean;
  readonly digestFile?: string;
  readonly reporter?: CopyReporter;
  /** Write the manifest under its own digest, not a tag (an instance of a manifest list). */
  readonly byDigest?: boolean;
  /** `--sign-by`: sign the pushed manifest with this GPG key (simple signing). */
  readonly signBy?: string;
  /** `--sign-by-sigstore-private-key`, decrypted: sign with sigstore, attached in the registry. */
  readonly sigstoreKey?: import('node:crypto').KeyObject;
  /** `--signature-policy`: the policy the stored image must pass before it leaves. */
  readonly signaturePolicy?: string;
  readonly signPassphraseFile?: string;
}

/** What a push wrote: the manifest as the registry now has it. */
export interface PushedManifest {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

const PARALLEL_UPLOADS = 6;

const LAYER_TYPES: Record<ManifestFormat, Record<CompressionFormat, string>> = {
  oci: { gzip: MEDIA.ociLayerGzip, zstd: MEDIA.ociLayerZstd },
  v2s2: { gzip: MEDIA.dockerLayerGzip, zstd: '' },
};

/** The registry reference a push goes to: `docker://NAME`, or a plain name with a registry. */
export function pushDestination(input: string): ImageReference {
  const name = input.startsWith('docker://') ? input.slice('docker://'.length) : input;
  return normalizeName(name);
}

/** Pushes a stored image; returns the manifest the registry now has. */
export async function pushImage(engine: Engine, source: string, destination: string, opts: PushOptions = {}): Promise<PushedManifest> {
  const reporter = opts.reporter ?? SILENT;
  const image = engine.images.resolve(source);
  const dest = pushDestination(destination);
  await (await import('./trust.ts')).Trust.load(opts.signaturePolicy).checkStored(engine, source, image);
  const compression = opts.compression ?? 'gzip';
  const client = openClient({ registry: dest.domain, repository: dest.path, access: opts, registries: engine.images.registries(), rootless: engine.config.rootless, actions: 'pull,push' });
  const store = engine.store;
  try {
    const pushed = await store.read(async (): Promise<PushedManifest> => {
      const original = store.images.manifest(image);
      const format = opts.format ?? (image.manifestMediaType === MEDIA.dockerManifest ? 'v2s2' : 'oci');
      if (format === 'v2s2' && compression === 'zstd') throw new SkiffError('invalid-argument', 'zstd compression is not supported with the Docker v2s2 manifest format: use --format oci');
      const layers = store.layers.chain(image.topLayer).reverse();
      try {
        await client.ping();
      } catch (e) {
        throw wrap(e, `pinging container registry ${dest.domain}`);
      }
      reporter.line('Getting image source signatures');
      const descriptors = await uploadLayers(engine, client, original, layers, format, compression, opts, reporter);
      const configBytes = store.images.configBytes(image);
      const configDesc: Descriptor = { mediaType: format === 'oci' ? MEDIA.ociConfig : MEDIA.dockerConfig, digest: `sha256:${image.id}`, size: configBytes.length };
      const bar = reporter.blob('config', configDesc.digest, configDesc.size);
      await pushConfig(client, configBytes, configDesc.digest, mountCandidates(engine, client)).catch((e: unknown) => Promise.reject(wrap(e, 'writing blob')));
      bar.advance(configBytes.length);
      bar.done();
      reporter.line('Writing manifest to image destination');
      const { bytes, mediaType } = manifestFor(image, original, store.images.manifestBytes(image), format, configDesc, descriptors);
      const digest = `sha256:${sha256().update(bytes).digest('hex')}`;
      const reference = opts.byDigest ? digest : (dest.digest ?? dest.tag ?? 'latest');
      await client.putManifest(reference, bytes, mediaType).catch((e: unknown) => Promise.reject(wrap(e, 'writing manifest')));
      if (opts.signBy) {
        reporter.line('Signing manifest using simple signing');
        const { signAndStore } = await import('./sign.ts');
        await signAndStore(dest, digest, { signBy: opts.signBy, passphraseFile: opts.signPassphraseFile });
      }
      if (opts.sigstoreKey) {
        reporter.line('Signing manifest using a sigstore signature');
        const { signSigstoreAndAttach } = await import('./sign.ts');
        await signSigstoreAndAttach(client, dest, digest, opts.sigstoreKey);
      }
      reporter.line('Storing signatures');
      return { digest, size: bytes.length, mediaType };
    });
    if (opts.digestFile) writeFileSync(opts.digestFile, pushed.digest);
    return pushed;
  } finally {
    client.close();
  }
}


function wrap(e: unknown, what: string): unknown {
  if (isSkiffError(e) && !e.message.startsWith(what)) return new SkiffError(e.code, `${what}: ${e.message}`, { cause: e });
  return e;
}

/** The config: skipped when the registry has it, mounted when a sibling repository does, else sent whole. */
async function pushConfig(client: RegistryClient, bytes: Buffer, digest: string, mountFrom: readonly string[]): Promise<void> {
  if (await client.hasBlob(digest)) return;
  for (const from of mountFrom) if (await client.mountBlob(digest, from)) return;
  await client.uploadMonolithic(bytes, digest);
}

/**
 * The original manifest when nothing changed (same format, every layer reused as it was
 * described), else a new one in the asked format.
 */
function manifestFor(image: ImageRecord, original: Manifest, originalBytes: Buffer, format: ManifestFormat, config: Descriptor, layers: Descriptor[]): { bytes: Buffer; mediaType: string } {
  const originalFormat: ManifestFormat | undefined = image.manifestMediaType === MEDIA.dockerManifest ? 'v2s2' : image.manifestMediaType === MEDIA.ociManifest ? 'oci' : undefined;
  const same =
    originalFormat === format &&
    original.config.digest === config.digest &&
    original.layers.length === layers.length &&
    original.layers.every((l, i) => l.digest === layers[i].digest && l.mediaType === layers[i].mediaType && l.size === layers[i].size);
  if (same) return { bytes: originalBytes, mediaType: image.manifestMediaType };
  const mediaType = format === 'oci' ? MEDIA.ociManifest : MEDIA.dockerManifest;
  const doc = {
    schemaVersion: 2,
    mediaType,
    config,
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  return { bytes: Buffer.from(JSON.stringify(doc)), mediaType };
}

/** Uploads (or reuses) every layer, PARALLEL_UPLOADS at a time; descriptors in layer order. */
async function uploadLayers(
  engine: Engine,
  client: RegistryClient,
  original: Manifest,
  layers: LayerRecord[],
  format: ManifestFormat,
  compression: CompressionFormat,
  opts: PushOptions,
  reporter: CopyReporter,
): Promise<Descriptor[]> {
  const wantedType = LAYER_TYPES[format][compression];
  const out: Descriptor[] = new Array(layers.length);
  const mountFrom = mountCandidates(engine, client);
  let next = 0;
  let failure: unknown;
  const bars = layers.map((l) => reporter.blob('blob', known(l, original)?.digest ?? l.diffDigest, known(l, original)?.size));
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < layers.length) {
      const i = next++;
      const layer = layers[i];
      try {
        out[i] = await pushLayer(engine, client, layer, known(layer, original), wantedType, compression, opts, mountFrom, bars[i]);
      } catch (e) {
        failure ??= wrap(e, `writing blob ${layer.diffDigest}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, layers.length) }, worker));
  if (failure !== undefined) throw failure;
  return out;
}

/** The compressed blob a layer is known by, with the media type it was described with. */
function known(layer: LayerRecord, original: Manifest): Descriptor | undefined {
  if (!layer.compressedDigest || layer.compressedSize === null) return undefined;
  const described = original.layers.find((d) => d.digest === layer.compressedDigest);
  // A digest not in the image's manifest was recorded by an earlier push, which writes gzip.
  return { mediaType: described?.mediaType ?? MEDIA.ociLayerGzip, digest: layer.compressedDigest, size: layer.compressedSize };
}

function compressionOf(mediaType: string): CompressionFormat | 'none' {
  if (mediaType.endsWith('gzip')) return 'gzip';
  if (mediaType.endsWith('zstd')) return 'zstd';
  return 'none';
}

async function pushLayer(
  engine: Engine,
  client: RegistryClient,
  layer: LayerRecord,
  blob: Descriptor | undefined,
  wantedType: string,
  compression: CompressionFormat,
  opts: PushOptions,
  mountFrom: readonly string[],
  bar: ReturnType<CopyReporter['blob']>,
): Promise<Descriptor> {
  if (blob && !opts.forceCompression && compressionOf(blob.mediaType) === compression) {
    const reuse: Descriptor = { mediaType: sameFamily(blob.mediaType, wantedType), digest: blob.digest, size: blob.size };
    if (await client.hasBlob(blob.digest)) {
      bar.done('skipped: already exists');
      return reuse;
    }
    for (const from of mountFrom) {
      if (await client.mountBlob(blob.digest, from)) {
        bar.done('skipped: already exists');
        return reuse;
      }
    }
  }
  const hash = sha256();
  let size = 0;
  const zlib = await import('node:zlib');
  const level = opts.compressionLevel;
  const compressor =
    compression === 'gzip'
      ? zlib.createGzip(level === undefined ? {} : { level })
      : zlib.createZstdCompress(level === undefined ? {} : { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } });
  // pipeline(), not pipe(): a layer that cannot be read fails the push instead of the process.
  const compressed = pipeline(Readable.from(engine.store.layers.diffTar(layer.id)), compressor, () => {});
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of compressed as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      bar.advance(chunk.length);
      yield chunk;
    }
  }
  let digest = '';
  await client.uploadBlob(counted(), () => {
    digest = `sha256:${hash.digest('hex')}`;
    return digest;
  });
  bar.done();
  // Remembered so that the next push of this layer (gzip, same level) can be skipped by a HEAD.
  if (compression === 'gzip' && level === undefined && !layer.compressedDigest) engine.store.layers.recordCompressed(layer.id, digest, size);
  return { mediaType: wantedType, digest, size };
}

/** A reused blob keeps its compression; its media type is the asked format's for it. */
function sameFamily(blobType: string, wantedType: string): string {
  return compressionOf(blobType) === compressionOf(wantedType) ? wantedType : blobType;
}

/** Repositories on the destination registry that stored images name: mount sources. */
function mountCandidates(engine: Engine, client: RegistryClient): string[] {
  const repos = new Set<string>();
  for (const img of engine.store.images.list()) {
    for (const n of img.names) {
      const repo = repoOf(n);
      const slash = repo.indexOf('/');
      if (slash > 0 && repo.slice(0, slash) === client.registry && repo.slice(slash + 1) !== client.repository) repos.add(repo.slice(slash + 1));
    }
  }
  return [...repos].slice(0, 3);
}

/**
 * Copies an image from one registry repository to another without storing it: each blob the
 * destination lacks is mounted (same registry) or streamed across with its digest checked,
 * then the manifest is written under its digest, byte for byte.
 */
export async function copyRemoteImage(src: RegistryClient, dst: RegistryClient, manifestBytes: Buffer, mediaType: string, reporter: CopyReporter): Promise<void> {
  const manifest = validateManifest(parseJson(manifestBytes, 'manifest'));
  reporter.line('Getting image source signatures');
  for (const [kind, desc] of [...manifest.layers.map((l) => ['blob', l] as const), ['config', manifest.config] as const]) {
    const bar = reporter.blob(kind, desc.digest, desc.size);
    if (await dst.hasBlob(desc.digest)) {
      bar.done('skipped: already exists');
      continue;
    }
    if (src.registry === dst.registry && (await dst.mountBlob(desc.digest, src.repository))) {
      bar.done('skipped: already exists');
      continue;
    }
    const { verifiedBlob } = await import('./pull.ts');
    await dst.uploadBlob(verifiedBlob(src, desc, (n) => bar.advance(n)), () => desc.digest);
    bar.done();
  }
  reporter.line('Writing manifest to image destination');
  const digest = `sha256:${sha256().update(manifestBytes).digest('hex')}`;
  await dst.putManifest(digest, manifestBytes, mediaType);
  reporter.line('Storing signatures');
}
