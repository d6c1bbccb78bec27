/**
 * ContainerSpec + image config + host facts → the OCI config.json, as Podman 4.3.1's
 * specgen and libpod write it for a rootful container (REFERENCE §3). Pure apart from
 * reading the rootfs's /etc/passwd and /etc/group, stat(2) of --device paths, the seccomp
 * profile file, and the host facts that SpecContext.host leaves out.
 *
 * Where skiff departs from 4.3.1 on purpose, the module doing it says why: default rlimits
 * clamped to the host (rlimits.ts), --env-merge of a new name (env.ts), minKernel honoured
 * (seccomp.ts), --ulimit host meaning "no rlimits" (4.3.1 writes the defaults with soft and
 * hard swapped), mount order within one depth (mounts.ts).
 */
import type { ContainerConfig, ImageConfig } from '../../image/types.ts';
import { SkiffError } from '../../util/errors.ts';
import { capabilitySets } from './capabilities.ts';
import type { CapabilitySets } from './capabilities.ts';
import { devicesFromPath, listHostDevices } from './devices.ts';
import type { HostDevice } from './devices.ts';
import { buildEnv, envList } from './env.ts';
import { cgroupVersion, ttyGroupMapped, hostBoundingSet, hostHostname, kernelRelease, mountFlagsOf, seccompNativeArch } from './host.ts';
import type { MountFlags } from './host.ts';
import { buildMounts } from './mounts.ts';
import type {
  OciCapabilities,
  OciDevice,
  OciDeviceCgroup,
  OciLinux,
  OciMount,
  OciNamespace,
  OciNamespaceType,
  OciProcess,
  OciResources,
  OciSeccomp,
  OciSpec,
} from './oci.ts';
import { buildRlimits } from './rlimits.ts';
import { convertSeccompProfile, loadSeccompProfile } from './seccomp.ts';
import type { ContainerSpec, MountSpec, NamespaceMode, SpecContext } from './types.ts';
import { resolveAdditionalGroups, resolveExecUser } from './user.ts';
import type { UserDatabases } from './user.ts';

export const OCI_VERSION = '1.0.2-dev';

/** Podman's (containers/common's) defaults, in their order. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/fs/selinux',
  '/sys/dev/block',
];
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** umask 0022, the default of containers.conf. */
const DEFAULT_UMASK = 0o022;
/** The CFS period Podman uses for --cpus. */
const CPU_PERIOD = 100000;
const INIT_PATH = '/run/podman-init';

interface Host {
  readonly hostname: string;
  readonly kernelRelease: string;
  readonly seccompArch: string;
  readonly cgroupVersion: 1 | 2;
  readonly ttyGroupMapped: boolean;
  readonly boundingSet: readonly string[];
  readonly mountFlagsOf: (path: string) => MountFlags;
}

function hostFacts(ctx: SpecContext): Host {
  const h = ctx.host ?? {};
  return {
    hostname: h.hostname ?? hostHostname(),
    kernelRelease: h.kernelRelease ?? kernelRelease(),
    seccompArch: h.seccompArch ?? seccompNativeArch(),
    cgroupVersion: h.cgroupVersion ?? cgroupVersion(),
    ttyGroupMapped: h.ttyGroupMapped ?? ttyGroupMapped(),
    boundingSet: h.boundingSet ?? hostBoundingSet(),
    mountFlagsOf: h.mountFlagsOf ?? mountFlagsOf,
  };
}

