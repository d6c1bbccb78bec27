/**
 * tar-split: what it takes to rebuild a layer tar byte for byte from the extracted layer, so the
 * store can hand out the original tar (whose sha256 is the diffID) without keeping a copy.
 *
 * On disk the stream is gzip-compressed binary records after an 8-byte magic:
 *
 *   "SKTSPL01"
 *   0x01 RAW   varint(len) bytes[len]                      archive bytes kept verbatim
 *   0x02 FILE  varint(nameLen) name[nameLen] varint(size) crc32[4, big-endian]
 *                                                         `size` content bytes of the file
 *                                                         `name` (header name, uncleaned)
 *   0x00 END                                              marks a complete stream
 *
 * varints are unsigned LEB128. Only headers, padding and the like are stored, so the file is
 * small; reassembly reads content from the layer directory and checks each file's CRC-32, so a
 * layer changed on disk fails loudly instead of yielding a tar with a wrong digest.
 */
import { closeSync, fstatSync, openSync, readSync, constants as fsConstants, createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip, createGzip, crc32 } from 'node:zlib';
import { SkiffError } from '../../util/errors.ts';
import { fsyncDir, scopedPath, tempPathFor } from '../../util/fsx.ts';
import { cleanEntryName } from './path.ts';
import type { SplitSink } from './reader.ts';

const MAGIC = Buffer.from('SKTSPL01');
const REC_END = 0;
const REC_RAW = 1;
const REC_FILE = 2;
/** Raw bytes are coalesced into records of about this size. */
const RAW_RECORD = 64 * 1024;
/** Encoded records are handed to gzip in batches of about this size. */
const OUT_BATCH = 256 * 1024;

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

export interface SplitWriter extends SplitSink {
  /** Finishes the stream and renames it into place (durably). */
  close(): Promise<void>;
  /** Abandons the stream: closes the temp file and removes it. */
  abort(): Promise<void>;
}

/** Starts writing a tar-split stream to `path`: a temp file until close() renames it. */
export async function createSplitWriter(path: string): Promise<SplitWriter> {
  const tmp = tempPathFor(path);
  // flush: the file is fsynced before it is closed, so the rename publishes durable content.
  const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600, flush: true });
  await once(out, 'open');
  const gzip = createGzip();
  gzip.pipe(out);
  const finished = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
    gzip.on('error', reject);
  });
  // An early failure is reported by the write that follows it or by close().
  finished.catch(() => {});

  let rawParts: Buffer[] = [];
  let rawLen = 0;
  let batch: Buffer[] = [MAGIC];
  let batchLen = MAGIC.length;
  let state: 'open' | 'closed' | 'aborted' = 'open';

  function assertOpen(): void {
    if (state !== 'open') throw new SkiffError('internal', `tar-split stream ${path} is already ${state}`);
  }

  function flushRaw(): void {
    if (rawLen === 0) return;
    batch.push(Buffer.from([REC_RAW]), varint(rawLen), ...rawParts);
    batchLen += 1 + 10 + rawLen;
    rawParts = [];
    rawLen = 0;
  }

  async function flushBatch(force: boolean): Promise<void> {
    if (batchLen === 0 || (!force && batchLen < OUT_BATCH)) return;
    const data = Buffer.concat(batch);
    batch = [];
    batchLen = 0;
    if (!gzip.write(data)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          gzip.off('error', onError);
          resolve();
        };
        const onError = (err: Error): void => {
          gzip.off('drain', onDrain);
          reject(err);
        };
        gzip.once('drain', onDrain);
        gzip.once('error', onError);
      });
    }
  }

  return {
    async raw(bytes: Uint8Array): Promise<void> {
      assertOpen();
      if (bytes.length === 0) return;
      // Copy: the reader's slices may share memory with buffers it passes on to others.
      rawParts.push(Buffer.from(bytes));
      rawLen += bytes.length;
      if (rawLen >= RAW_RECORD) {
        flushRaw();
        await flushBatch(false);
      }
    },
    async file(name: string, size: number, crc: number): Promise<void> {
      assertOpen();
      flushRaw();
      const nameBytes = Buffer.from(name, 'utf8');
      const tail = Buffer.alloc(4);
      tail.writeUInt32BE(crc >>> 0);
      batch.push(Buffer.from([REC_FILE]), varint(nameBytes.length), nameBytes, varint(size), tail);
      batchLen += 1 + 10 + nameBytes.length + 10 + 4;
      await flushBatch(false);
    },
    async close(): Promise<void> {
      assertOpen();
      flushRaw();
      batch.push(Buffer.from([REC_END]));
      batchLen += 1;
      await flushBatch(true);
      state = 'closed';
      gzip.end();
      await finished;
      await rename(tmp, path);
      fsyncDir(dirname(path));
    },
    async abort(): Promise<void> {
      if (state !== 'open') return;
      state = 'aborted';
      gzip.destroy();
      out.destroy();
      await finished.catch(() => {});
      await rm(tmp, { force: true });
    },
  };
}

function corrupt(splitPath: string, what: string): SkiffError {
  return new SkiffError('io', `tar-split data ${splitPath} is corrupt: ${what}`);
}

