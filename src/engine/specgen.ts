/**
 * From `run`/`create` flags to a ContainerSpec: the user's intent as plain data, validated
 * once here with Podman's error texts. Pure functions except for reading --env-file and
 * --label-file files and the host environment for --env-host.
 */
import { readFileSync } from 'node:fs';
import type { ContainerSpec, DeviceSpec, MountSpec, NamespaceMode, RestartPolicy, UlimitSpec } from '../runtime/spec/types.ts';
import { errnoCode, SkiffError } from '../util/errors.ts';
import { parsePublish } from '../network/publish.ts';
import { type NetworkFlags, type NetworkIntent, parseExpose, parseNetworkFlags } from '../network/flags.ts';

/** Raw flag values as the CLI parsed them (names as Podman's flags); the network ones are src/network/flags.ts's. */
export interface CreateFlags extends NetworkFlags {
  readonly name?: string;
  readonly env: readonly string[];
  readonly envFile: readonly string[];
  readonly envHost: boolean;
  readonly envMerge: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
  readonly groupAdd: readonly string[];
  readonly entrypoint?: string;
  readonly hostname?: string;
  readonly interactive: boolean;
  readonly tty: boolean;
  readonly volume: readonly string[];
  readonly mount: readonly string[];
  /** --image-volume: bind (anonymous volumes, the default), tmpfs or ignore. */
  readonly imageVolume?: string;
  readonly tmpfs: readonly string[];
  readonly readOnly: boolean;
  readonly readOnlyTmpfs: boolean;
  readonly privileged: boolean;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly securityOpt: readonly string[];
  readonly device: readonly string[];
  readonly ulimit: readonly string[];
  readonly memory?: string;
  readonly memorySwap?: string;
  readonly cpus?: number;
  readonly cpuShares?: number;
  readonly pidsLimit?: number;
  readonly label: readonly string[];
  readonly labelFile: readonly string[];
  readonly annotation: readonly string[];
  readonly init: boolean;
  readonly initPath?: string;
  readonly stopSignal?: string;
  readonly stopTimeout?: number;
  readonly expose: readonly string[];
  readonly publishAll: boolean;
  readonly ipc?: string;
  readonly pid?: string;
  readonly uts?: string;
  readonly userns?: string;
  readonly publish: readonly string[];
  readonly uidmap: readonly string[];
  readonly gidmap: readonly string[];
  readonly subuidname?: string;
  readonly subgidname?: string;
  readonly sysctl: readonly string[];
  readonly logDriver?: string;
  readonly logOpt: readonly string[];
  readonly rm: boolean;
  readonly restart?: string;
  readonly shmSize?: string;
  readonly passwdEntry?: string;
  readonly timeout: number;
  /** --secret option strings (parsed and looked up by the container service). */
  readonly secret?: readonly string[];
}

function invalid(message: string): SkiffError {
  return new SkiffError('invalid-argument', message);
}

// ---------------------------------------------------------------------------------------------
// Signals

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CLD: 17, CONT: 18, STOP: 19, TSTP: 20,
  TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29,
  PWR: 30, SYS: 31,
};

/** Parses a signal as Podman does: a number, a name with or without SIG, or RTMIN+N. */
export function parseSignal(s: string): number {
  const t = s.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= 64) return n;
    throw invalid(`invalid signal: ${s}`);
  }
  const name = t.toUpperCase().replace(/^SIG/, '');
  if (name in SIGNALS) return SIGNALS[name];
  const rt = /^RTMIN(?:\+(\d+))?$/.exec(name) ?? /^RTMAX(?:-(\d+))?$/.exec(name);
  if (rt) {
    const off = Number(rt[1] ?? 0);
    const n = name.startsWith('RTMIN') ? 34 + off : 64 - off;
    if (n >= 34 && n <= 64) return n;
  }
  throw invalid(`invalid signal: ${s}`);
}

export function signalName(n: number): string {
  const found = Object.entries(SIGNALS).find(([, v]) => v === n);
  return found ? `SIG${found[0]}` : String(n);
}

// ---------------------------------------------------------------------------------------------
// Environment

