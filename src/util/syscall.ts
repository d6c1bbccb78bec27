/**
 * Thin wrappers over libc calls that Node's fs does not offer (mknod, xattrs, mount).
 *
 * koffi is loaded on first use, not at import: it is a native module and most commands never
 * need it. Every wrapper either returns its result or throws an Error shaped like Node's
 * system errors (`code` = 'ENOENT' …, negative `errno`, `syscall`, `path`), so callers test
 * failures with `errnoCode()` exactly as they do for node:fs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getSystemErrorMap } from 'node:util';

type KoffiModule = typeof import('koffi');
// koffi's function objects are untyped; each wrapper below pins down its own signature.
type NativeFn = (...args: unknown[]) => number | bigint;

interface Libc {
  readonly koffi: KoffiModule;
  readonly mknod: NativeFn;
  readonly lsetxattr: NativeFn;
  readonly fsetxattr: NativeFn;
  readonly lgetxattr: NativeFn;
  readonly llistxattr: NativeFn;
  readonly mount: NativeFn;
  readonly umount2: NativeFn;
  readonly chroot: NativeFn;
  readonly flock: NativeFn;
  readonly socket: NativeFn;
  readonly setsockopt: NativeFn;
  readonly bind: NativeFn;
  readonly listen: NativeFn;
  readonly close: NativeFn;
}

let libc: Libc | undefined;

/**
 * koffi's native module itself. Its entry point finds the module by reading the ELF header of
 * the Node binary and probing several directories, ~8 ms of every command that mounts; the
 * per-platform package that npm installed beside it holds the same module at a fixed path.
 * Falls back to the entry point wherever that path does not load.
 */
function loadKoffi(): KoffiModule {
  const require = createRequire(import.meta.url);
  const { platform, arch } = process;
  if (platform === 'linux') {
    try {
      // Resolved from koffi's own directory, as its entry point does; used only when it is the
      // build of the very koffi version installed.
      const entry = require.resolve('koffi');
      const { version } = JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as { version: string };
      const native = createRequire(entry)(`@koromix/koffi-${platform}-${arch}/${platform}_${arch}/koffi.node`) as KoffiModule & { version?: string };
      if (native.version === version) return native;
    } catch {
      // the entry point below reports what is wrong, if anything
    }
  }
  return require('koffi') as KoffiModule;
}