export function generateSpec(spec: ContainerSpec, image: ImageConfig, ctx: SpecContext): OciSpec {
  const host = hostFacts(ctx);
  const cfg: ContainerConfig = image.config ?? {};
  const user = spec.user ?? cfg.User ?? '';

  const caps = capabilitySets({
    defaults: ctx.defaults.capabilities,
    add: spec.capAdd,
    drop: spec.capDrop,
    privileged: spec.privileged,
    user,
    boundingSet: host.boundingSet,
  });
  const args = processArgs(spec, cfg);
  const utsPrivate = spec.uts.mode === 'private' || spec.uts.mode === 'none';
  if (spec.hostname !== undefined && spec.hostname !== '' && !utsPrivate) {
    throw new SkiffError('invalid-argument', 'invalid config provided: cannot set hostname when running in the host UTS namespace: invalid configuration');
  }
  const hostname = spec.hostname || (spec.network.mode === 'host' ? host.hostname : ctx.id.slice(0, 12));

  // The user and groups, from the container's own files (or files the user mounts over them).
  const db = userDatabases(ctx.rootfs, spec.mounts);
  const execUser = resolveExecUser(user, db);
  let groupAddGids: number[];
  try {
    groupAddGids = resolveAdditionalGroups(spec.groupAdd, db);
  } catch (err) {
    if (err instanceof SkiffError) {
      throw new SkiffError(err.code, `looking up supplemental groups for container ${ctx.id}: ${err.message}`);
    }
    throw err;
  }
  const gids: number[] = [];
  const addGid = (g: number) => {
    if (!gids.includes(g)) gids.push(g);
  };
  // keep-id and nomap keep the primary group as a supplementary one too, keep-id the user's
  // own group first whatever user runs (Podman's lists; auto and --uidmap do not).
  if (spec.userns?.keepId) addGid(spec.userns.keepId.gid);
  if (user !== '' || spec.userns?.mode === 'keep-id' || spec.userns?.mode === 'nomap') addGid(execUser.gid);
  groupAddGids.forEach(addGid);
  if (!user.includes(':')) execUser.sgids.forEach(addGid);

  const env = buildEnv({ imageEnv: cfg.Env ?? [], envMerge: spec.envMerge ?? [], userEnv: spec.env });
  if (!env.has('HOME') && execUser.home !== '') env.set('HOME', execUser.home);
  if (!env.has('HOSTNAME')) env.set('HOSTNAME', utsPrivate ? hostname : host.hostname);
  // Env secrets win over every other source, as in Podman.
  for (const [k, v] of Object.entries(ctx.secretEnv ?? {})) env.set(k, v);

  let initBinary: string | undefined;
  if (spec.init) {
    initBinary = spec.initPath ?? ctx.initBinary;
    if (initBinary === undefined) {
      throw new SkiffError('config', 'container-init binary not found on the host', { hint: 'install catatonit or pass --init-path' });
    }
  }
  const plan = buildMounts({
    rootfs: ctx.rootfs,
    mounts: spec.mounts,
    tmpfs: spec.tmpfs,
    readOnly: spec.readOnly,
    readOnlyTmpfs: spec.readOnlyTmpfs,
    privileged: spec.privileged,
    ttyGroup: spec.userns?.gidMap ? spec.userns.gidMap.some((m) => m.containerID <= 5 && 5 < m.containerID + m.size) : host.ttyGroupMapped,
    ipc: spec.ipc,
    ...(initBinary === undefined ? {} : { initBinary }),
    files: ctx.files,
    uid: execUser.uid,
    gid: execUser.gid,
    mountFlagsOf: host.mountFlagsOf,
  });

  const process: OciProcess = {
    ...(spec.terminal ? { terminal: true } : {}),
    user: {
      uid: user === '' ? 0 : execUser.uid,
      gid: user === '' ? 0 : execUser.gid,
      umask: DEFAULT_UMASK,
      ...(gids.length > 0 ? { additionalGids: gids } : {}),
    },
    args: initBinary === undefined ? args : [INIT_PATH, '--', ...args],
    env: envList(env),
    cwd: spec.workdir || cfg.WorkingDir || '/',
    capabilities: ociCapabilities(caps),
  };
  if (!spec.ulimitHost) {
    process.rlimits = buildRlimits({ user: spec.ulimits, defaults: ctx.defaults.ulimits, host: ctx.hostRlimits });
  }
  if (spec.noNewPrivileges) process.noNewPrivileges = true;

  const devices = containerDevices(spec, ctx);
  const linux: OciLinux = {};
  const sysctl = sysctls(spec, ctx);
  if (Object.keys(sysctl).length > 0) linux.sysctl = sysctl;
  linux.resources = ctx.cgroupsPath === undefined ? {} : resources(spec, ctx, devices.rules);
  if (ctx.cgroupsPath !== undefined) linux.cgroupsPath = ctx.cgroupsPath;
  linux.namespaces = namespaces(spec, host.cgroupVersion, ctx.netnsPath);
  if (spec.userns?.uidMap && spec.userns.gidMap) {
    linux.uidMappings = spec.userns.uidMap.map((m) => ({ ...m }));
    linux.gidMappings = spec.userns.gidMap.map((m) => ({ ...m }));
  }
  if (devices.nodes.length > 0) linux.devices = devices.nodes;
  const seccomp = seccompFor(spec, ctx, host, caps);
  if (seccomp !== undefined) linux.seccomp = seccomp;
  if (plan.rootfsPropagation !== undefined) linux.rootfsPropagation = plan.rootfsPropagation;
  const masked = spec.privileged ? [] : DEFAULT_MASKED_PATHS.filter((p) => !unmasked(p, spec.unmask));
  const readonly = spec.privileged ? [] : DEFAULT_READONLY_PATHS.filter((p) => !unmasked(p, spec.unmask));
  masked.push(...spec.mask);
  if (masked.length > 0) linux.maskedPaths = masked;
  if (readonly.length > 0) linux.readonlyPaths = readonly;

  return {
    ociVersion: OCI_VERSION,
    process,
    root: spec.readOnly ? { path: ctx.rootfs, readonly: true } : { path: ctx.rootfs },
    ...(utsPrivate ? { hostname } : {}),
    mounts: devices.binds.length > 0 ? [...plan.mounts, ...devices.binds] : plan.mounts,
    annotations: annotations(spec, ctx),
    linux,
  };
}