/** `KEY=VALUE` sets, `KEY` takes the value from the host (dropped if unset), `PREFIX*` copies matching host vars. */
function applyEnvEntry(env: Record<string, string>, entry: string, host: NodeJS.ProcessEnv): void {
  const eq = entry.indexOf('=');
  if (eq === 0) throw invalid(`invalid environment variable: "${entry}"`);
  if (eq > 0) {
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
    return;
  }
  if (entry.endsWith('*')) {
    const prefix = entry.slice(0, -1);
    for (const [k, v] of Object.entries(host)) if (k.startsWith(prefix) && v !== undefined) env[k] = v;
    return;
  }
  const v = host[entry];
  if (v !== undefined) env[entry] = v;
}

/** Parses an env file: one entry per line, `#` comments and blank lines skipped. */
export function parseEnvFile(path: string, host: NodeJS.ProcessEnv = process.env): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid(`parsing env file ${JSON.stringify(path)}: open ${path}: ${errnoCode(e) === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    applyEnvEntry(env, line.replace(/\r$/, ''), host);
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// Sizes and limits

/** Docker's RAMInBytes: `64m`, `1g`, `512k`, `100` (bytes); binary units. */
export function parseMemory(s: string, flag = 'memory'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgtp]?)b?$/i.exec(s.trim());
  if (!m) throw invalid(`invalid value for ${flag}: invalid size: '${s}'`);
  const mult: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.floor(Number(m[1]) * mult[m[2].toLowerCase()]);
}

function shmSizeOf(s: string): number {
  try {
    return parseMemory(s, 'shm-size');
  } catch {
    throw invalid(`unable to translate --shm-size: invalid size: '${s}'`);
  }
}

const ULIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack', 'as'];

/** `--ulimit name=soft[:hard]` (-1 = unlimited). */
export function parseUlimit(s: string): UlimitSpec {
  const fail = (why: string) => invalid(`ulimit option ${JSON.stringify(s)} requires name=SOFT:HARD, failed to be parsed: ${why}`);
  const eq = s.indexOf('=');
  if (eq < 0) throw fail(`invalid ulimit argument: ${s}`);
  const name = s.slice(0, eq);
  const limits = s.slice(eq + 1).split(':');
  if (limits.length > 2) throw fail(`too many limit value arguments - ${s.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  if (!ULIMIT_NAMES.includes(name)) throw fail(`invalid ulimit type: ${name}`);
  const num = (v: string) => {
    if (!/^-?\d+$/.test(v)) throw fail(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    return v === '-1' ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  const soft = num(limits[0]);
  const hard = limits[1] === undefined ? soft : num(limits[1]);
  if (soft > hard) throw fail(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { name, soft, hard };
}

// ---------------------------------------------------------------------------------------------
// Mounts

const BIND_OPTIONS = new Set(['ro', 'rw', 'z', 'Z', 'U', 'O', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'rbind', 'bind', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'copy', 'nocopy', 'idmap', 'chown', 'notmpcopyup']);

/** `-v SRC:DST[:OPTS]` or `-v DST` (anonymous volume) or `-v NAME:DST` (named volume). */
export function parseVolume(s: string): MountSpec {
  const parts = s.split(':');
  if (parts.length > 3 || parts.some((p, i) => p === '' && i < parts.length)) {
    throw invalid(`invalid volume specification: "${s}"`);
  }
  let source = '';
  let dest: string;
  let opts: string[] = [];
  if (parts.length === 1) dest = parts[0];
  else if (parts.length === 2) {
    if (parts[1].startsWith('/')) [source, dest] = parts;
    else {
      dest = parts[0];
      opts = parts[1].split(',');
    }
  } else {
    [source, dest] = parts;
    opts = parts[2].split(',');
  }
  if (!dest.startsWith('/')) throw invalid(`invalid container path "${dest}", must be an absolute path`);
  for (const o of opts) {
    if (!BIND_OPTIONS.has(o) && !o.startsWith('idmap=')) throw invalid(`invalid option type: "${o}"`);
  }
  if (opts.includes('ro') && opts.includes('rw')) throw invalid('cannot set ro and rw options more than once');
  const type = source === '' ? 'volume' : source.startsWith('/') || source.startsWith('.') ? 'bind' : 'volume';
  return { type, source, destination: dest.replace(/(.)\/+$/, '$1'), options: opts };
}

const IMAGE_VOLUME_OPTIONS = ['rprivate', 'rw', 'nodev', 'exec', 'nosuid'];

/**
 * The volume mounts a container gets: each anonymous `-v /path` named, and the image's
 * VOLUMEs the user did not mount over added per --image-volume (bind: an anonymous volume,
 * tmpfs: a tmpfs, ignore: nothing), with the options Podman gives them.
 */
export function planVolumeMounts(
  spec: Pick<ContainerSpec, 'mounts' | 'tmpfs'>,
  imageVolumes: readonly string[],
  mode: string,
  newName: () => string,
): { mounts: MountSpec[]; anonymous: Set<string> } {
  if (mode !== 'bind' && mode !== 'tmpfs' && mode !== 'ignore') {
    throw invalid(`invalid image volume mode "${mode}" required value: bind, tmpfs, ignore`);
  }
  const anonymous = new Set<string>();
  const anon = (): string => {
    const n = newName();
    anonymous.add(n);
    return n;
  };
  const mounts = spec.mounts.map((m) => (m.type === 'volume' && m.source === '' ? { ...m, source: anon() } : m));
  const clean = (p: string): string => p.replace(/\/+$/, '') || '/';
  const taken = new Set([...mounts.map((m) => clean(m.destination)), ...Object.keys(spec.tmpfs).map(clean)]);
  if (mode !== 'ignore') {
    for (const dest of [...imageVolumes].sort()) {
      const d = clean(dest);
      if (!d.startsWith('/') || taken.has(d)) continue;
      taken.add(d);
      mounts.push(
        mode === 'bind'
          ? { type: 'volume', source: anon(), destination: d, options: [...IMAGE_VOLUME_OPTIONS], fromImage: true }
          : { type: 'tmpfs', source: '', destination: d, options: [...IMAGE_VOLUME_OPTIONS], fromImage: true },
      );
    }
  }
  return { mounts, anonymous };
}

/** `--mount type=bind,source=/a,destination=/b,ro` and friends. */
export function parseMount(s: string): MountSpec {
  let type: string | undefined;
  let source = '';
  let dest: string | undefined;
  const options: string[] = [];
  for (const field of s.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    switch (key) {
      case 'type':
        type = value;
        break;
      case 'source':
      case 'src':
        source = value ?? '';
        break;
      case 'destination':
      case 'dst':
      case 'target':
        dest = value;
        break;
      case 'ro':
      case 'readonly':
        if (value === undefined || value === 'true' || value === '1') options.push('ro');
        else if (value !== 'false' && value !== '0') throw invalid(`invalid value for ${key}: ${value}`);
        break;
      case 'rw':
        options.push('rw');
        break;
      case 'tmpfs-size':
        options.push(`size=${value}`);
        break;
      case 'tmpfs-mode':
        options.push(`mode=${value}`);
        break;
      case 'bind-propagation':
        options.push(value ?? '');
        break;
      case 'relabel':
        options.push(value === 'private' ? 'Z' : 'z');
        break;
      case 'u':
      case 'chown':
        options.push('U');
        break;
      case 'nosuid':
      case 'nodev':
      case 'noexec':
      case 'suid':
      case 'dev':
      case 'exec':
      case 'tmpcopyup':
      case 'notmpcopyup':
        options.push(key);
        break;
      default:
        throw invalid(`unknown mount option "${key}": invalid mount option`);
    }
  }
  if (!type) throw invalid('type must be specified: invalid mount option');
  if (type !== 'bind' && type !== 'tmpfs' && type !== 'volume' && type !== 'devpts') {
    throw invalid(`invalid filesystem type "${type}"`);
  }
  if (!dest) throw invalid('must set container destination: invalid mount option');
  if (!dest.startsWith('/')) throw invalid(`invalid container path "${dest}", must be an absolute path`);
  if (type === 'bind' && !source) throw invalid('must set source for bind mount: invalid mount option');
  return { type, source, destination: dest, options };
}

/** `--device /dev/x[:/dev/y][:rwm]`. */
export function parseDevice(s: string): DeviceSpec {
  const parts = s.split(':');
  const hostPath = parts[0];
  let containerPath = hostPath;
  let permissions = 'rwm';
  if (parts.length === 2) {
    if (/^[rwm]+$/.test(parts[1])) permissions = parts[1];
    else containerPath = parts[1];
  } else if (parts.length === 3) {
    containerPath = parts[1];
    permissions = parts[2];
  } else if (parts.length > 3) throw invalid(`invalid device specification: ${s}`);
  if (!/^[rwm]+$/.test(permissions)) throw invalid(`invalid device mode: ${permissions}`);
  if (!hostPath.startsWith('/')) throw invalid(`invalid device specification: ${s}`);
  return { hostPath, containerPath, permissions };
}

// ---------------------------------------------------------------------------------------------
// Namespaces

/** --ipc, --pid, --uts (--network has its own parser: src/network/flags.ts). */
export function parseNamespace(kind: 'ipc' | 'pid' | 'uts', value: string | undefined): NamespaceMode {
  if (value === undefined || value === '' || value === 'private') return { mode: 'private' };
  if (value === 'host') return { mode: 'host' };
  if (value.startsWith('ns:')) return { mode: 'path', path: value.slice(3) };
  if (value.startsWith('container:')) return { mode: 'path', path: value };
  if (kind === 'ipc' && (value === 'shareable' || value === 'none')) return { mode: 'private' };
  throw invalid(`unrecognized namespace mode ${value} passed`);
}

// ---------------------------------------------------------------------------------------------
// Labels and key=value lists

function keyValues(entries: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq === 0) throw invalid(`invalid ${what} "${e}"`);
    if (eq < 0) out[e] = '';
    else out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

function readLabelFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid(`open ${path}: ${errnoCode(e) === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

// ---------------------------------------------------------------------------------------------

export interface SpecTarget {
  readonly imageId: string;
  readonly imageName: string;
  /** Words after the image on the command line. */
  readonly command: readonly string[];
  readonly hostEnv?: NodeJS.ProcessEnv;
}

/**
 * The spec of a new container. Its network is `intent.mode`, or the bridge when no --network
 * was given; the engine picks a rootless user's default and records the networks joined.
 */
export function buildContainerSpec(f: CreateFlags, target: SpecTarget, name: string, intent: NetworkIntent = parseNetworkFlags(f)): ContainerSpec {
  const host = target.hostEnv ?? process.env;
  const env: Record<string, string> = {};
  if (f.envHost) for (const [k, v] of Object.entries(host)) if (v !== undefined) env[k] = v;
  for (const file of f.envFile) Object.assign(env, parseEnvFile(file, host));
  for (const e of f.env) applyEnvEntry(env, e, host);

  const labels: Record<string, string> = {};
  for (const file of f.labelFile) Object.assign(labels, keyValues(readLabelFile(file), 'label'));
  Object.assign(labels, keyValues(f.label, 'label'));

  const mounts: MountSpec[] = [...f.volume.map(parseVolume), ...f.mount.map(parseMount)];
  const tmpfs: Record<string, string> = {};
  for (const t of f.tmpfs) {
    const colon = t.indexOf(':');
    const dest = colon < 0 ? t : t.slice(0, colon);
    if (!dest.startsWith('/')) throw invalid(`invalid container path "${dest}", must be an absolute path`);
    tmpfs[dest] = colon < 0 ? '' : t.slice(colon + 1);
  }
  const seen = new Set<string>();
  for (const d of [...mounts.map((m) => m.destination), ...Object.keys(tmpfs)]) {
    if (seen.has(d)) throw invalid(`${d}: duplicate mount destination`);
    seen.add(d);
  }

  let seccompProfile: string | undefined;
  let noNewPrivileges = false;
  let labelDisable = false;
  const mask: string[] = [];
  const unmask: string[] = [];
  for (const opt of f.securityOpt) {
    const eq = opt.indexOf('=');
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const value = eq < 0 ? '' : opt.slice(eq + 1);
    switch (key) {
      case 'no-new-privileges':
        noNewPrivileges = value === '' || value === 'true';
        break;
      case 'seccomp':
        if (!value) throw invalid(`invalid --security-opt 1: "${opt}"`);
        seccompProfile = value;
        break;
      case 'label':
        if (value === 'disable') labelDisable = true;
        else if (!/^(user|role|type|level|filetype|nested):/.test(value)) throw invalid(`invalid --security-opt 2: "${opt}"`);
        break;
      case 'mask':
        mask.push(...value.split(':').filter(Boolean));
        break;
      case 'unmask':
        unmask.push(...value.split(':').filter(Boolean));
        break;
      case 'apparmor':
      case 'proc-opts':
        break;
      default:
        // Podman numbers its two refusals: a bare word is 1, an unknown key=value 2.
        throw invalid(`invalid --security-opt ${eq < 0 ? 1 : 2}: "${opt}"`);
    }
  }

  let logDriver: ContainerSpec['logDriver'] = 'k8s-file';
  if (f.logDriver !== undefined) {
    if (f.logDriver === 'k8s-file' || f.logDriver === 'json-file') logDriver = 'k8s-file';
    else if (f.logDriver === 'none' || f.logDriver === 'passthrough') logDriver = f.logDriver;
    else if (f.logDriver === 'journald') throw new SkiffError('unsupported', 'the journald log driver is not supported: use k8s-file, none or passthrough');
    else throw invalid(`invalid log driver: ${f.logDriver}`);
  }
  let logMaxSize: number | undefined;
  for (const o of f.logOpt) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? '' : o.slice(eq + 1);
    if (key === 'max-size') logMaxSize = parseDecimalSize(value);
    else if (key === 'path' || key === 'tag') continue;
    else throw invalid(`unknown log opt ${key}`);
  }

  const pidsLimit = f.pidsLimit;
  return {
    name,
    imageId: target.imageId,
    imageName: target.imageName,
    entrypoint: f.entrypoint === undefined ? undefined : entrypointWords(f.entrypoint),
    command: target.command.length > 0 ? [...target.command] : undefined,
    env,
    envMerge: f.envMerge.length > 0 ? [...f.envMerge] : undefined,
    workdir: f.workdir || undefined,
    user: f.user || undefined,
    groupAdd: [...f.groupAdd],
    hostname: f.hostname || undefined,
    terminal: f.tty,
    stdin: f.interactive,
    privileged: f.privileged,
    readOnly: f.readOnly,
    readOnlyTmpfs: f.readOnlyTmpfs,
    capAdd: [...f.capAdd],
    capDrop: [...f.capDrop],
    noNewPrivileges,
    seccompProfile,
    mask,
    unmask,
    labelDisable,
    mounts,
    tmpfs,
    devices: f.device.map(parseDevice),
    ulimits: f.ulimit.filter((u) => u !== 'host').map(parseUlimit),
    ulimitHost: f.ulimit.includes('host'),
    resources: {
      memory: f.memory ? parseMemory(f.memory) : undefined,
      memorySwap: f.memorySwap ? (f.memorySwap === '-1' ? -1 : parseMemory(f.memorySwap, 'memory-swap')) : undefined,
      cpus: f.cpus || undefined,
      cpuShares: f.cpuShares || undefined,
      pidsLimit,
    },
    labels,
    annotations: keyValues(f.annotation, 'annotation'),
    init: f.init,
    initPath: f.initPath || undefined,
    stopSignal: f.stopSignal ? parseSignal(f.stopSignal) : 15,
    stopTimeout: f.stopTimeout ?? 10,
    network: intent.mode ?? { mode: 'bridge' },
    ...(f.dns.length + f.dnsSearch.length + f.dnsOption.length > 0 ? { dns: { servers: [...f.dns], searches: [...f.dnsSearch], options: [...f.dnsOption] } } : {}),
    ...(f.addHost.length > 0 ? { addHosts: [...f.addHost] } : {}),
    ...(f.noHosts ? { noHosts: true } : {}),
    ...(f.publishAll ? { publishAll: true } : {}),
    ...(f.expose.length > 0 ? { expose: f.expose.map((e) => (parseExpose(e), e)) } : {}),
    ...(f.publish.length > 0 ? { ports: f.publish.map(parsePublish) } : {}),
    ipc: parseNamespace('ipc', f.ipc),
    pid: parseNamespace('pid', f.pid),
    uts: parseNamespace('uts', f.uts),
    sysctls: keyValues(f.sysctl, 'sysctl'),
    logDriver,
    logMaxSize,
    remove: f.rm,
    ...restartOf(f),
    ...(f.shmSize === undefined ? {} : { shmSize: shmSizeOf(f.shmSize) }),
    passwdEntry: f.passwdEntry || undefined,
    timeout: f.timeout,
  };
}

/** `--restart no|always|on-failure[:N]|unless-stopped`, with Podman's errors. */
export function parseRestartPolicy(s: string): RestartPolicy | undefined {
  const colon = s.indexOf(':');
  const name = colon < 0 ? s : s.slice(0, colon);
  const retries = colon < 0 ? undefined : s.slice(colon + 1);
  if (name === '' || name === 'no') {
    if (retries !== undefined) throw invalid('restart policy retries can only be specified with on-failure restart policy');
    return undefined;
  }
  if (name !== 'always' && name !== 'on-failure' && name !== 'unless-stopped') {
    throw invalid(`running container create option: "${name}" is not a valid restart policy: invalid argument`);
  }
  if (retries === undefined) return { name, maxRetries: 0 };
  if (name !== 'on-failure') throw invalid('restart policy retries can only be specified with on-failure restart policy');
  if (!/^-?\d+$/.test(retries)) throw invalid(`parsing restart policy retry count: strconv.Atoi: parsing "${retries}": invalid syntax`);
  const n = Number(retries);
  if (n < 0) throw invalid('must specify restart policy retry count as a number greater than 0');
  return { name, maxRetries: n };
}

function restartOf(f: CreateFlags): { restartPolicy?: RestartPolicy } {
  const policy = parseRestartPolicy(f.restart ?? '');
  if (policy && f.rm) throw invalid('the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"');
  return policy ? { restartPolicy: policy } : {};
}

/** `--entrypoint` takes a JSON array or a single command string (Podman does not split it). */
function entrypointWords(s: string): string[] {
  if (s === '') return [];
  if (s.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(s);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
    } catch {
      // not JSON: a plain command
    }
  }
  return [s];
}

/** go-units FromHumanSize (decimal): `10k` = 10000, `1m` = 1000000. */
export function parseDecimalSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(s.trim());
  if (!m) throw invalid(`invalid size: '${s}'`);
  const mult: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
  return Math.floor(Number(m[1]) * mult[m[2].toLowerCase()]);
}

// ---------------------------------------------------------------------------------------------
// Names and IDs

const ADJECTIVES = [
  'amber', 'brave', 'calm', 'clever', 'dapper', 'eager', 'fervent', 'gentle', 'happy', 'jolly', 'keen', 'lucid',
  'merry', 'nimble', 'patient', 'quiet', 'rapid', 'serene', 'steady', 'tender', 'upbeat', 'vivid', 'witty', 'zealous',
];
const NOUNS = [
  'anchor', 'beacon', 'breeze', 'compass', 'current', 'dinghy', 'estuary', 'harbor', 'heron', 'island', 'jetty',
  'keel', 'lagoon', 'mast', 'oar', 'pelican', 'reef', 'rudder', 'sail', 'shoal', 'tide', 'wake', 'wharf', 'yawl',
];

/** A random `adjective_noun` name that `taken` does not hold (Podman's style of generated name). */
export function generateName(taken: (name: string) => boolean, random: () => number = Math.random): string {
  for (let i = 0; i < 100; i++) {
    const n = `${ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]}_${NOUNS[Math.floor(random() * NOUNS.length)]}`;
    const name = i < 10 ? n : `${n}${i}`;
    if (!taken(name)) return name;
  }
  throw new SkiffError('internal', 'could not generate a unique container name');
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A container name; `context` is the prefix Podman gives the error (create has one, rename none). */
export function validateName(name: string, context = ''): void {
  if (!NAME_RE.test(name)) throw invalid(`${context}names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
}
