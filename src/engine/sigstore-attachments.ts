/**
 * Sigstore attachments in a registry: the signatures of manifest D of REPO are the layers of
 * the image `REPO:sha256-HEX.sig`, each a payload blob with its signature in an annotation.
 * Reading them is done only where registries.d says `use-sigstore-attachments: true`, as
 * containers/image does; writing appends a layer to whatever signatures are there already.
 */
import type { RegistryClient } from '../image/transport/registry/client.ts';
import {
  attachmentTag,
  SIGSTORE_BUNDLE_ANNOTATION,
  SIGSTORE_CERTIFICATE_ANNOTATION,
  SIGSTORE_CHAIN_ANNOTATION,
  SIGSTORE_LAYER_TYPE,
  SIGSTORE_SIGNATURE_ANNOTATION,
} from '../image/trust/sigstore.ts';
import { InvalidSignature } from '../image/trust/simple.ts';
import { type Descriptor, MEDIA, type Manifest, parseJson, validateManifest } from '../image/types.ts';
import { isSkiffError } from '../util/errors.ts';
import { sha256 } from '../util/hash.ts';
import { collect } from '../util/stream.ts';

export interface SigstoreSignature {
  readonly payload: Buffer;
  readonly signature: string;
  /** The Rekor bundle (`dev.sigstore.cosign/bundle`), when the signer logged it. */
  readonly bundle?: string;
  /** A Fulcio-certified signature's certificate and its chain (PEM). */
  readonly certificate?: string;
  readonly chain?: string;
}

/** A payload is a small JSON document. */
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

async function existing(client: RegistryClient, manifestDigest: string): Promise<Manifest | undefined> {
  try {
    const m = await client.manifest(attachmentTag(manifestDigest));
    return validateManifest(parseJson(m.bytes, 'signature attachment manifest'), 'signature attachment manifest');
  } catch (e) {
    if (isSkiffError(e, 'manifest-unknown')) return undefined;
    throw e;
  }
}

export async function readAttachments(client: RegistryClient, manifestDigest: string): Promise<SigstoreSignature[]> {
  const m = await existing(client, manifestDigest);
  if (!m) return [];
  const { verifiedBlob } = await import('./pull.ts');
  const out: SigstoreSignature[] = [];
  for (const layer of m.layers) {
    if (layer.mediaType !== SIGSTORE_LAYER_TYPE) continue;
    const signature = layer.annotations?.[SIGSTORE_SIGNATURE_ANNOTATION];
    if (!signature) throw new InvalidSignature(`sigstore signature ${layer.digest} has no ${SIGSTORE_SIGNATURE_ANNOTATION} annotation`);
    if (layer.size > MAX_PAYLOAD_BYTES) throw new InvalidSignature(`sigstore payload ${layer.digest} of ${layer.size} bytes is too large`);
    const a = layer.annotations ?? {};
    out.push({
      payload: await collect(verifiedBlob(client, layer, () => {})),
      signature,
      bundle: a[SIGSTORE_BUNDLE_ANNOTATION],
      certificate: a[SIGSTORE_CERTIFICATE_ANNOTATION],
      chain: a[SIGSTORE_CHAIN_ANNOTATION],
    });
  }
  return out;
}

/** Adds a signature to the attachment image of a manifest (made when there is none). */
export async function writeAttachment(client: RegistryClient, manifestDigest: string, sig: SigstoreSignature): Promise<void> {
  const prior = await existing(client, manifestDigest);
  const layer: Descriptor = {
    mediaType: SIGSTORE_LAYER_TYPE,
    digest: `sha256:${sha256().update(sig.payload).digest('hex')}`,
    size: sig.payload.length,
    annotations: { [SIGSTORE_SIGNATURE_ANNOTATION]: sig.signature },
  };
  const layers = [...(prior?.layers ?? []).filter((l) => l.digest !== layer.digest), layer];
  // The config cosign and containers/image write: empty but for the layers' diff IDs.
  const config = Buffer.from(JSON.stringify({
    architecture: '',
    created: '0001-01-01T00:00:00Z',
    history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
    os: '',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    config: {},
  }));
  const configDigest = `sha256:${sha256().update(config).digest('hex')}`;
  for (const [digest, bytes] of [[layer.digest, sig.payload], [configDigest, config]] as const) {
    if (!(await client.hasBlob(digest))) await client.uploadMonolithic(bytes, digest);
  }
  const manifest = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: config.length }, layers };
  await client.putManifest(attachmentTag(manifestDigest), Buffer.from(JSON.stringify(manifest)), MEDIA.ociManifest);
}
