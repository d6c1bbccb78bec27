/**
 * `cp`'s path rules as pure functions (Podman 4.3.1's, which follow Docker's): how the two
 * arguments name a container and a path, how a container path maps onto the container's
 * mounts, and what a copy becomes once both ends have been looked at: which name the copied
 * item gets and which directory receives it. No I/O here; the engine feeds in what it found.
 *
 * The rules, for SRC copied to DEST:
 * - DEST exists and is a directory: SRC lands inside it under its own name; `SRC/.` (a
 *   directory's contents) lands in it directly.
 * - DEST exists and is a file: a file SRC replaces it; a directory SRC is an error.
 * - DEST does not exist: its parent must be an existing directory, and SRC is created there
 *   under DEST's name (a directory SRC, or `SRC/.`, becomes DEST with SRC's contents). A
 *   trailing '/' on DEST says it must already exist as a directory.
 * - A path is cleaned lexically first (`a/../b` is `b`, as Podman's filepath.Join does), then
 *   its symlinks are resolved where it lives (on the host, or inside the container).
 */
import { posix } from 'node:path';
import { SkiffError } from '../util/errors.ts';
import { goQuote } from '../util/goquote.ts';

export interface CopyArg {
  /** The container named before ':', or '' for a host path. */
  readonly container: string;
  readonly path: string;
}

/**
 * `[CONTAINER:]PATH`. A path starting with '.' or '/' is a host path even when it holds a
 * ':' (`./a:b`); otherwise everything before the first ':' names a container.
 */
export function parseCopyArg(input: string): CopyArg {
  if (input === '' || input.startsWith('.') || input.startsWith('/')) return { container: '', path: input };
  const colon = input.indexOf(':');
  if (colon < 0) return { container: '', path: input };
  return { container: input.slice(0, colon), path: input.slice(colon + 1) };
}

export function parseCopyArgs(source: string, dest: string): { source: CopyArg; dest: CopyArg } {
  const s = parseCopyArg(source);
  const d = parseCopyArg(dest);
  if (s.path === '' || d.path === '') {
    throw new SkiffError('invalid-argument', `invalid arguments ${goQuote(source)}, ${goQuote(dest)}: you must specify paths`);
  }
  return { source: s, dest: d };
}

/** Whether the user's path asks for a directory's contents (`dir/.`, `.`). */
export function wantsContents(path: string): boolean {
  return path === '.' || path.endsWith('/.');
}

/**
 * `resolved` with the ending of `original` that cleaning drops and that changes a copy's
 * meaning: a trailing '/' (must be a directory) or '/.' (a directory's contents).
 */
export function preserveBasePath(original: string, resolved: string): string {
  if (original.endsWith('/')) return resolved.endsWith('/') ? resolved : `${resolved}/`;
  if (wantsContents(original)) {
    if (resolved.endsWith('/')) return `${resolved}.`;
    return resolved.endsWith('/.') ? resolved : `${resolved}/.`;
  }
  return resolved;
}

/** A container path made absolute (relative ones start at the working directory) and cleaned. */
export function containerAbsPath(path: string, workdir: string): string {
  return posix.resolve('/', workdir || '/', path);
}

/** A path's last element as filepath.Base gives it ('/' for the root). */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return posix.basename(trimmed);
}

/** A path's directory as filepath.Dir gives it (cleaned; '.' for a bare name). */
export function dirName(path: string): string {
  return posix.dirname(posix.normalize(path.replace(/\/+$/, '') || '/'));
}

/** A mount of the container that a path may fall in: a bind mount or a volume. */
export interface PathMount {
  /** Where the container sees it (absolute). */
  readonly destination: string;
  /** The host directory or file behind it. */
  readonly source: string;
}

export interface MountedPath {
  /** The mount the path falls in, or undefined for the container's own root filesystem. */
  readonly mount: PathMount | undefined;
  /** The path inside the mount (or the rootfs): absolute, '/' being the mount's top. */
  readonly inner: string;
}

/**
 * Which filesystem holds a cleaned absolute container path, as Podman decides for a container
 * that is not running: the mount with the longest destination that equals the path or one of
 * its parents, matched on the path's text (a symlink pointing into a mount does not lead there).
 */
export function locateInMounts(path: string, mounts: readonly PathMount[]): MountedPath {
  let best: PathMount | undefined;
  for (const m of mounts) {
    const dest = posix.normalize(m.destination).replace(/(.)\/+$/, '$1');
    const inside = dest === '/' || path === dest || path.startsWith(`${dest}/`);
    if (!inside) continue;
    if (best === undefined || dest.length > posix.normalize(best.destination).length) best = m;
  }
  if (best === undefined) return { mount: undefined, inner: path };
  const dest = posix.normalize(best.destination).replace(/(.)\/+$/, '$1');
  const rest = dest === '/' ? path : path.slice(dest.length);
  return { mount: best, inner: rest === '' ? '/' : rest };
}

