/**
 * The container side of `cp`: looking paths up, archiving them and extracting archives, all
 * confined to one root directory (a container's root filesystem, or a volume or bind mount
 * of it). Everything found under that root is hostile: a container put its symlinks there and,
 * while it runs, may change them at any moment.
 *
 * Two confinements hold, one inside the other:
 * - every path is resolved as after chroot(root) (ScopedResolver): absolute symlink targets
 *   restart at root, `..` stops there, final components are never followed when written;
 * - serveCopierRequest() does the work in a child process that has chroot()ed into the root
 *   first, so that even a path swapped for a symlink between a check and its use (a running
 *   container racing us) resolves inside the root: the kernel enforces it.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SkiffError } from '../util/errors.ts';
import { components, MAX_SYMLINK_HOPS, ScopedResolver } from '../util/fsx.ts';
import { chrootInto } from '../util/syscall.ts';
import { extractArchive } from './apply.ts';
import { type DirTarOptions, pathEntry, type TarWriteEntry, treeEntries, writeTar } from './tar/writer.ts';
import { goQuote } from '../util/goquote.ts';

/** What a lookup inside a root found. Paths are absolute, '/' being the root. */
export type PathLookup =
  | { readonly found: true; readonly isDir: boolean; readonly isRegular: boolean; readonly path: string }
  | {
      readonly found: false;
      readonly error: string;
      /** The lookup ended at a symlink whose target is missing: that target, resolved. */
      readonly dangling?: string;
    };

const NOT_FOUND = 'no such file or directory';

function absolute(rel: string): string {
  return rel === '' ? '/' : `/${rel}`;
}

/**
 * Looks `path` (absolute inside root) up, following every symlink on the way, the last one
 * included, as the kernel would after chroot(root). A missing component, or one that is not
 * a directory where one is needed, is "not found", as Podman reports both.
 */