/**
 * Entrypoint + command with Podman's rules: --entrypoint replaces the image's and also
 * drops the image's Cmd; a command replaces the image's Cmd.
 */
function processArgs(spec: ContainerSpec, cfg: ContainerConfig): string[] {
  const entrypoint = spec.entrypoint ?? cfg.Entrypoint ?? [];
  const command = spec.command ?? (spec.entrypoint !== undefined ? [] : (cfg.Cmd ?? []));
  const args = [...entrypoint, ...command];
  if (args.length === 0) {
    throw new SkiffError('invalid-argument', 'no command or entrypoint provided, and no CMD or ENTRYPOINT from image');
  }
  return args;
}

/** Podman reads /etc/passwd and /etc/group from a file the user mounts over them, if any. */
function userDatabases(rootfs: string, mounts: readonly MountSpec[]): UserDatabases {
  let passwdPath: string | undefined;
  let groupPath: string | undefined;
  for (const m of mounts) {
    if (m.type !== 'bind' && m.type !== 'volume') continue;
    if (m.destination === '/etc/passwd') passwdPath = m.source;
    else if (m.destination === '/etc/group') groupPath = m.source;
    else if (m.destination === '/etc' || m.destination === '/etc/') {
      passwdPath ??= `${m.source}/passwd`;
      groupPath ??= `${m.source}/group`;
    }
  }
  return { rootfs, ...(passwdPath === undefined ? {} : { passwdPath }), ...(groupPath === undefined ? {} : { groupPath }) };
}

function ociCapabilities(c: CapabilitySets): OciCapabilities {
  const out: OciCapabilities = {};
  if (c.bounding.length > 0) out.bounding = [...c.bounding];
  if (c.effective.length > 0) out.effective = [...c.effective];
  if (c.inheritable.length > 0) out.inheritable = [...c.inheritable];
  if (c.permitted.length > 0) out.permitted = [...c.permitted];
  if (c.ambient.length > 0) out.ambient = [...c.ambient];
  return out;
}

/**
 * containers.conf's default sysctls, less those that would change the host's namespace,
 * then the user's, which fail instead when they would. Keys sorted, as Go writes a map.
 */