/** The inverse of locateInMounts: a path inside a mount (or the rootfs) as the container sees it. */
export function fromMount(mount: PathMount | undefined, inner: string): string {
  if (mount === undefined) return inner;
  const dest = posix.normalize(mount.destination).replace(/(.)\/+$/, '$1');
  return inner === '/' ? dest : posix.join(dest, inner);
}

/** What looking up a path found. `linkTarget` is absolute, symlinks resolved, ending preserved. */
export interface PathInfo {
  readonly isDir: boolean;
  /** A regular file (a host destination must be a directory or a regular file). */
  readonly isRegular: boolean;
  readonly linkTarget: string;
}

export type Probe =
  | ({ readonly found: true } & PathInfo)
  | {
      readonly found: false;
      /** The error text after the path, as Podman prints it ("no such file or directory"). */
      readonly error: string;
      /** For a symlink whose target is missing: that target (absolute, resolved), to be created. */
      readonly dangling?: string;
    };

/** Where an end of a copy lives, for messages: `on container c1` or `on the host`. */
export type Side = { readonly kind: 'container'; readonly name: string } | { readonly kind: 'host' };

function sideText(side: Side): string {
  return side.kind === 'host' ? 'on the host' : `on container ${side.name}`;
}

export function notFound(path: string, side: Side, error: string): SkiffError {
  return new SkiffError('no-such-object', `${goQuote(path)} could not be found ${sideText(side)}: ${error}`);
}

/** The source must exist; its info, or the error Podman gives. */
export function requireSource(path: string, probe: Probe, side: Side): PathInfo {
  if (!probe.found) throw notFound(path, side, probe.error);
  return probe;
}

export interface Destination {
  readonly info: PathInfo;
  /** The name the copied item gets when it is renamed (DEST missing, or file onto file). */
  readonly baseName: string;
  /** DEST did not exist: `info` describes its parent and the item is created under baseName. */
  readonly resolvedToParent: boolean;
}

/**
 * Resolves DEST: `probe` is DEST looked up, `parent` the parent of DEST (or of the missing
 * target of a dangling symlink at DEST) looked up, when DEST was not found.
 */
export function resolveDestination(path: string, probe: Probe, parent: Probe | undefined, side: Side, opts: { stdin?: boolean } = {}): Destination {
  if (probe.found) {
    // A trailing '/' on something that is not a directory: nothing can be put "in" it.
    if (path.endsWith('/') && !probe.isDir) throw notFound(path, side, 'not a directory');
    return { info: probe, baseName: baseName(probe.linkTarget), resolvedToParent: false };
  }
  if (path.endsWith('/')) throw notFound(path, side, probe.error);
  if (opts.stdin) throw new SkiffError('invalid-argument', 'destination must be a directory when copying from stdin');
  if (parent === undefined || !parent.found) {
    // The host side reports DEST's own error, the container side its parent's, as Podman does.
    throw notFound(path, side, side.kind === 'host' || parent === undefined ? probe.error : parent.error);
  }
  // Podman would write next to a parent that is a file; that parent cannot hold anything.
  if (!parent.isDir) throw notFound(path, side, 'not a directory');
  return { info: parent, baseName: baseName(probe.dangling ?? path), resolvedToParent: true };
}

export interface Transfer {
  /**
   * The name of the item in the archive: the directory (with its contents below it) or the
   * file; null for a directory's contents only.
   */
  readonly top: string | null;
  /** The directory the archive is extracted in (cleaned, absolute). */
  readonly destDir: string;
}

/** What to archive and where to extract it, once both ends are known. */
export function planTransfer(source: PathInfo, dest: Destination): Transfer {
  if (source.isDir && !dest.info.isDir) throw new SkiffError('invalid-argument', 'destination must be a directory when copying a directory');
  const rename = (!source.isDir && !dest.info.isDir) || dest.resolvedToParent;
  const destDir = dest.info.isDir ? posix.normalize(dest.info.linkTarget) : dirName(dest.info.linkTarget);
  return { top: archiveTop(source, rename ? dest.baseName : undefined), destDir: destDir.replace(/(.)\/+$/, '$1') };
}

/**
 * The top name of the archive of `source`: its own name (or `rename`), or null when only a
 * directory's contents are copied (`dir/.`, or the root, which has no name of its own). A
 * renamed `dir/.` copies the directory itself under the new name, so that it is created.
 */
export function archiveTop(source: PathInfo, rename?: string): string | null {
  if (rename !== undefined) return rename;
  if (!source.isDir) return baseName(source.linkTarget);
  if (wantsContents(source.linkTarget)) return null;
  const name = baseName(source.linkTarget);
  return name === '/' ? null : name;
}
