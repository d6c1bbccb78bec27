/**
 * Hashing helpers with no other dependencies (kept apart from stream.ts, which loads zlib).
 * node:crypto is loaded at the first hash, not with the module: the stores import this, and
 * most commands (run, ps, inspect) never hash, while loading it costs milliseconds.
 */
import type { Hash } from 'node:crypto';

export function createHash(algorithm: string): Hash {
  return process.getBuiltinModule('node:crypto').createHash(algorithm);
}

export function sha256(): Hash {
  return createHash('sha256');
}

/** Passes chunks through while feeding them to a hash. */
export async function* tapHash(source: AsyncIterable<Uint8Array>, hash: Hash, counter?: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    hash.update(chunk);
    if (counter) counter.bytes += chunk.length;
    yield chunk;
  }
}
