/**
 * Sigstore signatures with a public key, as cosign and containers/image make them: the payload
 *
 *   {"critical":{"identity":{"docker-reference":"…"},"image":{"docker-manifest-digest":"sha256:…"},
 *    "type":"cosign container image signature"},"optional":{…}}
 *
 * signed with ECDSA (SHA-256, ASN.1 DER, base64 in the layer annotation
 * `dev.cosignproject.cosign/signature`), stored in the registry as a layer of the image
 * `REPO:sha256-HEX.sig` ("sigstore attachments").
 *
 * Private keys are cosign's encrypted PEM: a JSON envelope (scrypt, then NaCl secretbox) around
 * a PKCS#8 key. A Rekor bundle's signed entry timestamp is checked offline with the log's key,
 * and a Fulcio certificate against the CA the policy names, at the time the log recorded.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, scryptSync, sign, verify, X509Certificate } from 'node:crypto';
import { SkiffError } from '../../util/errors.ts';
import { InvalidSignature, parsePayload, payloadFor } from './simple.ts';

export const SIGSTORE_PAYLOAD_TYPE = 'cosign container image signature';
export const SIGSTORE_LAYER_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGSTORE_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

/** The tag a manifest's sigstore attachments live under: `sha256-HEX.sig`. */
export function attachmentTag(manifestDigest: string): string {
  return `${manifestDigest.replace(':', '-')}.sig`;
}

const PEM_TYPES = ['ENCRYPTED COSIGN PRIVATE KEY', 'ENCRYPTED SIGSTORE PRIVATE KEY'];

