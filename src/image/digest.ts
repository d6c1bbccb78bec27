/**
 * Content digests (`algorithm:encoded`) as the OCI image spec defines them, validated the way
 * Podman 4.3.1 (go-digest) does, with go-digest's error wording because Podman prints it as is.
 */
import type { Hash } from 'node:crypto';
import { SkiffError } from '../util/errors.ts';
import { createHash } from '../util/hash.ts';

/** Algorithms skiff can verify, with the length of their lowercase hex encoding. */
export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

const HEX_LENGTH: ReadonlyMap<string, number> = new Map<DigestAlgorithm, number>([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

export function isRegisteredAlgorithm(algorithm: string): algorithm is DigestAlgorithm {
  return HEX_LENGTH.has(algorithm);
}

/** OCI descriptor grammar: algorithm components `[a-z0-9]+` joined by `+._-`, encoded `[a-zA-Z0-9=_-]+`. */
const OCI_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const LOWER_HEX = /^[0-9a-f]*$/;

export const DIGEST_INVALID_FORMAT = 'invalid checksum digest format';
export const DIGEST_UNSUPPORTED = 'unsupported digest algorithm';
export const DIGEST_INVALID_LENGTH = 'invalid checksum digest length';

export interface ParsedDigest {
  readonly algorithm: string;
  readonly encoded: string;
  /** The digest as written: `algorithm:encoded`. */
  readonly value: string;
}

export interface DigestCheckOptions {
  /**
   * Accept a digest whose algorithm skiff does not implement when it fits the OCI grammar
   * (such a digest can be stored and compared but not verified). Podman refuses these.
   */
  readonly allowUnregistered?: boolean;
}

/**
 * Why `s` is not an acceptable digest, in go-digest's words, or undefined when it is. The order
 * of the checks is go-digest's, so the same input gets the same message as Podman.
 */
export function digestProblem(s: string, opts: DigestCheckOptions = {}): string | undefined {
  const colon = s.indexOf(':');
  if (colon <= 0 || colon === s.length - 1) return DIGEST_INVALID_FORMAT;
  const algorithm = s.slice(0, colon);
  const encoded = s.slice(colon + 1);
  const expectedLength = HEX_LENGTH.get(algorithm);
  if (expectedLength === undefined) {
    if (!OCI_DIGEST.test(s)) return DIGEST_INVALID_FORMAT;
    return opts.allowUnregistered ? undefined : DIGEST_UNSUPPORTED;
  }
  if (encoded.length !== expectedLength) return DIGEST_INVALID_LENGTH;
  if (!LOWER_HEX.test(encoded)) return DIGEST_INVALID_FORMAT;
  return undefined;
}

export function isDigest(s: string, opts: DigestCheckOptions = {}): boolean {
  return digestProblem(s, opts) === undefined;
}

/** Parses and validates a digest; throws `invalid-argument` with go-digest's message. */
export function parseDigest(s: string, opts: DigestCheckOptions = {}): ParsedDigest {
  const problem = digestProblem(s, opts);
  if (problem !== undefined) throw new SkiffError('invalid-argument', problem);
  const colon = s.indexOf(':');
  return { algorithm: s.slice(0, colon), encoded: s.slice(colon + 1), value: s };
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `sha256:<hex>` of the bytes. */
export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${sha256Hex(data)}`;
}

/** Incremental digest of a byte stream, counting the bytes it saw. */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  #hash: Hash;
  #size = 0;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    this.algorithm = algorithm;
    this.#hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): this {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    return this;
  }

  get size(): number {
    return this.#size;
  }

  /** `algorithm:hex`; may be called once, after the last update. */
  digest(): string {
    return `${this.algorithm}:${this.#hash.digest('hex')}`;
  }
}

/** Reads a whole stream and returns its digest and length. */
export async function digestStream(source: AsyncIterable<Uint8Array>, algorithm: DigestAlgorithm = 'sha256'): Promise<{ digest: string; size: number }> {
  const d = new Digester(algorithm);
  for await (const chunk of source) d.update(chunk);
  return { digest: d.digest(), size: d.size };
}

/** A bare image ID or ID prefix as Podman accepts it: 1 to 64 lowercase hex digits. */
export function isImageIdPrefix(s: string): boolean {
  return s.length >= 1 && s.length <= 64 && LOWER_HEX.test(s);
}

/** A full image ID: exactly 64 lowercase hex digits. */
export function isFullImageId(s: string): boolean {
  return s.length === 64 && LOWER_HEX.test(s);
}

/**
 * The hex ID of an image named `sha256:<64 hex>`. Podman accepts no prefix in this form; its
 * error for anything else is `<input>: invalid format: no 64-byte hexadecimal value`.
 */
export function parseImageIdDigest(s: string): string {
  const hex = s.startsWith('sha256:') ? s.slice('sha256:'.length) : undefined;
  if (hex === undefined || !isFullImageId(hex)) {
    throw new SkiffError('invalid-reference', `${s}: invalid format: no 64-byte hexadecimal value`);
  }
  return hex;
}
