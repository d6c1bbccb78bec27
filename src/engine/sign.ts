/**
 * Simple signing on push and `image sign`: a payload binding the pushed manifest's digest to
 * the destination's name, signed by gpg with the user's key, written where registries.d says
 * signatures for that repository are staged (`lookaside-staging`, else `lookaside`; `file://`
 * only, as containers/image), as `REPO@sha256=HEX/signature-N` with the first free N.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatReference, type ImageReference } from '../image/reference.ts';
import { loadRegistriesD, lookasideFor, registriesDDir } from '../image/trust/registries-d.ts';
import { gpgSign, payloadFor } from '../image/trust/simple.ts';
import type { RegistryClient } from '../image/transport/registry/client.ts';
import { SkiffError } from '../util/errors.ts';

export interface SignOptions {
  /** The key to sign with (a fingerprint, key ID or user ID gpg knows). */
  readonly signBy: string;
  readonly passphraseFile?: string;
  /** `image sign --directory`: write there instead of the lookaside staging store. */
  readonly directory?: string;
}

/** Signs `manifestDigest` as the image `ref` and stores the signature; returns its path. */
export async function signAndStore(ref: ImageReference, manifestDigest: string, opts: SignOptions): Promise<string> {
  const base = opts.directory ?? (await stagingDir(ref));
  const signature = await gpgSign(payloadFor(formatReference(ref), manifestDigest), opts.signBy, opts.passphraseFile);
  const [algo, hex] = manifestDigest.split(':');
  const dir = join(base, ...ref.path.split('/').slice(0, -1), `${ref.path.split('/').pop()}@${algo}=${hex}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  // The first free signature-N, taken exclusively: two signers at once never overwrite each other.
  for (let n = 1; ; n++) {
    const path = join(dir, `signature-${n}`);
    if (existsSync(path)) continue;
    try {
      writeFileSync(path, signature, { mode: 0o644, flag: 'wx' });
      return path;
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    }
  }
}

async function stagingDir(ref: ImageReference): Promise<string> {
  const config = lookasideFor(await loadRegistriesD(registriesDDir(undefined)), `${ref.domain}/${ref.path}`);
  const url = config.lookasideStaging ?? config.lookaside ?? '';
  if (!url.startsWith('file://')) throw new SkiffError('unsupported', `writing signatures to ${url}: only file:// signature stores can be written`);
  return fileURLToPath(url);
}

/**
 * Signs a pushed manifest with a sigstore private key and attaches the signature in the
 * registry, where registries.d enables sigstore attachments for the repository (containers/image
 * refuses to write them otherwise, and so does skiff).
 */
export async function signSigstoreAndAttach(client: RegistryClient, ref: ImageReference, manifestDigest: string, key: KeyObject): Promise<void> {
  const config = lookasideFor(await loadRegistriesD(registriesDDir(undefined)), `${ref.domain}/${ref.path}`);
  if (!config.useSigstoreAttachments) {
    throw new SkiffError('config', `writing sigstore signatures for ${ref.domain}/${ref.path}: sigstore attachments are not enabled for it in registries.d (use-sigstore-attachments: true)`);
  }
  const { sigstorePayload, signPayload } = await import('../image/trust/sigstore.ts');
  const { writeAttachment } = await import('./sigstore-attachments.ts');
  const payload = sigstorePayload(formatReference(ref), manifestDigest);
  await writeAttachment(client, manifestDigest, { payload, signature: signPayload(payload, key) });
}

/** The private key of --sign-by-sigstore-private-key, decrypted with the passphrase given. */
export async function loadSigstoreKey(path: string, passphrase: string): Promise<KeyObject> {
  const { readPrivateKey } = await import('../image/trust/sigstore.ts');
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SkiffError('invalid-argument', `reading private key ${path}: ${(e as Error).message}`);
  }
  return readPrivateKey(pem, passphrase, path);
}