function pemBody(pem: string, types: readonly string[]): { type: string; der: Buffer } | undefined {
  const m = /-----BEGIN ([A-Z ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m || !types.includes(m[1])) return undefined;
  return { type: m[1], der: Buffer.from(m[2].replace(/\s+/g, ''), 'base64') };
}

interface Envelope {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

/** Decrypts a cosign private key with its passphrase. */
export async function readPrivateKey(pem: string, passphrase: string, what: string): Promise<KeyObject> {
  const block = pemBody(pem, PEM_TYPES);
  if (!block) throw new SkiffError('invalid-argument', `${what}: not an encrypted cosign/sigstore private key`);
  let env: Envelope;
  try {
    env = JSON.parse(block.der.toString('utf8')) as Envelope;
  } catch {
    throw new SkiffError('invalid-argument', `${what}: the key envelope is not JSON`);
  }
  if (env.kdf?.name !== 'scrypt' || env.cipher?.name !== 'nacl/secretbox') throw new SkiffError('unsupported', `${what}: unsupported key encryption ${env.kdf?.name}/${env.cipher?.name}`);
  const { N, r, p } = env.kdf.params;
  const key = scryptSync(Buffer.from(passphrase, 'utf8'), Buffer.from(env.kdf.salt, 'base64'), 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  const { xsalsa20poly1305 } = await import('@noble/ciphers/salsa');
  let der: Uint8Array;
  try {
    der = xsalsa20poly1305(new Uint8Array(key), new Uint8Array(Buffer.from(env.cipher.nonce, 'base64'))).decrypt(new Uint8Array(Buffer.from(env.ciphertext, 'base64')));
  } catch {
    throw new SkiffError('invalid-argument', `${what}: decrypting the private key: wrong passphrase or damaged key`);
  }
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

/** A new ECDSA P-256 key pair in cosign's formats: the encrypted private PEM and the public PEM. */
export async function generateKeyPair(passphrase: string): Promise<{ privatePem: string; publicPem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const params = { N: 32768, r: 8, p: 1 };
  const key = scryptSync(Buffer.from(passphrase, 'utf8'), salt, 32, { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 });
  const { xsalsa20poly1305 } = await import('@noble/ciphers/salsa');
  const ciphertext = xsalsa20poly1305(new Uint8Array(key), new Uint8Array(nonce)).encrypt(new Uint8Array(der));
  const envelope = JSON.stringify({
    kdf: { name: 'scrypt', params, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  });
  const wrap = (b64: string) => b64.match(/.{1,64}/g)?.join('\n') ?? '';
  return {
    privatePem: `-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n${wrap(Buffer.from(envelope).toString('base64'))}\n-----END ENCRYPTED COSIGN PRIVATE KEY-----\n`,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export function readPublicKeys(pem: string, what: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) throw new SkiffError('config', `${what}: no PEM public key in it`);
  return blocks.map((b) => createPublicKey(b));
}

/** The payload c/image writes, with the same key order. */
export function sigstorePayload(dockerReference: string, manifestDigest: string): Buffer {
  return payloadFor(dockerReference, manifestDigest, SIGSTORE_PAYLOAD_TYPE);
}

export function signPayload(payload: Buffer, key: KeyObject): string {
  return sign('sha256', payload, key).toString('base64');
}

/** Checks the signature over the payload with any of the keys, then reads the payload's claims. */
export function verifySigstore(payload: Buffer, signatureB64: string, keys: readonly KeyObject[]): { dockerReference: string; manifestDigest: string } {
  const sig = Buffer.from(signatureB64, 'base64');
  if (!keys.some((k) => verify('sha256', payload, k, sig))) throw new InvalidSignature('cryptographic signature verification failed: the signature does not match any trusted key');
  return parsePayload(payload, SIGSTORE_PAYLOAD_TYPE);
}

export const SIGSTORE_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const SIGSTORE_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const SIGSTORE_CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';

/**
 * Checks a Rekor bundle (its signed entry timestamp, SET) offline against the log's public
 * key, as containers/image does for a requirement with rekorPublicKeyPath/Data: the SET is
 * the log's ECDSA signature over the canonical JSON of the entry; the entry must be the log's
 * (logID is the SHA-256 of its key), a `hashedrekord` for exactly this payload and signature,
 * made with a key the requirement trusts.
 */
export function verifyRekorBundle(bundleJson: string, rekorKeys: readonly KeyObject[], signatureB64: string, payload: Buffer, trusted: readonly KeyObject[], certificatePem?: string): number {
  const bad = (why: string): never => {
    throw new InvalidSignature(`the Rekor bundle is not valid: ${why}`);
  };
  let bundle: { SignedEntryTimestamp?: unknown; Payload?: { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown } };
  try {
    bundle = JSON.parse(bundleJson) as typeof bundle;
  } catch {
    return bad('not JSON');
  }
  const p = bundle.Payload;
  if (typeof bundle.SignedEntryTimestamp !== 'string' || !p || typeof p.body !== 'string' || typeof p.integratedTime !== 'number' || typeof p.logIndex !== 'number' || typeof p.logID !== 'string') {
    return bad('fields missing');
  }
  // RFC 8785 canonical JSON of the entry: keys sorted, no spaces.
  const canonical = Buffer.from(JSON.stringify({ body: p.body, integratedTime: p.integratedTime, logID: p.logID, logIndex: p.logIndex }));
  const set = Buffer.from(bundle.SignedEntryTimestamp, 'base64');
  const log = rekorKeys.find((k) => verify('sha256', canonical, k, set));
  if (!log) bad('the signed entry timestamp is not by a trusted Rekor key');
  const logId = createHash('sha256').update(log?.export({ format: 'der', type: 'spki' }) as Buffer).digest('hex');
  if (p.logID !== logId) bad(`log ID ${p.logID} is not the trusted log's`);
  let body: { apiVersion?: unknown; kind?: unknown; spec?: { data?: { hash?: { algorithm?: unknown; value?: unknown } }; signature?: { content?: unknown; publicKey?: { content?: unknown } } } };
  try {
    body = JSON.parse(Buffer.from(p.body, 'base64').toString('utf8')) as typeof body;
  } catch {
    return bad('the entry body is not JSON');
  }
  if (body.kind !== 'hashedrekord' || body.apiVersion !== '0.0.1') bad(`unsupported entry ${String(body.kind)} ${String(body.apiVersion)}`);
  const hash = body.spec?.data?.hash;
  if (hash?.algorithm !== 'sha256' || hash.value !== createHash('sha256').update(payload).digest('hex')) bad('the entry is for another payload');
  if (body.spec?.signature?.content !== signatureB64) bad('the entry is for another signature');
  const keyB64 = body.spec?.signature?.publicKey?.content;
  if (typeof keyB64 !== 'string') return bad('the entry names no key');
  let entryKey: KeyObject;
  try {
    entryKey = createPublicKey(Buffer.from(keyB64, 'base64').toString('utf8'));
  } catch {
    return bad('the entry\'s key cannot be read');
  }
  const der = (k: KeyObject) => (k.export({ format: 'der', type: 'spki' }) as Buffer).toString('base64');
  if (!trusted.some((k) => der(k) === der(entryKey))) bad('the entry was made with a key the policy does not trust');
  // A certificate-signed entry names the certificate itself.
  if (certificatePem !== undefined && Buffer.from(keyB64, 'base64').toString('utf8').trim() !== certificatePem.trim()) bad('the entry names another certificate');
  return p.integratedTime;
}

/**
 * A Fulcio certificate's word on the signer (containers/image's fulcio rule): issued, through
 * the chain given, by a trusted CA; valid when the log recorded the signature; for code
 * signing; naming the OIDC issuer and the e-mail address the policy asks for. Returns the
 * certificate's public key, which must have made the signature.
 */
export function verifyFulcioCertificate(certPem: string, chainPem: string | undefined, caPem: string, rule: { oidcIssuer: string; subjectEmail: string }, signedAt: number): KeyObject {
  const bad = (why: string): never => {
    throw new InvalidSignature(`the Fulcio certificate is not accepted: ${why}`);
  };
  const certs = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
  let leaf: X509Certificate;
  let roots: X509Certificate[];
  let intermediates: X509Certificate[];
  try {
    [leaf] = certs(certPem);
    roots = certs(caPem);
    intermediates = chainPem ? certs(chainPem) : [];
  } catch (e) {
    return bad((e as Error).message);
  }
  if (!leaf) bad('there is none');
  if (roots.length === 0) bad('the policy names no CA certificate');
  const at = new Date(signedAt * 1000);
  const valid = (c: X509Certificate) => new Date(c.validFrom) <= at && at <= new Date(c.validTo);
  // Walk up from the leaf: each certificate issued and signed by the next, ending at a root.
  let current = leaf;
  for (let depth = 0; ; depth++) {
    if (depth > 8) bad('the chain is too long');
    if (!valid(current)) bad(`${current.subject.split('\n').join(', ')} was not valid when the signature was logged`);
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
    if (root) {
      if (!valid(root)) bad('the CA certificate was not valid when the signature was logged');
      break;
    }
    const next = intermediates.find((c) => current.checkIssued(c) && current.verify(c.publicKey) && c.ca);
    if (!next) bad('it is not issued by a trusted CA');
    current = next as X509Certificate;
  }
  if (!(leaf.keyUsage ?? []).includes('1.3.6.1.5.5.7.3.3')) bad('it is not for code signing');
  const emails = (leaf.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('email:')).map((n) => n.slice('email:'.length));
  if (!emails.includes(rule.subjectEmail)) bad(`it names ${emails.join(', ') || 'no e-mail address'}, not ${rule.subjectEmail}`);
  const issuer = oidcIssuerOf(leaf.raw);
  if (issuer !== rule.oidcIssuer) bad(`its OIDC issuer is ${issuer ?? 'not named'}, not ${rule.oidcIssuer}`);
  return leaf.publicKey;
}

/** Fulcio's OIDC issuer extension: 1.3.6.1.4.1.57264.1.1 (the raw string) or …1.8 (a UTF8String). */
function oidcIssuerOf(der: Buffer): string | undefined {
  const find = (last: number): Buffer | undefined => {
    const oid = Buffer.from([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01, last]);
    const at = der.indexOf(oid);
    if (at < 0) return undefined;
    let i = at + oid.length;
    if (der[i] === 0x01) i += 3; // a `critical` BOOLEAN
    if (der[i] !== 0x04) return undefined;
    const [len, hdr] = derLength(der, i + 1);
    return der.subarray(i + 1 + hdr, i + 1 + hdr + len);
  };
  const v2 = find(0x08);
  if (v2 && v2[0] === 0x0c) {
    const [len, hdr] = derLength(v2, 1);
    return v2.subarray(1 + hdr, 1 + hdr + len).toString('utf8');
  }
  return find(0x01)?.toString('utf8');
}

function derLength(b: Buffer, at: number): [number, number] {
  const first = b[at];
  if (first < 0x80) return [first, 1];
  const n = first & 0x7f;
  let len = 0;
  for (let k = 0; k < n; k++) len = (len << 8) | b[at + 1 + k];
  return [len, 1 + n];
}
