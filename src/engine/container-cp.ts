/**
 * `cp`: copies between the host and a container, between two containers, or between a
 * container and a tar stream on stdin/stdout, with Podman 4.3.1's path rules (copy-plan.ts).
 *
 * The host side runs here, with the user's own view of the host. Everything done inside a
 * container runs in a child process of this same skiff (`skiff cp --copier OP ROOT REQUEST`)
 * that chroot()s into the container's root first (storage/copier.ts), the way Podman's copier
 * does: paths a container controls cannot lead out of it, even while it changes them.
 *
 * Which root: a running (or paused) container's `/proc/<pid>/root`, its root as its own mount
 * namespace shows it, with every mount in place. A container that is not running has its
 * root filesystem mounted for the copy (and unmounted afterwards unless it was mounted
 * before); a path inside one of its bind mounts or volumes is served from that mount's host
 * directory, found the way Podman finds it (locateInMounts).
 *
 * Lock order: the locks of the containers involved, taken in ID order, for containers that
 * are not running (so that nothing starts, removes or unmounts them mid-copy). A running
 * container is not locked, as in Podman: its root stays put while its process lives.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, lstatSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ContainerRecord } from '../state/containers.ts';
import { extractArchive } from '../storage/apply.ts';
import {
  type ArchiveOwner,
  type CopierOp,
  type CopierRequest,
  type PathLookup,
  parseCopierRequest,
  serveCopierRequest,
  topEntries,
} from '../storage/copier.ts';
import { cleanEntryName } from '../storage/tar/path.ts';
import { readTar } from '../storage/tar/reader.ts';
import { writeTar } from '../storage/tar/writer.ts';
import { type ErrorCode, errnoCode, isSkiffError, SkiffError } from '../util/errors.ts';
import type { FileLock } from '../util/lock.ts';
import { selfCommand } from '../util/self.ts';
import { decompress } from '../util/stream.ts';
import {
  archiveTop,
  containerAbsPath,
  type Destination,
  dirName,
  fromMount,
  locateInMounts,
  type PathInfo,
  type PathMount,
  type Probe,
  parseCopyArgs,
  planTransfer,
  preserveBasePath,
  requireSource,
  resolveDestination,
  type Side,
  type Transfer,
} from './copy-plan.ts';
import type { Engine } from './engine.ts';
import { goQuote } from '../util/goquote.ts';
import { toHost } from '../rootless/ids.ts';

export interface CopyOptions {
  /** The two arguments as the user typed them: `[CONTAINER:]PATH`, `-` for a tar stream. */
  readonly source: string;
  readonly dest: string;
  /** `--archive` (default true): what is copied into a container is owned by its user. */
  readonly chown: boolean;
  /** `--overwrite`: a directory may replace a non-directory and the reverse. */
  readonly overwrite: boolean;
  readonly stdin: AsyncIterable<Uint8Array>;
  readonly stdout: NodeJS.WritableStream;
}

/** Paths of a container's root that are never copied out (Podman's excludes). */
const EXCLUDED = ['dev', 'proc', 'sys'];

export async function copy(engine: Engine, opts: CopyOptions): Promise<void> {
  const { source, dest } = parseCopyArgs(opts.source, opts.dest);
  const names = source.container !== '' && dest.container !== '' ? [source.container, dest.container] : [source.container || dest.container];
  const ends = await openContainers(engine, names);
  try {
    if (source.container !== '' && dest.container !== '') {
      await containerToContainer(ends[0] as ContainerEnd, source.path, ends[1] as ContainerEnd, dest.path, opts);
    } else if (source.container !== '') {
      await fromContainer(ends[0] as ContainerEnd, source.path, dest.path, opts);
    } else {
      await toContainer(ends[0] as ContainerEnd, dest.path, source.path, opts);
    }
  } finally {
    await closeAll(ends);
  }
}

// --- the three directions --------------------------------------------------------------------

