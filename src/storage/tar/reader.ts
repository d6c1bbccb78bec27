/**
 * A streaming tar reader for ustar, POSIX pax and GNU archives.
 *
 * The archive is untrusted: every header is checksummed, every numeric field validated, and the
 * size of metadata records (pax, GNU long names) bounded before it is buffered. Any defect ends
 * the iteration with SkiffError('bad-archive'). File content is never buffered: an entry's body
 * yields slices of the source's own chunks.
 *
 * With `split`, every byte of the archive is also reported so that it can be rebuilt byte for
 * byte later (tar-split): `raw()` for everything that is not a regular file's content, `file()`
 * in place of that content. The source is always read to its end, trailing bytes included,
 * because callers hash the whole stream (the diffID covers every byte).
 */
import { crc32 } from 'node:zlib';
import { SkiffError } from '../../util/errors.ts';

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'chardev' | 'blockdev' | 'dir' | 'fifo' | 'unknown';

export interface TarHeader {
  /** The full name: pax `path`, else a GNU long name, else ustar prefix + name. Not cleaned. */
  readonly name: string;
  readonly linkname: string;
  readonly type: EntryType;
  /** The raw typeflag character (meaningful when type is 'unknown'). */
  readonly typeflag: string;
  /** Permission bits including setuid, setgid and sticky (no file-type bits). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly uname: string;
  readonly gname: string;
  /** Bytes of content that follow the header (0 for links, dirs, devices and fifos). */
  readonly size: number;
  /** Seconds since the epoch; fractional when a pax record gave sub-second precision. */
  readonly mtime: number;
  readonly atime: number | undefined;
  readonly ctime: number | undefined;
  readonly devmajor: number;
  readonly devminor: number;
  /** Extended attributes from pax `SCHILY.xattr.*` (or `LIBARCHIVE.xattr.*`), values as raw bytes. */
  readonly xattrs: Map<string, Buffer>;
  /** Every other pax record of the entry (`path`, `mtime`, `GNU.sparse.*`, …), as UTF-8 text. */
  readonly pax: Map<string, string>;
}

export interface TarEntry {
  readonly header: TarHeader;
  /** The content; read it or not: what is left unread is skipped before the next entry. */
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * For a regular file whose content will not be kept on disk under its name (a whiteout marker
   * with data, a skipped entry): record the content itself in the split stream. Call before
   * reading the body.
   */
  keepContentInSplit(): void;
}

/** Receives the archive's bytes for tar-split. A returned promise is awaited (backpressure). */
export interface SplitSink {
  raw(bytes: Uint8Array): void | Promise<void>;
  /** Stands for `size` bytes of the regular file `name` (the header's name, uncleaned). */
  file(name: string, size: number, crc: number): void | Promise<void>;
}

export interface ReadTarOptions {
  readonly split?: SplitSink;
}

const BLOCK = 512;
/** Bound on buffered metadata (pax records, GNU long names), as Go's archive/tar has. */
const MAX_META_SIZE = 1 << 20;
const ZERO_BLOCK = new Uint8Array(BLOCK);
const EMPTY = new Uint8Array(0);

function bad(message: string): SkiffError {
  return new SkiffError('bad-archive', `invalid tar archive: ${message}`);
}

/** Pulls exact byte counts out of a chunked source, slicing chunks without copying them. */
class ByteSource {
  readonly #it: AsyncIterator<Uint8Array>;
  #chunk: Uint8Array = EMPTY;
  #off = 0;
  #eof = false;
  /** Bytes consumed so far: positions for error messages. */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  /** Makes at least one byte available; false at end of input. */
  async #fill(): Promise<boolean> {
    while (this.#off >= this.#chunk.length) {
      if (this.#eof) return false;
      const r = await this.#it.next();
      if (r.done) {
        this.#eof = true;
        return false;
      }
      this.#chunk = r.value;
      this.#off = 0;
    }
    return true;
  }

