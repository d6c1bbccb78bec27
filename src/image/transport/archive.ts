/**
 * Image archives and layout directories, read and written in the formats Podman and skopeo
 * use (REFERENCE §7): docker-archive (`docker save` tar), oci-archive (a tarred OCI layout),
 * oci-dir (an OCI image layout directory) and docker-dir (containers/image's `dir:`).
 *
 * Reading treats every byte as hostile: member names come from a tar index, JSON is validated
 * where it enters, blobs are verified by the caller against their digests.
 */
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { readTar } from '../../storage/tar/reader.ts';
import { type TarWriteEntry, type TarWriteHeader, writeTar } from '../../storage/tar/writer.ts';
import { errnoCode, SkiffError } from '../../util/errors.ts';
import { goJson } from '../../util/gojson.ts';
import { decompress, detectCompression, sha256 } from '../../util/stream.ts';
import { localName } from '../names.ts';
import { type Descriptor, MEDIA, type Manifest, parseJson, validateConfig, validateIndex, validateManifest } from '../types.ts';
import type { ArchiveFormat, DestinationImage, ImageSourceReader, SourceImage } from './types.ts';
import { randomHex } from '../../util/random.ts';

// ---------------------------------------------------------------------------------------------
// A random-access view of a tar file: member name -> byte range.

interface Member {
  readonly offset: number;
  readonly size: number;
  readonly type: string;
  readonly linkname: string;
}

class TarIndex {
  readonly path: string;
  readonly members = new Map<string, Member>();

  private constructor(path: string) {
    this.path = path;
  }

  /** Reads every header once; contents are skipped, their offsets recorded. */
  static async build(path: string): Promise<TarIndex> {
    const index = new TarIndex(path);
    // The split sink sees every byte in order, so the running count at file() is where that
    // member's content starts.
    let offset = 0;
    const contentAt = new Map<string, number>();
    const sink = {
      raw(bytes: Uint8Array): void {
        offset += bytes.length;
      },
      file(name: string, size: number): void {
        contentAt.set(name, offset);
        offset += size;
      },
    };
    const headers: { name: string; size: number; type: string; linkname: string }[] = [];
    for await (const entry of readTar(createReadStream(path), { split: sink })) {
      const h = entry.header;
      headers.push({ name: h.name, size: h.size, type: h.type, linkname: h.linkname });
    }
    for (const h of headers) {
      index.members.set(cleanMemberName(h.name), { offset: contentAt.get(h.name) ?? 0, size: h.size, type: h.type, linkname: h.linkname });
    }
    return index;
  }

  has(name: string): boolean {
    return this.#resolve(name) !== undefined;
  }