async function fromContainer(ctr: ContainerEnd, path: string, hostPath: string, opts: CopyOptions): Promise<void> {
  const src = requireSource(path, await ctr.lookup(path), ctr.side);
  await ctr.owner();
  if (hostPath === '-') {
    await transfer('copying from container', () => pipeline(ctr.archive(src, archiveTop(src)), opts.stdout, { end: false }));
    return;
  }
  const probe = lookupHost(hostPath);
  const dest = resolveDestination(hostPath, probe, probe.found ? undefined : lookupHost(dirName(hostPath)), { kind: 'host' });
  if (!dest.info.isDir && !dest.info.isRegular) {
    throw new SkiffError('invalid-argument', `invalid destination: ${goQuote(dest.info.linkTarget)} must be a directory or a regular file`);
  }
  const plan = planTransfer(src, dest);
  await transfer('copying from container', () =>
    extractArchive(ctr.archive(src, plan.top), {
      root: plan.destDir,
      // Podman gives what it copies out to the user running it.
      idMap: () => ({ uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }),
      skipDevices: true,
      replaceDirectories: opts.overwrite,
    }),
  );
}

async function toContainer(ctr: ContainerEnd, path: string, hostPath: string, opts: CopyOptions): Promise<void> {
  if (hostPath === '-') return fromStdin(ctr, path, opts);
  const srcProbe = lookupHost(hostPath);
  if (!srcProbe.found) throw new SkiffError('no-such-object', `${goQuote(hostPath)} could not be found on the host: ${srcProbe.error}`);
  const dest = await ctr.destination(path);
  const plan = planTransfer(srcProbe, dest);
  if (opts.chown) await ctr.owner();
  await transfer('copying to container', () => ctr.extract(plan, (top) => archiveHost(srcProbe, top), opts));
}

