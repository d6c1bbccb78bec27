/**
 * A tar writer: ustar headers, with a pax extended header in front of an entry only when ustar
 * cannot hold it (long or non-ASCII names, ids, sizes or times out of octal range, sub-second
 * times, extended attributes). GNU tar, bsdtar and Go's archive/tar read the output.
 *
 * `writeTarFromDir` walks a directory in sorted order, so the same tree always gives the same
 * bytes; it is what `save`, `export` and `commit` build their tars with.
 */
import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { errnoCode, SkiffError } from '../../util/errors.ts';
import { lgetxattr, llistxattr } from '../../util/syscall.ts';
import type { EntryType } from './reader.ts';
import { devMajor, devMinor } from '../../util/devnum.ts';

const BLOCK = 512;
const MAX_OCTAL_7 = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;

export type WritableType = Exclude<EntryType, 'unknown'>;

export interface TarWriteHeader {
  /** Entry name as stored; a directory's name conventionally ends in '/'. */
  readonly name: string;
  readonly type: WritableType;
  /** Permission bits including setuid/setgid/sticky; defaults to 0o644 (0o755 for dirs). */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly uname?: string;
  readonly gname?: string;
  /** Content length: required (and only meaningful) for regular files. */
  readonly size?: number;
  /** Seconds since the epoch (may be fractional); defaults to 0. */
  readonly mtime?: number;
  readonly linkname?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
  /** Extended attributes, written as pax `SCHILY.xattr.<name>` records with binary values. */
  readonly xattrs?: ReadonlyMap<string, Uint8Array>;
  /** Extra pax records. Keys this writer derives from the fields above are ignored here. */
  readonly pax?: ReadonlyMap<string, string>;
}

export interface TarWriteEntry {
  readonly header: TarWriteHeader;
  /** Content of a regular file: exactly header.size bytes. */
  readonly body?: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

const TYPEFLAG: Record<WritableType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  chardev: '3',
  blockdev: '4',
  dir: '5',
  fifo: '6',
};

/** Keys the writer computes itself; the same keys in `header.pax` are ignored. */
const DERIVED_KEYS = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'uname', 'gname', 'mtime', 'SCHILY.devmajor', 'SCHILY.devminor']);

export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

/** Zero bytes that pad `size` bytes of content up to a block boundary. */
export function paddingFor(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function isAscii(s: string): boolean {
  // Printable ASCII plus the controls a name might hold; anything >= 0x80 needs pax (UTF-8).
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7e) return false;
  return true;
}

function writeString(block: Buffer, s: string | Buffer, off: number, len: number): void {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  b.copy(block, off, 0, Math.min(b.length, len));
}

/** Octal text of `digits` digits plus a NUL terminator. */
function writeOctal(block: Buffer, n: number, off: number, digits: number): void {
  block.write(Math.trunc(n).toString(8).padStart(digits, '0'), off, digits, 'latin1');
  block[off + digits] = 0;
}

/** One pax record: "<len> <key>=<value>\n", len counting the whole record including itself. */
function paxRecord(key: string, value: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  // The length counts its own digits: grow it until the digit count is stable.
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len), 'latin1'), body]);
}

/** Formats seconds for pax: integers as is, fractions to nanoseconds, trailing zeros dropped. */
function paxTime(t: number): string {
  if (Number.isInteger(t)) return String(t);
  const sign = t < 0 ? '-' : '';
  const abs = Math.abs(t);
  let secs = Math.floor(abs);
  let ns = Math.round((abs - secs) * 1e9);
  if (ns >= 1e9) {
    secs += 1;
    ns -= 1e9;
  }
  const frac = String(ns).padStart(9, '0').replace(/0+$/, '');
  return frac === '' ? `${sign}${secs}` : `${sign}${secs}.${frac}`;
}

