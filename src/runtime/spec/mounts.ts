/**
 * config.json's mounts, built in the order Podman 4.3.1 builds them and then sorted the way
 * it sorts them:
 *
 *   1. the user's mounts (--volume/--mount binds, --tmpfs, devpts, the --read-only tmpfs
 *      on /run, /tmp and /var/tmp, the --init binary);
 *   2. the kernel filesystems (/proc, /dev, /dev/pts, /dev/mqueue, /sys, /sys/fs/cgroup),
 *      minus any the user replaced;
 *   3. named volumes;
 *   4. the files skiff generates (/etc/resolv.conf, /etc/hosts, /dev/shm,
 *      /run/.containerenv, /etc/hostname) and the mount secrets (/run/secrets and each
 *      secret's file), unless a mount above already has that place;
 *
 * then ordered by path depth so that no mount hides one inside it. Podman fills 1 and 4 from
 * Go maps, so its order inside one depth varies from run to run; skiff keeps the order
 * above, and sorts stably (Podman's sort.Sort is unstable past 12 mounts, which changes
 * only the order among mounts of equal depth, none of which can cover another).
 */
import { posix } from 'node:path';
import { SkiffError } from '../../util/errors.ts';
import type { MountFlags } from './host.ts';
import type { OciMount } from './oci.ts';
import type { MountSpec, NamespaceMode, SecretFiles } from './types.ts';
import { resolveInRootfs } from './user.ts';

export interface MountInput {
  readonly rootfs: string;
  readonly mounts: readonly MountSpec[];
  readonly tmpfs: Readonly<Record<string, string>>;
  readonly readOnly: boolean;
  readonly readOnlyTmpfs: boolean;
  readonly privileged: boolean;
  /** False when the container's namespace has no group 5 (tty): /dev/pts then goes without gid=5, as Podman's. */
  readonly ttyGroup?: boolean;
  readonly ipc: NamespaceMode;
  /** Host path of the init binary when --init is on. */
  readonly initBinary?: string;
  readonly files: {
    readonly hostname: string;
    readonly hosts?: string;
    readonly resolvConf?: string;
    readonly containerEnv: string;
    readonly shm: string;
    readonly secrets?: SecretFiles;
  };
  /** The container user's ids, for `U` on a tmpfs (uid=, gid=). */
  readonly uid: number;
  readonly gid: number;
  /** nosuid/nodev/noexec of the filesystem a bind source lives on. */
  readonly mountFlagsOf: (path: string) => MountFlags;
}

export interface MountPlan {
  readonly mounts: OciMount[];
  /** linux.rootfsPropagation when a mount asks for shared or slave propagation. */
  readonly rootfsPropagation?: string;
}

/** The options Podman gives the tmpfs mounts it adds itself. */
const TMPFS_OPTIONS = ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'];

const PROPAGATIONS = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable']);

function badOption(message: string): SkiffError {
  return new SkiffError('invalid-argument', `${message}: invalid mount option`);
}

function duplicate(message: string): SkiffError {
  return new SkiffError('invalid-argument', `${message}: duplicate mount option passed`);
}

/**
 * Podman's ProcessOptions: the user's options checked and kept in their order, then the
 * defaults appended: rw, rprivate, the source filesystem's nosuid/nodev/noexec for a bind
 * (nosuid and nodev for tmpfs and volumes), tmpcopyup for tmpfs, rbind for binds.
 */