async function fromStdin(ctr: ContainerEnd, path: string, opts: CopyOptions): Promise<void> {
  const dest = await ctr.destination(path, { stdin: true });
  if (!dest.info.isDir) throw new SkiffError('invalid-argument', 'destination must be a directory when copying from stdin');
  if (opts.chown) await ctr.owner();
  // Staged first, as Podman does, so that a stream that is not a tar archive, or one that is
  // hostile or broken anywhere, is refused before anything is written into the container.
  const stage = mkdtempSync(join(tmpdir(), 'skiff-cp-'));
  try {
    const file = join(stage, 'stdin');
    await pipeline(Readable.from(opts.stdin), createWriteStream(file, { mode: 0o600 }));
    await checkArchive(file);
    const into = { destDir: dest.info.linkTarget, top: null };
    await transfer('copying to container', () => ctr.extract(into, () => decompress(createReadStream(file)).stream, opts));
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

async function containerToContainer(from: ContainerEnd, path: string, to: ContainerEnd, destPath: string, opts: CopyOptions): Promise<void> {
  const src = requireSource(path, await from.lookup(path), from.side);
  const dest = await to.destination(destPath);
  const plan = planTransfer(src, dest);
  await from.owner();
  if (opts.chown) await to.owner();
  await transfer('copying between containers', () => to.extract(plan, (top) => from.archive(src, top), opts));
}

/** Runs a copy's data phase; a failure there is reported as Podman words it, on one line. */
async function transfer(what: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (isSkiffError(err)) throw new SkiffError(err.code, `${what}: ${err.message}`, { exitCode: err.exitCode, cause: err });
    throw new SkiffError('io', `${what}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Checks a staged stdin stream: a tar archive (gzip or zstd compressed, or not), every entry
 * readable and every name inside the destination. Nothing is written until it passes.
 */
async function checkArchive(file: string): Promise<void> {
  let entries = 0;
  try {
    for await (const entry of readTar(decompress(createReadStream(file)).stream)) {
      entries++;
      const h = entry.header;
      if (cleanEntryName(h.name) === undefined) {
        throw new SkiffError('unsafe-path', `copying to container: refusing to extract ${goQuote(h.name)}: path escapes the destination`);
      }
      if (h.type === 'hardlink' && cleanEntryName(h.linkname) === undefined) {
        throw new SkiffError('unsafe-path', `copying to container: refusing hard link ${goQuote(h.name)} -> ${goQuote(h.linkname)}: target is outside the destination`);
      }
    }
  } catch (err) {
    if (entries === 0) throw notAnArchive();
    if (isSkiffError(err, 'unsafe-path')) throw err;
    throw new SkiffError('bad-archive', `copying to container: ${(err as Error).message}`, { cause: err });
  }
  if (entries === 0) throw notAnArchive();
}

function notAnArchive(): SkiffError {
  return new SkiffError('bad-archive', 'source must be a (compressed) tar archive when copying from stdin');
}

// --- the host side ---------------------------------------------------------------------------

/** Go's wording of the errno texts a stat can end with. */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOTDIR: 'not a directory',
  EACCES: 'permission denied',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
};

/**
 * A host path as Podman's ResolveHostPath sees it: made absolute and cleaned (the user's
 * trailing '/' or '/.' kept), then stat()ed, following symlinks (the user's own links).
 */
export function lookupHost(path: string): Probe {
  const abs = preserveBasePath(path, posix.resolve(path));
  let st;
  try {
    st = statSync(abs);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return { found: false, error: 'no such file or directory' };
    return { found: false, error: `stat ${abs}: ${ERRNO_TEXT[code ?? ''] ?? code ?? (err as Error).message}` };
  }
  return { found: true, isDir: st.isDirectory(), isRegular: st.isFile(), linkTarget: abs };
}

/** A tar of a host path: what the path names, symlinks followed, under the plan's top name. */
async function* archiveHost(info: PathInfo, top: string | null): AsyncGenerator<Buffer> {
  const real = realpathSync(info.linkTarget);
  yield* writeTar(topEntries(real, lstatSync(real), top));
}

// --- the container side ----------------------------------------------------------------------

async function openContainers(engine: Engine, names: readonly string[]): Promise<ContainerEnd[]> {
  const records = names.map((n) => findContainer(engine, n));
  // One end per container (`cp c1:/a c1:/b` copies within one container), locked in ID order.
  const unique = [...new Map(records.map((r) => [r.id, r])).values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const opened = new Map<string, ContainerEnd>();
  try {
    for (const r of unique) opened.set(r.id, await ContainerEnd.open(engine, r));
  } catch (err) {
    await closeAll([...opened.values()]);
    throw err;
  }
  return records.map((r, i) => (opened.get(r.id) as ContainerEnd).named(names[i] as string));
}

async function closeAll(ends: readonly ContainerEnd[]): Promise<void> {
  for (const e of new Set(ends.map((x) => x.shared))) await e.close();
}

/** Podman's `cp` looks a container up with its own words for the two failures. */
function findContainer(engine: Engine, input: string): ContainerRecord {
  if (input === '') throw new SkiffError('invalid-argument', 'name or ID cannot be empty');
  const c = engine.containers.find(input);
  if (!c) throw new SkiffError('no-such-object', `container ${goQuote(input)} does not exist`);
  return engine.containers.sync(c);
}

/** Where a container path is served from: a root on the host and the path inside it. */
interface Located {
  readonly root: string;
  readonly inner: string;
  /** A path inside root (as a lookup returns it) as the container sees it. */
  toContainer(inner: string): string;
}

/** One container taking part in a copy, open (locked and mounted as needed) until close(). */
class ContainerEnd {
  readonly #engine: Engine;
  readonly #c: ContainerRecord;
  readonly #lock: FileLock | undefined;
  readonly #unmount: boolean;
  /** `/proc/<pid>/root` of a running container; undefined when served from the mounted rootfs. */
  readonly #liveRoot: string | undefined;
  readonly #rootfs: string;
  readonly #mounts: readonly PathMount[];
  #owner: ArchiveOwner | undefined;
  /** The container as the user named it (messages); the shared end holds the resources. */
  readonly side: Side;
  readonly shared: ContainerEnd;

  private constructor(init: {
    engine: Engine;
    c: ContainerRecord;
    lock: FileLock | undefined;
    unmount: boolean;
    liveRoot: string | undefined;
    rootfs: string;
    mounts: readonly PathMount[];
    name: string;
    shared?: ContainerEnd;
  }) {
    this.#engine = init.engine;
    this.#c = init.c;
    this.#lock = init.lock;
    this.#unmount = init.unmount;
    this.#liveRoot = init.liveRoot;
    this.#rootfs = init.rootfs;
    this.#mounts = init.mounts;
    this.side = { kind: 'container', name: init.name };
    this.shared = init.shared ?? this;
  }

  static async open(engine: Engine, rec: ContainerRecord): Promise<ContainerEnd> {
    const svc = engine.containers;
    const live = (c: ContainerRecord): boolean => (c.state.status === 'running' || c.state.status === 'paused') && c.state.pid > 0;
    const image = engine.store.images.get(rec.imageId);
    if (live(rec)) {
      const rootfs = await engine.store.rootfs.mount(rec.id, image?.topLayer ?? null);
      return new ContainerEnd({ engine, c: rec, lock: undefined, unmount: false, liveRoot: `/proc/${rec.state.pid}/root`, rootfs, mounts: [], name: rec.id });
    }
    const lock = svc.lock(rec.id);
    await lock.acquire();
    try {
      const current = svc.records.get(rec.id);
      if (!current) throw new SkiffError('no-such-object', `container ${goQuote(rec.name)} does not exist`);
      const c = svc.sync(current);
      if (live(c)) {
        // Started while we waited for its lock: served live, and not held locked.
        lock.release();
        return ContainerEnd.open(engine, c);
      }
      const wasMounted = c.state.mounted || (await isMounted(engine, c.id));
      const rootfs = await engine.store.rootfs.mount(c.id, image?.topLayer ?? null);
      return new ContainerEnd({ engine, c, lock, unmount: !wasMounted, liveRoot: undefined, rootfs, mounts: mountsOf(engine, c), name: c.id });
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** The same container, named as the user named it in one of the arguments. */
  named(name: string): ContainerEnd {
    const s = this.shared;
    return new ContainerEnd({
      engine: s.#engine,
      c: s.#c,
      lock: undefined,
      unmount: false,
      liveRoot: s.#liveRoot,
      rootfs: s.#rootfs,
      mounts: s.#mounts,
      name,
      shared: s,
    });
  }

  async close(): Promise<void> {
    try {
      if (this.#unmount) await this.#engine.store.rootfs.unmount(this.#c.id);
    } finally {
      this.#lock?.release();
    }
  }

  /** A path the user gave, as the container sees it: absolute, cleaned. */
  #abs(path: string): string {
    return containerAbsPath(path, this.#workdir());
  }

  #workdir(): string {
    if (this.#c.spec.workdir) return this.#c.spec.workdir;
    const image = this.#engine.store.images.get(this.#c.imageId);
    return (image && this.#engine.images.config(image).config?.WorkingDir) || '/';
  }

  #locate(abs: string): Located {
    if (this.#liveRoot !== undefined) return { root: this.#liveRoot, inner: abs, toContainer: (p) => p };
    const { mount, inner } = locateInMounts(abs, this.#mounts);
    if (mount === undefined) return { root: this.#rootfs, inner, toContainer: (p) => p };
    if (isDirectory(mount.source)) return { root: mount.source, inner, toContainer: (p) => fromMount(mount, p) };
    // A file bind-mounted (`-v /host/file:/etc/x`): served from its directory, as its one entry.
    const name = posix.basename(mount.source);
    return {
      root: posix.dirname(mount.source),
      inner: inner === '/' ? `/${name}` : posix.join('/', name, inner),
      toContainer: (p) => fromMount(mount, p === `/${name}` ? '/' : p.startsWith(`/${name}/`) ? p.slice(name.length + 1) : p),
    };
  }

  /** Looks a path up inside the container; found paths come back as the container sees them. */
  async lookup(path: string): Promise<Probe> {
    // Podman refuses wildcards rather than expanding them.
    if (path.includes('*')) return { found: false, error: 'no such file or directory' };
    return (await this.#lookupWithParent(path)).probe;
  }

  async #lookupWithParent(path: string): Promise<{ probe: Probe; parent?: Probe }> {
    const abs = this.#abs(path);
    const at = this.#locate(abs);
    const out = await runCopier(at.root, { op: 'lookup', path: at.inner });
    const res = parseLookupResult(out);
    const toProbe = (l: PathLookup, original: string): Probe =>
      l.found
        ? { found: true, isDir: l.isDir, isRegular: l.isRegular, linkTarget: preserveBasePath(original, at.toContainer(l.path)) }
        : { found: false, error: l.error, ...(l.dangling !== undefined ? { dangling: at.toContainer(l.dangling) } : {}) };
    const probe = toProbe(res.probe, path);
    if (res.parent === undefined) return { probe };
    return { probe, parent: toProbe(res.parent, '') };
  }

  /** Resolves DEST in this container (copy-plan's resolveDestination). */
  async destination(path: string, opts: { stdin?: boolean } = {}): Promise<Destination> {
    if (path.includes('*')) return resolveDestination(path, { found: false, error: 'no such file or directory' }, undefined, this.side, opts);
    const { probe, parent } = await this.#lookupWithParent(path);
    return resolveDestination(path, probe, parent, this.side, opts);
  }

  /**
   * The container's user as uid/gid, read from its own /etc/passwd and /etc/group: what `-a`
   * gives copies in, and the owner recorded for copies out. Looked up before any data moves.
   */
  async owner(): Promise<ArchiveOwner> {
    const s = this.shared;
    if (s.#owner) return s.#owner;
    const image = s.#engine.store.images.get(s.#c.imageId);
    const userSpec = s.#c.spec.user ?? (image ? s.#engine.images.config(image).config?.User : undefined) ?? '';
    const { resolveExecUser } = await import('../runtime/spec/user.ts');
    try {
      const u = resolveExecUser(userSpec, { rootfs: s.#rootfs });
      s.#owner = { uid: u.uid, gid: u.gid };
    } catch (err) {
      if (isSkiffError(err)) throw new SkiffError(err.code, `determining run uid: ${err.message}`, { cause: err });
      throw err;
    }
    return s.#owner;
  }

  /**
   * The owner as written through skiff's view of the files: a container with a user namespace
   * of its own sees them through its map (the container's root is an outer ID).
   */
  #viewOwner(owner: ArchiveOwner): ArchiveOwner {
    const u = this.shared.#c.spec.userns;
    if (!u?.uidMap || !u.gidMap) return owner;
    return { uid: toHost(u.uidMap, owner.uid) ?? owner.uid, gid: toHost(u.gidMap, owner.gid) ?? owner.gid };
  }

  /**
   * A tar of `src` (a looked-up path of this container) under the name `top`. A copier that
   * fails makes the iteration fail with its error (not with a short archive); one whose
   * archive is no longer wanted is stopped.
   */
  async *archive(src: PathInfo, top: string | null): AsyncGenerator<Uint8Array> {
    const at = this.#locate(cleanAbs(src.linkTarget));
    const owner = await this.owner();
    // /dev, /proc and /sys are the container's own root's, not those of a mount.
    const exclude = at.root === this.#rootfs || at.root === this.#liveRoot ? EXCLUDED : [];
    const child = startCopier(at.root, { op: 'get', path: at.inner, top, owner, exclude }, 'ignore');
    let complete = false;
    try {
      yield* child.process.stdout as AsyncIterable<Uint8Array>;
      complete = true;
    } finally {
      if (!complete) child.stop();
      const failure = await child.done;
      if (failure) throw failure;
    }
  }

  /**
   * Extracts the archive `produce` gives into the plan's directory. The top name is the
   * plan's, except where the plan's target is a file bind-mounted into a container that is
   * not running: that file itself is written, under its own name on the host.
   */
  async extract(plan: Transfer, produce: (top: string | null) => AsyncIterable<Uint8Array>, opts: CopyOptions): Promise<void> {
    const { at, top } = this.#placement(plan);
    const owner = opts.chown ? this.#viewOwner(await this.owner()) : undefined;
    const child = startCopier(at.root, { op: 'put', dir: at.inner, owner, overwrite: opts.overwrite }, 'pipe');
    let fed: unknown;
    try {
      await pipeline(Readable.from(produce(top)), child.process.stdin as NodeJS.WritableStream);
    } catch (err) {
      // The child stopped reading (it failed, and says why) or the source broke.
      fed = err;
      child.process.stdin?.destroy();
    }
    const failure = await child.done;
    // A source that broke is the cause of what the copier then says; a copier that stopped
    // reading (EPIPE) says why itself.
    if (fed !== undefined && errnoCode(fed) !== 'EPIPE' && errnoCode(fed) !== 'ERR_STREAM_DESTROYED') throw fed;
    if (failure) throw failure;
  }

  #placement(plan: Transfer): { at: Located; top: string | null } {
    const dir = cleanAbs(plan.destDir);
    if (this.#liveRoot === undefined && plan.top !== null) {
      const target = posix.join(dir, plan.top);
      const bind = this.#mounts.find((m) => cleanAbs(m.destination) === target && !isDirectory(m.source));
      if (bind) {
        const parent = posix.dirname(bind.source);
        return { at: { root: parent, inner: '/', toContainer: () => target }, top: posix.basename(bind.source) };
      }
    }
    return { at: this.#locate(dir), top: plan.top };
  }
}

function cleanAbs(path: string): string {
  return posix.normalize(path).replace(/(.)\/+$/, '$1');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // A source gone missing: looked up as a directory, and not found there.
    return true;
  }
}

async function isMounted(engine: Engine, id: string): Promise<boolean> {
  const { isMountPoint } = await import('../util/fsx.ts');
  return engine.store.driver === 'vfs' || isMountPoint(engine.store.rootfs.mountPoint(id));
}

/** The container's bind mounts and volumes, as Podman consults them for a stopped container. */
function mountsOf(engine: Engine, c: ContainerRecord): PathMount[] {
  const out: PathMount[] = [];
  for (const m of c.spec.mounts) {
    if (m.type === 'bind') out.push({ destination: m.destination, source: m.source });
    else if (m.type === 'volume' && m.source !== '') out.push({ destination: m.destination, source: engine.volumes.mountPoint(m.source) });
  }
  return out;
}

function parseLookupResult(text: string): { probe: PathLookup; parent?: PathLookup } {
  try {
    const r = JSON.parse(text) as { probe: PathLookup; parent?: PathLookup };
    if (typeof r.probe?.found === 'boolean') return r;
  } catch {
    // Reported below.
  }
  throw new SkiffError('internal', `copier: unreadable lookup result ${goQuote(text.slice(0, 200))}`);
}

// --- the confined child process --------------------------------------------------------------

interface CopierChild {
  readonly process: ReturnType<typeof spawn>;
  /** Settles when the child has exited: undefined on success or when stopped, else its error. */
  readonly done: Promise<SkiffError | undefined>;
  /** Ends a child still running (its work is no longer wanted). */
  stop(): void;
}

/** Starts this skiff as a copier chroot()ed into `root` (see storage/copier.ts). */
function startCopier(root: string, req: CopierRequest, stdin: 'pipe' | 'ignore'): CopierChild {
  const [node, ...args] = selfCommand(['cp', `--copier=${req.op}`, root, JSON.stringify(req)]);
  const child = spawn(node as string, args, { stdio: [stdin, 'pipe', 'pipe'] });
  const errChunks: Buffer[] = [];
  let errBytes = 0;
  child.stderr?.on('data', (b: Buffer) => {
    if (errBytes < 64 * 1024) errChunks.push(b);
    errBytes += b.length;
  });
  let stopped = false;
  const done = new Promise<SkiffError | undefined>((resolve) => {
    child.on('error', (err) => resolve(new SkiffError('io', `starting the copier: ${err.message}`, { cause: err })));
    child.on('close', (code, signal) => {
      if (code === 0 || (stopped && signal !== null)) return resolve(undefined);
      resolve(copierError(Buffer.concat(errChunks).toString('utf8'), code, signal));
    });
  });
  const stop = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stopped = true;
    child.kill();
  };
  return { process: child, done, stop };
}

/** Runs a copier request whose whole answer is on stdout (a lookup). */
async function runCopier(root: string, req: CopierRequest): Promise<string> {
  const child = startCopier(root, req, 'ignore');
  const chunks: Buffer[] = [];
  for await (const b of child.process.stdout as AsyncIterable<Buffer>) chunks.push(b);
  const failure = await child.done;
  if (failure) throw failure;
  return Buffer.concat(chunks).toString('utf8');
}

/** The child reports a failure as one JSON line on stderr: {"code": …, "message": …}. */
function copierError(stderr: string, code: number | null, signal: NodeJS.Signals | null): SkiffError {
  const last = stderr.trim().split('\n').at(-1) ?? '';
  try {
    const e = JSON.parse(last) as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && typeof e.message === 'string') return new SkiffError(e.code as ErrorCode, e.message);
  } catch {
    // Not one of ours: reported as it is.
  }
  const how = signal ? `killed by ${signal}` : `exited ${code}`;
  return new SkiffError('io', `copier ${how}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
}

/**
 * The child's side: serves one request inside `root` and returns the exit code. Errors are
 * written to `stderr` as one JSON line for the parent.
 */
export async function serveCopier(op: string, root: string, json: string, io: { stdin: AsyncIterable<Uint8Array>; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  try {
    const req = parseCopierRequest(op as CopierOp, json);
    await serveCopierRequest(root, req, io);
    return 0;
  } catch (err) {
    const e = isSkiffError(err) ? err : new SkiffError('io', (err as Error).message);
    io.stderr.write(`${JSON.stringify({ code: e.code, message: e.message })}\n`);
    return 1;
  }
}
