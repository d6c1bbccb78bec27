/**
 * Seccomp profiles in the containers/common JSON format (containers-common's
 * /usr/share/containers/seccomp.json), read as untrusted input and turned into config.json's
 * linux.seccomp the way Podman 4.3.1 does: only the native architecture and its
 * sub-architectures, rules whose includes/excludes do not fit the container dropped.
 *
 * Filters, in order; any one that fails drops the rule:
 *   excludes.arches  contains the native arch          → dropped
 *   excludes.caps    one of them is in the bounding set → dropped
 *   excludes.minKernel  running kernel ≥ it              → dropped
 *   includes.arches  does not contain the native arch  → dropped
 *   includes.caps    one of them is not in the set      → dropped
 *   includes.minKernel  running kernel < it              → dropped
 * (4.3.1's containers/common ignores minKernel; later ones honour it, and so does skiff.)
 */
import { readFileSync } from 'node:fs';
import { errnoCode, SkiffError } from '../../util/errors.ts';
import type { OciSeccomp, OciSeccompArg, OciSyscall } from './oci.ts';
import { parseJsonExact } from './oci.ts';

export interface SeccompFilter {
  readonly caps: readonly string[];
  readonly arches: readonly string[];
  readonly minKernel?: string;
}

export interface SeccompArg {
  readonly index: number;
  readonly value: number | bigint;
  readonly valueTwo: number | bigint;
  readonly op: string;
}

export interface SeccompRule {
  readonly name: string;
  readonly names: readonly string[];
  readonly action: string;
  readonly args: readonly SeccompArg[];
  readonly includes: SeccompFilter;
  readonly excludes: SeccompFilter;
  readonly errnoRet?: number;
  readonly errno: string;
}

export interface SeccompProfile {
  readonly defaultAction: string;
  readonly defaultErrnoRet?: number;
  readonly defaultErrno: string;
  readonly architectures: readonly string[];
  readonly archMap: readonly { readonly architecture: string; readonly subArchitectures: readonly string[] }[];
  readonly syscalls: readonly SeccompRule[];
  readonly flags: readonly string[];
}

/** What the conversion needs to know about the container and the host. */
export interface SeccompTarget {
  /** libseccomp's name of the native architecture: amd64, arm64, x86, s390x … */
  readonly arch: string;
  /** process.capabilities.bounding of the container. */
  readonly boundingSet: readonly string[];
  /** The running kernel's release (uname -r). */
  readonly kernelRelease: string;
}

/** Native architectures that an archMap entry can name, as containers/common maps them. */
const NATIVE_TO_SECCOMP: Readonly<Record<string, string>> = {
  amd64: 'SCMP_ARCH_X86_64',
  arm64: 'SCMP_ARCH_AARCH64',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64n32: 'SCMP_ARCH_MIPS64N32',
  mipsel64: 'SCMP_ARCH_MIPSEL64',
  mipsel64n32: 'SCMP_ARCH_MIPSEL64N32',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  riscv64: 'SCMP_ARCH_RISCV64',
  s390x: 'SCMP_ARCH_S390X',
};