export function lookupInRoot(root: string, path: string): PathLookup {
  const resolver = new ScopedResolver(root);
  let pending = components(path);
  let viaLink = false;
  for (let hops = 0; ; ) {
    const last = pending.at(-1);
    // The root itself, or a path ending in '..': a directory walk does it all.
    if (last === undefined || last === '..') {
      const dir = resolver.resolveDir(pending.join('/'));
      if (dir.kind !== 'dir') return { found: false, error: NOT_FOUND };
      return { found: true, isDir: true, isRegular: false, path: absolute(dir.rel) };
    }
    const dir = resolver.resolveDir(pending.slice(0, -1).join('/'));
    if (dir.kind !== 'dir') {
      // Through a link, the target is still named (its parent, missing, then says why not).
      return viaLink ? { found: false, error: NOT_FOUND, dangling: absolute(`${dir.rel}/${last}`) } : { found: false, error: NOT_FOUND };
    }
    const rel = dir.rel === '' ? last : `${dir.rel}/${last}`;
    let st;
    try {
      st = lstatSync(`${dir.host}/${last}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      return viaLink ? { found: false, error: NOT_FOUND, dangling: absolute(rel) } : { found: false, error: NOT_FOUND };
    }
    if (!st.isSymbolicLink()) return { found: true, isDir: st.isDirectory(), isRegular: st.isFile(), path: absolute(rel) };
    if (++hops > MAX_SYMLINK_HOPS) return { found: false, error: 'too many levels of symbolic links' };
    // A symlink: continue with its target, read from the link's directory (or from the root).
    const target = readlinkSync(`${dir.host}/${last}`);
    pending = target.startsWith('/') ? components(target) : [...components(dir.rel), ...components(target)];
    viaLink = true;
  }
}

/** `path` looked up, and when it is missing, the parent of it (or of a dangling link's target). */
export function lookupWithParent(root: string, path: string): { readonly probe: PathLookup; readonly parent?: PathLookup } {
  const probe = lookupInRoot(root, path);
  if (probe.found) return { probe };
  const missing = probe.dangling ?? path;
  const parts = components(missing);
  parts.pop();
  return { probe, parent: lookupInRoot(root, absolute(parts.join('/'))) };
}

export interface ArchiveOwner {
  readonly uid: number;
  readonly gid: number;
}

export interface ArchiveRequest {
  /** The path to archive, absolute inside the root; symlinks are followed to what it names. */
  readonly path: string;
  /** The archive's top name (see copy-plan's archiveTop); null: a directory's contents only. */
  readonly top: string | null;
  /** Recorded as every entry's owner (Podman chowns what it copies out to the container's user). */
  readonly owner?: ArchiveOwner;
  /** Paths relative to the root that are left out with everything below them. */
  readonly exclude?: readonly string[];
}

function isExcluded(rel: string, exclude: readonly string[]): boolean {
  return exclude.some((e) => rel === e || rel.startsWith(`${e}/`));
}

/** A tar of what `req.path` names inside `root`. */
export async function* archiveInRoot(root: string, req: ArchiveRequest): AsyncGenerator<Buffer> {
  const found = lookupInRoot(root, req.path);
  if (!found.found) throw new SkiffError('no-such-object', `${goQuote(req.path)}: ${found.error}`);
  const rel = components(found.path).join('/');
  const exclude = req.exclude ?? [];
  if (isExcluded(rel, exclude)) {
    // Podman leaves the container's /dev, /proc and /sys out: a directory there copies as
    // nothing, anything else is an error.
    if (found.isDir) {
      yield* writeTar([]);
      return;
    }
    throw new SkiffError('no-such-object', `copied no items: ${goQuote(req.path)} is in /dev, /proc or /sys, which are not copied`);
  }
  const host = rel === '' ? root : `${root.replace(/\/+$/, '')}/${rel}`;
  const owner = req.owner;
  const opts: DirTarOptions & { prefix?: string } = {
    ...(owner ? { idMap: () => ({ uid: owner.uid, gid: owner.gid }) } : {}),
    exclude: exclude.length === 0 ? undefined : (r) => isExcluded(rel === '' ? r : `${rel}/${r}`, exclude),
  };
  yield* writeTar(topEntries(host, lstatSync(host), req.top, opts));
}

/**
 * The entries of an archive of `host` (already lstat'ed as `st`, not a symlink): the item
 * itself under `top` and, for a directory, what it holds below that name; or, with a null
 * `top`, only what the directory holds.
 */
export function* topEntries(host: string, st: Stats, top: string | null, opts: DirTarOptions = {}): Generator<TarWriteEntry> {
  const links = new Map<string, string>();
  if (top === null) {
    if (!st.isDirectory()) throw new SkiffError('internal', `${host}: only a directory's contents can be archived without a name`);
    yield* treeEntries(host, opts, links);
    return;
  }
  const entry = pathEntry(host, top, st, opts, links);
  if (entry === undefined) throw new SkiffError('invalid-argument', `${goQuote(host)}: a socket cannot be copied`);
  yield entry;
  if (st.isDirectory()) yield* treeEntries(host, { ...opts, prefix: top }, links);
}

export interface ExtractRequest {
  /** The directory (absolute inside the root) that receives the archive. */
  readonly dir: string;
  /** Every extracted file and directory is owned by this uid/gid; absent: the archive's owners. */
  readonly owner?: ArchiveOwner;
  /** `--overwrite`: a directory may replace a non-directory and the reverse. */
  readonly overwrite: boolean;
  readonly skipDevices?: boolean;
}

/** Extracts the tar `source` into `req.dir` inside `root`; nothing outside root is touched. */
export async function extractInRoot(root: string, req: ExtractRequest, source: AsyncIterable<Uint8Array>): Promise<void> {
  const dir = new ScopedResolver(root).resolveDir(components(req.dir).join('/'));
  if (dir.kind !== 'dir') throw new SkiffError('no-such-object', `${goQuote(req.dir)}: ${dir.kind === 'missing' ? NOT_FOUND : 'not a directory'}`);
  const owner = req.owner;
  await extractArchive(source, {
    root,
    into: dir.rel,
    idMap: owner ? () => ({ uid: owner.uid, gid: owner.gid }) : undefined,
    skipDevices: req.skipDevices,
    replaceDirectories: req.overwrite,
  });
}

/** One operation of the confined child process (`skiff cp --copier OP ROOT REQUEST`). */
export type CopierRequest =
  | { readonly op: 'lookup'; readonly path: string }
  | ({ readonly op: 'get' } & ArchiveRequest)
  | ({ readonly op: 'put' } & ExtractRequest);

export type CopierOp = CopierRequest['op'];

/** Checks the shape of a request read from the command line (our own parent wrote it). */
export function parseCopierRequest(op: string, json: string): CopierRequest {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new SkiffError('invalid-argument', 'copier: the request is not JSON');
  }
  const r = value as Record<string, unknown>;
  const str = (k: string): boolean => typeof r[k] === 'string' && (r[k] as string).startsWith('/');
  const ids = (o: unknown): boolean =>
    typeof o === 'object' && o !== null && Number.isInteger((o as { uid: unknown }).uid) && Number.isInteger((o as { gid: unknown }).gid);
  switch (op) {
    case 'lookup':
      if (str('path')) return { op, path: r.path as string };
      break;
    case 'get':
      if (str('path') && (r.top === null || typeof r.top === 'string') && (r.owner === undefined || ids(r.owner)) && (r.exclude === undefined || Array.isArray(r.exclude))) {
        return { op, path: r.path as string, top: r.top as string | null, owner: r.owner as ArchiveOwner | undefined, exclude: r.exclude as string[] | undefined };
      }
      break;
    case 'put':
      if (str('dir') && typeof r.overwrite === 'boolean' && (r.owner === undefined || ids(r.owner))) {
        return { op, dir: r.dir as string, overwrite: r.overwrite, owner: r.owner as ArchiveOwner | undefined, skipDevices: r.skipDevices === true };
      }
      break;
  }
  throw new SkiffError('invalid-argument', `copier: malformed ${op} request`);
}

/**
 * Runs one request in this process after chroot(root): the child side of the copier. What a
 * lookup found goes to `stdout` as JSON; `get` writes the tar to `stdout`; `put` reads it from
 * `stdin`. Everything it needs is loaded before the chroot, and nothing is loaded after it: a
 * library read from inside a container's root would run the container's code as root.
 */
export async function serveCopierRequest(root: string, req: CopierRequest, io: { stdin: AsyncIterable<Uint8Array>; stdout: NodeJS.WritableStream }): Promise<void> {
  chrootInto(root);
  switch (req.op) {
    case 'lookup': {
      const result = lookupWithParent('/', req.path);
      await new Promise<void>((resolve, reject) => io.stdout.write(JSON.stringify(result), (err) => (err ? reject(err) : resolve())));
      return;
    }
    case 'get':
      await pipeline(Readable.from(archiveInRoot('/', req)), io.stdout, { end: false });
      return;
    case 'put':
      await extractInRoot('/', req, io.stdin);
      return;
    default: {
      const never: never = req;
      throw new SkiffError('internal', `unknown copier request ${JSON.stringify(never)}`);
    }
  }
}
