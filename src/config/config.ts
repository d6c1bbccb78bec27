/**
 * The one resolved configuration: defaults, then the standard files a Podman user already has
 * (containers.conf, storage.conf), then environment, then global flags. Files are read only
 * when they exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { GlobalOptions } from '../engine/options.ts';
import { rootlessUser } from '../rootless/userns.ts';
import { SkiffError } from '../util/errors.ts';

export type StorageDriverName = 'overlay' | 'vfs';
export const STORAGE_DRIVERS: readonly StorageDriverName[] = ['overlay', 'vfs'];

export interface Config {
  readonly rootless: boolean;
  readonly uid: number;
  /** Persistent store: images, layers, the state database. */
  readonly graphRoot: string;
  /** Volatile state: mounts, exit files, sockets. */
  readonly runRoot: string;
  readonly tmpDir: string;
  /** undefined means "choose": overlay where the kernel has it, else vfs. */
  readonly storageDriver: StorageDriverName | undefined;
  readonly storageOpts: readonly string[];
  readonly runtime: string;
  readonly runtimeFlags: readonly string[];
  readonly conmon: string | undefined;
  readonly cgroupManager: string;
  readonly eventsBackend: string;
  readonly logLevel: string;
  /** containers.conf [containers]: the defaults every container gets. */
  readonly containers: ContainersDefaults;
  /** containers.conf [network], and where skiff keeps its network definitions. */
  readonly network: NetworkDefaults;
  /** The files that contributed, in the order they were applied. */
  readonly files: readonly string[];
  readonly home: string;
  readonly configHome: string;
}

export interface ContainersDefaults {
  /** Capability names without the CAP_ prefix. */
  readonly capabilities: readonly string[];
  readonly sysctls: readonly string[];
  /** As written in containers.conf: `name=A:B`. */
  readonly ulimits: readonly string[];
  readonly pidsLimit: number;
  readonly seccompProfile: string | undefined;
  readonly initPath: string | undefined;
  readonly env: readonly string[];
}

export interface NetworkDefaults {
  /** skiff's own network definitions, in Podman's file format: `<graph root>/networks`. */
  readonly configDir: string;
  readonly defaultNetwork: string;
  readonly defaultSubnet: string;
  /** Where `network create` without --subnet picks a free subnet of `size` bits. */
  readonly subnetPools: readonly { readonly base: string; readonly size: number }[];
  /** Where aardvark-dns listens on each network's gateway. */
  readonly dnsBindPort: number;
  /** Where netavark and aardvark-dns are looked for first (engine.helper_binaries_dir). */
  readonly helperDirs: readonly string[];
}

const DEFAULT_SUBNET_POOLS = [
  { base: '10.89.0.0/16', size: 24 },
  { base: '10.90.0.0/15', size: 24 },
  { base: '10.92.0.0/14', size: 24 },
  { base: '10.96.0.0/11', size: 24 },
  { base: '10.128.0.0/9', size: 24 },
];

/** containers/common's built-in defaults (Debian's containers.conf narrows the capabilities). */
const BUILTIN_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT', 'AUDIT_WRITE', 'MKNOD', 'NET_RAW'];

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'];

type Toml = Record<string, unknown>;

function readToml(path: string, parse: (s: string) => Toml): Toml {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new SkiffError('config', `reading configuration ${path}: ${reason}`, { cause: err });
  }
}

