/**
 * Extracts a layer tar into a directory. The tar is hostile input (DESIGN §4): whatever its
 * entries say, nothing is created, changed or read outside `dest`. Each confinement rule is
 * stated beside the check that enforces it.
 *
 * The caller extracts into a private staging directory and discards it on any error, so a
 * failed extraction is not rolled back here; and since nobody else writes to that directory
 * while we do, what we learn about it (which paths are real directories) stays true until we
 * change it ourselves.
 */
import {
  closeSync,
  constants as fsConstants,
  fchmodSync,
  fchownSync,
  futimesSync,
  chmodSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { posix } from 'node:path';
import { errnoCode, SkiffError } from '../util/errors.ts';
import { removeAll, ScopedResolver } from '../util/fsx.ts';
import { fsetxattr, lgetxattr, lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../util/syscall.ts';
import { cleanEntryName } from './tar/path.ts';
import { readTar } from './tar/reader.ts';
import type { SplitSink, TarEntry, TarHeader } from './tar/reader.ts';
import { callerUid } from '../rootless/userns.ts';

/**
 * How whiteouts are stored:
 * - 'overlay': overlayfs form: char device 0:0 for a deleted name, `trusted.overlay.opaque=y`.
 * - 'overlay-rootless': for a `userxattr` mount: `user.overlay.opaque=y`; deleted names as char
 *   device 0:0 (the kernel lets unprivileged users create that one device since Linux 5.8), or,
 *   where even that is refused, the xattr form overlayfs reads in lower layers since 6.7: an
 *   empty file with `user.overlay.whiteout` in a directory marked `user.overlay.opaque=x`.
 * - 'vfs': `dest` already holds the parent layers' files, so a whiteout deletes the name and an
 *   opaque marker deletes what the directory held before this layer.
 */
export type LayerFormat = 'overlay' | 'overlay-rootless' | 'vfs';

export type IdMap = (uid: number, gid: number) => { uid: number; gid: number };

export interface ApplyLayerOptions {
  readonly dest: string;
  readonly format: LayerFormat;
  /** Maps the tar's owners to host owners (rootless user namespaces); identity when absent. */
  readonly idMap?: IdMap;
  /** No privileges: device nodes are skipped, xattrs the kernel refuses are dropped. Default: euid != 0. */
  readonly rootless?: boolean;
  /** Leave files owned by the extracting user when an owner cannot be set (EPERM, EINVAL). */
  readonly ignoreChownErrors?: boolean;
  /** Receives the tar-split stream of the layer. */
  readonly split?: SplitSink;
}

export interface ApplyLayerResult {
  /** Sum of the sizes of the regular files extracted (containers/storage's layer "size"). */
  readonly size: number;
}

const WHITEOUT_PREFIX = '.wh.';
const WHITEOUT_META_PREFIX = '.wh..wh.';
const WHITEOUT_OPAQUE = '.wh..wh..opq';

function unsafe(message: string): SkiffError {
  return new SkiffError('unsafe-path', message);
}

function badArchive(message: string): SkiffError {
  return new SkiffError('bad-archive', message);
}

function kindConflict(host: string, existing: string, incoming: string): SkiffError {
  return new SkiffError('already-exists', `cannot overwrite ${existing} ${JSON.stringify(posix.normalize(host))} with ${incoming}`);
}

/** Extracts the layer tar `source` into `dest` (an existing directory). */
export async function applyLayer(source: AsyncIterable<Uint8Array>, opts: ApplyLayerOptions): Promise<ApplyLayerResult> {
  const extractor = new LayerExtractor(opts, { into: '', devices: true, replaceKind: true });
  await extractAll(extractor, readTar(source, { split: opts.split }), 'extracting layer entry');
  return { size: extractor.size };
}

/**
 * Feeds every entry to the extractor, then lets it finish. An error that is not already one
 * of ours is reported as I/O with the entry it happened at (`what "name": reason`).
 */
async function extractAll(extractor: LayerExtractor, entries: AsyncIterable<TarEntry>, what: string): Promise<void> {
  let current = '';
  try {
    for await (const entry of entries) {
      current = entry.header.name;
      await extractor.entry(entry);
    }
    current = '';
    extractor.finish();
  } catch (err) {
    if (err instanceof SkiffError) throw err;
    const where = current === '' ? '' : ` ${JSON.stringify(current)}`;
    throw new SkiffError('io', `${what}${where}: ${(err as Error).message}`, { cause: err });
  }
}

export interface ExtractArchiveOptions {
  /** Nothing is created, changed or read outside this directory; paths resolve as after chroot(root). */
  readonly root: string;
  /** The directory (relative to root) that entry names are relative to; '' or absent: root itself. */
  readonly into?: string;
  /** Maps the tar's owners to the owners written (a constant for `cp`'s chown); identity when absent. */
  readonly idMap?: IdMap;
  /** No privileges: device nodes are skipped, xattrs the kernel refuses are dropped. Default: euid != 0. */
  readonly rootless?: boolean;
  /** Leave out character and block devices. */
  readonly skipDevices?: boolean;
  /**
   * Whether an entry may replace a directory with a non-directory or the reverse (`cp
   * --overwrite`); when not, such an entry is an error. Files replace files either way.
   */
  readonly replaceDirectories?: boolean;
}

/**
 * Extracts a plain tar (not a layer: `.wh.` names are ordinary files) under `root`/`into`,
 * with the same confinement rules as a layer. Used by `cp`, where the archive comes from a
 * user or from a container and is hostile input just the same.
 */
export async function extractArchive(source: AsyncIterable<Uint8Array>, opts: ExtractArchiveOptions): Promise<void> {
  const extractor = new LayerExtractor(
    { dest: opts.root, format: 'plain', idMap: opts.idMap, rootless: opts.rootless },
    { into: opts.into ?? '', devices: !opts.skipDevices, replaceKind: opts.replaceDirectories ?? true },
  );
  await extractAll(extractor, readTar(source), 'extracting');
}

/** What differs between extracting a layer and extracting a plain archive. */
interface ExtractRules {
  /** Entry names are relative to this directory (relative to dest). */
  readonly into: string;
  /** Create device nodes (when privileged). */
  readonly devices: boolean;
  /** A directory may replace a non-directory and the reverse. */
  readonly replaceKind: boolean;
}

interface DirMeta {
  readonly mode: number;
  readonly atime: number;
  readonly mtime: number;
}

class LayerExtractor {
  /** 'plain': not a layer, so no whiteouts (`extractArchive`). */
  readonly #format: LayerFormat | 'plain';
  readonly #rules: ExtractRules;
  readonly #rootless: boolean;
  readonly #idMap: IdMap | undefined;
  readonly #ignoreChownErrors: boolean;
  readonly #resolver: ScopedResolver;
  /** Directory modes and times, applied at the end so that writing their contents does not undo them. */
  readonly #dirMeta = new Map<string, DirMeta>();
  /** vfs only: resolved paths this layer created, and their ancestors (opaque markers keep them). */
  readonly #ours = new Set<string>();
  readonly #oursAncestors = new Set<string>();
  size = 0;

  constructor(opts: Omit<ApplyLayerOptions, 'format'> & { format: LayerFormat | 'plain' }, rules: ExtractRules) {
    this.#format = opts.format;
    this.#rules = rules;
    this.#rootless = opts.rootless ?? callerUid() !== 0;
    this.#idMap = opts.idMap;
    this.#ignoreChownErrors = opts.ignoreChownErrors ?? false;
    this.#resolver = new ScopedResolver(opts.dest, (host, rel) => {
      // A parent the tar did not list: made like containers/storage does, 0755 and owned by root
      // (as mapped), with the times of the moment.
      mkdirSync(host);
      chmodSync(host, 0o755); // not left to the umask
      const root = this.#ids(0, 0);
      this.#chown(host, root.uid, root.gid, undefined);
      this.#markOurs(rel);
    });
  }

  async entry(entry: TarEntry): Promise<void> {
    const h = entry.header;
    // Rule: a name is cleaned (leading '/', './', '//', 'a/..' folded) and read relative to
    // dest; a name that still climbs out with '..' is refused, never clamped.
    if (h.name.includes('\0')) throw badArchive(`invalid tar entry name ${JSON.stringify(h.name)}`);
    const named = cleanEntryName(h.name);
    if (named === undefined) throw unsafe(`refusing to extract ${JSON.stringify(h.name)}: path escapes the ${this.#format === 'plain' ? 'destination' : 'layer root'}`);
    // The destination directory itself may only be described as a directory.
    if (named === '' && h.type !== 'dir') throw badArchive(`tar entry ${JSON.stringify(h.name)} would replace the ${this.#format === 'plain' ? 'destination directory' : 'layer root'}`);
    // Rule (plain archives): names are relative to `into`, but every path is still resolved
    // scoped to dest, so a symlink may lead elsewhere inside dest and never out of it.
    const rel = this.#under(named);
    if (h.pax.has('GNU.sparse.major') || h.pax.has('GNU.sparse.size') || h.pax.has('GNU.sparse.map')) {
      throw badArchive(`unsupported sparse file ${JSON.stringify(h.name)} in layer`);
    }

    const slash = rel.lastIndexOf('/');
    const parentRel = slash < 0 ? '' : rel.slice(0, slash);
    const base = rel.slice(slash + 1);

    // Whatever lies under a reserved `.wh..wh.` directory (AUFS hard-link and orphan dirs) is
    // storage-driver metadata, not layer content: skipped, content kept in tar-split.
    const layer = this.#format !== 'plain';
    if (layer && parentRel.split('/').some((c) => c.startsWith(WHITEOUT_META_PREFIX))) {
      if (h.type === 'file' && h.size > 0) entry.keepContentInSplit();
      return;
    }

    if (layer && base.startsWith(WHITEOUT_PREFIX)) {
      // Whiteout markers are never written as files: their content, if any, stays in tar-split.
      if (h.type === 'file' && h.size > 0) entry.keepContentInSplit();
      if (base === WHITEOUT_OPAQUE) return this.#opaque(parentRel);
      // Other `.wh..wh.` names are reserved (AUFS hard-link and orphan dirs): skipped.
      if (base.startsWith(WHITEOUT_META_PREFIX)) return;
      const target = base.slice(WHITEOUT_PREFIX.length);
      // Rule: a whiteout deletes one name in its own directory; '.', '..' or '' would reach the
      // directory itself or its parent.
      if (target === '' || target === '.' || target === '..') throw unsafe(`refusing whiteout ${JSON.stringify(h.name)}: it names no file`);
      return this.#whiteout(parentRel, target, h);
    }

    if (rel === '') {
      // The root itself is never replaced (checked above: only a directory entry gets here).
      this.#applyDirMeta('', this.#resolver.root, h);
      return;
    }

    // Rule: every parent is resolved inside dest as after chroot(dest): symlinks in the path,
    // absolute or relative, are followed but clamped to dest, so nothing is written through a
    // link to outside. Missing parents are created inside dest.
    const parent = this.#resolver.resolveDir(parentRel, true);
    if (parent.kind !== 'dir') throw badArchive(`cannot extract ${JSON.stringify(h.name)}: ${parent.rel} is not a directory`);
    const finalRel = parent.rel === '' ? base : `${parent.rel}/${base}`;
    const host = `${parent.host}/${base}`;

    switch (h.type) {
      case 'dir':
        this.#mkdir(host, finalRel);
        this.#applyDirMeta(finalRel, host, h);
        break;
      case 'file':
        await this.#file(entry, host, finalRel);
        break;
      case 'symlink':
        this.#symlink(h, host, finalRel);
        break;
      case 'hardlink':
        this.#hardlink(h, host, finalRel);
        break;
      case 'chardev':
      case 'blockdev':
        // Device nodes need CAP_MKNOD: without privileges they are skipped, as Podman does.
        if (this.#rootless || !this.#rules.devices) return;
        this.#special(h, host, finalRel, (h.type === 'chardev' ? S_IFCHR : S_IFBLK) | (h.mode & 0o777), h.devmajor, h.devminor);
        break;
      case 'fifo':
        this.#special(h, host, finalRel, S_IFIFO | (h.mode & 0o777), 0, 0);
        break;
      case 'unknown':
        throw badArchive(`unsupported tar entry type ${JSON.stringify(h.typeflag)} for ${JSON.stringify(h.name)}`);
      default: {
        const never: never = h.type;
        throw new SkiffError('internal', `unhandled entry type ${String(never)}`);
      }
    }
  }

  /** Sets the deferred directory modes and times, deepest paths included. */
  finish(): void {
    for (const [rel, meta] of this.#dirMeta) {
      const host = this.#resolver.host(rel);
      let st;
      try {
        st = lstatSync(host);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue; // removed later in the layer
        throw err;
      }
      // A later entry may have replaced the directory; never chmod through a symlink.
      if (!st.isDirectory()) continue;
      chmodSync(host, meta.mode);
      utimesSync(host, meta.atime, meta.mtime);
    }
  }

  // --- entry kinds -------------------------------------------------------------------------

  #mkdir(host: string, rel: string): void {
    try {
      mkdirSync(host, 0o700);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      // An existing directory is kept (its metadata updated); anything else, symlinks included,
      // is removed and replaced, never followed.
      if (!lstatSync(host).isDirectory()) {
        if (!this.#rules.replaceKind) throw kindConflict(host, 'non-directory', 'directory');
        unlinkSync(host);
        mkdirSync(host, 0o700);
      }
    }
    this.#resolver.remember(rel);
    this.#markOurs(rel);
  }

  #applyDirMeta(rel: string, host: string, h: TarHeader): void {
    const ids = this.#ids(h.uid, h.gid);
    this.#chown(host, ids.uid, ids.gid, undefined);
    this.#setXattrs(host, undefined, h);
    this.#dirMeta.set(rel, { mode: h.mode, atime: h.atime ?? h.mtime, mtime: h.mtime });
  }

  async #file(entry: TarEntry, host: string, rel: string): Promise<void> {
    const h = entry.header;
    // O_EXCL|O_NOFOLLOW: never open an existing file, and so never write through a symlink
    // planted at the final component; what exists there is removed first.
    const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
    const fd = this.#create(host, rel, () => openSync(host, flags, 0o600));
    try {
      for await (const chunk of entry.body) {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      }
      const ids = this.#ids(h.uid, h.gid);
      this.#chown(undefined, ids.uid, ids.gid, fd);
      // After chown, which clears security.capability, and before chmod, which chown's
      // clearing of setuid/setgid would otherwise undo.
      this.#setXattrs(undefined, fd, h);
      fchmodSync(fd, h.mode);
      futimesSync(fd, h.atime ?? h.mtime, h.mtime);
    } finally {
      closeSync(fd);
    }
    this.#markOurs(rel);
    this.size += h.size;
  }

  #symlink(h: TarHeader, host: string, rel: string): void {
    // A symlink's target is stored as is: it is only ever followed by resolution scoped to the
    // layer root (here and in the container), so where it points is not a concern.
    if (h.linkname === '' || h.linkname.includes('\0')) throw badArchive(`invalid symlink target for ${JSON.stringify(h.name)}`);
    this.#create(host, rel, () => symlinkSync(h.linkname, host));
    const ids = this.#ids(h.uid, h.gid);
    this.#chown(host, ids.uid, ids.gid, undefined);
    this.#setXattrs(host, undefined, h);
    lutimesSync(host, h.atime ?? h.mtime, h.mtime);
    this.#markOurs(rel);
  }

  #hardlink(h: TarHeader, host: string, rel: string): void {
    // Rule: a hard link's target is a path inside dest, cleaned like an entry name; one that
    // climbs out with '..' is refused.
    const linkRel = cleanEntryName(h.linkname);
    const targetRel = linkRel === undefined || linkRel === '' ? undefined : this.#under(linkRel);
    if (targetRel === undefined) {
      throw unsafe(`refusing hard link ${JSON.stringify(h.name)} -> ${JSON.stringify(h.linkname)}: target is outside the layer`);
    }
    // Rule: the target's parents are resolved scoped to dest, like any path, so a symlinked
    // parent cannot lead the link to a file outside.
    const tParent = this.#resolver.resolveDir(posix.dirname(targetRel) === '.' ? '' : posix.dirname(targetRel), false);
    if (tParent.kind !== 'dir') throw badArchive(`hard link ${JSON.stringify(h.name)}: target ${JSON.stringify(h.linkname)} does not exist`);
    const target = `${tParent.host}/${posix.basename(targetRel)}`;
    let tst;
    try {
      tst = lstatSync(target);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw badArchive(`hard link ${JSON.stringify(h.name)}: target ${JSON.stringify(h.linkname)} does not exist`);
      throw err;
    }
    if (tst.isDirectory()) throw badArchive(`hard link ${JSON.stringify(h.name)}: target ${JSON.stringify(h.linkname)} is a directory`);
    // Rule: a hard link to a symlink copies the symlink itself (link(2) does not follow it);
    // one whose target leads out of dest when read literally on the host is refused, so no
    // second name for an escaping link appears.
    if (tst.isSymbolicLink()) {
      const t = readlinkSync(target);
      const fromRoot = posix.normalize(posix.join(tParent.rel === '' ? '.' : tParent.rel, t));
      if (t.startsWith('/') || fromRoot === '..' || fromRoot.startsWith('../')) {
        throw unsafe(`refusing hard link ${JSON.stringify(h.name)} -> ${JSON.stringify(h.linkname)}: target is a symlink leading out of the layer`);
      }
    }
    try {
      linkSync(target, host);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const st = lstatSync(host);
      if (st.ino === tst.ino && st.dev === tst.dev) return; // already this very file
      if (st.isDirectory() && !this.#rules.replaceKind) throw kindConflict(host, 'directory', 'non-directory');
      this.#removeExisting(host, rel, st.isDirectory());
      linkSync(target, host);
    }
    this.#markOurs(rel);
  }

  #special(h: TarHeader, host: string, rel: string, mode: number, major: number, minor: number): void {
    this.#create(host, rel, () => mknod(host, mode, major, minor));
    const ids = this.#ids(h.uid, h.gid);
    this.#chown(host, ids.uid, ids.gid, undefined);
    this.#setXattrs(host, undefined, h);
    // chmod follows symlinks, but `host` was just created by mknod and is not one.
    chmodSync(host, h.mode);
    lutimesSync(host, h.atime ?? h.mtime, h.mtime);
    this.#markOurs(rel);
  }

  // --- whiteouts ---------------------------------------------------------------------------

  #opaque(dirRel: string): void {
    if (this.#format === 'vfs') {
      // A marker under a missing or non-directory path has nothing to hide.
      const dir = this.#resolver.resolveDir(dirRel, false);
      if (dir.kind !== 'dir') return;
      this.#removeNotOurs(dir.rel);
      return;
    }
    const dir = this.#resolver.resolveDir(dirRel, true);
    // Under a path already whited out (a whiteout device as a parent): skipped.
    if (dir.kind !== 'dir') return;
    lsetxattr(dir.host, `${this.#xattrNs()}.overlay.opaque`, Buffer.from('y'));
  }

  #whiteout(parentRel: string, name: string, h: TarHeader): void {
    if (this.#format === 'vfs') {
      // Resolved scoped to dest like every path; a whiteout under a path that is missing or
      // already whited out has nothing to delete.
      const dir = this.#resolver.resolveDir(parentRel, false);
      if (dir.kind !== 'dir') return;
      const host = `${dir.host}/${name}`;
      const rel = dir.rel === '' ? name : `${dir.rel}/${name}`;
      let st;
      try {
        st = lstatSync(host);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return;
        throw err;
      }
      // The final component is removed, never followed (a symlink is unlinked, not its target).
      this.#removeExisting(host, rel, st.isDirectory());
      return;
    }
    const dir = this.#resolver.resolveDir(parentRel, true);
    // Under a path already whited out (ENOTDIR, as containers/storage sees it): skipped.
    if (dir.kind !== 'dir') return;
    const host = `${dir.host}/${name}`;
    const rel = dir.rel === '' ? name : `${dir.rel}/${name}`;
    const ids = this.#ids(h.uid, h.gid);
    try {
      this.#create(host, rel, () => mknod(host, S_IFCHR, 0, 0));
    } catch (err) {
      if (this.#format !== 'overlay-rootless' || errnoCode(err) !== 'EPERM') throw err;
      this.#xattrWhiteout(dir.host, host, rel, ids);
      return;
    }
    this.#chown(host, ids.uid, ids.gid, undefined);
  }

  /** The whiteout overlayfs reads from lower layers when a 0:0 device cannot be made. */
  #xattrWhiteout(dirHost: string, host: string, rel: string, ids: { uid: number; gid: number }): void {
    const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
    const fd = this.#create(host, rel, () => openSync(host, flags, 0o600));
    try {
      fsetxattr(fd, 'user.overlay.whiteout', Buffer.from('y'));
      this.#chown(undefined, ids.uid, ids.gid, fd);
      fchmodSync(fd, 0);
    } finally {
      closeSync(fd);
    }
    // The directory must say it holds xattr whiteouts; a fully opaque one ('y') needs nothing.
    if (lgetxattr(dirHost, 'user.overlay.opaque')?.toString() !== 'y') {
      lsetxattr(dirHost, 'user.overlay.opaque', Buffer.from('x'));
    }
  }

  /** vfs opaque directory: deletes what the directory held before this layer, keeps this layer's entries. */
  #removeNotOurs(dirRel: string): void {
    const dirHost = this.#resolver.host(dirRel);
    for (const name of readdirSync(dirHost)) {
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      const host = `${dirHost}/${name}`;
      if (this.#ours.has(rel) || this.#oursAncestors.has(rel)) {
        // Ours, or a directory holding something of ours: descend (never through a symlink).
        if (this.#oursAncestors.has(rel) && lstatSync(host).isDirectory()) this.#removeNotOurs(rel);
        continue;
      }
      this.#removeExisting(host, rel, lstatSync(host).isDirectory());
    }
  }

  // --- helpers -----------------------------------------------------------------------------

  /**
   * Runs `make` (which creates `host` exclusively); if something already exists there, removes
   * it and runs `make` again. Replacing rather than reusing is what keeps a planted symlink or
   * hard link from redirecting the write.
   */
  #create<T>(host: string, rel: string, make: () => T): T {
    try {
      return make();
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const isDir = lstatSync(host).isDirectory();
    if (isDir && !this.#rules.replaceKind) throw kindConflict(host, 'directory', 'non-directory');
    this.#removeExisting(host, rel, isDir);
    return make();
  }

  /** An entry name (cleaned, relative) as a path relative to dest. */
  #under(rel: string): string {
    const into = this.#rules.into;
    if (into === '') return rel;
    return rel === '' ? into : `${into}/${rel}`;
  }

  #removeExisting(host: string, rel: string, isDir: boolean): void {
    if (isDir) {
      removeAll(host);
      this.#resolver.forget(rel);
    } else {
      unlinkSync(host);
    }
  }

  #markOurs(rel: string): void {
    if (this.#format !== 'vfs') return;
    this.#ours.add(rel);
    for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) {
      const up = rel.slice(0, i);
      if (this.#oursAncestors.has(up)) break;
      this.#oursAncestors.add(up);
    }
  }

  #ids(uid: number, gid: number): { uid: number; gid: number } {
    return this.#idMap ? this.#idMap(uid, gid) : { uid, gid };
  }

  #chown(host: string | undefined, uid: number, gid: number, fd: number | undefined): void {
    try {
      if (fd !== undefined) fchownSync(fd, uid, gid);
      else lchownSync(host as string, uid, gid);
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'EPERM' && code !== 'EINVAL') throw err;
      if (this.#ignoreChownErrors) return;
      // Podman's wording for the same failure, naming our own command.
      throw new SkiffError(
        'io',
        `potentially insufficient UIDs or GIDs available in user namespace (requested ${uid}:${gid} for ${host ?? 'a file'}): Check /etc/subuid and /etc/subgid if configured locally and run "skiff system migrate": ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  #xattrNs(): 'trusted' | 'user' {
    return this.#format === 'overlay-rootless' ? 'user' : 'trusted';
  }

  #setXattrs(host: string | undefined, fd: number | undefined, h: TarHeader): void {
    for (const [name, value] of h.xattrs) {
      // Rule: a layer cannot set overlayfs's own attributes (opaque, whiteout, redirect,
      // metacopy, origin): they would change how the layer stack is merged. Its whiteouts come
      // only from `.wh.` entries.
      if (name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.')) continue;
      try {
        if (fd !== undefined) fsetxattr(fd, name, value);
        else lsetxattr(host as string, name, value);
      } catch (err) {
        const code = errnoCode(err);
        // As containers/storage does: a filesystem without xattr support drops them silently,
        // and so does an unprivileged extraction for names it may not set (trusted.*,
        // security.*); anything else is an error.
        if (code === 'ENOTSUP' || code === 'EOPNOTSUPP') continue;
        if (this.#rootless && (code === 'EPERM' || code === 'EACCES')) continue;
        throw err;
      }
    }
  }
}
