/**
 * `inspect` of a container in Podman's shape (keys and order as podman 4.3.1 prints them).
 * Values come from the stored ContainerSpec, the state, and the container's config.json
 * when it has been generated (the process as the runtime got it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountFlagsOf } from '../runtime/spec/host.ts';
import { NO_FLAGS, processMountOptions, VOLUME_FLAGS } from '../runtime/spec/mounts.ts';
import type { ContainerRecord } from '../state/containers.ts';
import { rfc3339Nano } from '../util/time.ts';
import { portBindings } from '../network/ports.ts';
import { mapStrings } from '../rootless/ids.ts';
import { containerSizes } from './container-fs.ts';
import type { Engine } from './engine.ts';
import { networkSettings } from './network-inspect.ts';
import { processPreview } from './host.ts';
import { ALL_CAPABILITIES } from '../runtime/spec/capabilities.ts';

/** Docker's default capabilities: Podman's inspect reports CapAdd/CapDrop against them. */
const DOCKER_DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_MKNOD', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT'];

const ZERO_TIME = '0001-01-01T00:00:00Z';

interface OciProcess {
  args?: string[];
  env?: string[];
  cwd?: string;
  capabilities?: { effective?: string[]; bounding?: string[] };
  rlimits?: { type: string; soft: number; hard: number }[];
}

function nsMode(m: ContainerRecord['spec']['ipc'], kind: string): string {
  switch (m.mode) {
    case 'host':
      return 'host';
    case 'path':
      return m.path.startsWith('container:') ? m.path : `ns:${m.path}`;
    case 'none':
      return 'none';
    case 'private':
      return kind === 'ipc' ? 'shareable' : 'private';
    case 'pasta':
    case 'slirp4netns':
    case 'bridge':
      return m.mode;
  }
}

