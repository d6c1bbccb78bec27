/**
 * containers-signature(5) "simple signing": an OpenPGP-signed JSON payload that binds a
 * manifest digest to a docker reference,
 *
 *   {"critical":{"identity":{"docker-reference":"…"},"image":{"docker-manifest-digest":"sha256:…"},
 *    "type":"atomic container signature"},"optional":{"creator":"…","timestamp":…}}
 *
 * Verification uses openpgp.js against the keys the policy names; signing runs `gpg`, which
 * holds the user's secret keys. The payload is read strictly, as containers/image reads it:
 * anything unexpected in "critical" makes the signature invalid.
 */
import { spawn } from 'node:child_process';
import { SkiffError } from '../../util/errors.ts';
import { duplicateKey } from '../../util/strictjson.ts';
import { VERSION } from '../../version.ts';

export const SIGNATURE_TYPE = 'atomic container signature';

/** A signature that does not count, and why (the reason is shown to the user). */
export class InvalidSignature extends Error {}

export interface SignedClaims {
  readonly dockerReference: string;
  readonly manifestDigest: string;
  /** Uppercase hex fingerprint of the key that made the signature. */
  readonly signerFingerprint: string;
}

type OpenPgp = typeof import('openpgp');
type Key = import('openpgp').Key;

let openpgp: Promise<OpenPgp> | undefined;
function pgp(): Promise<OpenPgp> {
  openpgp ??= import('openpgp');
  return openpgp;
}

/**
 * containers/image's check that a blob is a simple signature at all: an OpenPGP message starts
 * with a compressed-data, one-pass-signature or signature packet. Anything else is refused
 * before any cryptography, with the location named.
 */
export function checkSignatureFormat(blob: Buffer, location: string): void {
  const first = blob[0];
  if (first === undefined) throw new InvalidSignature(`parsing signature ${JSON.stringify(location)}: empty signature blob`);
  const openpgpStarts = [0xa0, 0xa1, 0xa2, 0xa3, 0xc8, 0x90, 0x91, 0x92, 0x3d, 0xc4, 0x88, 0x89, 0x8a, 0x8b, 0xc2];
  if (!openpgpStarts.includes(first)) throw new InvalidSignature(`parsing signature ${JSON.stringify(location)}: unrecognized signature format, starting with binary 0x${first.toString(16)}`);
}

/** The keys of a keyring, armored or binary (what `gpg --export [--armor]` writes). */
export async function readKeys(data: Buffer, what: string): Promise<Key[]> {
  const lib = await pgp();
  try {
    const text = data.toString('latin1');
    if (text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) return await lib.readKeys({ armoredKeys: text });
    return await lib.readKeys({ binaryKeys: new Uint8Array(data) });
  } catch (e) {
    throw new SkiffError('config', `reading public keys from ${what}: ${(e as Error).message}`);
  }
}

/**
 * Checks the OpenPGP signature and returns the claims of its payload. Throws InvalidSignature
 * with containers/image's reason when the signature is not by one of `keys`, is broken, or
 * its payload is not a well-formed simple-signing payload.
 */
export async function verifySignature(blob: Buffer, keys: readonly Key[]): Promise<SignedClaims> {
  const lib = await pgp();
  let message: Awaited<ReturnType<OpenPgp['readMessage']>>;
  try {
    message = await lib.readMessage({ binaryMessage: new Uint8Array(blob) });
  } catch (e) {
    throw new InvalidSignature(`Invalid GPG signature: ${(e as Error).message}`);
  }
  let result: Awaited<ReturnType<OpenPgp['verify']>>;
  try {
    result = await lib.verify({ message, verificationKeys: [...keys], format: 'binary' });
  } catch (e) {
    throw new InvalidSignature(`Invalid GPG signature: ${(e as Error).message}`);
  }
  if (result.signatures.length !== 1) throw new InvalidSignature(`Unexpected GPG signature count ${result.signatures.length}`);
  const sig = result.signatures[0];
  const signer = keys.find((k) => k.getKeyIDs().some((id) => id.equals(sig.keyID)));
  if (!signer) throw new InvalidSignature(`Signature by key ${sig.keyID.toHex().toUpperCase()} is not accepted`);
  try {
    await sig.verified;
    // As gpg judges it: the key must be valid now, not only when it signed (expired or
    // revoked since then, and the signature no longer counts).
    await signer.getSigningKey(sig.keyID, new Date());
  } catch (e) {
    throw new InvalidSignature(`Invalid GPG signature: ${(e as Error).message}`);
  }
  const claims = parsePayload(Buffer.from(result.data as Uint8Array));
  return { ...claims, signerFingerprint: signer.getFingerprint().toUpperCase() };
}

