/**
 * `pull` from a registry: short names resolved as Podman does, mirrors tried before the
 * primary location, a manifest list narrowed to one platform, and the layers downloaded in
 * parallel and extracted while they arrive.
 *
 * Nothing half-done is ever used: each layer is extracted into this process's scratch
 * directory with its blob digest and diffID checked on the fly, and only once every layer and
 * the config have been verified are they moved into the store and recorded, under the store
 * lock, in one go. A pull that fails or is killed leaves at most a scratch directory, which
 * the next writer removes.
 */
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { blockedText, findRegistry, pullSources, recordShortNameAlias, resolveShortName } from '../config/registries.ts';
import { formatReference, type ImageReference, normalizeName, normalizeTaggedDigested, parseReference, repositoryName, repositoryOnly, withTag } from '../image/reference.ts';
import type { ImageRecord } from '../image/store.ts';
import type { RegistryClient } from '../image/transport/registry/client.ts';
import { type Descriptor, type ImageConfig, type ImageIndex, isLayerMediaType, type Manifest, MEDIA, parseJson, validateConfig, validateIndex, validateManifest } from '../image/types.ts';
import { chainLayerId, type StagedLayer } from '../storage/layers.ts';
import { SkiffError, isSkiffError } from '../util/errors.ts';
import { goArch } from '../util/platform.ts';
import { collect, decompress, sha256 } from '../util/stream.ts';
import type { Engine } from './engine.ts';
import { openClient, type RegistryAccess } from './registry-access.ts';
import { Trust } from './trust.ts';

/** What a copy reports as it goes; the CLI draws it (plain lines, or live bars on a terminal). */
export interface CopyReporter {
  line(text: string): void;
  blob(kind: 'blob' | 'config', digest: string, size: number | undefined): BlobProgress;
}

export interface BlobProgress {
  advance(bytes: number): void;
  done(status?: 'done' | 'skipped: already exists'): void;
}

export const SILENT: CopyReporter = { line() {}, blob: () => ({ advance() {}, done() {} }) };

export interface Platform {
  readonly os: string;
  readonly arch: string;
  readonly variant?: string;
}

export interface PullOptions extends RegistryAccess {
  readonly platform?: Partial<Platform>;
  readonly allTags?: boolean;
  /** Attempts after the first on a network failure (Podman's default: 3). */
  readonly retry?: number;
  readonly retryDelayMs?: number;
  readonly reporter?: CopyReporter;
  readonly warn?: (message: string) => void;
  /** stdin and stdout are terminals: short-name modes may prompt. */
  readonly isTerminal?: boolean;
  /**
   * Lets the user pick one of several search-registry candidates (a terminal, and a
   * short-name mode that prompts); returns the index picked. Without it, each is tried in order.
   */
  readonly select?: (candidates: readonly string[]) => Promise<number>;
  /** `--signature-policy`: the policy.json to apply instead of the user's or the system's. */
  readonly signaturePolicy?: string;
  /** The policy already loaded (set by pullImage, which reads it once, before any network). */
  readonly trust?: Trust;
  /** `--pull newer`: when the registry's manifest has one of these digests, the stored image is used. */
  readonly onlyIfDigestNot?: readonly string[];
}

