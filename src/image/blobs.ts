/**
 * Content-addressed blobs (image configs and manifests) under <graph>/blobs/sha256/<hex>.
 * A blob is written to a temp file, verified, then renamed into place (DESIGN §4), so a blob
 * that exists is always whole and correct.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SkiffError } from '../util/errors.ts';
import { sha256 } from '../util/hash.ts';
import { randomHex } from '../util/random.ts';

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${sha256().update(bytes).digest('hex')}`;
}

export class BlobStore {
  readonly dir: string;

  constructor(graphRoot: string) {
    this.dir = join(graphRoot, 'blobs', 'sha256');
  }

  #path(digest: string): string {
    const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
    if (!m) throw new SkiffError('invalid-argument', `unsupported digest ${JSON.stringify(digest)}`);
    return join(this.dir, m[1]);
  }

  has(digest: string): boolean {
    return existsSync(this.#path(digest));
  }

  /** Stores bytes; when `expected` is given the content must hash to it. Returns the digest. */
  put(bytes: Uint8Array, expected?: string): string {
    const digest = digestOf(bytes);
    if (expected !== undefined && expected !== digest) {
      throw new SkiffError('digest-mismatch', `blob content digest ${digest} does not match the expected ${expected}`);
    }
    const path = this.#path(digest);
    if (existsSync(path)) return digest;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.tmp-${randomHex(6)}`);
    writeFileSync(tmp, bytes, { mode: 0o600, flush: true });
    renameSync(tmp, path);
    return digest;
  }

  get(digest: string): Buffer {
    try {
      return readFileSync(this.#path(digest));
    } catch (err) {
      throw new SkiffError('internal', `blob ${digest} is missing from the store`, { cause: err });
    }
  }

  remove(digest: string): void {
    rmSync(this.#path(digest), { force: true });
  }

  /** Removes temp files a crash left and blobs not in `keep`. */
  recover(keep: ReadonlySet<string>): void {
    if (!existsSync(this.dir)) return;
    for (const name of readdirSync(this.dir)) {
      if (!keep.has(`sha256:${name}`)) rmSync(join(this.dir, name), { force: true });
    }
  }
}