export function inspectContainer(engine: Engine, c: ContainerRecord, opts: { size?: boolean } = {}): Record<string, unknown> {
  const svc = engine.containers;
  const p = svc.paths(c.id);
  const image = engine.store.images.get(c.imageId);
  const imageConfig = image ? engine.images.config(image).config : undefined;
  let proc: OciProcess | undefined;
  if (existsSync(p.config)) {
    try {
      proc = (JSON.parse(readFileSync(p.config, 'utf8')) as { process?: OciProcess }).process;
    } catch {
      proc = undefined;
    }
  }
  const entrypoint = c.spec.entrypoint ?? imageConfig?.Entrypoint ?? [];
  const cmd = c.spec.command ?? (c.spec.entrypoint !== undefined ? [] : (imageConfig?.Cmd ?? []));
  const initArgs = c.spec.init ? ['/run/podman-init', '--'] : [];
  const args = proc?.args ?? [...initArgs, ...entrypoint, ...cmd];
  // Before the first start there is no config.json: compute what it will say.
  const preview = proc ? undefined : processPreview(engine, c, imageConfig?.User);
  const s = c.state;
  const running = s.status === 'running' || s.status === 'paused';
  const status = s.status === 'configured' ? 'created' : s.status === 'created' ? 'initialized' : s.status;
  const effective = proc?.capabilities?.effective ?? preview?.effective ?? [];
  const bounding = proc?.capabilities?.bounding ?? preview?.bounding ?? [];
  const home = engine.store.layers.home;
  const chain = image ? engine.store.layers.chain(image.topLayer) : [];
  const graphData: Record<string, string> | null =
    engine.store.driver === 'overlay'
      ? {
          ...(chain.length > 0 ? { LowerDir: chain.map((l) => join(home, l.id, 'diff')).join(':') } : {}),
          ...(s.mounted ? { MergedDir: engine.store.rootfs.mountPoint(c.id) } : {}),
          UpperDir: engine.store.rootfs.upperDir(c.id),
          WorkDir: join(engine.store.rootfs.dir(c.id), 'fs', 'work'),
        }
      : null;
  const { mounts, binds } = inspectMounts(engine, c);
  const labels = Object.keys(c.spec.labels).length > 0 ? c.spec.labels : null;
  const ulimits = (proc?.rlimits ?? preview?.rlimits ?? []).map((r) => ({ Name: r.type, Soft: r.soft, Hard: r.hard }));
  // Podman shows capabilities as the difference from Docker's default set (all of them when privileged).
  const reference = c.spec.privileged ? ALL_CAPABILITIES : DOCKER_DEFAULT_CAPS;
  const capAdd = bounding.filter((x) => !reference.includes(x)).sort();
  const capDrop = reference.filter((x) => !bounding.includes(x)).sort();
  const result: Record<string, unknown> = {
    Id: c.id,
    Created: rfc3339Nano(c.created),
    Path: args[0] ?? '',
    Args: args.slice(1),
    State: {
      OciVersion: '1.0.2-dev',
      Status: status,
      Running: s.status === 'running',
      Paused: s.status === 'paused',
      Restarting: false,
      OOMKilled: s.oomKilled,
      Dead: false,
      Pid: running ? s.pid : 0,
      ConmonPid: running ? s.conmonPid : 0,
      ExitCode: s.exitCode ?? 0,
      Error: '',
      StartedAt: s.startedAt ? rfc3339Nano(s.startedAt) : ZERO_TIME,
      FinishedAt: s.finishedAt ? rfc3339Nano(s.finishedAt) : ZERO_TIME,
      Health: { Status: '', FailingStreak: 0, Log: null },
      CheckpointedAt: ZERO_TIME,
      RestoredAt: ZERO_TIME,
    },
    Image: c.imageId,
    ImageDigest: image?.digest ?? '',
    ImageName: c.spec.imageName.includes('/') ? c.spec.imageName : (image?.names.find((n) => n.endsWith(`/${c.spec.imageName}`) || n.endsWith(`/${c.spec.imageName}:latest`)) ?? c.spec.imageName),
    Rootfs: '',
    Pod: '',
    ResolvConfPath: existsSync(p.resolvConf) ? p.resolvConf : '',
    HostnamePath: p.hostname,
    HostsPath: p.hosts,
    StaticDir: p.bundle,
    OCIConfigPath: p.config,
    OCIRuntime: engine.config.runtime.split('/').at(-1),
    ConmonPidFile: p.conmonPidFile,
    PidFile: p.pidFile,
    Name: c.name,
    RestartCount: s.restarts,
    Driver: engine.store.driver,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    EffectiveCaps: effective,
    BoundingCaps: bounding,
    ExecIDs: [],
    GraphDriver: { Name: engine.store.driver, Data: graphData },
    Mounts: mounts,
    Dependencies: [],
    NetworkSettings: networkSettings(engine, c, p, running || s.status === 'created'),
    Namespace: '',
    IsInfra: false,
    IsService: false,
    Config: {
      Hostname: c.spec.hostname ?? c.id.slice(0, 12),
      Domainname: '',
      User: c.spec.user ?? imageConfig?.User ?? '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: c.spec.terminal,
      OpenStdin: c.spec.stdin,
      StdinOnce: false,
      Env: maskSecretEnv(proc?.env ?? Object.entries(c.spec.env).map(([k, v]) => `${k}=${v}`), c),
      Cmd: cmd.length > 0 ? cmd : null,
      Image: c.spec.imageName,
      Volumes: null,
      WorkingDir: proc?.cwd ?? c.spec.workdir ?? imageConfig?.WorkingDir ?? '/',
      Entrypoint: entrypoint.join(' '),
      OnBuild: null,
      Labels: labels,
      Annotations: c.spec.annotations,
      StopSignal: c.spec.stopSignal,
      Umask: '0022',
      ...mountSecrets(c),
      Timeout: c.spec.timeout,
      StopTimeout: c.spec.stopTimeout,
      Passwd: true,
    },
    HostConfig: {
      Binds: binds,
      CgroupManager: engine.config.cgroupManager,
      LogConfig: { Type: c.spec.logDriver, Config: null, Path: c.spec.logDriver === 'k8s-file' ? p.log : '', Tag: '', Size: c.spec.logMaxSize ? String(c.spec.logMaxSize) : '0B' },
      NetworkMode: nsMode(c.spec.network, 'network'),
      PortBindings: portBindings(c.spec.ports ?? []),
      RestartPolicy: { Name: c.spec.restartPolicy?.name ?? '', MaximumRetryCount: c.spec.restartPolicy?.maxRetries ?? 0 },
      AutoRemove: c.spec.remove,
      CapAdd: capAdd,
      CapDrop: capDrop,
      Dns: c.spec.dns?.servers ?? [],
      DnsOptions: c.spec.dns?.options ?? [],
      DnsSearch: c.spec.dns?.searches ?? [],
      ExtraHosts: c.spec.addHosts ?? [],
      GroupAdd: c.spec.groupAdd,
      IpcMode: nsMode(c.spec.ipc, 'ipc'),
      PidMode: nsMode(c.spec.pid, 'pid'),
      UTSMode: nsMode(c.spec.uts, 'uts'),
      // Podman's words: "private" for a namespace with maps of its own, "" for auto and none.
      UsernsMode: c.spec.userns === undefined || c.spec.userns.mode === 'auto' ? '' : c.spec.userns.mode === 'path' ? `ns:${c.spec.userns.path}` : 'private',
      IDMappings: c.spec.userns?.uidMap && c.spec.userns.gidMap ? { UidMap: mapStrings(c.spec.userns.uidMap), GidMap: mapStrings(c.spec.userns.gidMap) } : null,
      Privileged: c.spec.privileged,
      // Podman 4.3 records false whatever -P said; skiff shows what was asked.
      PublishAllPorts: c.spec.publishAll ?? false,
      ReadonlyRootfs: c.spec.readOnly,
      SecurityOpt: [
        ...(c.spec.noNewPrivileges ? ['no-new-privileges'] : []),
        ...(c.spec.seccompProfile ? [`seccomp=${c.spec.seccompProfile}`] : []),
      ],
      Tmpfs: c.spec.tmpfs,
      ShmSize: c.spec.shmSize ?? 65536000,
      Runtime: 'oci',
      CpuShares: c.spec.resources.cpuShares ?? 0,
      Memory: c.spec.resources.memory ?? 0,
      NanoCpus: Math.round((c.spec.resources.cpus ?? 0) * 1e9),
      MemorySwap: c.spec.resources.memorySwap ?? 0,
      Init: c.spec.init,
      PidsLimit: c.spec.resources.pidsLimit ?? (engine.containerCgroups() ? engine.config.containers.pidsLimit : 0),
      Devices: c.spec.devices.map((d) => ({ PathOnHost: d.hostPath, PathInContainer: d.containerPath, CgroupPermissions: d.permissions })),
      Ulimits: ulimits,
    },
  };
  if (opts.size) {
    const sizes = containerSizes(engine, c);
    result.SizeRw = sizes.rw;
    result.SizeRootFs = sizes.rootFs;
  }
  return result;
}