export function processMountOptions(
  options: readonly string[],
  kind: 'bind' | 'tmpfs' | 'volume',
  defaults: MountFlags,
): string[] {
  const isTmpfs = kind === 'tmpfs';
  const found = new Set<string>();
  const once = (group: string, message: string): void => {
    if (found.has(group)) throw duplicate(message);
    found.add(group);
  };
  const out: string[] = [];
  for (const opt of options) {
    const key = opt.split('=', 1)[0]!;
    switch (key) {
      case 'O':
        // The engine mounts the overlay and binds it in place of the source (mount-prep.ts).
        if (kind !== 'bind') throw badOption("the 'O' option is only allowed with bind mounts");
        once('O', "the 'O' option can only be set once");
        break;
      case 'copy':
      case 'nocopy':
        once('copy', "only one of 'nocopy' and 'copy' can be used");
        break;
      case 'exec':
      case 'noexec':
        once('exec', "only one of 'noexec' and 'exec' can be used");
        break;
      case 'suid':
      case 'nosuid':
        once('suid', "only one of 'nosuid' and 'suid' can be used");
        break;
      case 'dev':
      case 'nodev':
        once('dev', "only one of 'nodev' and 'dev' can be used");
        break;
      case 'rw':
      case 'ro':
        once('write', "only one of 'rw' and 'ro' can be used");
        break;
      case 'size':
      case 'mode':
        if (!isTmpfs) throw badOption(`the '${key}' option is only allowed with tmpfs mounts`);
        once(key, key === 'size' ? 'only one tmpfs size can be specified' : 'only one tmpfs mode can be specified');
        break;
      case 'tmpcopyup':
      case 'notmpcopyup':
        if (!isTmpfs) throw badOption(`the '${key}' option is only allowed with tmpfs mounts`);
        once('copyup', "the 'tmpcopyup' or 'notmpcopyup' option can only be set once");
        // notmpcopyup only turns the default off; the runtime never sees it.
        if (key === 'notmpcopyup') continue;
        break;
      case 'bind':
      case 'rbind':
        if (isTmpfs) throw badOption("the 'bind' and 'rbind' options are not allowed with tmpfs mounts");
        once('bind', "only one of 'rbind' and 'bind' can be used");
        break;
      case 'z':
      case 'Z':
        if (isTmpfs) throw badOption("the 'z' and 'Z' options are not allowed with tmpfs mounts");
        once('z', "only one of 'z' and 'Z' can be used");
        break;
      case 'U':
        once('U', "the 'U' option can only be set once");
        break;
      default:
        if (PROPAGATIONS.has(key)) {
          once('propagation', 'only one root propagation mode can be used');
          break;
        }
        throw badOption(`unknown mount option ${JSON.stringify(opt)}`);
    }
    out.push(opt);
  }
  if (!found.has('write')) out.push('rw');
  if (!found.has('propagation')) out.push('rprivate');
  if (!found.has('exec') && defaults.noexec) out.push('noexec');
  if (!found.has('suid') && defaults.nosuid) out.push('nosuid');
  if (!found.has('dev') && defaults.nodev) out.push('nodev');
  if (isTmpfs && !found.has('copyup')) out.push('tmpcopyup');
  if (!isTmpfs && !found.has('bind')) out.push('rbind');
  return out;
}

/**
 * What libpod does to options at start: z/Z relabel (no SELinux here: dropped), U chowns
 * the source (the engine's job, before start) or, on a tmpfs, becomes uid=/gid= options.
 */
function finishOptions(options: readonly string[], type: string, uid: number, gid: number): string[] {
  const out: string[] = [];
  for (const o of options) {
    if (o === 'z' || o === 'Z') continue;
    if (o === 'U') {
      if (type === 'tmpfs') out.push(`uid=${uid}`, `gid=${gid}`);
      continue;
    }
    out.push(o);
  }
  return out;
}

/** Go's filepath.Clean for absolute paths: no `.`, `..`, doubled or trailing slashes. */
function cleanPath(p: string): string {
  return posix.normalize(p).replace(/(.)\/+$/, '$1');
}

/** Number of path separators in the cleaned destination: Podman's sort key. */
export function mountDepth(destination: string): number {
  return cleanPath(destination).split('/').length - 1;
}

function kernelMounts(privileged: boolean, ttyGroup: boolean): OciMount[] {
  const pts = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...(ttyGroup ? ['gid=5'] : [])];
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: pts },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    privileged
      ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['rprivate', 'nosuid', 'noexec', 'nodev', 'rw'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['rprivate', 'nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'],
    },
  ];
}

export const NO_FLAGS: MountFlags = { nosuid: false, nodev: false, noexec: false };
/** Podman's defaults for volumes and tmpfs: nosuid and nodev. */
export const VOLUME_FLAGS: MountFlags = { nosuid: true, nodev: true, noexec: false };

function checkDestination(dest: string): void {
  if (!dest.startsWith('/')) throw new SkiffError('invalid-argument', `invalid container path ${JSON.stringify(dest)}, must be an absolute path`);
}

