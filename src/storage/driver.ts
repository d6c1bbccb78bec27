/**
 * Which storage driver a new store gets, and why.
 *
 * Root: overlay when the kernel has it, else vfs. A rootless user, inside their user
 * namespace: the kernel's own overlay when a probe mount with `userxattr` works there (Linux
 * >= 5.11 on a filesystem that allows it), else fuse-overlayfs when it is installed and
 * /dev/fuse is usable, else vfs. The choice is made once, when the store is first used, and
 * kept with the store: layers extracted for one driver are useless to another.
 */
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { StorageDriverName } from '../config/config.ts';
import { MNT_DETACH, mount, umount2 } from '../util/syscall.ts';
import { SkiffError } from '../util/errors.ts';
import { findExecutable } from '../util/which.ts';

export interface DriverChoice {
  readonly driver: StorageDriverName;
  /** fuse-overlayfs's path, when overlays are mounted by it and not by the kernel. */
  readonly mountProgram?: string;
  /** One line for `info`: why this driver. */
  readonly reason: string;
}

function kernelHasOverlay(): boolean {
  try {
    return /\toverlay\n/.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

/** Mounts a two-layer overlay with userxattr in a scratch dir; the error when it fails. */
function probeNativeOverlay(scratchParent: string): string | undefined {
  mkdirSync(scratchParent, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(scratchParent, 'overlay-probe-'));
  try {
    for (const d of ['l1', 'l2', 'u', 'w', 'm']) mkdirSync(join(dir, d));
    mount('overlay', join(dir, 'm'), 'overlay', 0, `lowerdir=${join(dir, 'l1')}:${join(dir, 'l2')},upperdir=${join(dir, 'u')},workdir=${join(dir, 'w')},userxattr`);
    umount2(join(dir, 'm'), MNT_DETACH);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fuseUsable(): string | undefined {
  const program = findExecutable('fuse-overlayfs');
  if (!program) return undefined;
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    return undefined;
  }
  return program;
}

/** What the choice depends on, probed from the host (chooseDriver) or given (tests). */
export interface DriverFacts {
  readonly rootless: boolean;
  readonly wanted?: StorageDriverName;
  /** storage.conf's mount_program, and whether it was found. */
  readonly mountProgram?: { readonly name: string; readonly found: boolean };
  readonly kernelOverlay: boolean;
  /** Rootless: why a native overlay mount with userxattr failed in the namespace, or undefined when it worked. */
  readonly nativeFailure?: string;
  /** fuse-overlayfs's path when it is installed and /dev/fuse is usable. */
  readonly fuse?: string;
  readonly devFuse: boolean;
}

/** The driver for these facts, and the line that says why. */
export function decideDriver(f: DriverFacts): DriverChoice {
  if (f.wanted === 'vfs') return { driver: 'vfs', reason: 'vfs: asked for by configuration' };
  if (f.mountProgram) {
    if (!f.mountProgram.found) throw new SkiffError('config', `overlay mount program ${f.mountProgram.name} not found`);
    return { driver: 'overlay', mountProgram: f.mountProgram.name, reason: `overlay: mounted by ${f.mountProgram.name}, asked for by configuration (mount_program)` };
  }
  if (!f.rootless) {
    if (f.kernelOverlay) return { driver: 'overlay', reason: f.wanted ? 'overlay: asked for by configuration' : 'overlay: the kernel has overlay' };
    if (f.wanted) return { driver: 'overlay', reason: 'overlay: asked for by configuration, but the kernel lists no overlay filesystem' };
    return { driver: 'vfs', reason: 'vfs: the kernel has no overlay filesystem' };
  }
  const failure = f.kernelOverlay ? f.nativeFailure : 'the kernel has no overlay filesystem';
  if (failure === undefined) return { driver: 'overlay', reason: `overlay: native, mounted in the user namespace with userxattr (Linux ${release()})` };
  if (f.fuse) return { driver: 'overlay', mountProgram: f.fuse, reason: `overlay: fuse-overlayfs, because a native overlay mount failed in the user namespace (${failure})` };
  if (f.wanted) return { driver: 'overlay', reason: `overlay: asked for by configuration, but a native mount failed (${failure}) and fuse-overlayfs is not usable` };
  const why = f.devFuse ? 'fuse-overlayfs is not installed or /dev/fuse is not usable' : 'there is no /dev/fuse';
  return { driver: 'vfs', reason: `vfs: a native overlay mount failed in the user namespace (${failure}) and ${why}` };
}

export function chooseDriver(opts: { rootless: boolean; scratch: string; wanted?: StorageDriverName; mountProgram?: string }): DriverChoice {
  const kernelOverlay = kernelHasOverlay();
  // Probes only what the decision can still turn on.
  const probing = opts.rootless && opts.wanted !== 'vfs' && !opts.mountProgram;
  const nativeFailure = probing && kernelOverlay ? probeNativeOverlay(opts.scratch) : undefined;
  const fuse = probing && (nativeFailure !== undefined || !kernelOverlay) ? fuseUsable() : undefined;
  return decideDriver({
    rootless: opts.rootless,
    ...(opts.wanted ? { wanted: opts.wanted } : {}),
    ...(opts.mountProgram ? { mountProgram: { name: opts.mountProgram, found: findExecutable(opts.mountProgram) !== undefined } } : {}),
    kernelOverlay,
    ...(nativeFailure !== undefined ? { nativeFailure } : {}),
    ...(fuse ? { fuse } : {}),
    devFuse: existsSync('/dev/fuse'),
  });
}