/** Layers downloaded at once (containers/image's default is 6). */
const PARALLEL_LAYERS = 6;
/** A config blob is JSON; anything bigger than this is refused. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Pulls one input (a name, `docker://NAME`) and returns the images stored, one per tag. */
export async function pullImage(engine: Engine, input: string, given: PullOptions = {}): Promise<ImageRecord[]> {
  // The policy is read once the name is resolved, as Podman does, and before anything is
  // fetched: a broken one refuses everything.
  let opts = given;
  const withTrust = (): PullOptions => {
    if (!opts.trust) opts = { ...opts, trust: Trust.load(opts.signaturePolicy) };
    return opts;
  };
  const reporter = opts.reporter ?? SILENT;
  const explicit = input.startsWith('docker://');
  const name = explicit ? input.slice('docker://'.length) : input;
  if (explicit && name.startsWith('//')) throw new SkiffError('invalid-reference', `Invalid image name "${input}": docker: invalid reference format`);
  // A name with both a tag and a digest is refused, as Podman does for docker:// names: which
  // of the two would the policy and the store go by?
  if (explicit && /:[\w][\w.-]{0,127}@/.test(name.slice(name.lastIndexOf('/') + 1))) throw new SkiffError('invalid-reference', 'invalid reference format');
  const registries = engine.images.registries();
  let candidates: readonly ImageReference[];
  if (explicit) {
    candidates = [normalizeName(name)];
  } else {
    const resolution = resolveShortName(name, { config: registries, isTerminal: opts.isTerminal && opts.select !== undefined });
    if (resolution.needsSelection && opts.select) {
      const picked = resolution.candidates[await opts.select(resolution.candidates.map((c) => formatReference(c)))];
      const [record] = await pullImageCandidates(engine, [picked], withTrust());
      // The choice is remembered as an alias, as Podman does, once the pull worked.
      recordShortNameAlias(registries.aliasCachePath, repositoryName(repositoryOnly(parseReference(normalizeTaggedDigested(name)))), formatReference(repositoryOnly(picked)));
      return [record];
    }
    if (resolution.description) reporter.line(resolution.description);
    candidates = resolution.candidates;
  }
  if (opts.allTags) {
    const ref = candidates[0];
    if (ref.digest || /:[^/]+$/.test(name.replace(/@.*/, ''))) throw new SkiffError('invalid-argument', 'tag can\'t be used with --all-tags/-a');
    withTrust();
    const client = openRegistryClient(engine, ref, opts, undefined);
    let tags: string[];
    try {
      tags = await client.tags();
    } finally {
      client.close();
    }
    const out: ImageRecord[] = [];
    for (const tag of tags) out.push(await pullCandidate(engine, withTag({ ...ref, tag: undefined }, tag), opts));
    return out;
  }
  return pullImageCandidates(engine, candidates, withTrust());
}

/** Tries each candidate in order; the first that pulls wins, else every error is reported. */
async function pullImageCandidates(engine: Engine, candidates: readonly ImageReference[], opts: PullOptions): Promise<ImageRecord[]> {
  const errors: SkiffError[] = [];
  for (const ref of candidates) {
    try {
      return [await pullCandidate(engine, ref, opts)];
    } catch (e) {
      if (!isSkiffError(e)) throw e;
      errors.push(e);
      // A bad manifest or store failure is not a reason to ask the next registry.
      if (!['manifest-unknown', 'unauthorized', 'registry-unreachable', 'registry', 'blocked', 'policy-rejected'].includes(e.code)) throw e;
    }
  }
  if (errors.length === 1) throw errors[0];
  throw new SkiffError(errors[0].code, `${errors.length} errors occurred while pulling:\n${errors.map((e) => ` * ${e.message}`).join('\n')}`);
}

function openRegistryClient(engine: Engine, ref: ImageReference, access: RegistryAccess, insecure: boolean | undefined): RegistryClient {
  return openClient({ registry: ref.domain, repository: ref.path, access, registries: engine.images.registries(), rootless: engine.config.rootless, actions: 'pull', insecure });
}

/** One fully-qualified name: its registries.conf sources in order, each with retries. */
async function pullCandidate(engine: Engine, ref: ImageReference, opts: PullOptions): Promise<ImageRecord> {
  const reporter = opts.reporter ?? SILENT;
  const full = formatReference(ref);
  reporter.line(`Trying to pull ${full}...`);
  const registries = engine.images.registries();
  const entry = findRegistry(registries, ref);
  const sources = entry ? pullSources(entry, ref) : [{ reference: ref, insecure: false, mirror: false }];
  return withRetries(opts, async () => {
    // As containers/image: each mirror, then the primary location; a source that fails before
    // its first blob is one attempt, and all attempts are reported together.
    const attempts: { ref: string; err: SkiffError }[] = [];
    for (const source of sources) {
      const where = formatReference(source.reference);
      const own = findRegistry(registries, source.reference);
      if (own?.blocked) {
        attempts.push({ ref: where, err: new SkiffError('blocked', blockedText(own.location || source.reference.domain)) });
        continue;
      }
      try {
        return await pullFrom(engine, source.reference, ref, source.insecure, opts);
      } catch (e) {
        if (!(e instanceof SourceInitError)) throw e;
        attempts.push({ ref: where, err: e });
      }
    }
    const last = attempts[attempts.length - 1];
    const detail = attempts.length === 1 ? last.err.message : `(Mirrors also failed: [${attempts.slice(0, -1).map((a) => `${a.ref}: ${a.err.message}`).join(' ')}]): ${last.ref}: ${last.err.message}`;
    throw new SkiffError(last.err.code, `initializing source docker://${full}: ${detail}`, { cause: last.err });
  });
}

/** A failure before any blob was read: the next source may still serve the image. */
class SourceInitError extends SkiffError {}