/** Linux errno numbers (asm-generic, as on x86 and arm), for `errno` / `defaultErrno` names. */
const ERRNO: Readonly<Record<string, number>> = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  ECHILD: 10, EAGAIN: 11, EWOULDBLOCK: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15,
  EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23,
  EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31,
  EPIPE: 32, EDOM: 33, ERANGE: 34, EDEADLK: 35, EDEADLOCK: 35, ENAMETOOLONG: 36, ENOLCK: 37,
  ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, EIDRM: 43, ECHRNG: 44, EL2NSYNC: 45,
  EL3HLT: 46, EL3RST: 47, ELNRNG: 48, EUNATCH: 49, ENOCSI: 50, EL2HLT: 51, EBADE: 52, EBADR: 53,
  EXFULL: 54, ENOANO: 55, EBADRQC: 56, EBADSLT: 57, EBFONT: 59, ENOSTR: 60, ENODATA: 61,
  ETIME: 62, ENOSR: 63, ENONET: 64, ENOPKG: 65, EREMOTE: 66, ENOLINK: 67, EADV: 68, ESRMNT: 69,
  ECOMM: 70, EPROTO: 71, EMULTIHOP: 72, EDOTDOT: 73, EBADMSG: 74, EOVERFLOW: 75, ENOTUNIQ: 76,
  EBADFD: 77, EREMCHG: 78, ELIBACC: 79, ELIBBAD: 80, ELIBSCN: 81, ELIBMAX: 82, ELIBEXEC: 83,
  EILSEQ: 84, ERESTART: 85, ESTRPIPE: 86, EUSERS: 87, ENOTSOCK: 88, EDESTADDRREQ: 89,
  EMSGSIZE: 90, EPROTOTYPE: 91, ENOPROTOOPT: 92, EPROTONOSUPPORT: 93, ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95, ENOTSUP: 95, EPFNOSUPPORT: 96, EAFNOSUPPORT: 97, EADDRINUSE: 98,
  EADDRNOTAVAIL: 99, ENETDOWN: 100, ENETUNREACH: 101, ENETRESET: 102, ECONNABORTED: 103,
  ECONNRESET: 104, ENOBUFS: 105, EISCONN: 106, ENOTCONN: 107, ESHUTDOWN: 108, ETOOMANYREFS: 109,
  ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTDOWN: 112, EHOSTUNREACH: 113, EALREADY: 114,
  EINPROGRESS: 115, ESTALE: 116, EUCLEAN: 117, ENOTNAM: 118, ENAVAIL: 119, EISNAM: 120,
  EREMOTEIO: 121, EDQUOT: 122, ENOMEDIUM: 123, EMEDIUMTYPE: 124, ECANCELED: 125, ENOKEY: 126,
  EKEYEXPIRED: 127, EKEYREVOKED: 128, EKEYREJECTED: 129, EOWNERDEAD: 130, ENOTRECOVERABLE: 131,
  ERFKILL: 132, EHWPOISON: 133,
};

const UINT64_MAX = (1n << 64n) - 1n;