function str(table: unknown, key: string): string | undefined {
  if (typeof table !== 'object' || table === null) return undefined;
  const v = (table as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

function strList(table: unknown, key: string): string[] | undefined {
  if (typeof table !== 'object' || table === null) return undefined;
  const v = (table as Record<string, unknown>)[key];
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

export interface ResolveOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  /** Overrides for tests: the system and user config directories. */
  readonly systemConfigDirs?: readonly string[];
}

export function resolveConfig(global: GlobalOptions, opts: ResolveOptions = {}): Config {
  const env = opts.env ?? process.env;
  // Inside a rootless user's namespace getuid() says 0: the user's own UID comes with it.
  const uid = opts.uid ?? rootlessUser(env)?.uid ?? 0;
  const rootless = uid !== 0;
  const home = env.HOME || homedir();
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');

  let graphRoot = rootless ? join(dataHome, 'skiff') : '/var/lib/skiff';
  let runRoot = rootless
    ? env.XDG_RUNTIME_DIR
      ? join(env.XDG_RUNTIME_DIR, 'skiff')
      : `/tmp/skiff-run-${uid}/skiff`
    : '/run/skiff';
  let storageDriver: string | undefined;
  let storageOpts: string[] = [];
  let runtime = 'crun';
  let conmon: string | undefined;
  let cgroupManager = 'cgroupfs';
  let eventsBackend = 'file';
  const files: string[] = [];
  let capabilities: readonly string[] = BUILTIN_CAPABILITIES;
  let sysctls: readonly string[] = [];
  let ulimits: readonly string[] = [];
  let pidsLimit = 2048;
  let seccompProfile: string | undefined;
  let initPath: string | undefined;
  let defaultNetwork = 'podman';
  let defaultSubnet = '10.88.0.0/16';
  let subnetPools: NetworkDefaults['subnetPools'] = DEFAULT_SUBNET_POOLS;
  let dnsBindPort = 53;
  let helperDirs: readonly string[] = ['/usr/local/libexec/podman', '/usr/local/lib/podman', '/usr/libexec/podman', '/usr/lib/podman'];
  let containerEnv: readonly string[] = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'];

  const load = (path: string): Toml | undefined => {
    if (!existsSync(path)) return undefined;
    files.push(path);
    return readToml(path, parseToml as (s: string) => Toml);
  };

  // containers.conf: the vendor file, the admin's file, then the user's (rootless) and
  // CONTAINERS_CONF, which replaces them all as in Podman.
  const confPaths = env.CONTAINERS_CONF
    ? [env.CONTAINERS_CONF]
    : [
        ...(opts.systemConfigDirs ?? ['/usr/share/containers', '/etc/containers']).map((d) => join(d, 'containers.conf')),
        ...(rootless ? [join(configHome, 'containers', 'containers.conf')] : []),
      ];
  for (const p of confPaths) {
    const t = load(p);
    if (!t) continue;
    const engine = t.engine;
    runtime = str(engine, 'runtime') ?? runtime;
    cgroupManager = str(engine, 'cgroup_manager') ?? cgroupManager;
    eventsBackend = str(engine, 'events_logger') ?? eventsBackend;
    helperDirs = strList(engine, 'helper_binaries_dir') ?? helperDirs;
    const net = t.network;
    defaultNetwork = str(net, 'default_network') || defaultNetwork;
    defaultSubnet = str(net, 'default_subnet') || defaultSubnet;
    if (typeof net === 'object' && net !== null) {
      const pools = (net as Toml).default_subnet_pools;
      if (Array.isArray(pools)) {
        subnetPools = pools.flatMap((p) => (typeof p === 'object' && p !== null && typeof (p as Toml).base === 'string' && typeof (p as Toml).size === 'number' ? [{ base: (p as Toml).base as string, size: (p as Toml).size as number }] : []));
      }
      if (typeof (net as Toml).dns_bind_port === 'number') dnsBindPort = (net as Toml).dns_bind_port as number;
    }
    const conmonPaths = strList(engine, 'conmon_path');
    if (conmonPaths) conmon = conmonPaths.find((c) => existsSync(c)) ?? conmon;
    const ctrs = t.containers;
    capabilities = (strList(ctrs, 'default_capabilities') ?? capabilities).map((c) => c.toUpperCase().replace(/^CAP_/, ''));
    sysctls = strList(ctrs, 'default_sysctls') ?? sysctls;
    ulimits = strList(ctrs, 'default_ulimits') ?? ulimits;
    containerEnv = strList(ctrs, 'env') ?? containerEnv;
    seccompProfile = str(ctrs, 'seccomp_profile') ?? seccompProfile;
    initPath = str(ctrs, 'init_path') ?? initPath;
    if (typeof ctrs === 'object' && ctrs !== null && typeof (ctrs as Toml).pids_limit === 'number') pidsLimit = (ctrs as Toml).pids_limit as number;
  }

  // storage.conf: the driver and its options apply; skiff keeps its own graph and run roots,
  // because the on-disk layout is skiff's own and must never be mixed with Podman's.
  const storagePath = env.CONTAINERS_STORAGE_CONF ?? (rootless ? join(configHome, 'containers', 'storage.conf') : '/etc/containers/storage.conf');
  const storage = load(storagePath);
  if (storage) {
    const s = storage.storage;
    storageDriver = str(s, 'driver') || storageDriver;
    const optsTable = typeof s === 'object' && s !== null ? (s as Toml).options : undefined;
    storageOpts = strList(optsTable, 'mountopt') ? [`mountopt=${strList(optsTable, 'mountopt')}`] : storageOpts;
    // fuse-overlayfs in place of the kernel's overlay: [storage.options.overlay] or [storage.options].
    const overlayTable = typeof optsTable === 'object' && optsTable !== null ? (optsTable as Toml).overlay : undefined;
    const program = str(overlayTable, 'mount_program') ?? str(optsTable, 'mount_program');
    if (program) storageOpts = [...storageOpts, `overlay.mount_program=${program}`];
  }

  if (global.root) graphRoot = global.root;
  if (global.runroot) runRoot = global.runroot;
  if (global.storageDriver) storageDriver = global.storageDriver;
  if (global.storageOpts?.length) storageOpts = [...global.storageOpts];
  if (global.runtime) runtime = global.runtime;
  if (global.conmon) conmon = global.conmon;
  if (global.cgroupManager) cgroupManager = global.cgroupManager;
  if (global.eventsBackend) eventsBackend = global.eventsBackend;

  if (storageDriver !== undefined && !(STORAGE_DRIVERS as readonly string[]).includes(storageDriver)) {
    throw new SkiffError('invalid-argument', `unknown storage driver "${storageDriver}": supported drivers are ${STORAGE_DRIVERS.join(', ')}`);
  }
  if (!['cgroupfs', 'systemd'].includes(cgroupManager)) {
    throw new SkiffError('invalid-argument', `invalid cgroup manager "${cgroupManager}": must be "cgroupfs" or "systemd"`);
  }
  if (!['file', 'journald', 'none'].includes(eventsBackend)) {
    throw new SkiffError('invalid-argument', `invalid events backend "${eventsBackend}": must be "file", "journald" or "none"`);
  }
  const logLevel = global.logLevel ?? 'warn';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new SkiffError('invalid-argument', `"${logLevel}" is not a valid log level; valid levels are ${LOG_LEVELS.join(', ')}`);
  }

  return {
    rootless,
    uid,
    graphRoot,
    runRoot,
    tmpDir: global.tmpdir ?? join(runRoot, 'tmp'),
    storageDriver: storageDriver as StorageDriverName | undefined,
    storageOpts,
    runtime,
    runtimeFlags: global.runtimeFlags ?? [],
    conmon,
    cgroupManager,
    eventsBackend,
    logLevel,
    containers: { capabilities, sysctls, ulimits, pidsLimit, seccompProfile, initPath, env: containerEnv },
    network: { configDir: join(graphRoot, 'networks'), defaultNetwork, defaultSubnet, subnetPools, dnsBindPort, helperDirs },
    files,
    home,
    configHome,
  };
}