  /** The next slice of at most `max` bytes, or undefined at end of input. */
  async next(max: number): Promise<Uint8Array | undefined> {
    if (!(await this.#fill())) return undefined;
    const n = Math.min(max, this.#chunk.length - this.#off);
    const out = this.#chunk.subarray(this.#off, this.#off + n);
    this.#off += n;
    this.offset += n;
    return out;
  }

  /** Exactly `n` bytes, or fewer only if the input ends first. */
  async read(n: number): Promise<Uint8Array> {
    const first = await this.next(n);
    if (first === undefined) return EMPTY;
    if (first.length === n) return first;
    const out = new Uint8Array(n);
    out.set(first);
    let got = first.length;
    while (got < n) {
      const part = await this.next(n - got);
      if (part === undefined) return out.subarray(0, got);
      out.set(part, got);
      got += part.length;
    }
    return out;
  }

  /** Closes the underlying iterator early (on error), so that its resources are released. */
  async close(): Promise<void> {
    if (this.#eof) return;
    this.#eof = true;
    await this.#it.return?.();
  }
}

function cstring(b: Uint8Array, start: number, end: number): string {
  let z = start;
  while (z < end && b[z] !== 0) z++;
  return Buffer.from(b.buffer, b.byteOffset + start, z - start).toString('utf8');
}

/**
 * A numeric header field: octal text (optionally space or NUL padded), or GNU/star base-256
 * (high bit of the first byte set; 0xff marks a negative two's-complement value).
 */
function numeric(b: Uint8Array, start: number, end: number, field: string): number {
  const first = b[start] as number;
  if (first & 0x80) {
    let v = BigInt(first & 0x7f);
    const negative = first === 0xff;
    for (let i = start + 1; i < end; i++) v = (v << 8n) | BigInt(b[i] as number);
    if (negative) v -= 1n << BigInt(7 + 8 * (end - start - 1));
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw bad(`${field} field out of range`);
    return Number(v);
  }
  let i = start;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i] as number;
    if (c >= 0x30 && c <= 0x37) {
      v = v * 8 + (c - 0x30);
      digits++;
      continue;
    }
    if (c === 0x20 || c === 0) break;
    throw bad(`${field} field is not an octal number`);
  }
  for (; i < end; i++) {
    if (b[i] !== 0x20 && b[i] !== 0) throw bad(`${field} field is not an octal number`);
  }
  if (digits > 0 && !Number.isSafeInteger(v)) throw bad(`${field} field out of range`);
  return v;
}

function checksumOk(b: Uint8Array): boolean {
  const stored = numeric(b, 148, 156, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : (b[i] as number);
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  // Some old writers summed signed chars; GNU tar and Go accept both.
  return stored === unsigned || stored === signed;
}

type Magic = 'ustar' | 'gnu' | 'v7';

function magicOf(b: Uint8Array): Magic {
  // "ustar\0" + "00" is POSIX; "ustar " + " \0" is GNU (whose prefix field holds other data).
  if (b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72) {
    if (b[262] === 0) return 'ustar';
    if (b[262] === 0x20 && b[263] === 0x20) return 'gnu';
  }
  return 'v7';
}

function typeOf(flag: string): EntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'chardev';
    case '4':
      return 'blockdev';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    default:
      return 'unknown';
  }
}

/** Types whose size field is ignored and that carry no content, as in Go's archive/tar. */
function headerOnly(t: EntryType): boolean {
  return t === 'hardlink' || t === 'symlink' || t === 'chardev' || t === 'blockdev' || t === 'dir' || t === 'fifo';
}

/**
 * Parses pax extended-header data: records `<len> <key>=<value>\n` where len counts the whole
 * record. Values are raw bytes (xattr values are binary), so records are split by their
 * length, never by searching for newlines.
 */
export function parsePaxRecords(data: Uint8Array): Map<string, Buffer> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < buf.length) {
    const sp = buf.indexOf(0x20, pos);
    if (sp < 0 || sp === pos || sp - pos > 12) throw bad('malformed pax record length');
    let len = 0;
    for (let i = pos; i < sp; i++) {
      const c = buf[i] as number;
      if (c < 0x30 || c > 0x39) throw bad('malformed pax record length');
      len = len * 10 + (c - 0x30);
    }
    const end = pos + len;
    if (len <= sp - pos + 1 || end > buf.length || buf[end - 1] !== 0x0a) throw bad('malformed pax record');
    const eq = buf.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= end - 1 || eq === sp + 1) throw bad('malformed pax record');
    out.set(buf.toString('utf8', sp + 1, eq), buf.subarray(eq + 1, end - 1));
    pos = end;
  }
  return out;
}