function sysctls(spec: ContainerSpec, ctx: SpecContext): Record<string, string> {
  const hostScoped = (key: string): string | undefined => {
    if (spec.network.mode === 'host' && key.startsWith('net.')) return 'Network';
    if (spec.ipc.mode === 'host' && key.startsWith('fs.mqueue.')) return 'IPC';
    if (spec.uts.mode === 'host' && (key.startsWith('kernel.domainname') || key.startsWith('kernel.hostname'))) return 'UTS';
    return undefined;
  };
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(ctx.defaults.sysctls)) {
    if (hostScoped(k) === undefined) out.set(k, v);
  }
  for (const [k, v] of Object.entries(spec.sysctls)) {
    const ns = hostScoped(k);
    if (ns !== undefined) {
      throw new SkiffError('invalid-argument', `sysctl ${k}=${v} can't be set since ${ns} Namespace set to host: invalid argument`);
    }
    out.set(k, v);
  }
  return sortedRecord(out);
}

function sortedRecord(entries: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}

function resources(spec: ContainerSpec, ctx: SpecContext, deviceRules: readonly OciDeviceCgroup[]): OciResources {
  const r = spec.resources;
  const out: OciResources = {
    devices: spec.privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }, ...deviceRules],
  };
  if (r.memory !== undefined || (r.memorySwap !== undefined && r.memorySwap !== -1)) {
    const memory: NonNullable<OciResources['memory']> = {};
    if (r.memory !== undefined) memory.limit = r.memory;
    // Without --memory-swap, swap is twice the memory limit; -1 means unlimited swap.
    const swap = r.memorySwap ?? (r.memory !== undefined ? r.memory * 2 : undefined);
    if (swap !== undefined && swap !== -1) memory.swap = swap;
    out.memory = memory;
  }
  if (r.cpuShares !== undefined || r.cpus !== undefined) {
    const cpu: NonNullable<OciResources['cpu']> = {};
    if (r.cpuShares !== undefined) cpu.shares = r.cpuShares;
    if (r.cpus !== undefined) {
      cpu.quota = Math.trunc(r.cpus * CPU_PERIOD);
      cpu.period = CPU_PERIOD;
    }
    out.cpu = cpu;
  }
  const pids = r.pidsLimit === undefined || r.pidsLimit === 0 ? ctx.defaults.pidsLimit : r.pidsLimit;
  if (pids === -1) out.pids = { limit: 0 };
  else if (pids > 0) out.pids = { limit: pids };
  return out;
}

function namespaces(spec: ContainerSpec, cgroups: 1 | 2, netnsPath: string | undefined): OciNamespace[] {
  const out: OciNamespace[] = [];
  const add = (type: OciNamespaceType, mode: NamespaceMode) => {
    if (type === 'network' && netnsPath !== undefined && (mode.mode === 'pasta' || mode.mode === 'slirp4netns' || mode.mode === 'bridge')) {
      out.push({ type, path: netnsPath });
      return;
    }
    switch (mode.mode) {
      case 'host':
        return;
      case 'path':
        out.push({ type, path: mode.path });
        return;
      case 'private':
      case 'none':
      case 'pasta':
      case 'slirp4netns':
      case 'bridge':
        out.push({ type });
        return;
    }
  };
  add('pid', spec.pid);
  add('network', spec.network);
  add('ipc', spec.ipc);
  add('uts', spec.uts);
  if (spec.userns) out.push(spec.userns.mode === 'path' && spec.userns.path ? { type: 'user', path: spec.userns.path } : { type: 'user' });
  out.push({ type: 'mount' });
  if (cgroups === 2) out.push({ type: 'cgroup' });
  return out;
}

function toOciDevice(d: HostDevice): OciDevice {
  return { path: d.path, type: d.type, major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid };
}

