/**
 * Applying a policy to one image, as containers/image's PolicyContext does: every requirement
 * of the scope that applies must accept the image. A signedBy requirement accepts it when at
 * least one of its signatures is by a trusted key, over this very manifest, and for an
 * identity the requirement's signedIdentity accepts; otherwise the reasons are reported.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { formatReference, type ImageReference, normalizeName, repositoryName } from '../reference.ts';
import { SkiffError } from '../../util/errors.ts';
import { sha256 } from '../../util/hash.ts';
import type { Policy, Requirement, SignedIdentity } from './policy.ts';
import { dockerScopes, pathScopes, requirementsFor } from './policy.ts';
import { InvalidSignature, readKeys, verifySignature } from './simple.ts';

export interface ImageUnderPolicy {
  /** `docker`, `oci`, `dir`, … */
  readonly transport: string;
  /** docker: the normalised reference asked for (`host/repo:tag` or `…@digest`); else the absolute path. */
  readonly reference: string;
  /** For messages: `docker://host/repo:tag`. */
  readonly display: string;
  /** The manifest as the source holds it (a list's own, when the name names a list). */
  readonly manifest: Buffer;
  /** The simple signatures the source or its lookaside has for the manifest. */
  signatures(): Promise<Buffer[]>;
  /** The sigstore signatures attached to the manifest in the registry (none where not enabled). */
  sigstoreSignatures?(): Promise<SigstoreSig[]>;
}

/** A sigstore signature as attached: the payload, its signature, and what vouches for it. */
export interface SigstoreSig {
  readonly payload: Buffer;
  readonly signature: string;
  readonly bundle?: string;
  readonly certificate?: string;
  readonly chain?: string;
}

export interface Decision {
  readonly transport: string;
  /** The scope whose requirements applied, '' for the transport's default, 'default' for the policy's. */
  readonly scope: string;
  readonly requirements: readonly Requirement[];
}

export function decide(policy: Policy, image: Pick<ImageUnderPolicy, 'transport' | 'reference'>): Decision & { readonly scopes: readonly string[] } {
  const scopes = image.transport === 'docker' || image.transport === 'atomic' ? dockerScopes(image.reference) : image.reference === '' ? [] : pathScopes(image.reference);
  const { scope, requirements } = requirementsFor(policy, image.transport, scopes);
  return { transport: image.transport, scope, requirements, scopes };
}

/** Throws Podman's "Source image rejected: …" unless every requirement accepts the image. */
export async function checkImage(policy: Policy, image: ImageUnderPolicy): Promise<Decision> {
  const decision = decide(policy, image);
  for (const req of decision.requirements) {
    const refusal = await refusalOf(req, image);
    if (refusal !== undefined) throw new SkiffError('policy-rejected', `Source image rejected: ${refusal}`);
  }
  return decision;
}

/** Why a requirement refuses the image, or undefined when it accepts it. */
export async function refusalOf(req: Requirement, image: ImageUnderPolicy): Promise<string | undefined> {
  switch (req.type) {
    case 'insecureAcceptAnything':
      return undefined;
    case 'reject':
      return `Running image ${image.display} is rejected by policy.`;
    case 'signedBy':
      return signedByRefusal(req, image);
    case 'sigstoreSigned':
      return sigstoreRefusal(req, image);
    case 'signedBaseLayer':
      return 'signedBaseLayer is not implemented by containers/image either: the image cannot be verified';
  }
}

async function signedByRefusal(req: Extract<Requirement, { type: 'signedBy' }>, image: ImageUnderPolicy): Promise<string | undefined> {
  let signatures: Buffer[];
  try {
    signatures = await image.signatures();
  } catch (e) {
    // A signature that cannot even be read refuses the image, as in containers/image.
    if (e instanceof InvalidSignature) return e.message;
    throw e;
  }
  if (signatures.length === 0) return 'A signature was required, but no signature exists';
  const keys = await trustedKeys(req);
  return firstAccepted(signatures, image, req.signedIdentity, (blob) => verifySignature(blob, keys));
}

/**
 * Accepts when one signature is valid, over this manifest and for an identity the rule takes;
 * else the refusal names each signature's reason, as containers/image words it.
 */
async function firstAccepted<S>(signatures: readonly S[], image: ImageUnderPolicy, rule: SignedIdentity, verify: (s: S) => Promise<{ dockerReference: string; manifestDigest: string }>): Promise<string | undefined> {
  const digest = `sha256:${sha256().update(image.manifest).digest('hex')}`;
  const reasons: string[] = [];
  for (const sig of signatures) {
    try {
      const claims = await verify(sig);
      if (claims.manifestDigest !== digest) throw new InvalidSignature(`Signature for digest ${claims.manifestDigest} does not match`);
      if (!identityAccepted(rule, image.reference, claims.dockerReference)) throw new InvalidSignature(`Signature for identity ${claims.dockerReference} is not accepted`);
      return undefined;
    } catch (e) {
      if (!(e instanceof InvalidSignature)) throw e;
      reasons.push(e.message);
    }
  }
  return reasons.length === 1 ? reasons[0] : `None of the signatures were accepted, reasons: ${reasons.join('; ')}`;
}