/**
 * Env secrets' values never show: their variables read `NAME=*******`, as later Podman
 * prints them (4.3.1 printed the value).
 */
function maskSecretEnv(env: readonly string[], c: ContainerRecord): string[] {
  const names = new Set((c.spec.secrets ?? []).filter((s) => s.type === 'env').map((s) => s.target));
  if (names.size === 0) return [...env];
  return env.map((e) => {
    const eq = e.indexOf('=');
    const name = eq < 0 ? e : e.slice(0, eq);
    return names.has(name) ? `${name}=*******` : e;
  });
}

/** Config.Secrets: the mount secrets by name and ID (Podman leaves env secrets out; omitted when none). */
function mountSecrets(c: ContainerRecord): { Secrets?: object[] } {
  const mounts = (c.spec.secrets ?? []).filter((s) => s.type === 'mount');
  if (mounts.length === 0) return {};
  return { Secrets: mounts.map((s) => ({ Name: s.name, ID: s.id, UID: s.uid, GID: s.gid, Mode: s.mode })) };
}

const PROPAGATIONS = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable']);

/**
 * Mounts and HostConfig.Binds as Podman shows them: options after its processing (defaults
 * added), without rw/ro and the propagation in Mounts, whole in Binds; volumes by name.
 * Image volumes on tmpfs are not shown, as in Podman.
 */
function inspectMounts(engine: Engine, c: ContainerRecord): { mounts: object[]; binds: string[] } {
  const mounts: object[] = [];
  const binds: string[] = [];
  for (const m of c.spec.mounts) {
    if (m.type !== 'bind' && m.type !== 'volume') continue;
    let options: string[];
    try {
      options = m.type === 'bind' ? processMountOptions(m.options, 'bind', existsSync(m.source) ? mountFlagsOf(m.source) : NO_FLAGS) : processMountOptions(m.options, 'volume', VOLUME_FLAGS);
    } catch {
      options = [...m.options];
    }
    const rw = !options.includes('ro');
    const propagation = options.find((o) => PROPAGATIONS.has(o)) ?? 'rprivate';
    const shown = options.filter((o) => o !== 'ro' && o !== 'rw' && !PROPAGATIONS.has(o));
    if (m.type === 'volume') {
      mounts.push({ Type: 'volume', Name: m.source, Source: engine.volumes.mountPoint(m.source), Destination: m.destination, Driver: 'local', Mode: '', Options: shown, RW: rw, Propagation: propagation });
    } else {
      mounts.push({ Type: 'bind', Source: m.source, Destination: m.destination, Driver: '', Mode: '', Options: shown, RW: rw, Propagation: propagation });
    }
    binds.push(`${m.source}:${m.destination}:${options.join(',')}`);
  }
  return { mounts, binds };
}