  #resolve(name: string, depth = 0): Member | undefined {
    const m = this.members.get(cleanMemberName(name));
    if (!m || depth > 8) return undefined;
    if (m.type === 'symlink') return this.#resolve(join(dirname(cleanMemberName(name)), m.linkname), depth + 1);
    if (m.type === 'hardlink') return this.#resolve(m.linkname, depth + 1);
    return m.type === 'file' ? m : undefined;
  }

  /** A metadata member (JSON), bounded in size like containers/image's limits. */
  read(name: string): Buffer {
    const m = this.#require(name);
    if (m.size > MAX_JSON_SIZE) throw new SkiffError('bad-archive', `archive member ${name} is ${m.size} bytes, more than the ${MAX_JSON_SIZE} allowed for metadata`);
    const buf = Buffer.alloc(m.size);
    const fd = openSync(this.path, 'r');
    try {
      let done = 0;
      while (done < m.size) {
        const n = readSync(fd, buf, done, m.size - done, m.offset + done);
        if (n === 0) throw new SkiffError('bad-archive', `archive member ${name} is truncated`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
    return buf;
  }

  size(name: string): number {
    return this.#require(name).size;
  }

  stream(name: string): AsyncIterable<Uint8Array> {
    const m = this.#require(name);
    if (m.size === 0) return (async function* () {})();
    return createReadStream(this.path, { start: m.offset, end: m.offset + m.size - 1 });
  }

  #require(name: string): Member {
    const m = this.#resolve(name);
    if (!m) throw new SkiffError('bad-archive', `archive ${this.path} has no member ${name}`);
    return m;
  }
}

/** Bound on manifests, configs and indexes read into memory (containers/image uses 4 MiB). */
const MAX_JSON_SIZE = 4 << 20;

function cleanMemberName(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------
// Readers.

/** A blob store view shared by oci layouts (dir or archive) and docker-dir. */
interface BlobAccess {
  read(name: string): Buffer;
  stream(name: string): AsyncIterable<Uint8Array>;
  has(name: string): boolean;
}

function dirAccess(root: string): BlobAccess {
  const safe = (name: string): string => {
    // Member names come from untrusted JSON (digests): only plain relative paths are allowed.
    if (name.split('/').some((p) => p === '..' || p === '') || name.startsWith('/')) {
      throw new SkiffError('unsafe-path', `refusing path ${JSON.stringify(name)} in ${root}`);
    }
    return join(root, name);
  };
  return {
    read: (name) => {
      try {
        // Only regular files of bounded size: a symlink to /dev/zero must not be read forever.
        const st = statSync(safe(name));
        if (!st.isFile()) throw new SkiffError('bad-archive', `${join(root, name)} is not a regular file`);
        if (st.size > MAX_JSON_SIZE) throw new SkiffError('bad-archive', `${join(root, name)} is ${st.size} bytes, more than the ${MAX_JSON_SIZE} allowed for metadata`);
        return readFileSync(safe(name));
      } catch (e) {
        if (e instanceof SkiffError) throw e;
        throw new SkiffError('bad-archive', `reading ${join(root, name)}: ${errnoCode(e) === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
      }
    },
    stream: (name) => {
      const st = statSync(safe(name), { throwIfNoEntry: false });
      if (!st?.isFile()) throw new SkiffError('bad-archive', `${join(root, name)} is not a regular file`);
      return createReadStream(safe(name));
    },
    has: (name) => existsSync(safe(name)),
  };
}

function blobName(digest: string): string {
  const [algo, hex] = digest.split(':');
  if (algo !== 'sha256' || !/^[0-9a-f]{64}$/.test(hex ?? '')) throw new SkiffError('bad-archive', `unsupported digest ${JSON.stringify(digest)}`);
  return `blobs/sha256/${hex}`;
}

/** Names from an OCI index entry: Podman writes the full name, skopeo often just a tag. */
function ociRefName(desc: Descriptor): string[] {
  const ref = desc.annotations?.['org.opencontainers.image.ref.name'];
  if (!ref) return [];
  if (/^[\w][\w.-]{0,127}$/.test(ref) && !ref.includes('/')) return []; // a bare tag names no repository
  try {
    return [localName(ref)];
  } catch {
    return [];
  }
}

function ociImages(access: BlobAccess, where: string): SourceImage[] {
  if (!access.has('oci-layout')) throw new SkiffError('bad-archive', `${where}: not an OCI layout (no oci-layout file)`);
  const index = validateIndex(parseJson(access.read('index.json'), `${where} index.json`), `${where} index.json`);
  const out: SourceImage[] = [];
  for (const desc of index.manifests) {
    if (desc.mediaType === MEDIA.ociIndex || desc.mediaType === MEDIA.dockerList) {
      throw new SkiffError('unsupported', `${where}: nested image indexes are not supported yet`);
    }
    const manifestBytes = access.read(blobName(desc.digest));
    checkDigest(manifestBytes, desc.digest, `${where} manifest`);
    const manifest = validateManifest(parseJson(manifestBytes, `${where} manifest`), `${where} manifest`);
    const configBytes = access.read(blobName(manifest.config.digest));
    out.push({
      names: ociRefName(desc),
      refName: desc.annotations?.['org.opencontainers.image.ref.name'],
      manifest,
      manifestBytes,
      manifestMediaType: manifest.mediaType ?? desc.mediaType ?? MEDIA.ociManifest,
      configBytes,
      openBlob: (d) => access.stream(blobName(d.digest)),
    });
  }
  return out;
}

function checkDigest(bytes: Uint8Array, digest: string, what: string): void {
  const got = `sha256:${sha256().update(bytes).digest('hex')}`;
  if (got !== digest) throw new SkiffError('digest-mismatch', `${what}: content digest ${got} does not match ${digest}`);
}

function dockerDirImage(access: BlobAccess, where: string): SourceImage[] {
  const manifestBytes = access.read('manifest.json');
  const manifest = validateManifest(parseJson(manifestBytes, `${where} manifest.json`), `${where} manifest.json`);
  const hexOf = (d: string) => blobName(d).slice('blobs/sha256/'.length);
  return [
    {
      names: [],
      manifest,
      manifestBytes,
      manifestMediaType: manifest.mediaType ?? MEDIA.ociManifest,
      configBytes: access.read(hexOf(manifest.config.digest)),
      openBlob: (d) => access.stream(hexOf(d.digest)),
    },
  ];
}

interface DockerArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** Builds the v2s2 manifest containers/image makes for a docker-archive image, byte for byte. */
function dockerArchiveImages(index: TarIndex, where: string): SourceImage[] {
  const raw = parseJson(index.read('manifest.json'), `${where} manifest.json`);
  if (!Array.isArray(raw)) throw new SkiffError('bad-archive', `invalid ${where} manifest.json: not a JSON array`);
  return raw.map((e: unknown, i) => {
    const entry = e as DockerArchiveEntry;
    if (typeof entry !== 'object' || entry === null || typeof entry.Config !== 'string' || !Array.isArray(entry.Layers)) {
      throw new SkiffError('bad-archive', `invalid ${where} manifest.json: entry ${i} lacks Config or Layers`);
    }
    if (!entry.Layers.every((l) => typeof l === 'string')) {
      throw new SkiffError('bad-archive', `invalid ${where} manifest.json: entry ${i} has a layer name that is not a string`);
    }
    if (entry.RepoTags !== undefined && entry.RepoTags !== null && !(Array.isArray(entry.RepoTags) && entry.RepoTags.every((t) => typeof t === 'string'))) {
      throw new SkiffError('bad-archive', `invalid ${where} manifest.json: entry ${i} RepoTags is not a list of strings`);
    }
    const configBytes = index.read(entry.Config);
    const config = validateConfig(parseJson(configBytes, `${where} ${entry.Config}`), `${where} ${entry.Config}`);
    if (config.rootfs.diff_ids.length !== entry.Layers.length) {
      throw new SkiffError('bad-archive', `invalid ${where}: image ${i} lists ${entry.Layers.length} layers but its config has ${config.rootfs.diff_ids.length} diff IDs`);
    }
    const layers: Descriptor[] = entry.Layers.map((name, j) => {
      const size = index.size(name);
      // Described by its diffID and verified after decompression. containers/image labels
      // these layers gzip whatever they are, and so does the manifest Podman stores: copying
      // that quirk keeps the image's digest equal to Podman's for the same archive.
      return { mediaType: MEDIA.dockerLayerGzip, size, digest: config.rootfs.diff_ids[j] };
    });
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.dockerManifest,
      config: { mediaType: MEDIA.dockerConfig, size: configBytes.length, digest: `sha256:${sha256().update(configBytes).digest('hex')}` },
      layers,
    };
    const manifestBytes = Buffer.from(goJson(manifest));
    const byDigest = new Map(layers.map((l, j) => [l.digest, entry.Layers[j]]));
    const names: string[] = [];
    for (const t of entry.RepoTags ?? []) {
      try {
        names.push(localName(t));
      } catch {
        throw new SkiffError('bad-archive', `invalid ${where} manifest.json: invalid repo tag ${JSON.stringify(t)}`);
      }
    }
    return {
      names,
      manifest: manifest as Manifest,
      manifestBytes,
      manifestMediaType: MEDIA.dockerManifest,
      configBytes,
      // The store verifies the uncompressed content against the diffID, which covers both
      // compressed and uncompressed members; blob-level verification is of the decompressed bytes.
      openBlob: (d) => uncompressedMember(index, byDigest.get(d.digest) ?? ''),
    };
  });
}

/** A member's bytes, decompressed if compressed: docker-archive layers may be either. */
async function* uncompressedMember(index: TarIndex, name: string): AsyncGenerator<Uint8Array> {
  yield* decompress(index.stream(name)).stream;
}

/** Opens any supported archive or layout directory. */
/** Opens any supported archive or layout directory. `scratch` is a private directory the
 * caller owns and removes (a compressed archive is decompressed there). */
export async function openArchiveSource(path: string, scratch: string): Promise<ImageSourceReader> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw new SkiffError('invalid-argument', `stat ${path}: ${errnoCode(e) === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  if (st.isDirectory()) {
    const access = dirAccess(path);
    if (access.has('oci-layout')) return { transport: 'oci', images: async () => ociImages(access, path), close: async () => {} };
    if (access.has('manifest.json')) return { transport: 'dir', images: async () => dockerDirImage(access, path), close: async () => {} };
    throw new SkiffError('bad-archive', `payload does not match any of the supported image formats: ${path} is a directory with neither oci-layout nor manifest.json`);
  }
  // A compressed archive is decompressed to a private temp file first, for random access.
  let tarPath = path;
  let tmpDir: string | undefined;
  const head = Buffer.alloc(4);
  const fh = await open(path, 'r');
  await fh.read(head, 0, 4, 0);
  await fh.close();
  if (detectCompression(head) !== 'none') {
    tmpDir = join(scratch, `load-${randomHex(6)}`);
    mkdirSync(tmpDir, { mode: 0o700 });
    tarPath = join(tmpDir, 'archive.tar');
    try {
      await pipeline(Readable.from(decompress(createReadStream(path)).stream), createWriteStream(tarPath, { mode: 0o600 }));
    } catch (e) {
      rmSync(tmpDir, { recursive: true, force: true });
      throw new SkiffError('bad-archive', `payload does not match any of the supported image formats: decompressing ${path}: ${(e as Error).message}`);
    }
  }
  const cleanup = async () => {
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  };
  let index: TarIndex;
  try {
    index = await TarIndex.build(tarPath);
  } catch (e) {
    await cleanup();
    const reason = e instanceof SkiffError ? e.message : (e as Error).message;
    throw new SkiffError('bad-archive', `payload does not match any of the supported image formats (oci-archive, docker-archive): ${reason}`);
  }
  if (index.has('manifest.json')) {
    return { transport: 'docker-archive', images: async () => dockerArchiveImages(index, basename(path)), close: cleanup };
  }
  if (index.has('oci-layout') && index.has('index.json')) {
    return { transport: 'oci-archive', images: async () => ociImages(index, basename(path)), close: cleanup };
  }
  await cleanup();
  throw new SkiffError(
    'bad-archive',
    'payload does not match any of the supported image formats (oci-archive, docker-archive): the archive has neither manifest.json nor oci-layout and index.json',
  );
}

// ---------------------------------------------------------------------------------------------
// Writers.

/** Where output is assembled: directory formats in a sibling temp dir renamed at the end,
 * archives in a sibling temp file renamed at the end (or streamed when writing to stdout). */
export async function writeArchive(output: string, format: ArchiveFormat, images: readonly DestinationImage[], opts: { compress?: boolean; scratch: string }): Promise<void> {
  switch (format) {
    case 'docker-archive':
      return writeTarOutput(output, (tar) => writeDockerArchive(tar, images));
    case 'oci-archive':
      return writeTarOutput(output, (tar) => writeOciLayout(tarSink(tar), images, true, opts.scratch));
    case 'oci-dir':
      // As Podman: an OCI layout directory is added to, never replaced; index.json is merged.
      mkdirSync(output, { recursive: true, mode: 0o755 });
      return writeOciLayout(dirSink(output), images, true, opts.scratch, readExistingIndex(output));
    case 'docker-dir':
      return writeDirOutput(output, 'version', (dir) => writeDockerDir(dir, images[0], opts.compress ?? false));
  }
}

/**
 * Feeds entries to writeTar one at a time. add() resolves only when the tar writer asks for
 * the next entry, i.e. once the previous entry's body has been fully read, so a producer may
 * delete a temp file right after add() returns.
 */
class TarFeed implements AsyncIterable<TarWriteEntry> {
  #waiting: ((r: IteratorResult<TarWriteEntry>) => void) | undefined;
  #pending: { entry: TarWriteEntry; taken: () => void } | undefined;
  #done = false;
  #consumed: (() => void) | undefined;

  add(header: TarWriteHeader, body?: TarWriteEntry['body']): Promise<void> {
    return new Promise<void>((resolve) => {
      const entry: TarWriteEntry = { header, body };
      const hand = () => {
        this.#consumed = resolve;
        const w = this.#waiting;
        this.#waiting = undefined;
        w?.({ value: entry, done: false });
      };
      if (this.#waiting) hand();
      else this.#pending = { entry, taken: () => (this.#consumed = resolve) };
    });
  }

  finish(): void {
    this.#done = true;
    this.#waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<TarWriteEntry> {
    return {
      next: () => {
        // The consumer asking for the next entry means the previous one is fully written.
        const c = this.#consumed;
        this.#consumed = undefined;
        c?.();
        const p = this.#pending;
        if (p) {
          this.#pending = undefined;
          p.taken();
          return Promise.resolve({ value: p.entry, done: false });
        }
        if (this.#done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((r) => (this.#waiting = r));
      },
    };
  }
}

async function writeTarOutput(output: string, fill: (tar: TarFeed) => Promise<void>): Promise<void> {
  const toStream = output === '/dev/stdout' || output === '-';
  const tmp = toStream ? output : join(dirname(output), `.${basename(output)}.skiff-${randomHex(4)}`);
  const feed = new TarFeed();
  const sink = toStream ? process.stdout : createWriteStream(tmp, { mode: 0o644 });
  const done = pipeline(Readable.from(writeTar(feed)), sink, { end: !toStream });
  try {
    await Promise.race([fill(feed), done]);
    feed.finish();
    await done;
    if (!toStream) renameSync(tmp, output);
  } catch (e) {
    feed.finish();
    await done.catch(() => {});
    if (!toStream) rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Directory output is assembled in a sibling temp dir and renamed into place, and only ever
 * replaces an empty directory or one that is already an image layout of the same kind: a
 * directory holding anything else is the user's data and is refused, never deleted.
 */
async function writeDirOutput(output: string, marker: string, fill: (dir: string) => Promise<void>): Promise<void> {
  const existing = statSync(output, { throwIfNoEntry: false });
  if (existing) {
    if (!existing.isDirectory()) throw new SkiffError('invalid-argument', `${output} exists and is not a directory`);
    const entries = readdirSync(output);
    if (entries.length > 0 && !entries.includes(marker)) {
      throw new SkiffError('invalid-argument', `${output} is not a containers image directory, don't want to overwrite important data`);
    }
  }
  const tmp = join(dirname(output), `.${basename(output)}.skiff-${randomHex(4)}`);
  mkdirSync(tmp, { mode: 0o755 });
  try {
    await fill(tmp);
    if (existing) {
      // Swap: the old layout moves aside and is removed only after the new one is in place.
      const old = `${tmp}.old`;
      renameSync(output, old);
      renameSync(tmp, output);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, output);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Member header defaults for archives: owned by 0:0 with mtime 0, as Podman writes them. */
function fileHeader(name: string, size: number, mode = 0o444): TarWriteHeader {
  return { name, size, mode, uid: 0, gid: 0, mtime: 0, type: 'file' };
}

async function writeDockerArchive(tar: TarFeed, images: readonly DestinationImage[]): Promise<void> {
  const written = new Set<string>();
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of images) {
    const layerNames: string[] = [];
    for (let i = 0; i < img.diffIds.length; i++) {
      const hex = img.diffIds[i].slice('sha256:'.length);
      const name = `${hex}.tar`;
      if (!written.has(name)) {
        await tar.add(fileHeader(name, img.diffSizes[i]), img.layerTar(i));
        written.add(name);
      }
      layerNames.push(name);
    }
    const configHex = sha256().update(img.configBytes).digest('hex');
    const configName = `${configHex}.json`;
    if (!written.has(configName)) {
      await tar.add(fileHeader(configName, img.configBytes.length), [img.configBytes]);
      written.add(configName);
    }
    // Legacy (v1) layout: one directory per layer, as `docker load` of old still expects.
    let parent = '';
    let chain = '';
    for (let i = 0; i < img.diffIds.length; i++) {
      chain = i === 0 ? img.diffIds[i] : `sha256:${sha256().update(`${chain} ${img.diffIds[i]}`).digest('hex')}`;
      const v1 = sha256().update(`${chain} ${parent}`).digest('hex');
      if (!written.has(v1)) {
        const json = Buffer.from(goJson(legacyLayerJson(img.configBytes, v1, parent, i === img.diffIds.length - 1)));
        await tar.add(fileHeader(`${v1}/VERSION`, 3), [Buffer.from('1.0')]);
        await tar.add(fileHeader(`${v1}/json`, json.length), [json]);
        await tar.add({ name: `${v1}/layer.tar`, type: 'symlink', linkname: `../${layerNames[i]}`, mode: 0, uid: 0, gid: 0, mtime: 0 });
        written.add(v1);
      }
      parent = v1;
    }
    manifest.push({ Config: configName, RepoTags: [...img.names], Layers: layerNames });
    for (const n of img.names) {
      const colon = n.lastIndexOf(':');
      const repo = n.slice(0, colon);
      repositories[repo] = { ...(repositories[repo] ?? {}), [n.slice(colon + 1)]: parent };
    }
  }
  const m = Buffer.from(goJson(manifest));
  await tar.add(fileHeader('manifest.json', m.length), [m]);
  const r = Buffer.from(goJson(repositories));
  await tar.add(fileHeader('repositories', r.length), [r]);
}

function legacyLayerJson(configBytes: Buffer, id: string, parent: string, top: boolean): Record<string, unknown> {
  const config = JSON.parse(configBytes.toString('utf8')) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (top) {
    for (const [k, v] of Object.entries(config)) if (k !== 'history' && k !== 'rootfs') out[k] = v;
  } else {
    out.created = config.created;
  }
  out.container = out.container ?? null;
  out.container_config = out.container_config ?? null;
  out.docker_version = out.docker_version ?? null;
  out.id = id;
  if (parent) out.parent = parent;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface LayoutSink {
  has(name: string): boolean;
  putBytes(name: string, bytes: Buffer): Promise<void>;
  putStream(name: string, size: number, data: AsyncIterable<Uint8Array>): Promise<void>;
}

function tarSink(tar: TarFeed): LayoutSink {
  const seen = new Set<string>();
  return {
    has: (name) => seen.has(name),
    async putBytes(name, bytes) {
      seen.add(name);
      await tar.add({ ...fileHeader(name, bytes.length, 0o644), mtime: Math.floor(Date.now() / 1000) }, [bytes]);
    },
    async putStream(name, size, data) {
      seen.add(name);
      await tar.add({ ...fileHeader(name, size, 0o644), mtime: Math.floor(Date.now() / 1000) }, data);
    },
  };
}

function dirSink(dir: string): LayoutSink {
  return {
    has: (name) => existsSync(join(dir, name)),
    async putBytes(name, bytes) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      // Written aside and renamed, so a layout is never seen with a half-written index.json.
      const tmp = join(dirname(join(dir, name)), `.${basename(name)}.tmp-${randomHex(4)}`);
      writeFileSync(tmp, bytes, { mode: 0o644 });
      renameSync(tmp, join(dir, name));
    },
    async putStream(name, _size, data) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      await pipeline(Readable.from(data), createWriteStream(join(dir, name), { mode: 0o644 }));
    },
  };
}

/**
 * An OCI layout: gzip-compressed layers (as Podman writes them), config, manifest, index.json
 * with the full image name in org.opencontainers.image.ref.name. A layer is compressed into a
 * temp file first because its digest and size must be known before a tar header is written.
 */
async function writeOciLayout(sink: LayoutSink, images: readonly DestinationImage[], gzip: boolean, scratch: string, existing: Descriptor[] = []): Promise<void> {
  const index: { schemaVersion: 2; manifests: Descriptor[] } = { schemaVersion: 2, manifests: [...existing] };
  const refName = (d: Descriptor) => d.annotations?.['org.opencontainers.image.ref.name'];
  const addEntry = (d: Descriptor) => {
    const name = refName(d);
    // A name points at one image: the new entry replaces an older one of the same name.
    index.manifests = index.manifests.filter((m) => name === undefined ? m.digest !== d.digest || refName(m) !== undefined : refName(m) !== name);
    index.manifests.push(d);
  };
  if (!sink.has('oci-layout')) await sink.putBytes('oci-layout', Buffer.from('{"imageLayoutVersion": "1.0.0"}'));
  const tmpDir = join(scratch, `save-${randomHex(6)}`);
  mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
  try {
    for (const img of images) {
      const layers: Descriptor[] = [];
      for (let i = 0; i < img.diffIds.length; i++) {
        if (!gzip) {
          const name = blobName(img.diffIds[i]);
          if (!sink.has(name)) await sink.putStream(name, img.diffSizes[i], img.layerTar(i));
          layers.push({ mediaType: MEDIA.ociLayer, digest: img.diffIds[i], size: img.diffSizes[i] });
          continue;
        }
        const tmp = join(tmpDir, `layer-${i}`);
        const hash = sha256();
        let size = 0;
        await pipeline(Readable.from(img.layerTar(i)), createGzip(), async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        }, createWriteStream(tmp));
        const digest = `sha256:${hash.digest('hex')}`;
        const name = blobName(digest);
        if (!sink.has(name)) await sink.putStream(name, size, createReadStream(tmp));
        rmSync(tmp, { force: true });
        layers.push({ mediaType: MEDIA.ociLayerGzip, digest, size });
      }
      const configDigest = `sha256:${sha256().update(img.configBytes).digest('hex')}`;
      if (!sink.has(blobName(configDigest))) await sink.putBytes(blobName(configDigest), img.configBytes);
      const manifest = { schemaVersion: 2, config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: img.configBytes.length }, layers };
      const manifestBytes = Buffer.from(goJson(manifest));
      const manifestDigest = `sha256:${sha256().update(manifestBytes).digest('hex')}`;
      if (!sink.has(blobName(manifestDigest))) await sink.putBytes(blobName(manifestDigest), manifestBytes);
      const base = { mediaType: MEDIA.ociManifest, digest: manifestDigest, size: manifestBytes.length };
      if (img.names.length === 0) addEntry(base);
      for (const n of img.names) addEntry({ ...base, annotations: { 'org.opencontainers.image.ref.name': n } });
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  await sink.putBytes('index.json', Buffer.from(goJson(index)));
}

/** The entries of an existing layout's index.json, so a save adds to it; a broken one is an error. */
function readExistingIndex(dir: string): Descriptor[] {
  const path = join(dir, 'index.json');
  if (!existsSync(path)) return [];
  return validateIndex(parseJson(readFileSync(path), `${path}`), path).manifests;
}

async function writeDockerDir(dir: string, img: DestinationImage, compress: boolean): Promise<void> {
  const layers: { mediaType: string; size: number; digest: string }[] = [];
  for (let i = 0; i < img.diffIds.length; i++) {
    if (!compress) {
      const hex = img.diffIds[i].slice('sha256:'.length);
      await pipeline(Readable.from(img.layerTar(i)), createWriteStream(join(dir, hex)));
      layers.push({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', size: img.diffSizes[i], digest: img.diffIds[i] });
      continue;
    }
    const tmp = join(dir, `.layer-${i}`);
    const hash = sha256();
    let size = 0;
    await pipeline(Readable.from(img.layerTar(i)), createGzip(), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    }, createWriteStream(tmp));
    const hex = hash.digest('hex');
    renameSync(tmp, join(dir, hex));
    layers.push({ mediaType: MEDIA.dockerLayerGzip, size, digest: `sha256:${hex}` });
  }
  const configHex = sha256().update(img.configBytes).digest('hex');
  writeFileSync(join(dir, configHex), img.configBytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    config: { mediaType: MEDIA.dockerConfig, size: img.configBytes.length, digest: `sha256:${configHex}` },
    layers,
  };
  writeFileSync(join(dir, 'manifest.json'), goJson(manifest));
  writeFileSync(join(dir, 'version'), 'Directory Transport Version: 1.1\n');
}