/** A decoding failure, worded like Go's encoding/json so that messages read as Podman's. */
class DecodeError extends Error {}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonKind(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

function mismatch(v: Json, field: string, goType: string): never {
  throw new DecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${field} of type ${goType}`);
}

function str(v: Json, field: string, goType = 'string'): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') mismatch(v, field, goType);
  return v;
}

function strList(v: Json, field: string, goType = '[]string'): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) mismatch(v, field, goType);
  return v.map((x) => str(x, field, goType.slice(2)));
}

function uint(v: Json, field: string, goType: string, max: bigint): number | bigint | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
  if (n === undefined || n < 0n || n > max) {
    if (typeof v === 'number' || typeof v === 'bigint') {
      throw new DecodeError(`json: cannot unmarshal number ${String(v)} into Go struct field ${field} of type ${goType}`);
    }
    mismatch(v, field, goType);
  }
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function smallUint(v: Json, field: string): number | undefined {
  const n = uint(v, field, 'uint', 0xffffffffn);
  return n === undefined ? undefined : Number(n);
}

function filter(v: Json, field: string): SeccompFilter {
  if (v === undefined || v === null) return { caps: [], arches: [] };
  if (!isObject(v)) mismatch(v, field, 'seccomp.Filter');
  const minKernel = v.minKernel === undefined || v.minKernel === null ? undefined : str(v.minKernel, `${field}.minKernel`, 'seccomp.KernelVersion');
  return {
    caps: strList(v.caps, `${field}.caps`),
    arches: strList(v.arches, `${field}.arches`),
    ...(minKernel === undefined ? {} : { minKernel }),
  };
}

function rule(v: Json): SeccompRule {
  if (!isObject(v)) mismatch(v, 'Seccomp.syscalls', 'seccomp.Syscall');
  const args: SeccompArg[] = [];
  if (v.args !== undefined && v.args !== null) {
    if (!Array.isArray(v.args)) mismatch(v.args, 'Syscall.syscalls.args', '[]*seccomp.Arg');
    for (const a of v.args) {
      if (a === null) continue;
      if (!isObject(a)) mismatch(a, 'Syscall.syscalls.args', 'seccomp.Arg');
      args.push({
        index: smallUint(a.index, 'Arg.syscalls.args.index') ?? 0,
        value: uint(a.value, 'Arg.syscalls.args.value', 'uint64', UINT64_MAX) ?? 0,
        valueTwo: uint(a.valueTwo, 'Arg.syscalls.args.valueTwo', 'uint64', UINT64_MAX) ?? 0,
        op: str(a.op, 'Arg.syscalls.args.op', 'seccomp.Operator'),
      });
    }
  }
  const errnoRet = smallUint(v.errnoRet, 'Syscall.syscalls.errnoRet');
  return {
    name: str(v.name, 'Syscall.syscalls.name'),
    names: strList(v.names, 'Syscall.syscalls.names'),
    action: str(v.action, 'Syscall.syscalls.action', 'seccomp.Action'),
    args,
    includes: filter(v.includes, 'Syscall.syscalls.includes'),
    excludes: filter(v.excludes, 'Syscall.syscalls.excludes'),
    ...(errnoRet === undefined ? {} : { errnoRet }),
    errno: str(v.errno, 'Syscall.syscalls.errno'),
  };
}

/** Validates a profile's JSON text. Throws DecodeError (caught by loadSeccompProfile). */
function decodeProfile(text: string): SeccompProfile {
  let v: Json;
  try {
    v = parseJsonExact(text);
  } catch (err) {
    throw new DecodeError((err as Error).message);
  }
  if (!isObject(v)) mismatch(v, 'Seccomp', 'seccomp.Seccomp');
  const archMap: { architecture: string; subArchitectures: string[] }[] = [];
  if (v.archMap !== undefined && v.archMap !== null) {
    if (!Array.isArray(v.archMap)) mismatch(v.archMap, 'Seccomp.archMap', '[]seccomp.Architecture');
    for (const a of v.archMap) {
      if (!isObject(a)) mismatch(a, 'Seccomp.archMap', 'seccomp.Architecture');
      archMap.push({
        architecture: str(a.architecture, 'Architecture.archMap.architecture', 'seccomp.Arch'),
        subArchitectures: strList(a.subArchitectures, 'Architecture.archMap.subArchitectures', '[]seccomp.Arch'),
      });
    }
  }
  const syscalls: SeccompRule[] = [];
  if (v.syscalls !== undefined && v.syscalls !== null) {
    if (!Array.isArray(v.syscalls)) mismatch(v.syscalls, 'Seccomp.syscalls', '[]*seccomp.Syscall');
    for (const s of v.syscalls) if (s !== null) syscalls.push(rule(s));
  }
  const defaultErrnoRet = smallUint(v.defaultErrnoRet, 'Seccomp.defaultErrnoRet');
  return {
    defaultAction: str(v.defaultAction, 'Seccomp.defaultAction', 'seccomp.Action'),
    ...(defaultErrnoRet === undefined ? {} : { defaultErrnoRet }),
    defaultErrno: str(v.defaultErrno, 'Seccomp.defaultErrno'),
    architectures: strList(v.architectures, 'Seccomp.architectures', '[]seccomp.Arch'),
    archMap,
    syscalls,
    flags: strList(v.flags, 'Seccomp.flags'),
  };
}

/** Reads and validates a profile file. Errors carry Podman's wording and the file name. */
export function loadSeccompProfile(path: string): SeccompProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = errnoCode(err) === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
    throw new SkiffError('config', `opening seccomp profile failed: open ${path}: ${reason}`, { cause: err });
  }
  return parseSeccompProfile(text, path);
}

export function parseSeccompProfile(text: string, source: string): SeccompProfile {
  try {
    return decodeProfile(text);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    throw new SkiffError('config', `loading seccomp profile (${source}) failed: decoding seccomp profile failed: ${err.message}`);
  }
}

function errnoNumber(name: string): number {
  const n = ERRNO[name];
  if (n === undefined) throw new Error(`unknown errno ${JSON.stringify(name)}`);
  return n;
}

/** major.minor of a kernel release or a profile's minKernel ("4.8", "6.18.44-fc-v669"). */
function kernelVersion(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (m === null) throw new Error(`invalid kernel version ${JSON.stringify(release)}`);
  return [Number(m[1]), Number(m[2])];
}

function kernelAtLeast(running: string, wanted: string): boolean {
  const [rMaj, rMin] = kernelVersion(running);
  const [wMaj, wMin] = kernelVersion(wanted);
  return rMaj > wMaj || (rMaj === wMaj && rMin >= wMin);
}

function keep(r: SeccompRule, target: SeccompTarget): boolean {
  const bound = new Set(target.boundingSet);
  const ex = r.excludes;
  if (ex.arches.includes(target.arch)) return false;
  if (ex.caps.some((c) => bound.has(c))) return false;
  if (ex.minKernel !== undefined && kernelAtLeast(target.kernelRelease, ex.minKernel)) return false;
  const inc = r.includes;
  if (inc.arches.length > 0 && !inc.arches.includes(target.arch)) return false;
  if (inc.caps.some((c) => !bound.has(c))) return false;
  if (inc.minKernel !== undefined && !kernelAtLeast(target.kernelRelease, inc.minKernel)) return false;
  return true;
}

function ociArg(a: SeccompArg): OciSeccompArg {
  // valueTwo is omitempty in runtime-spec: a zero is not written.
  if (a.valueTwo === 0) return { index: a.index, value: a.value, op: a.op };
  return { index: a.index, value: a.value, valueTwo: a.valueTwo, op: a.op };
}

/**
 * linux.seccomp for a container, or undefined when the profile disables seccomp (no default
 * action and no rules). `source` names the profile in error messages.
 */
export function convertSeccompProfile(profile: SeccompProfile, target: SeccompTarget, source: string): OciSeccomp | undefined {
  try {
    return convert(profile, target);
  } catch (err) {
    throw new SkiffError('config', `loading seccomp profile (${source}) failed: ${(err as Error).message}`);
  }
}

function convert(profile: SeccompProfile, target: SeccompTarget): OciSeccomp | undefined {
  if (profile.defaultAction === '' && profile.syscalls.length === 0) return undefined;
  if (profile.architectures.length > 0 && profile.archMap.length > 0) {
    throw new Error("'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const architectures = [...profile.architectures];
  const native = NATIVE_TO_SECCOMP[target.arch];
  const mapped = profile.archMap.find((a) => a.architecture === native);
  if (mapped !== undefined) architectures.push(mapped.architecture, ...mapped.subArchitectures);

  const syscalls: OciSyscall[] = [];
  for (const r of profile.syscalls) {
    if (!keep(r, target)) continue;
    if (r.name !== '' && r.names.length > 0) {
      throw new Error("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
    }
    const names = r.name !== '' ? [r.name] : [...r.names];
    if (names.length === 0) continue;
    const errnoRet = r.errnoRet ?? (r.errno !== '' ? errnoNumber(r.errno) : undefined);
    const call: OciSyscall = { names, action: r.action };
    if (errnoRet !== undefined) call.errnoRet = errnoRet;
    if (r.args.length > 0) call.args = r.args.map(ociArg);
    syscalls.push(call);
  }

  const out: OciSeccomp = { defaultAction: profile.defaultAction };
  const defaultErrnoRet = profile.defaultErrnoRet ?? (profile.defaultErrno !== '' ? errnoNumber(profile.defaultErrno) : undefined);
  if (defaultErrnoRet !== undefined) out.defaultErrnoRet = defaultErrnoRet;
  if (architectures.length > 0) out.architectures = architectures;
  if (profile.flags.length > 0) out.flags = [...profile.flags];
  if (syscalls.length > 0) out.syscalls = syscalls;
  return out;
}