async function sigstoreRefusal(req: Extract<Requirement, { type: 'sigstoreSigned' }>, image: ImageUnderPolicy): Promise<string | undefined> {
  let signatures: SigstoreSig[];
  try {
    signatures = (await image.sigstoreSignatures?.()) ?? [];
  } catch (e) {
    if (e instanceof InvalidSignature) return e.message;
    throw e;
  }
  if (signatures.length === 0) return 'A signature was required, but no signature exists';
  const lib = await import('./sigstore.ts');
  // With a Rekor key, each signature must also carry the log's signed entry timestamp.
  const rekor = await rekorKeys(req, lib.readPublicKeys);
  if (req.fulcio) {
    const fulcio = req.fulcio;
    const ca = readKeyText(fulcio.caData, fulcio.caPath, 'Fulcio CA');
    return firstAccepted(signatures, image, req.signedIdentity, async (sig) => {
      if (!sig.certificate) throw new InvalidSignature('a Fulcio certificate was required, but the signature has none');
      if (!sig.bundle || !rekor) throw new InvalidSignature('a Rekor bundle was required, but the signature has none');
      let certKey: import('node:crypto').KeyObject;
      try {
        certKey = new X509Certificate(sig.certificate).publicKey;
      } catch (e) {
        throw new InvalidSignature(`the Fulcio certificate cannot be read: ${(e as Error).message}`);
      }
      // The log says when the signature existed; the certificate must have been valid then.
      const loggedAt = lib.verifyRekorBundle(sig.bundle, rekor, sig.signature, sig.payload, [certKey], sig.certificate);
      const key = lib.verifyFulcioCertificate(sig.certificate, sig.chain, ca, fulcio, loggedAt);
      return lib.verifySigstore(sig.payload, sig.signature, [key]);
    });
  }
  const keys = lib.readPublicKeys(readKeyText(req.keyData, req.keyPath, 'public key'), req.keyPath ?? 'keyData');
  return firstAccepted(signatures, image, req.signedIdentity, async (sig) => {
    const claims = lib.verifySigstore(sig.payload, sig.signature, keys);
    if (rekor) {
      if (!sig.bundle) throw new InvalidSignature('a Rekor bundle was required, but the signature has none');
      lib.verifyRekorBundle(sig.bundle, rekor, sig.signature, sig.payload, keys);
    }
    return claims;
  });
}

/** A key or certificate the policy gives inline (already decoded) or by path. */
function readKeyText(data: string | undefined, path: string | undefined, what: string): string {
  if (data !== undefined) return data;
  try {
    return readFileSync(path as string, 'utf8');
  } catch (e) {
    throw new SkiffError('policy-rejected', `Source image rejected: reading ${what} ${path}: ${(e as Error).message}`);
  }
}

async function rekorKeys(req: Extract<Requirement, { type: 'sigstoreSigned' }>, read: (pem: string, what: string) => import('node:crypto').KeyObject[]): Promise<import('node:crypto').KeyObject[] | undefined> {
  if (req.rekorPublicKeyData !== undefined) return read(req.rekorPublicKeyData, 'rekorPublicKeyData');
  if (req.rekorPublicKeyPath === undefined) return undefined;
  try {
    return read(readFileSync(req.rekorPublicKeyPath, 'utf8'), req.rekorPublicKeyPath);
  } catch (e) {
    throw new SkiffError('policy-rejected', `Source image rejected: reading Rekor key ${req.rekorPublicKeyPath}: ${(e as Error).message}`);
  }
}

async function trustedKeys(req: Extract<Requirement, { type: 'signedBy' }>): Promise<Awaited<ReturnType<typeof readKeys>>> {
  if (req.keyData !== undefined) return readKeys(Buffer.from(req.keyData, 'latin1'), 'keyData');
  const out: Awaited<ReturnType<typeof readKeys>> = [];
  for (const path of req.keyPaths ?? [req.keyPath as string]) {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (e) {
      throw new SkiffError('policy-rejected', `Source image rejected: reading key file ${path}: ${(e as Error).message}`);
    }
    out.push(...(await readKeys(data, path)));
  }
  return out;
}

/** A docker reference as written: no `:latest` added (a name alone identifies no image). */
function parseDocker(s: string): ImageReference | undefined {
  try {
    return normalizeName(s, { defaultTag: false });
  } catch {
    return undefined;
  }
}

/** containers/image's PolicyReferenceMatch: does the signed identity fit the image's name? */
export function identityAccepted(rule: SignedIdentity, imageRef: string, signedRef: string): boolean {
  const signed = parseDocker(signedRef);
  // containers/image refuses a signed identity that is a bare name: it names no image.
  if (!signed || (signed.tag === undefined && signed.digest === undefined)) return false;
  const repoOf = (r: ImageReference) => repositoryName({ ...r, tag: undefined, digest: undefined });
  const exactOrDigest = (image: ImageReference | undefined): boolean => {
    if (!image) return false;
    if (image.digest) return repoOf(image) === repoOf(signed);
    if (image.tag) return formatReference(image) === formatReference(signed);
    return false;
  };
  const image = parseDocker(imageRef);
  switch (rule.type) {
    case 'matchExact':
      return image !== undefined && (image.tag !== undefined || image.digest !== undefined) && formatReference(image) === formatReference(signed);
    case 'matchRepoDigestOrExact':
      return exactOrDigest(image);
    case 'matchRepository':
      return image !== undefined && repoOf(image) === repoOf(signed);
    case 'exactReference': {
      const want = parseDocker(rule.dockerReference);
      return want !== undefined && (want.tag !== undefined || want.digest !== undefined) && formatReference(want) === formatReference(signed);
    }
    case 'exactRepository': {
      const want = parseDocker(rule.dockerRepository);
      return want !== undefined && repoOf(want) === repoOf(signed);
    }
    case 'remapIdentity': {
      if (!image) return false;
      const full = formatReference(image);
      const boundary = (i: number) => i === full.length || full[i] === '/' || full[i] === ':' || full[i] === '@';
      const remapped = full.startsWith(rule.prefix) && boundary(rule.prefix.length) ? rule.signedPrefix + full.slice(rule.prefix.length) : full;
      return exactOrDigest(parseDocker(remapped));
    }
  }
}