/** Splits a name into ustar (prefix, name) fields, or undefined if it cannot be split. */
function splitUstarName(nameBytes: Buffer): [Buffer, Buffer] | undefined {
  if (nameBytes.length <= 100) return [Buffer.alloc(0), nameBytes];
  // The '/' between prefix and name is implied; pick the first one that leaves both in range.
  for (let i = Math.max(0, nameBytes.length - 101); i < nameBytes.length && i <= 155; i++) {
    if (nameBytes[i] !== 0x2f) continue;
    const rest = nameBytes.length - i - 1;
    if (rest >= 1 && rest <= 100) return [nameBytes.subarray(0, i), nameBytes.subarray(i + 1)];
  }
  return undefined;
}

function ustarBlock(fields: {
  name: Buffer;
  prefix: Buffer;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeString(b, fields.name, 0, 100);
  writeOctal(b, fields.mode, 100, 7);
  writeOctal(b, fields.uid, 108, 7);
  writeOctal(b, fields.gid, 116, 7);
  writeOctal(b, fields.size, 124, 11);
  writeOctal(b, fields.mtime, 136, 11);
  b.write(fields.typeflag, 156, 1, 'latin1');
  writeString(b, fields.linkname, 157, 100);
  b.write('ustar\u000000', 257, 8, 'latin1');
  writeString(b, fields.uname, 265, 32);
  writeString(b, fields.gname, 297, 32);
  writeOctal(b, fields.devmajor, 329, 7);
  writeOctal(b, fields.devminor, 337, 7);
  writeString(b, fields.prefix, 345, 155);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i] as number;
  b.write(sum.toString(8).padStart(6, '0'), 148, 6, 'latin1');
  b[154] = 0;
  b[155] = 0x20;
  return b;
}

