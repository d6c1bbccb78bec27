/** Small stream helpers shared by transports and storage. */
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { pipeline, Readable } from 'node:stream';

export type Compression = 'gzip' | 'zstd' | 'none';

const INFLATE_CHUNK = 256 * 1024;

/** Sniffs the compression of a blob from its first bytes. */
export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}


/**
 * Decompresses a blob whose compression is sniffed from its first chunk. The returned
 * iterable yields the uncompressed bytes; `compression` is known once iteration starts.
 */
export function decompress(source: AsyncIterable<Uint8Array>): { stream: AsyncIterable<Uint8Array>; compression: () => Compression } {
  let kind: Compression = 'none';
  async function* run(): AsyncGenerator<Uint8Array> {
    const it = source[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) return;
    kind = detectCompression(first.value);
    async function* rest(): AsyncGenerator<Uint8Array> {
      yield first.value;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    }
    if (kind === 'none') {
      yield* rest();
      return;
    }
    // Output in 256 KiB pieces, not zlib's default 16 KiB: every piece costs a trip through the
    // stream and iterator machinery, which for a layer of hundreds of MB is most of the CPU
    // the main thread spends.
    const inflater = kind === 'gzip' ? createGunzip({ chunkSize: INFLATE_CHUNK }) : createZstdDecompress({ chunkSize: INFLATE_CHUNK });
    // pipeline() destroys the inflater with the source's error, so iteration rethrows it.
    yield* pipeline(Readable.from(rest()), inflater, () => {}) as AsyncIterable<Uint8Array>;
  }
  return { stream: run(), compression: () => kind };
}

export { sha256, tapHash } from './hash.ts';

/** Collects an async iterable into one Buffer (for small blobs only). */
export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}