/** A pax decimal number (`size`, `uid`, …): digits only. */
function paxInteger(v: string, key: string): number {
  if (!/^\d{1,16}$/.test(v)) throw bad(`pax ${key} is not a number`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw bad(`pax ${key} out of range`);
  return n;
}

/** A pax time: `[-]seconds[.fraction]`. */
function paxTime(v: string, key: string): number {
  if (!/^-?\d{1,19}(\.\d*)?$/.test(v)) throw bad(`pax ${key} is not a time`);
  return Number(v);
}

interface Pending {
  pax: Map<string, Buffer> | undefined;
  longName: string | undefined;
  longLink: string | undefined;
}

/**
 * Reads a tar stream entry by entry. The iterator must be consumed in order: moving to the next
 * entry skips whatever of the previous body was not read.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>, opts: ReadTarOptions = {}): AsyncGenerator<TarEntry> {
  const split = opts.split;
  const src = new ByteSource(source);

  /** Reads `n` bytes that belong to the archive's structure (not file content). */
  async function structural(n: number, what: string): Promise<Uint8Array> {
    const b = await src.read(n);
    if (b.length < n) throw bad(`unexpected end of archive in ${what} at byte ${src.offset}`);
    if (split) await split.raw(b);
    return b;
  }

  function padding(size: number): number {
    return (BLOCK - (size % BLOCK)) % BLOCK;
  }

  let finished = false;
  try {
    const pending: Pending = { pax: undefined, longName: undefined, longLink: undefined };
    for (;;) {
      const block = await src.read(BLOCK);
      if (block.length === 0) {
        // An empty stream is an empty archive (as Go's archive/tar reads it); EOF where a later
        // header should be, with no end-of-archive blocks, is a truncation.
        if (src.offset === 0) break;
        throw bad(`unexpected end of archive at byte ${src.offset}`);
      }
      if (block.length < BLOCK) throw bad(`unexpected end of archive in a header at byte ${src.offset}`);
      if (split) await split.raw(block);

      if (Buffer.from(block.buffer, block.byteOffset, BLOCK).equals(ZERO_BLOCK)) {
        // End of archive: two zero blocks, or one at EOF (GNU tar tolerates a lone one).
        const second = await src.read(BLOCK);
        if (second.length > 0) {
          if (split) await split.raw(second);
          if (second.length < BLOCK || !Buffer.from(second.buffer, second.byteOffset, BLOCK).equals(ZERO_BLOCK)) {
            throw bad(`unexpected data after a zero block at byte ${src.offset - second.length}`);
          }
        }
        if (pending.pax || pending.longName !== undefined || pending.longLink !== undefined) {
          throw bad('archive ends after an extended header without its entry');
        }
        break;
      }

      if (!checksumOk(block)) throw bad(`header checksum mismatch at byte ${src.offset - BLOCK}`);
      const flag = String.fromCharCode(block[156] as number);
      const magic = magicOf(block);
      const fieldSize = numeric(block, 124, 136, 'size');
      if (fieldSize < 0) throw bad(`negative size at byte ${src.offset - BLOCK}`);

      // Metadata entries that describe the next real entry.
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (fieldSize > MAX_META_SIZE) throw bad(`extended header of ${fieldSize} bytes is too large`);
        const data = await structural(fieldSize, 'an extended header');
        await structural(padding(fieldSize), 'padding');
        if (flag === 'x') {
          const recs = parsePaxRecords(data);
          if (!pending.pax) pending.pax = recs;
          else for (const [k, v] of recs) pending.pax.set(k, v);
        } else if (flag === 'L') {
          pending.longName = cstring(data, 0, data.length);
        } else if (flag === 'K') {
          pending.longLink = cstring(data, 0, data.length);
        }
        // Global pax headers ('g') are validated and kept in the split stream but not applied,
        // as in Go's archive/tar and so in containers/storage.
        continue;
      }

      // GNU sparse headers may be followed by extension blocks before the data.
      if (flag === 'S' && magic === 'gnu' && block[482] !== 0) {
        for (;;) {
          const ext = await structural(BLOCK, 'a sparse header extension');
          if (ext[504] === 0) break;
        }
      }

      const header = buildHeader(block, flag, magic, fieldSize, pending);
      pending.pax = undefined;
      pending.longName = undefined;
      pending.longLink = undefined;

      const size = header.size;
      const isFile = header.type === 'file';
      let left = size;
      let keepRaw = !isFile;
      let started = false;
      let crc = 0;

      async function* body(): AsyncGenerator<Uint8Array> {
        if (started) throw new SkiffError('internal', `tar entry ${JSON.stringify(header.name)}: body read twice`);
        started = true;
        while (left > 0) {
          const part = await src.next(left);
          if (part === undefined) throw bad(`unexpected end of archive in the content of ${JSON.stringify(header.name)}`);
          left -= part.length;
          if (split) {
            if (keepRaw) await split.raw(part);
            else crc = crc32(part, crc);
          }
          yield part;
        }
      }

      const entry: TarEntry = {
        header,
        body: { [Symbol.asyncIterator]: body },
        keepContentInSplit() {
          if (started) throw new SkiffError('internal', `tar entry ${JSON.stringify(header.name)}: split mode changed after reading began`);
          keepRaw = true;
        },
      };
      yield entry;

      // Skip what the consumer left unread (all of it, or the rest after a `break`).
      started = true;
      while (left > 0) {
        const part = await src.next(left);
        if (part === undefined) throw bad(`unexpected end of archive in the content of ${JSON.stringify(header.name)}`);
        left -= part.length;
        if (split) {
          if (keepRaw) await split.raw(part);
          else crc = crc32(part, crc);
        }
      }
      if (split && !keepRaw && size > 0) await split.file(header.name, size, crc);
      await structural(padding(size), 'padding');
    }

    // Everything after the end blocks (GNU tar pads to its record size) is part of the stream.
    for (;;) {
      const part = await src.next(1 << 20);
      if (part === undefined) break;
      if (split) await split.raw(part);
    }
    finished = true;
  } finally {
    // On an error, or when the consumer stops early, release the source (its file or socket).
    if (!finished) await src.close().catch(() => {});
  }
}