/** Incremental decoder of the record stream; `need` more bytes are required when it returns undefined. */
class RecordParser {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
  }

  get pending(): number {
    return this.#buf.length;
  }

  /** Reads a varint at `pos`: [value, next position], or undefined if it is not complete. */
  #varint(pos: number): [number, number] | undefined {
    let v = 0;
    let mul = 1;
    for (let i = pos; i < this.#buf.length; i++) {
      const b = this.#buf[i] as number;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return [v, i + 1];
      mul *= 0x80;
      if (i - pos > 8) throw new Error('varint too long');
    }
    return undefined;
  }

  take(n: number): Buffer | undefined {
    if (this.#buf.length < n) return undefined;
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  next():
    | { kind: 'raw'; bytes: Buffer }
    | { kind: 'file'; name: string; size: number; crc: number }
    | { kind: 'end' }
    | undefined {
    if (this.#buf.length === 0) return undefined;
    const kind = this.#buf[0];
    if (kind === REC_END) {
      this.#buf = this.#buf.subarray(1);
      return { kind: 'end' };
    }
    if (kind === REC_RAW) {
      const len = this.#varint(1);
      if (!len || this.#buf.length < len[1] + len[0]) return undefined;
      const bytes = this.#buf.subarray(len[1], len[1] + len[0]);
      this.#buf = this.#buf.subarray(len[1] + len[0]);
      return { kind: 'raw', bytes };
    }
    if (kind === REC_FILE) {
      const nl = this.#varint(1);
      if (!nl || this.#buf.length < nl[1] + nl[0]) return undefined;
      const name = this.#buf.toString('utf8', nl[1], nl[1] + nl[0]);
      const sz = this.#varint(nl[1] + nl[0]);
      if (!sz || this.#buf.length < sz[1] + 4) return undefined;
      const crc = this.#buf.readUInt32BE(sz[1]);
      this.#buf = this.#buf.subarray(sz[1] + 4);
      return { kind: 'file', name, size: sz[0], crc };
    }
    throw new Error(`unknown record type ${kind}`);
  }
}

/** Reads of file content up to this size use one synchronous read. */
const SMALL_FILE = 64 * 1024;
const READ_CHUNK = 1 << 20;
/** Output is coalesced into chunks of about this size. */
const OUT_CHUNK = 64 * 1024;

/**
 * Rebuilds the original tar from its tar-split stream and the layer directory `diffDir`. File
 * names are resolved inside diffDir as extraction resolved them (parents scoped to diffDir, the
 * file itself never followed), so a symlink in the layer cannot make this read a host file.
 */
export async function* reassemble(splitPath: string, diffDir: string): AsyncGenerator<Buffer> {
  const parser = new RecordParser();
  let acc: Buffer[] = [];
  let accLen = 0;
  let ended = false;
  let magicSeen = false;

  function* flush(): Generator<Buffer> {
    if (accLen === 0) return;
    const out = acc.length === 1 ? (acc[0] as Buffer) : Buffer.concat(acc, accLen);
    acc = [];
    accLen = 0;
    yield out;
  }

  // pipeline() forwards a read error (a missing file) to the gunzip stream we iterate, and
  // destroying that stream (an early return by our consumer) closes the file.
  const input = pipeline(createReadStream(splitPath), createGunzip(), () => {});
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      parser.push(chunk);
      if (!magicSeen) {
        const m = parser.take(MAGIC.length);
        if (!m) continue;
        if (!m.equals(MAGIC)) throw corrupt(splitPath, 'bad magic');
        magicSeen = true;
      }
      for (;;) {
        let rec;
        try {
          rec = parser.next();
        } catch (err) {
          throw corrupt(splitPath, (err as Error).message);
        }
        if (!rec) break;
        if (ended) throw corrupt(splitPath, 'data after the end record');
        if (rec.kind === 'end') {
          ended = true;
          continue;
        }
        if (rec.kind === 'raw') {
          // Copy: the parser's buffer is reused by the next push.
          acc.push(Buffer.from(rec.bytes));
          accLen += rec.bytes.length;
          if (accLen >= OUT_CHUNK) yield* flush();
          continue;
        }
        for (const part of readLayerFile(diffDir, rec.name, rec.size, rec.crc)) {
          if (part.length >= OUT_CHUNK) {
            yield* flush();
            yield part;
          } else {
            acc.push(part);
            accLen += part.length;
            if (accLen >= OUT_CHUNK) yield* flush();
          }
        }
      }
    }
  } catch (err) {
    if (err instanceof SkiffError) throw err;
    throw new SkiffError('io', `reading tar-split data ${splitPath}: ${(err as Error).message}`, { cause: err });
  } finally {
    input.destroy();
  }
  if (!magicSeen || !ended || parser.pending > 0) throw corrupt(splitPath, 'truncated');
  yield* flush();
}

/** The content of one layer file, checked against the size and CRC recorded at extraction. */
function* readLayerFile(diffDir: string, name: string, size: number, crc: number): Generator<Buffer> {
  const changed = (why: string): SkiffError =>
    new SkiffError('io', `layer file ${JSON.stringify(name)} in ${diffDir} no longer matches the layer tar: ${why}`);
  const rel = cleanEntryName(name);
  const path = rel === undefined || rel === '' ? undefined : scopedPath(diffDir, rel);
  if (path === undefined) throw changed('its path does not resolve inside the layer');
  let fd: number;
  try {
    // O_NOFOLLOW: the file itself is never a symlink in a layer we extracted.
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch (err) {
    throw changed((err as Error).message);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw changed('not a regular file');
    if (st.size !== size) throw changed(`size ${st.size}, expected ${size}`);
    let left = size;
    let sum = 0;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(left, size <= SMALL_FILE ? SMALL_FILE : READ_CHUNK));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) throw changed('shorter than recorded');
      const part = n === buf.length ? buf : buf.subarray(0, n);
      sum = crc32(part, sum);
      left -= n;
      yield part;
    }
    if (sum >>> 0 !== crc >>> 0) throw changed('content checksum differs');
  } finally {
    closeSync(fd);
  }
}