export function buildMounts(input: MountInput): MountPlan {
  const user: OciMount[] = [];
  const volumes: OciMount[] = [];
  const taken = new Set<string>();
  const add = (list: OciMount[], m: OciMount): void => {
    const dest = cleanPath(m.destination);
    if (taken.has(dest)) throw new SkiffError('invalid-argument', `${m.destination}: duplicate mount destination`);
    taken.add(dest);
    list.push(m);
  };

  for (const m of input.mounts) {
    checkDestination(m.destination);
    switch (m.type) {
      case 'bind': {
        const opts = processMountOptions(m.options, 'bind', m.source === '' ? NO_FLAGS : input.mountFlagsOf(m.source));
        add(user, { destination: m.destination, type: 'bind', source: posix.resolve(m.source), options: opts });
        break;
      }
      case 'volume':
        add(volumes, { destination: m.destination, type: 'bind', source: m.source, options: processMountOptions(m.options, 'volume', VOLUME_FLAGS) });
        break;
      case 'tmpfs':
        add(user, { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: processMountOptions(m.options, 'tmpfs', VOLUME_FLAGS) });
        break;
      case 'devpts':
        add(user, { destination: m.destination, type: 'devpts', source: 'devpts', ...(m.options.length > 0 ? { options: [...m.options] } : {}) });
        break;
    }
  }
  for (const [dest, optString] of Object.entries(input.tmpfs)) {
    checkDestination(dest);
    const opts = optString === '' ? [] : optString.split(',');
    add(user, { destination: dest, type: 'tmpfs', source: 'tmpfs', options: processMountOptions(opts, 'tmpfs', VOLUME_FLAGS) });
  }
  if (input.readOnly && input.readOnlyTmpfs) {
    for (const dest of ['/run', '/tmp', '/var/tmp']) {
      if (!taken.has(dest)) add(user, { destination: dest, type: 'tmpfs', source: 'tmpfs', options: [...TMPFS_OPTIONS] });
    }
  }
  if (input.initBinary !== undefined) {
    add(user, { destination: '/run/podman-init', type: 'bind', source: input.initBinary, options: ['bind', 'ro', 'rprivate'] });
  }

  // .containerenv is left out when the user put something at /run (Podman checks the spec's
  // mounts, which at this point are the user's own: named volumes come later).
  const runTaken = user.some((m) => cleanPath(m.destination) === '/run' || cleanPath(m.destination) === '/run/.containerenv');

  const all: OciMount[] = [...user, ...kernelMounts(input.privileged, input.ttyGroup ?? true).filter((m) => !taken.has(m.destination)), ...volumes];
  const present = new Set(all.map((m) => cleanPath(m.destination)));

  const f = input.files;
  const generated: [string, string | undefined][] = [
    ['/etc/resolv.conf', f.resolvConf],
    ['/etc/hosts', f.hosts],
    ['/dev/shm', input.ipc.mode === 'none' ? undefined : input.ipc.mode === 'host' ? '/dev/shm' : f.shm],
    ['/run/.containerenv', runTaken ? undefined : f.containerEnv],
    ['/etc/hostname', f.hostname],
  ];
  for (const [dest, source] of generated) {
    if (source === undefined || present.has(dest)) continue;
    const options = ['bind', 'rprivate'];
    if (dest === '/dev/shm') options.push('nosuid', 'noexec', 'nodev');
    else if (input.readOnly) options.push('ro', 'nosuid', 'noexec', 'nodev');
    all.push({ destination: dest, type: 'bind', source, options });
    present.add(dest);
  }
  // Podman binds secrets rw; skiff binds each secret's file read-only, so that a process in
  // the container cannot change the copy that later starts get.
  const secrets = f.secrets;
  if (secrets && secrets.mounts.length > 0) {
    const readOnlyExtras = input.readOnly ? ['nosuid', 'noexec', 'nodev'] : [];
    if (!present.has('/run/secrets')) {
      present.add('/run/secrets');
      all.push({ destination: '/run/secrets', type: 'bind', source: secrets.dir, options: ['bind', 'rprivate', ...(input.readOnly ? ['ro', ...readOnlyExtras] : [])] });
    }
    for (const m of secrets.mounts) {
      const dest = cleanPath(m.destination);
      checkDestination(dest);
      if (present.has(dest)) continue;
      present.add(dest);
      all.push({ destination: dest, type: 'bind', source: m.source, options: ['bind', 'rprivate', 'ro', ...readOnlyExtras] });
    }
  }

  const sorted = all
    .map((m, i) => ({ m, i, depth: mountDepth(m.destination) }))
    .sort((a, b) => a.depth - b.depth || a.i - b.i)
    .map(({ m }) => m);

  let rootfsPropagation: string | undefined;
  const mounts = sorted.map((m) => {
    const options = m.options === undefined ? undefined : finishOptions(m.options, m.type ?? '', input.uid, input.gid);
    for (const o of options ?? []) {
      if (o === 'shared' || o === 'rshared') {
        if (rootfsPropagation !== 'shared' && rootfsPropagation !== 'rshared') rootfsPropagation = 'shared';
      } else if (o === 'slave' || o === 'rslave') {
        if (rootfsPropagation === undefined) rootfsPropagation = 'rslave';
      }
    }
    // A tmpfs is mounted where its path leads inside the rootfs: the runtime must not meet
    // a symlink there (runc and crun handle them badly).
    const destination = m.type === 'tmpfs' ? insideRootfs(input.rootfs, m.destination) : m.destination;
    const out: OciMount = { destination, type: m.type, source: m.source };
    if (options !== undefined) out.options = options;
    return out;
  });
  return rootfsPropagation === undefined ? { mounts } : { mounts, rootfsPropagation };
}

function insideRootfs(rootfs: string, dest: string): string {
  const resolved = resolveInRootfs(rootfs, dest);
  const rel = posix.relative(rootfs, resolved);
  return `/${rel}`;
}