function buildHeader(b: Uint8Array, flag: string, magic: Magic, fieldSize: number, pending: Pending): TarHeader {
  let name = cstring(b, 0, 100);
  let linkname = cstring(b, 157, 257);
  let uname = '';
  let gname = '';
  let devmajor = 0;
  let devminor = 0;
  let atime: number | undefined;
  let ctime: number | undefined;
  if (magic !== 'v7') {
    uname = cstring(b, 265, 297);
    gname = cstring(b, 297, 329);
    devmajor = numeric(b, 329, 337, 'devmajor');
    devminor = numeric(b, 337, 345, 'devminor');
  }
  if (magic === 'ustar') {
    const prefix = cstring(b, 345, 500);
    if (prefix !== '') name = `${prefix}/${name}`;
  } else if (magic === 'gnu') {
    if (b[345] !== 0) atime = numeric(b, 345, 357, 'atime');
    if (b[357] !== 0) ctime = numeric(b, 357, 369, 'ctime');
  }
  let type = typeOf(flag);
  // A pre-POSIX regular file whose name ends in '/' is a directory (as Go and GNU tar read it).
  if (flag === '\0' && name.endsWith('/')) type = 'dir';

  const mode = numeric(b, 100, 108, 'mode') & 0o7777;
  let uid = numeric(b, 108, 116, 'uid');
  let gid = numeric(b, 116, 124, 'gid');
  let size = fieldSize;
  let mtime = numeric(b, 136, 148, 'mtime');

  if (pending.longName !== undefined) name = pending.longName;
  if (pending.longLink !== undefined) linkname = pending.longLink;

  const xattrs = new Map<string, Buffer>();
  const pax = new Map<string, string>();
  if (pending.pax) {
    for (const [key, raw] of pending.pax) {
      if (key.startsWith('SCHILY.xattr.')) {
        xattrs.set(key.slice('SCHILY.xattr.'.length), Buffer.from(raw));
        continue;
      }
      if (key.startsWith('LIBARCHIVE.xattr.')) {
        // bsdtar's form: URL-encoded name, base64 value.
        let xname: string;
        try {
          xname = decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length));
        } catch {
          throw bad(`malformed pax record ${key}`);
        }
        if (!xattrs.has(xname)) xattrs.set(xname, Buffer.from(raw.toString('latin1'), 'base64'));
        continue;
      }
      const v = raw.toString('utf8');
      pax.set(key, v);
      // An empty value means "use the ustar field" (POSIX pax, "keyword=" with no value).
      if (v === '') continue;
      switch (key) {
        case 'path':
          name = v;
          break;
        case 'linkpath':
          linkname = v;
          break;
        case 'size':
          size = paxInteger(v, key);
          break;
        case 'uid':
          uid = paxInteger(v, key);
          break;
        case 'gid':
          gid = paxInteger(v, key);
          break;
        case 'uname':
          uname = v;
          break;
        case 'gname':
          gname = v;
          break;
        case 'mtime':
          mtime = paxTime(v, key);
          break;
        case 'atime':
          atime = paxTime(v, key);
          break;
        case 'ctime':
          ctime = paxTime(v, key);
          break;
        case 'SCHILY.devmajor':
          devmajor = paxInteger(v, key);
          break;
        case 'SCHILY.devminor':
          devminor = paxInteger(v, key);
          break;
        default:
          break;
      }
    }
  }
  if (uid < 0 || uid > 0xffffffff || gid < 0 || gid > 0xffffffff) throw bad(`uid or gid out of range for ${JSON.stringify(name)}`);
  if (devmajor < 0 || devminor < 0) throw bad(`negative device number for ${JSON.stringify(name)}`);
  if (name === '') throw bad('entry with an empty name');
  if (headerOnly(type)) size = 0;
  return { name, linkname, type, typeflag: flag, mode, uid, gid, uname, gname, size, mtime, atime, ctime, devmajor, devminor, xattrs, pax };
}
