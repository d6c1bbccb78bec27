/**
 * Linux capabilities: the names the kernel knows, the user's --cap-add/--cap-drop turned
 * into the sets of config.json as Podman 4.3.1 does it (containers/common's
 * MergeCapabilities, then specgen's split between root and other users).
 */
import { SkiffError } from '../../util/errors.ts';

/** Every capability of Linux 6.x, in kernel bit order (index = capability number). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

const KNOWN = new Set(ALL_CAPABILITIES);

/** Go's sort.Strings: byte order, which for these ASCII names is code unit order. */
function sorted(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * `net_admin`, `CAP_NET_ADMIN` and `Net_Admin` all become `CAP_NET_ADMIN`; `all` becomes `ALL`.
 * An unknown name fails with Podman's text: `"CAP_BOGUS": unknown capability`.
 */
export function normalizeCapability(name: string): string {
  let c = name.toUpperCase();
  if (c === 'ALL') return c;
  if (!c.startsWith('CAP_')) c = `CAP_${c}`;
  if (!KNOWN.has(c)) throw new SkiffError('invalid-argument', `${JSON.stringify(c)}: unknown capability`);
  return c;
}

/** Normalised and sorted, duplicates kept (as containers/common keeps them). */
export function normalizeCapabilities(names: readonly string[]): string[] {
  return sorted(names.map(normalizeCapability));
}

/**
 * The capability list after --cap-add/--cap-drop on top of `base`. ALL in drops keeps only
 * the adds; ALL in adds starts from `boundingSet` (what this process may grant). A name both
 * added and dropped is refused. The result is sorted.
 */
export function mergeCapabilities(
  base: readonly string[],
  adds: readonly string[],
  drops: readonly string[],
  boundingSet: readonly string[],
): string[] {
  let baseCaps = normalizeCapabilities(base);
  if (adds.length === 0 && drops.length === 0) return baseCaps;
  const capDrop = normalizeCapabilities(drops);
  let capAdd = normalizeCapabilities(adds);
  if (capDrop.includes('ALL')) {
    if (capAdd.includes('ALL')) throw new SkiffError('invalid-argument', 'adding all caps and removing all caps not allowed');
    return capAdd;
  }
  if (capAdd.includes('ALL')) {
    baseCaps = [...boundingSet];
    capAdd = [];
  }
  for (const c of [...capAdd, ...capDrop]) {
    if (capAdd.includes(c) && capDrop.includes(c)) {
      throw new SkiffError('invalid-argument', `capability ${JSON.stringify(c)} cannot be dropped and added`);
    }
  }
  const caps = baseCaps.filter((c) => !capDrop.includes(c));
  for (const c of capAdd) if (!baseCaps.includes(c)) caps.push(c);
  return sorted(caps);
}

export interface CapabilityInput {
  /** containers.conf default_capabilities, with or without the CAP_ prefix. */
  readonly defaults: readonly string[];
  readonly add: readonly string[];
  readonly drop: readonly string[];
  readonly privileged: boolean;
  /** The user the container process starts as, exactly as given (`--user` or the image's). */
  readonly user: string;
  /** The capabilities this process holds in its bounding set, CAP_-prefixed. */
  readonly boundingSet: readonly string[];
}

export interface CapabilitySets {
  readonly bounding: readonly string[];
  readonly effective: readonly string[];
  readonly inheritable: readonly string[];
  readonly permitted: readonly string[];
  readonly ambient: readonly string[];
}

/**
 * The five sets of process.capabilities. Podman decides "root" from the user string alone:
 * empty, `root` or `0` (before any `:group`) get the full list as effective and permitted;
 * any other user gets only what --cap-add asked for, in all of effective, permitted,
 * inheritable and ambient, so that the capabilities survive the exec as that user. Nothing
 * outside this process's own bounding set is ever granted.
 */
export function capabilitySets(input: CapabilityInput): CapabilitySets {
  const bound = new Set(input.boundingSet);
  const caps = input.privileged
    ? sorted(input.boundingSet)
    : mergeCapabilities(input.defaults, input.add, input.drop, input.boundingSet).filter((c) => bound.has(c));
  const userName = input.user.split(':')[0];
  if (userName === '' || userName === 'root' || userName === '0') {
    return { bounding: caps, effective: caps, inheritable: [], permitted: caps, ambient: [] };
  }
  const userCaps = mergeCapabilities([], input.add, [], input.boundingSet).filter((c) => bound.has(c));
  return { bounding: caps, effective: userCaps, inheritable: userCaps, permitted: userCaps, ambient: userCaps };
}

/** Capability names from a hex mask as /proc/PID/status shows it (CapBnd: 000001ffffffffff). */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return ALL_CAPABILITIES.filter((_, bit) => ((mask >> BigInt(bit)) & 1n) === 1n);
}