function load(): Libc {
  if (libc) return libc;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  const fn = (decl: string): NativeFn => lib.func(decl) as unknown as NativeFn;
  libc = {
    koffi,
    // glibc >= 2.33 exports mknod itself (older ones only had __xmknod).
    mknod: fn('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lsetxattr: fn('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    fsetxattr: fn('int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: fn('long lgetxattr(const char *path, const char *name, void *value, size_t size)'),
    llistxattr: fn('long llistxattr(const char *path, void *list, size_t size)'),
    mount: fn('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: fn('int umount2(const char *target, int flags)'),
    chroot: fn('int chroot(const char *path)'),
    flock: fn('int flock(int fd, int operation)'),
    socket: fn('int socket(int domain, int type, int protocol)'),
    setsockopt: fn('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    bind: fn('int bind(int fd, const void *addr, uint32_t len)'),
    listen: fn('int listen(int fd, int backlog)'),
    close: fn('int close(int fd)'),
  };
  return libc;
}

export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
}

function systemError(errno: number, syscall: string, path?: string): SystemError {
  const [code, text] = getSystemErrorMap().get(-errno) ?? [`E${errno}`, `unknown error ${errno}`];
  const where = path === undefined ? '' : ` '${path}'`;
  const err = new Error(`${code}: ${text}, ${syscall}${where}`) as SystemError;
  err.code = code;
  err.errno = -errno;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  return err;
}

function check(ret: number | bigint, syscall: string, path?: string): number {
  const n = Number(ret);
  if (n === -1) throw systemError(load().koffi.errno(), syscall, path);
  return n;
}

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

/** glibc's makedev() encoding of a device number. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0);
  const mi = BigInt(minor >>> 0);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

/** mknod(2). `mode` carries the file type (S_IFCHR, S_IFBLK, S_IFIFO) and permission bits;
 * the process umask applies to the permission bits, as for every creating call. */
export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  const c = load();
  check(c.mknod(path, mode >>> 0, makedev(major, minor)), 'mknod', path);
}

export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;

/** lsetxattr(2): sets an extended attribute without following a final symlink. */
export function lsetxattr(path: string, name: string, value: Uint8Array, flags = 0): void {
  const c = load();
  check(c.lsetxattr(path, name, value, value.length, flags), 'lsetxattr', path);
}

/** fsetxattr(2) on an open file descriptor. */
export function fsetxattr(fd: number, name: string, value: Uint8Array, flags = 0): void {
  const c = load();
  check(c.fsetxattr(fd, name, value, value.length, flags), 'fsetxattr');
}

/** lgetxattr(2): the attribute's value, or undefined when the file does not have it (ENODATA). */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const c = load();
  // Ask for the size first, then read; retry if the value grew in between (ERANGE).
  for (;;) {
    const size = Number(c.lgetxattr(path, name, null, 0));
    if (size === -1) {
      const errno = c.koffi.errno();
      const err = systemError(errno, 'lgetxattr', path);
      if (err.code === 'ENODATA') return undefined;
      throw err;
    }
    const buf = Buffer.alloc(size);
    if (size === 0) return buf;
    const got = Number(c.lgetxattr(path, name, buf, size));
    if (got === -1) {
      const err = systemError(c.koffi.errno(), 'lgetxattr', path);
      if (err.code === 'ERANGE') continue;
      if (err.code === 'ENODATA') return undefined;
      throw err;
    }
    return buf.subarray(0, got);
  }
}

/** llistxattr(2): the names of the file's extended attributes (not following a final symlink). */
export function llistxattr(path: string): string[] {
  const c = load();
  for (;;) {
    const size = check(c.llistxattr(path, null, 0), 'llistxattr', path);
    if (size === 0) return [];
    const buf = Buffer.alloc(size);
    const got = Number(c.llistxattr(path, buf, size));
    if (got === -1) {
      const err = systemError(c.koffi.errno(), 'llistxattr', path);
      if (err.code === 'ERANGE') continue;
      throw err;
    }
    return buf
      .subarray(0, got)
      .toString('utf8')
      .split('\0')
      .filter((n) => n !== '');
  }
}

export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_REMOUNT = 32;
export const MS_BIND = 4096;
export const MNT_DETACH = 2;

/** mount(2). `data` is the filesystem's option string (must fit in one page for overlay). */
export function mount(source: string, target: string, fstype: string, flags: number, data: string | null): void {
  const c = load();
  check(c.mount(source, target, fstype, flags, data), 'mount', target);
}

/** umount2(2). EINVAL (not a mount point) and ENOENT are returned as false, not thrown. */
export function umount2(target: string, flags = 0): boolean {
  const c = load();
  if (Number(c.umount2(target, flags)) === 0) return true;
  const err = systemError(c.koffi.errno(), 'umount2', target);
  if (err.code === 'EINVAL' || err.code === 'ENOENT') return false;
  throw err;
}

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
/** Children get the socket only where it is handed to them (dup2 into their fd table clears it). */
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;

/**
 * A socket bound to `address` (4 or 16 bytes) and `port`, listening when it is TCP: a raw file
 * descriptor that a child process can inherit (Node's own sockets cannot be handed over).
 * SO_REUSEADDR as Go's listeners set it; an IPv6 socket takes IPv6 only.
 */
export function bindSocket(protocol: 'tcp' | 'udp', address: Uint8Array, port: number): number {
  const c = load();
  const v6 = address.length === 16;
  const fd = check(c.socket(v6 ? AF_INET6 : AF_INET, (protocol === 'tcp' ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0), 'socket');
  try {
    const one = Buffer.alloc(4);
    one.writeInt32LE(1);
    check(c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4), 'setsockopt');
    let sa: Buffer;
    if (v6) {
      check(c.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, one, 4), 'setsockopt');
      // sockaddr_in6: family, port (big-endian), flow info, address, scope.
      sa = Buffer.alloc(28);
      sa.writeUInt16LE(AF_INET6, 0);
      sa.writeUInt16BE(port, 2);
      Buffer.from(address).copy(sa, 8);
    } else {
      // sockaddr_in: family, port (big-endian), address, padding.
      sa = Buffer.alloc(16);
      sa.writeUInt16LE(AF_INET, 0);
      sa.writeUInt16BE(port, 2);
      Buffer.from(address).copy(sa, 4);
    }
    check(c.bind(fd, sa, sa.length), 'bind');
    if (protocol === 'tcp') check(c.listen(fd, 4096), 'listen');
    return fd;
  } catch (err) {
    c.close(fd);
    throw err;
  }
}

const LOCK_EX = 2;
const LOCK_NB = 4;

/**
 * flock(2) LOCK_EX|LOCK_NB on an open file: true when taken, false when another open file
 * holds a lock on it. The lock lasts as long as the open file does: until it is closed or the
 * process ends.
 */
export function tryFlockExclusive(fd: number): boolean {
  const c = load();
  if (Number(c.flock(fd, LOCK_EX | LOCK_NB)) === 0) return true;
  const err = systemError(c.koffi.errno(), 'flock');
  if (err.code === 'EWOULDBLOCK' || err.code === 'EAGAIN') return false;
  throw err;
}

/**
 * chroot(2) followed by chdir('/'), so that no path the process resolves afterwards, relative or
 * absolute, leaves `path`. The libc binding is loaded first: nothing is loaded from inside.
 */
export function chrootInto(path: string): void {
  const c = load();
  check(c.chroot(path), 'chroot', path);
  process.chdir('/');
}