async function withRetries<T>(opts: PullOptions, attempt: () => Promise<T>): Promise<T> {
  const retries = opts.retry ?? 3;
  const delay = opts.retryDelayMs ?? 1000;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      // Only a network failure is worth another try; an answer from the registry is final.
      if (n >= retries || !isSkiffError(e, 'registry-unreachable')) throw e;
      opts.warn?.(`Failed, retrying in ${formatDelay(delay)} ... (${n + 1}/${retries}). Error: ${e.message}`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function formatDelay(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Pulls `source` (where the bytes are: the name itself or a mirror) and stores it under the
 * name the user asked for (`name`).
 */
async function pullFrom(engine: Engine, source: ImageReference, name: ImageReference, insecure: boolean, opts: PullOptions): Promise<ImageRecord> {
  const reporter = opts.reporter ?? SILENT;
  const sourceName = formatReference(source);
  const client = openRegistryClient(engine, source, opts, insecure);
  try {
    const initializing = (e: unknown): never => {
      if (isSkiffError(e)) throw new SourceInitError(e.code, e.message, { cause: e });
      throw e;
    };
    const reference = source.digest ?? source.tag ?? 'latest';
    await client.ping().catch((e: unknown) => initializing(wrapPing(e, source.domain)));
    const top = await client.manifest(reference).catch(initializing);
    if (source.digest && top.digest !== source.digest) {
      throw new SkiffError('digest-mismatch', `initializing source docker://${sourceName}: manifest digest ${top.digest} does not match the requested ${source.digest}`);
    }
    if (opts.onlyIfDigestNot?.includes(top.digest)) {
      const stored = engine.store.images.byDigest(top.digest)[0];
      if (stored) return stored;
    }
    let instance = top;
    let listDigest: string | undefined;
    if (top.mediaType === MEDIA.ociIndex || top.mediaType === MEDIA.dockerList) {
      const index = validateIndex(parseJson(top.bytes, 'manifest list'), 'manifest list');
      const chosen = choosePlatform(index, opts.platform, sourceName, top.mediaType === MEDIA.ociIndex ? 'image index' : 'manifest list');
      instance = await client.manifest(chosen.digest).catch(initializing);
      if (instance.digest !== chosen.digest) throw new SkiffError('digest-mismatch', `manifest digest ${instance.digest} does not match the list's ${chosen.digest}`);
      listDigest = top.digest;
    }
    if (instance.mediaType === MEDIA.dockerSchema1 || instance.mediaType === MEDIA.dockerSchema1Signed) {
      throw new SkiffError('unsupported', `initializing source docker://${sourceName}: Docker schema 1 manifests are not supported: repush the image with a current tool`);
    }
    if (instance.mediaType !== MEDIA.ociManifest && instance.mediaType !== MEDIA.dockerManifest) {
      throw new SkiffError('unsupported', `initializing source docker://${sourceName}: unsupported manifest media type ${JSON.stringify(instance.mediaType)}`);
    }
    const manifest = validateManifest(parseJson(instance.bytes, 'manifest'));
    checkMediaTypes(manifest);

    // As containers/image: the policy decides on the name asked for and its top-level manifest.
    await opts.trust?.checkDocker(name, top.bytes, top.digest, client);
    reporter.line('Getting image source signatures');
    const store = engine.store;
    const storedName = formatReference(name.digest ? { ...name, tag: undefined } : name);
    const digests = [instance.digest, ...(listDigest ? [listDigest] : [])];
    const configBytes = await fetchConfig(client, manifest.config);
    const config = validateConfig(parseJson(configBytes, 'image config'));
    warnPlatform(config, opts);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new SkiffError('bad-archive', `image has ${manifest.layers.length} layers but its config lists ${config.rootfs.diff_ids.length} diff IDs`);
    }
    const scratch = store.scratchDir();
    try {
      // Every download happens here, outside the store lock; the lock is held only to commit.
      const staged = await stageLayers(engine, client, manifest, config, scratch, reporter);
      return await store.write(async () => {
        let parent: string | null = null;
        for (let i = 0; i < manifest.layers.length; i++) {
          const id = chainLayerId(parent, config.rootfs.diff_ids[i]);
          if (!store.layers.get(id)) {
            const desc = manifest.layers[i];
            const s = staged[i];
            if (s && 'dir' in s) store.layers.commit(s, { id, parent, compressedDigest: desc.digest, compressedSize: desc.size });
            else if (s) {
              // vfs: the verified blob was downloaded; each layer is a copy of its parent, so it is extracted now, in order.
              const tar = decompress(createReadStream(s.blobFile)).stream;
              await store.layers.create({ id, parent, tar, expectedDiffDigest: config.rootfs.diff_ids[i], compressedDigest: desc.digest, compressedSize: desc.size });
            } else await store.layers.create({ id, parent, tar: verifiedLayer(client, desc, reporter, undefined), expectedDiffDigest: config.rootfs.diff_ids[i], compressedDigest: desc.digest, compressedSize: desc.size });
          }
          parent = id;
        }
        // The config was fetched first (it names the layers' diffIDs); it is reported last, as Podman does.
        reporter.blob('config', manifest.config.digest, manifest.config.size).done();
        reporter.line('Writing manifest to image destination');
        reporter.line('Storing signatures');
        return store.images.add({ config: configBytes, manifest: instance.bytes, manifestMediaType: instance.mediaType, topLayer: parent, names: [storedName], extraDigests: digests, listDigest });
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  } finally {
    client.close();
  }
}

/** Podman's warning when the image is not of the platform asked for (its Go struct printed). */
function warnPlatform(config: ImageConfig, opts: PullOptions): void {
  const p = opts.platform;
  if (!p || (!p.os && !p.arch && !p.variant)) return;
  const want = { arch: p.arch || goArch(), os: p.os || 'linux', variant: p.variant || '' };
  const have = { arch: config.architecture, os: config.os, variant: config.variant ?? '' };
  if (want.arch === have.arch && want.os === have.os && (!p.variant || want.variant === have.variant)) return;
  const show = (x: { arch: string; os: string; variant: string }) => `({${x.arch} ${x.os}  [] ${x.variant}})`;
  opts.warn?.(`image platform ${show(have)} does not match the expected platform ${show(want)}`);
}

function wrapPing(e: unknown, registry: string): unknown {
  if (isSkiffError(e, 'registry-unreachable') || isSkiffError(e, 'registry')) return new SkiffError(e.code, `pinging container registry ${registry}: ${e.message}`, { cause: e });
  return e;
}

function checkMediaTypes(manifest: Manifest): void {
  const cfg = manifest.config.mediaType;
  if (cfg !== MEDIA.ociConfig && cfg !== MEDIA.dockerConfig) throw new SkiffError('unsupported', `unsupported image config media type ${JSON.stringify(cfg)}: not a container image`);
  for (const l of manifest.layers) {
    if (!isLayerMediaType(l.mediaType)) throw new SkiffError('unsupported', `unsupported layer media type ${JSON.stringify(l.mediaType)}`);
  }
}

/** The manifest list entry for the platform asked for (by default this host's linux/ARCH). */
export function choosePlatform(index: ImageIndex, wanted: Partial<Platform> | undefined, name: string, kind: 'manifest list' | 'image index' = 'manifest list'): Descriptor {
  const os = wanted?.os || 'linux';
  const arch = wanted?.arch || goArch();
  const variant = wanted?.variant || '';
  const candidates = index.manifests.filter((m) => m.platform?.os === os && m.platform?.architecture === arch);
  // containers/image's order: the variant asked for, then the older ones that run on it (arm
  // v7 runs v6 and v5 images), then an entry without a variant.
  for (const v of compatibleVariants(arch, variant)) {
    const hit = candidates.find((m) => (m.platform?.variant ?? '') === v);
    if (hit) return hit;
  }
  // Without a variant asked for, the first entry for the OS and architecture will do.
  if (!variant && candidates[0]) return candidates[0];
  throw new SkiffError('manifest-unknown', `choosing an image from manifest list docker://${name}: no image found in ${kind} for architecture ${arch}, variant ${JSON.stringify(variant)}, OS ${os}`);
}

/** The variants an image may have to run on `arch`/`variant`, best first; '' is "none given". */
function compatibleVariants(arch: string, variant: string): string[] {
  if (arch === 'arm') {
    const order = ['v8', 'v7', 'v6', 'v5'];
    const from = variant ? order.indexOf(variant) : -1;
    return from >= 0 ? [...order.slice(from), ''] : [variant, ''];
  }
  if (arch === 'arm64') return variant ? [variant, ...(variant === 'v8' ? [''] : [])] : ['', 'v8'];
  return variant ? [variant, ''] : [''];
}

/** A config blob, whole and verified; a config is JSON and never bigger than MAX_CONFIG_BYTES. */
export async function fetchConfig(client: RegistryClient, desc: Descriptor): Promise<Buffer> {
  if (desc.size > MAX_CONFIG_BYTES) throw new SkiffError('registry', `image config ${desc.digest} of ${desc.size} bytes exceeds the maximum of ${MAX_CONFIG_BYTES} bytes`);
  return collect(verifiedBlob(client, desc, () => {}));
}

/**
 * A blob's bytes as the registry sends them, hashed and counted on the way: more bytes than
 * the descriptor says stop the stream at once, and at the end the digest and size must match,
 * or the stream fails before its consumer sees the end.
 */
export async function* verifiedBlob(client: RegistryClient, desc: Descriptor, progress: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  const { body } = await client.blob(desc.digest);
  const hash = sha256();
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > desc.size) {
      body.destroy();
      throw new SkiffError('digest-mismatch', `reading blob ${desc.digest}: the registry sent more than the ${desc.size} bytes the manifest says`);
    }
    hash.update(chunk);
    progress(chunk.length);
    yield chunk;
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== desc.digest) throw new SkiffError('digest-mismatch', `reading blob ${desc.digest}: digest mismatch: the content has digest ${actual}`);
  if (size !== desc.size) throw new SkiffError('digest-mismatch', `reading blob ${desc.digest}: size mismatch: ${size} bytes, the manifest says ${desc.size}`);
}

/** The layer's uncompressed tar, straight from the registry, its blob verified on the way. */
async function* verifiedLayer(client: RegistryClient, desc: Descriptor, reporter: CopyReporter, progress: BlobProgress | undefined): AsyncGenerator<Uint8Array> {
  const bar = progress ?? reporter.blob('blob', desc.digest, desc.size);
  yield* decompress(verifiedBlob(client, desc, (n) => bar.advance(n))).stream;
  bar.done();
}

/**
 * Downloads every layer the store lacks, PARALLEL_LAYERS at a time, into the scratch
 * directory: extracted there (overlay, whose layers are independent of their parents) or kept
 * as the verified blob (vfs, whose layers are copies of their parents and so are extracted in
 * order under the lock). Returns what was staged by index (undefined where the store has it).
 * On any failure the other downloads are stopped and the error is the first one.
 */
async function stageLayers(engine: Engine, client: RegistryClient, manifest: Manifest, config: ImageConfig, scratch: string, reporter: CopyReporter): Promise<(StagedLayer | { blobFile: string } | undefined)[]> {
  const layers = engine.store.layers;
  const out: (StagedLayer | { blobFile: string } | undefined)[] = new Array(manifest.layers.length).fill(undefined);
  const missing: number[] = [];
  let parent: string | null = null;
  for (let i = 0; i < manifest.layers.length; i++) {
    const id = chainLayerId(parent, config.rootfs.diff_ids[i]);
    const desc = manifest.layers[i];
    if (layers.get(id)) reporter.blob('blob', desc.digest, desc.size).done('skipped: already exists');
    else missing.push(i);
    parent = id;
  }
  // Bars appear in manifest order, before any download starts, as Podman draws them.
  const bars = new Map(missing.map((i) => [i, reporter.blob('blob', manifest.layers[i].digest, manifest.layers[i].size)]));
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < missing.length) {
      const i = missing[next++];
      const desc = manifest.layers[i];
      const bar = bars.get(i) as BlobProgress;
      try {
        if (layers.driver === 'overlay') {
          out[i] = await layers.stage(join(scratch, `layer-${i}`), verifiedLayer(client, desc, reporter, bar), { parent: null, expectedDiffDigest: config.rootfs.diff_ids[i] });
        } else {
          const blobFile = join(scratch, `blob-${i}`);
          await pipeline(Readable.from(verifiedBlob(client, desc, (n) => bar.advance(n))), createWriteStream(blobFile, { mode: 0o600 }));
          bar.done();
          out[i] = { blobFile };
        }
      } catch (e) {
        failure ??= layerError(e, desc);
        client.close(); // stops the other downloads at once
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_LAYERS, missing.length) }, worker));
  if (failure !== undefined) throw failure;
  return out;
}

function layerError(e: unknown, desc: Descriptor): unknown {
  if (isSkiffError(e)) return e.message.includes(desc.digest) ? e : new SkiffError(e.code, `reading blob ${desc.digest}: ${e.message}`, { cause: e });
  const code = (e as { code?: string }).code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR_ZSTD') {
    return new SkiffError('bad-archive', `reading blob ${desc.digest}: corrupt compressed data: ${(e as Error).message}`, { cause: e });
  }
  return new SkiffError('registry', `reading blob ${desc.digest}: ${(e as Error).message}`, { cause: e });
}