/**
 * A payload's claims, read as strictly as containers/image reads them: "critical" and
 * "optional" both present, nothing unknown in "critical", no key twice, and the type the
 * signature kind has (simple signing's or sigstore's).
 */
export function parsePayload(bytes: Buffer, type: string = SIGNATURE_TYPE): { dockerReference: string; manifestDigest: string } {
  const bad = (why: string): never => {
    throw new InvalidSignature(`Invalid signature format: ${why}`);
  };
  const text = bytes.toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return bad((e as Error).message);
  }
  const dup = duplicateKey(text);
  if (dup !== undefined) bad(`duplicate key ${JSON.stringify(dup)}`);
  const obj = (v: unknown, what: string): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(`${what} is not a JSON object`));
  const only = (o: Record<string, unknown>, keys: readonly string[], what: string): void => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) bad(`unexpected field ${JSON.stringify(k)} in ${what}`);
    for (const k of keys) if (!(k in o)) bad(`${what} has no ${JSON.stringify(k)}`);
  };
  const top = obj(doc, 'the signature');
  only(top, ['critical', 'optional'], 'the signature');
  const critical = obj(top.critical, '"critical"');
  only(critical, ['type', 'image', 'identity'], '"critical"');
  if (critical.type !== type) bad(`unrecognized signature type ${JSON.stringify(critical.type)}`);
  const image = obj(critical.image, '"image"');
  only(image, ['docker-manifest-digest'], '"image"');
  const identity = obj(critical.identity, '"identity"');
  only(identity, ['docker-reference'], '"identity"');
  const digest = image['docker-manifest-digest'];
  const ref = identity['docker-reference'];
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) bad('"docker-manifest-digest" is not a sha256 digest');
  if (typeof ref !== 'string') bad('"docker-reference" is not a string');
  obj(top.optional, '"optional"');
  return { dockerReference: ref as string, manifestDigest: digest as string };
}

/** The payload a signature carries: the same fields, key order and types as containers/image writes. */
export function payloadFor(dockerReference: string, manifestDigest: string, type: string = SIGNATURE_TYPE, now = Date.now()): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': manifestDigest }, type },
      optional: { creator: `skiff ${VERSION}`, timestamp: Math.floor(now / 1000) },
    }),
  );
}


/**
 * Signs a payload with `gpg --sign` (a binary, not detached, signed message), as
 * containers/image's GPG mechanism does. The passphrase, when given, is read by gpg from the
 * file (`--pinentry-mode loopback`), never by skiff.
 */
export function gpgSign(payload: Buffer, fingerprint: string, passphraseFile: string | undefined): Promise<Buffer> {
  const args = ['--batch', '--no-tty', '--sign', '--local-user', fingerprint];
  if (passphraseFile) args.unshift('--pinentry-mode', 'loopback', '--passphrase-file', passphraseFile);
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new SkiffError('io', `running gpg: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new SkiffError('invalid-argument', `creating signature: signing with key ${fingerprint}: ${Buffer.concat(err).toString('utf8').trim().split('\n').pop() ?? `gpg exited ${code}`}`));
    });
    child.stdin.end(payload);
  });
}
