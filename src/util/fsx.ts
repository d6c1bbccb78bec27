/**
 * Small filesystem helpers: atomic writes, recursive removal, and path resolution scoped to a
 * root directory (what chroot or securejoin give), used wherever a path comes from an
 * untrusted source such as a layer tar.
 */
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { errnoCode, SkiffError } from './errors.ts';
import { randomHex } from './random.ts';

/** A sibling temp name for `path`: same directory, so that rename() onto `path` is atomic. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${randomHex(6)}`;
}

/** fsyncs a directory so that a rename or create inside it survives a crash. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to `path` atomically: readers see the old content or the new, never a mix,
 * and after return the new content is durable.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}

/** rm -rf: removes a file, link or tree; a missing path is not an error. Never follows symlinks. */
export function removeAll(path: string): void {
  rmSync(path, { recursive: true, force: true, maxRetries: 2 });
}

/** Linux's limit on symlinks followed while resolving one path (MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;

/** Splits a slash-separated path into its non-empty components, `.` dropped. */
export function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

export type ScopedDir =
  | { readonly kind: 'dir'; readonly rel: string; readonly host: string }
  | { readonly kind: 'missing' | 'not-dir'; readonly rel: string };

/**
 * Resolves directory paths inside `root` the way the kernel would after chroot(root): every
 * symlink met on the way is followed, but an absolute target restarts at `root` and `..`
 * never climbs above it, so no resolution ever leaves `root`. Each returned directory is a real
 * directory (not a symlink) inside `root`.
 *
 * Directories found or created are remembered, so a long run of entries in the same tree costs
 * one lstat per directory. The cache is sound only while nothing but the owner changes the tree:
 * the owner calls forget() for every directory it removes or replaces.
 */
export class ScopedResolver {
  readonly root: string;
  readonly #known = new Set<string>(['']);
  readonly #mkdir: ((host: string, rel: string) => void) | undefined;

  /** `mkdir`, when given, is called to create a missing directory (resolve with create=true). */
  constructor(root: string, mkdir?: (host: string, rel: string) => void) {
    this.root = root.replace(/\/+$/, '') || '/';
    this.#mkdir = mkdir;
  }

  host(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /**
   * Resolves `relDir` (a path relative to root; `..` and symlinks allowed) to a real directory
   * inside root. With `create`, missing directories are made with the constructor's mkdir.
   * `missing`/`not-dir` name the resolved path where the walk stopped.
   */
  resolveDir(relDir: string, create = false): ScopedDir {
    const pending = components(relDir).reverse(); // a stack: the next component is last
    const stack: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const c = pending.pop() as string;
      if (c === '..') {
        // `..` of a real directory is its parent; at the root it stays at the root.
        stack.pop();
        continue;
      }
      stack.push(c);
      const rel = stack.join('/');
      if (this.#known.has(rel)) continue;
      const host = this.host(rel);
      let st;
      try {
        st = lstatSync(host);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
        if (!create || !this.#mkdir) return { kind: 'missing', rel };
        this.#mkdir(host, rel);
        this.#known.add(rel);
        continue;
      }
      if (st.isDirectory()) {
        this.#known.add(rel);
        continue;
      }
      if (!st.isSymbolicLink()) return { kind: 'not-dir', rel };
      // A symlink: splice its target in place of it. An absolute target restarts at the root
      // (it is read as if root were "/"), a relative one continues from the link's directory.
      if (++hops > MAX_SYMLINK_HOPS) {
        throw new SkiffError('unsafe-path', `too many levels of symbolic links resolving ${relDir}`);
      }
      const target = readlinkSync(host);
      stack.pop();
      if (target.startsWith('/')) stack.length = 0;
      if (target === '') return { kind: 'missing', rel };
      const more = components(target);
      for (let i = more.length - 1; i >= 0; i--) pending.push(more[i] as string);
    }
    const rel = stack.join('/');
    return { kind: 'dir', rel, host: this.host(rel) };
  }

  /** Records that the directory at resolved path `rel` is now known to exist as a real dir. */
  remember(rel: string): void {
    this.#known.add(rel);
  }

  /** Drops what is known about `rel` and everything below it (after it was removed or replaced). */
  forget(rel: string): void {
    if (!this.#known.has(rel)) return;
    const prefix = `${rel}/`;
    for (const k of this.#known) if (k === rel || k.startsWith(prefix)) this.#known.delete(k);
  }
}

/**
 * The host path of `rel` inside `root`, with every parent resolved as after chroot(root) and the
 * final component not followed; undefined if a parent is missing or is not a directory.
 */
export function scopedPath(root: string, rel: string): string | undefined {
  const parts = components(rel);
  const base = parts.pop();
  const r = new ScopedResolver(root).resolveDir(parts.join('/'));
  if (r.kind !== 'dir') return undefined;
  if (base === undefined) return r.host;
  if (base === '..') return undefined;
  return `${r.host}/${base}`;
}

/** mkdir -p that reports nothing when the directory exists. */
export function ensureDir(path: string, mode = 0o755): void {
  mkdirSync(path, { recursive: true, mode });
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes. */
export function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The mount points at or below dir (per /proc/self/mountinfo), the deepest first. */
export function mountsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const point = line.split(' ')[4];
    if (point === undefined) continue;
    const p = unescapeMountinfo(point);
    if (p === dir || p.startsWith(`${dir}/`)) out.push(p);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** True when path is a mount point (per /proc/self/mountinfo; no syscall needed). */
export function isMountPoint(path: string): boolean {
  if (!existsSync(path)) return false;
  const info = readFileSync('/proc/self/mountinfo', 'utf8');
  const escaped = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  for (const line of info.split('\n')) {
    const fields = line.split(' ');
    if (fields[4] === escaped) return true;
  }
  return false;
}