function inRange(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

/**
 * The header block(s) of one entry: a pax 'x' header first when needed, then the ustar header.
 * Throws on values no tar can hold (negative ids or sizes).
 */
export function encodeHeader(h: TarWriteHeader): Buffer {
  const type = h.type;
  const mode = (h.mode ?? (type === 'dir' ? 0o755 : 0o644)) & 0o7777;
  const uid = h.uid ?? 0;
  const gid = h.gid ?? 0;
  const size = type === 'file' ? (h.size ?? 0) : 0;
  const mtime = h.mtime ?? 0;
  const linkname = h.linkname ?? '';
  const uname = h.uname ?? '';
  const gname = h.gname ?? '';
  const devmajor = h.devmajor ?? 0;
  const devminor = h.devminor ?? 0;
  for (const [what, v] of [['uid', uid], ['gid', gid], ['size', size], ['devmajor', devmajor], ['devminor', devminor]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new SkiffError('internal', `tar entry ${h.name}: invalid ${what} ${v}`);
  }
  if (!Number.isFinite(mtime)) throw new SkiffError('internal', `tar entry ${h.name}: invalid mtime ${mtime}`);
  if (h.name === '' || h.name.includes('\0') || linkname.includes('\0')) {
    throw new SkiffError('internal', `tar entry ${JSON.stringify(h.name)}: invalid name`);
  }

  const records: Buffer[] = [];
  const nameBytes = Buffer.from(h.name, 'utf8');
  let split = isAscii(h.name) ? splitUstarName(nameBytes) : undefined;
  if (!split) {
    records.push(paxRecord('path', nameBytes));
    split = [Buffer.alloc(0), nameBytes.subarray(0, 100)];
  }
  if (Buffer.byteLength(linkname) > 100 || !isAscii(linkname)) records.push(paxRecord('linkpath', Buffer.from(linkname)));
  if (!inRange(size, MAX_OCTAL_11)) records.push(paxRecord('size', Buffer.from(String(size))));
  if (!inRange(uid, MAX_OCTAL_7)) records.push(paxRecord('uid', Buffer.from(String(uid))));
  if (!inRange(gid, MAX_OCTAL_7)) records.push(paxRecord('gid', Buffer.from(String(gid))));
  if (Buffer.byteLength(uname) > 32 || !isAscii(uname)) records.push(paxRecord('uname', Buffer.from(uname)));
  if (Buffer.byteLength(gname) > 32 || !isAscii(gname)) records.push(paxRecord('gname', Buffer.from(gname)));
  if (!inRange(mtime, MAX_OCTAL_11)) records.push(paxRecord('mtime', Buffer.from(paxTime(mtime))));
  if (!inRange(devmajor, MAX_OCTAL_7)) records.push(paxRecord('SCHILY.devmajor', Buffer.from(String(devmajor))));
  if (!inRange(devminor, MAX_OCTAL_7)) records.push(paxRecord('SCHILY.devminor', Buffer.from(String(devminor))));
  if (h.pax) {
    for (const key of [...h.pax.keys()].sort()) {
      if (DERIVED_KEYS.has(key) || key.startsWith('SCHILY.xattr.')) continue;
      records.push(paxRecord(key, Buffer.from(h.pax.get(key) as string)));
    }
  }
  if (h.xattrs) {
    for (const key of [...h.xattrs.keys()].sort()) {
      if (key === '' || key.includes('=') || key.includes('\0')) throw new SkiffError('internal', `tar entry ${h.name}: invalid xattr name ${JSON.stringify(key)}`);
      records.push(paxRecord(`SCHILY.xattr.${key}`, h.xattrs.get(key) as Uint8Array));
    }
  }

  // The ustar field holds whole seconds in range; pax carries the exact value when it differs.
  const ustarTime = Math.min(Math.max(Math.floor(mtime), 0), MAX_OCTAL_11);
  const main = ustarBlock({
    name: split[1],
    prefix: split[0],
    mode,
    uid: inRange(uid, MAX_OCTAL_7) ? uid : 0,
    gid: inRange(gid, MAX_OCTAL_7) ? gid : 0,
    size: inRange(size, MAX_OCTAL_11) ? size : 0,
    mtime: ustarTime,
    typeflag: TYPEFLAG[type],
    linkname: Buffer.byteLength(linkname) > 100 || !isAscii(linkname) ? '' : linkname,
    uname: Buffer.byteLength(uname) > 32 || !isAscii(uname) ? '' : uname,
    gname: Buffer.byteLength(gname) > 32 || !isAscii(gname) ? '' : gname,
    devmajor: inRange(devmajor, MAX_OCTAL_7) ? devmajor : 0,
    devminor: inRange(devminor, MAX_OCTAL_7) ? devminor : 0,
  });
  if (records.length === 0) return main;

  const data = Buffer.concat(records);
  const base = h.name.replace(/\/+$/, '').split('/').pop() ?? '';
  const paxName = Buffer.from(`PaxHeaders/${base}`, 'utf8').subarray(0, 100);
  const paxHeader = ustarBlock({
    name: paxName,
    prefix: Buffer.alloc(0),
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.length,
    mtime: ustarTime,
    typeflag: 'x',
    linkname: '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHeader, data, paddingFor(data.length), main]);
}

/** Output is coalesced into chunks of about this size; bigger content chunks pass through. */
const OUT_CHUNK = 64 * 1024;

/** Coalesces small buffers into bigger output chunks. */
class Coalescer {
  #parts: Buffer[] = [];
  #len = 0;

  add(b: Buffer): Buffer | undefined {
    this.#parts.push(b);
    this.#len += b.length;
    return this.#len >= OUT_CHUNK ? this.take() : undefined;
  }

  take(): Buffer | undefined {
    if (this.#len === 0) return undefined;
    const out = this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts, this.#len);
    this.#parts = [];
    this.#len = 0;
    return out;
  }
}

/** Writes entries as a tar stream (ending with the two zero blocks). */
export async function* writeTar(entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>): AsyncGenerator<Buffer> {
  const out = new Coalescer();
  for await (const entry of entries) {
    const h = entry.header;
    const full = out.add(encodeHeader(h));
    if (full) yield full;
    const size = h.type === 'file' ? (h.size ?? 0) : 0;
    let written = 0;
    if (entry.body !== undefined) {
      const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = entry.body instanceof Uint8Array ? [entry.body] : entry.body;
      for await (const c of chunks) {
        written += c.length;
        if (written > size) break;
        const b = Buffer.from(c.buffer, c.byteOffset, c.length);
        if (b.length >= OUT_CHUNK) {
          const pending = out.take();
          if (pending) yield pending;
          yield b;
        } else {
          const f = out.add(b);
          if (f) yield f;
        }
      }
    }
    if (written !== size) throw new SkiffError('internal', `tar entry ${h.name}: content is ${written} bytes, header says ${size}`);
    const pad = paddingFor(size);
    if (pad.length > 0) {
      const f = out.add(pad);
      if (f) yield f;
    }
  }
  const f = out.add(END_OF_ARCHIVE);
  if (f) yield f;
  const rest = out.take();
  if (rest) yield rest;
}

export interface DirTarOptions {
  /** Overrides every entry's mtime (seconds), e.g. 0 for reproducible output. */
  readonly mtime?: number;
  /** Maps host owners to the owners recorded in the tar (the reverse of extraction's map). */
  readonly idMap?: (uid: number, gid: number) => { uid: number; gid: number };
  /** User and group names to record for an owner; none by default. */
  readonly names?: (uid: number, gid: number) => { uname: string; gname: string };
  /**
   * Record `security.capability` and `user.*` extended attributes, as Podman does (default
   * true). Overlay's own attributes are never recorded as xattrs.
   */
  readonly xattrs?: boolean;
  /**
   * Turn overlay whiteouts in `dir` (an overlay upper or diff dir) into their OCI tar form:
   * char device 0:0 → `.wh.NAME`, opaque dir → `DIR/.wh..wh..opq`. 'trusted' for the
   * `trusted.overlay.*` attributes, 'user' for rootless (`user.overlay.*`).
   */
  readonly whiteouts?: 'trusted' | 'user';
  /** Leaves out a path (relative, no leading '/') and, for a directory, all below it. */
  readonly exclude?: (rel: string) => boolean;
}

const READ_CHUNK = 1 << 20;
const SMALL_FILE = 64 * 1024;

function ownerOf(st: Stats, opts: DirTarOptions): { uid: number; gid: number; uname: string; gname: string } {
  const ids = opts.idMap ? opts.idMap(st.uid, st.gid) : { uid: st.uid, gid: st.gid };
  const names = opts.names ? opts.names(ids.uid, ids.gid) : { uname: '', gname: '' };
  return { ...ids, ...names };
}

function readXattrs(path: string, opts: DirTarOptions): Map<string, Uint8Array> | undefined {
  if (opts.xattrs === false) return undefined;
  let names: string[];
  try {
    names = llistxattr(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOTSUP') return undefined;
    throw err;
  }
  let out: Map<string, Uint8Array> | undefined;
  for (const n of names) {
    // Overlay's own markers (user.overlay.*, and fuse-overlayfs's user.fuseoverlayfs.*) are the
    // upper dir's bookkeeping, never the file's.
    if (n !== 'security.capability' && !(n.startsWith('user.') && !n.startsWith('user.overlay.') && !n.startsWith('user.fuseoverlayfs.'))) continue;
    const v = lgetxattr(path, n);
    if (v === undefined) continue;
    out ??= new Map();
    out.set(n, v);
  }
  return out;
}

function devNumbers(path: string): { devmajor: number; devminor: number } {
  const rdev = lstatSync(path, { bigint: true }).rdev;
  return { devmajor: devMajor(rdev), devminor: devMinor(rdev) };
}

/** An opaque directory: the kernel's marker, or (rootless) fuse-overlayfs's own. */
function isOpaque(path: string, whiteouts: 'trusted' | 'user'): boolean {
  if (lgetxattr(path, `${whiteouts}.overlay.opaque`)?.toString() === 'y') return true;
  return whiteouts === 'user' && lgetxattr(path, 'user.fuseoverlayfs.opaque')?.toString() === 'y';
}

function isOverlayWhiteout(path: string, st: Stats, whiteouts: 'trusted' | 'user'): boolean {
  if (st.isCharacterDevice()) return st.rdev === 0;
  // The xattr form of a whiteout (kernel 6.7+, used where mknod is not allowed).
  if (st.isFile() && st.size === 0) return lgetxattr(path, `${whiteouts}.overlay.whiteout`) !== undefined;
  return false;
}

function* readFileContent(path: string, size: number): Generator<Buffer> {
  const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  try {
    if (fstatSync(fd).size < size) throw new SkiffError('io', `${path} shrank while it was being archived`);
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(left, size <= SMALL_FILE ? SMALL_FILE : READ_CHUNK));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) throw new SkiffError('io', `${path} shrank while it was being archived`);
      left -= n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** Tracks files with several hard links, so that the second name becomes a hard-link entry. */
export type HardLinks = Map<string, string>;

/**
 * The entry describing `host` itself (lstat'ed as `st`) under the name `name`: a directory
 * with a trailing '/', a regular file with its content read lazily, a link, a device or a fifo.
 * A regular file already archived under another name (same device and inode, in `links`)
 * becomes a hard-link entry. Sockets give undefined, as tar leaves them out.
 */
export function pathEntry(host: string, name: string, st: Stats, opts: DirTarOptions = {}, links?: HardLinks): TarWriteEntry | undefined {
  const owner = ownerOf(st, opts);
  const mtime = opts.mtime ?? Math.floor(st.mtimeMs / 1000);
  const common = { ...owner, mtime, mode: st.mode & 0o7777 };
  const xattrs = readXattrs(host, opts);
  if (st.isDirectory()) return { header: { ...common, name: `${name}/`, type: 'dir', xattrs } };
  if (st.isFile()) {
    if (links && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) return { header: { ...common, name, type: 'hardlink', linkname: first, xattrs } };
      links.set(key, name);
    }
    return { header: { ...common, name, type: 'file', size: st.size, xattrs }, body: readFileContent(host, st.size) };
  }
  if (st.isSymbolicLink()) return { header: { ...common, name, type: 'symlink', linkname: readlinkSync(host), xattrs } };
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    const type = st.isCharacterDevice() ? 'chardev' : 'blockdev';
    return { header: { ...common, name, type, ...devNumbers(host), xattrs } };
  }
  if (st.isFIFO()) return { header: { ...common, name, type: 'fifo', xattrs } };
  return undefined;
}

/**
 * The entries of the tree under `dir` (not `dir` itself), named relative to it (after
 * `prefix` and a '/', when given), children in sorted order, parents before children.
 * `links` carries hard links across calls that belong to one archive.
 */
export function* treeEntries(dir: string, opts: DirTarOptions & { readonly prefix?: string } = {}, links: HardLinks = new Map()): Generator<TarWriteEntry> {
  const root = dir.replace(/\/+$/, '') || '/';
  const named = (rel: string): string => (opts.prefix ? `${opts.prefix}/${rel}` : rel);

  function* walk(rel: string): Generator<TarWriteEntry> {
    const hostDir = rel === '' ? root : `${root}/${rel}`;
    const names = readdirSync(hostDir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if (opts.exclude?.(childRel)) continue;
      const host = `${hostDir === '/' ? '' : hostDir}/${name}`;
      const st = lstatSync(host);

      if (opts.whiteouts && isOverlayWhiteout(host, st, opts.whiteouts)) {
        const wh = rel === '' ? `.wh.${name}` : `${rel}/.wh.${name}`;
        const owner = ownerOf(st, opts);
        const mtime = opts.mtime ?? Math.floor(st.mtimeMs / 1000);
        yield { header: { ...owner, mtime, name: named(wh), type: 'file', mode: 0, size: 0 } };
        continue;
      }
      const entry = pathEntry(host, named(childRel), st, opts, links);
      if (entry === undefined) continue;
      yield entry;
      if (st.isDirectory()) {
        if (opts.whiteouts && isOpaque(host, opts.whiteouts)) {
          const owner = ownerOf(st, opts);
          const mtime = opts.mtime ?? Math.floor(st.mtimeMs / 1000);
          yield { header: { ...owner, mtime, name: named(`${childRel}/.wh..wh..opq`), type: 'file', mode: st.mode & 0o777, size: 0 } };
        }
        yield* walk(childRel);
      }
    }
  }

  yield* walk('');
}

/**
 * Archives the tree under `dir` (not `dir` itself): entries named relative to it, directories
 * with a trailing '/', children in sorted order, parents before children; a file met again
 * through another hard link becomes a hard-link entry. Sockets are left out, as tar does.
 */
export async function* writeTarFromDir(dir: string, opts: DirTarOptions = {}): AsyncGenerator<Buffer> {
  yield* writeTar(treeEntries(dir, opts));
}
