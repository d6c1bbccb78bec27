/**
 * OCI and Docker image formats, and the validation of such JSON where it enters from outside
 * (archives, registries). Inside skiff, values of these types are trusted.
 */
import { SkiffError } from '../util/errors.ts';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  OnBuild?: string[];
  Healthcheck?: unknown;
  [key: string]: unknown;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

function fail(what: string, reason: string): never {
  throw new SkiffError('bad-archive', `invalid ${what}: ${reason}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJson(bytes: Uint8Array | string, what: string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    return fail(what, (err as Error).message);
  }
}

export function validateDescriptor(v: unknown, what: string): Descriptor {
  if (!isObject(v)) fail(what, 'descriptor is not an object');
  if (typeof v.mediaType !== 'string') fail(what, 'descriptor has no mediaType');
  if (typeof v.digest !== 'string' || !DIGEST_RE.test(v.digest)) fail(what, `descriptor digest ${JSON.stringify(v.digest)} is not a sha256 digest`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) fail(what, 'descriptor size is not a non-negative integer');
  return v as unknown as Descriptor;
}

/** Validates an image manifest (OCI or Docker schema 2). Schema 1 is refused with a clear error. */
export function validateManifest(v: unknown, what = 'manifest'): Manifest {
  if (!isObject(v)) fail(what, 'not a JSON object');
  if (v.schemaVersion === 1) throw new SkiffError('unsupported', `${what}: Docker schema 1 manifests are not supported`);
  if (v.schemaVersion !== 2) fail(what, `schemaVersion ${JSON.stringify(v.schemaVersion)} is not 2`);
  if (v.mediaType === MEDIA.ociIndex || v.mediaType === MEDIA.dockerList || Array.isArray(v.manifests)) {
    fail(what, 'expected an image manifest, found an image index');
  }
  validateDescriptor(v.config, `${what} config`);
  if (!Array.isArray(v.layers)) fail(what, 'layers is not an array');
  v.layers.forEach((l, i) => validateDescriptor(l, `${what} layer ${i}`));
  return v as unknown as Manifest;
}

export function validateIndex(v: unknown, what = 'image index'): ImageIndex {
  if (!isObject(v)) fail(what, 'not a JSON object');
  if (v.schemaVersion !== 2) fail(what, `schemaVersion ${JSON.stringify(v.schemaVersion)} is not 2`);
  if (!Array.isArray(v.manifests)) fail(what, 'manifests is not an array');
  v.manifests.forEach((m, i) => validateDescriptor(m, `${what} entry ${i}`));
  return v as unknown as ImageIndex;
}

export function validateConfig(v: unknown, what = 'image config'): ImageConfig {
  if (!isObject(v)) fail(what, 'not a JSON object');
  if (!isObject(v.rootfs) || !Array.isArray(v.rootfs.diff_ids)) fail(what, 'rootfs.diff_ids is missing');
  for (const d of v.rootfs.diff_ids) {
    if (typeof d !== 'string' || !DIGEST_RE.test(d)) fail(what, `diff_id ${JSON.stringify(d)} is not a sha256 digest`);
  }
  if (v.config !== undefined && v.config !== null && !isObject(v.config)) fail(what, 'config is not an object');
  if (v.history !== undefined && !Array.isArray(v.history)) fail(what, 'history is not an array');
  return v as unknown as ImageConfig;
}

/** True for layer media types whose blob is a (possibly compressed) tar. */
export function isLayerMediaType(mediaType: string): boolean {
  return (
    mediaType.startsWith('application/vnd.oci.image.layer.') ||
    mediaType.startsWith('application/vnd.docker.image.rootfs.') ||
    mediaType === 'application/octet-stream'
  );
}