/** linux.devices and the cgroup rules that let the container use them. */
function containerDevices(spec: ContainerSpec, ctx: SpecContext): { nodes: OciDevice[]; rules: OciDeviceCgroup[]; binds: OciMount[] } {
  const nodes: OciDevice[] = [];
  const rules: OciDeviceCgroup[] = [];
  const binds: OciMount[] = [];
  const addNode = (d: OciDevice) => {
    const at = nodes.findIndex((n) => n.path === d.path);
    if (at >= 0) nodes[at] = d;
    else nodes.push(d);
  };
  if (spec.privileged) (ctx.hostDevices?.() ?? listHostDevices()).forEach((d) => addNode(toOciDevice(d)));
  for (const d of spec.devices) {
    const access = d.permissions === '' ? 'rwm' : d.permissions;
    if (!/^[rwm]+$/.test(access)) throw new SkiffError('invalid-argument', `${access} is not a valid device permission`);
    if (ctx.rootless) {
      // A user namespace cannot make device nodes: the host's is bound in (Podman's mount).
      devicesFromPath(d.hostPath, d.containerPath || d.hostPath);
      binds.push({ destination: d.containerPath || d.hostPath, type: 'bind', source: d.hostPath, options: ['slave', 'nosuid', 'noexec', access.includes('w') ? 'rw' : 'ro', 'rbind'] });
      continue;
    }
    for (const dev of devicesFromPath(d.hostPath, d.containerPath || d.hostPath)) {
      addNode(toOciDevice(dev));
      rules.push({ allow: true, type: dev.type, major: dev.major, minor: dev.minor, access });
    }
  }
  return { nodes, rules, binds };
}

function seccompFor(spec: ContainerSpec, ctx: SpecContext, host: Host, caps: CapabilitySets): OciSeccomp | undefined {
  let path: string;
  if (spec.seccompProfile === 'unconfined') return undefined;
  if (spec.seccompProfile !== undefined) path = spec.seccompProfile;
  else if (spec.privileged) return undefined;
  else if (ctx.defaultSeccompProfile !== undefined) path = ctx.defaultSeccompProfile;
  else {
    // Fail closed: running without the filter the user expects is worse than not running.
    throw new SkiffError('config', 'no default seccomp profile found (/usr/share/containers/seccomp.json)', {
      hint: 'install containers-common (Debian: golang-github-containers-common) or pass --security-opt seccomp=unconfined',
    });
  }
  const profile = loadSeccompProfile(path);
  return convertSeccompProfile(profile, { arch: host.seccompArch, boundingSet: caps.bounding, kernelRelease: host.kernelRelease }, path);
}

/** `--security-opt unmask=`: ALL, or a path pattern as Go's filepath.Match reads it. */
function unmasked(path: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => p === 'ALL' || globMatch(p, path));
}

function globMatch(pattern: string, path: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRegExp(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false; // Go: ErrBadPattern, which unmask treats as no match
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `!${cls.slice(1)}`;
      re += cls.startsWith('!') ? `[^/${cls.slice(1).replace(/[\\\]]/g, '\\$&')}]` : `[${cls.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`${re}$`, 'u').test(path);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function annotations(spec: ContainerSpec, ctx: SpecContext): Record<string, string> {
  const a = new Map<string, string>(Object.entries(spec.annotations));
  if (!a.has('io.container.manager')) a.set('io.container.manager', 'libpod');
  a.set('io.kubernetes.cri-o.Created', ctx.createdAt);
  a.set('io.kubernetes.cri-o.TTY', spec.terminal ? 'true' : 'false');
  a.set('io.podman.annotations.autoremove', spec.remove ? 'TRUE' : 'FALSE');
  a.set('io.podman.annotations.init', spec.init ? 'TRUE' : 'FALSE');
  if (spec.labelDisable) a.set('io.podman.annotations.label', 'disable');
  a.set('io.podman.annotations.privileged', spec.privileged ? 'TRUE' : 'FALSE');
  a.set('io.podman.annotations.publish-all', 'FALSE');
  if (spec.seccompProfile !== undefined) a.set('io.podman.annotations.seccomp', spec.seccompProfile);
  a.set('org.opencontainers.image.stopSignal', String(spec.stopSignal));
  if (spec.groupAdd.includes('keep-groups')) a.set('run.oci.keep_original_groups', '1');
  return sortedRecord(a);
}
