/** The flags `run` and `create` share (Podman's names, shorthands and help texts), and their parsing. */
import type { CreateFlags } from '../../engine/specgen.ts';
import { SkiffError } from '../../util/errors.ts';
import { writeFileSync } from 'node:fs';
import type { Engine } from '../../engine/engine.ts';
import type { ContainerRecord } from '../../state/containers.ts';
import type { ImageRecord } from '../../image/store.ts';
import type { CommandContext } from '../command.ts';
import type { FlagSpec, FlagValues } from '../flags.ts';

export const CREATE_FLAGS: readonly FlagSpec[] = [
  { name: 'add-host', type: 'stringSlice', usage: 'Add a custom host-to-IP mapping (host:ip)' },
  { name: 'annotation', type: 'stringSlice', usage: 'Add annotations to container (key=value)' },
  { name: 'cap-add', type: 'stringSlice', usage: 'Add capabilities to the container' },
  { name: 'cap-drop', type: 'stringSlice', usage: 'Drop capabilities from the container' },
  { name: 'cidfile', type: 'string', usage: 'Write the container ID to the file' },
  { name: 'cpu-shares', short: 'c', type: 'uint', usage: 'CPU shares (relative weight)' },
  { name: 'cpus', type: 'string', usage: 'Number of CPUs. The default is 0.000 which means no limit', valueName: 'float' },
  { name: 'device', type: 'stringSlice', usage: 'Add a host device to the container' },
  { name: 'dns', type: 'stringSlice', usage: 'Set custom DNS servers', valueName: 'strings' },
  { name: 'dns-option', type: 'stringSlice', usage: 'Set custom DNS options', valueName: 'strings' },
  { name: 'dns-search', type: 'stringSlice', usage: 'Set custom DNS search domains', valueName: 'strings' },
  { name: 'entrypoint', type: 'string', usage: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'env', short: 'e', type: 'stringArray', usage: 'Set environment variables in container' },
  { name: 'env-file', type: 'stringSlice', usage: 'Read in a file of environment variables' },
  { name: 'env-host', type: 'bool', usage: 'Use all current host environment variables in container' },
  { name: 'expose', type: 'stringSlice', usage: 'Expose a port or a range of ports', valueName: 'strings' },
  { name: 'env-merge', type: 'stringArray', usage: 'Preprocess environment variables from image before injecting them into the container' },
  { name: 'group-add', type: 'stringSlice', usage: "Add additional groups to the primary container process. 'keep-groups' allows container processes to use supplementary groups." },
  { name: 'hostname', short: 'h', type: 'string', usage: 'Set container hostname' },
  { name: 'image-volume', type: 'string', usage: 'Tells skiff how to handle the builtin image volumes ("bind"|"tmpfs"|"ignore")', default: 'bind' },
  { name: 'init', type: 'bool', usage: 'Run an init binary inside the container that forwards signals and reaps processes' },
  { name: 'init-path', type: 'string', usage: 'Path to the container-init binary' },
  { name: 'interactive', short: 'i', type: 'bool', usage: 'Keep STDIN open even if not attached' },
  { name: 'ip', type: 'string', usage: 'Specify a static IPv4 address for the container' },
  { name: 'ip6', type: 'string', usage: 'Specify a static IPv6 address for the container' },
  { name: 'ipc', type: 'string', usage: 'IPC namespace to use' },
  { name: 'label', short: 'l', type: 'stringArray', usage: 'Set metadata on container' },
  { name: 'label-file', type: 'stringSlice', usage: 'Read in a line delimited file of labels' },
  { name: 'log-driver', type: 'string', usage: 'Logging driver for the container', default: 'k8s-file' },
  { name: 'log-opt', type: 'stringSlice', usage: 'Logging driver options' },
  { name: 'memory', short: 'm', type: 'string', usage: 'Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))', valueName: '<number>[<unit>]' },
  { name: 'memory-swap', type: 'string', usage: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { name: 'mount', type: 'stringArray', usage: 'Attach a filesystem mount to the container' },
  { name: 'name', type: 'string', usage: 'Assign a name to the container' },
  { name: 'mac-address', type: 'string', usage: 'Container MAC address (e.g. 92:d0:c6:0a:29:33)' },
  { name: 'network', type: 'stringArray', usage: 'Connect a container to a network' },
  { name: 'net', type: 'stringArray', usage: 'Connect a container to a network', hidden: true },
  { name: 'network-alias', type: 'stringSlice', usage: 'Add network-scoped alias for the container', valueName: 'strings' },
  { name: 'no-hosts', type: 'bool', usage: 'Do not create /etc/hosts within the container, instead use the version from the image' },
  { name: 'passwd-entry', type: 'string', usage: 'Entry to write to /etc/passwd' },
  { name: 'pid', type: 'string', usage: 'PID namespace to use' },
  { name: 'pids-limit', type: 'int', usage: 'Tune container pids limit (set -1 for unlimited)', default: 2048 },
  { name: 'privileged', type: 'bool', usage: 'Give extended privileges to container' },
  { name: 'pull', type: 'string', usage: 'Pull image policy', default: 'missing' },
  { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress output information when pulling images' },
  { name: 'read-only', type: 'bool', usage: 'Make containers root filesystem read-only' },
  { name: 'read-only-tmpfs', type: 'bool', usage: 'When running containers in read-only mode mount a read-write tmpfs on /run, /tmp and /var/tmp', default: true },
  { name: 'replace', type: 'bool', usage: 'If a container with the same name exists, replace it' },
  { name: 'restart', type: 'string', usage: 'Restart policy to apply when a container exits ("always"|"no"|"on-failure"|"unless-stopped")' },
  { name: 'rm', type: 'bool', usage: 'Remove container (and pod if created) after exit' },
  { name: 'secret', type: 'stringArray', usage: 'Add secret to container' },
  { name: 'security-opt', type: 'stringArray', usage: 'Security Options' },
  { name: 'shm-size', type: 'string', usage: 'Size of /dev/shm (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))', default: '65536k' },
  { name: 'stop-signal', type: 'string', usage: 'Signal to stop a container. Default is SIGTERM' },
  { name: 'stop-timeout', type: 'uint', usage: 'Timeout (in seconds) that containers stopped by user command have to exit. If exceeded, the container will be forcibly stopped via SIGKILL.', default: 10 },
  { name: 'sysctl', type: 'stringSlice', usage: 'Sysctl options' },
  { name: 'timeout', type: 'uint', usage: 'Maximum length of time a container is allowed to run. The container will be killed automatically after the time expires.' },
  { name: 'tmpfs', type: 'stringArray', usage: 'Mount a temporary filesystem (tmpfs) into a container', valueName: 'tmpfs' },
  { name: 'tty', short: 't', type: 'bool', usage: 'Allocate a pseudo-TTY for container' },
  { name: 'ulimit', type: 'stringSlice', usage: 'Ulimit options' },
  { name: 'user', short: 'u', type: 'string', usage: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'userns', type: 'string', usage: 'User namespace to use' },
  { name: 'publish', short: 'p', type: 'stringArray', usage: "Publish a container's port, or a range of ports, to the host" },
  { name: 'publish-all', short: 'P', type: 'bool', usage: 'Publish all exposed ports to random ports on the host interface' },
  { name: 'uidmap', type: 'stringArray', usage: 'UID map to use for the user namespace' },
  { name: 'gidmap', type: 'stringArray', usage: 'GID map to use for the user namespace' },
  { name: 'subuidname', type: 'string', usage: 'Name of range listed in /etc/subuid for use in user namespace' },
  { name: 'subgidname', type: 'string', usage: 'Name of range listed in /etc/subgid for use in user namespace' },
  { name: 'uts', type: 'string', usage: 'UTS namespace to use' },
  { name: 'volume', short: 'v', type: 'stringArray', usage: 'Bind mount a volume into the container' },
  { name: 'workdir', short: 'w', type: 'string', usage: 'Working directory inside the container' },
  // Where the image is pulled from when --pull says so (as `pull`).
  { name: 'arch', type: 'string', valueName: 'ARCH', usage: 'use ARCH instead of the architecture of the machine for choosing images' },
  { name: 'authfile', type: 'string', usage: 'Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
  { name: 'os', type: 'string', valueName: 'OS', usage: 'use OS instead of the running OS for choosing images' },
  { name: 'platform', type: 'string', usage: 'Specify the platform for selecting the image.  (Conflicts with --arch and --os)' },
  { name: 'signature-policy', type: 'string', usage: 'Path to a signature-policy file', hidden: true },
  { name: 'tls-verify', type: 'bool', usage: 'Require HTTPS and verify certificates when contacting registries for pulling images', default: true },
  { name: 'variant', type: 'string', valueName: 'VARIANT', usage: 'Use VARIANT instead of the running architecture variant for choosing images' },
];

/** Flags only `run` has. */
export const RUN_ONLY_FLAGS: readonly FlagSpec[] = [
  { name: 'detach', short: 'd', type: 'bool', usage: 'Run container in background and print container ID' },
  { name: 'detach-keys', type: 'string', usage: 'Override the key sequence for detaching a container. Format is a single character [a-Z] or a comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-cf`, `@`, `^`, `[`, `\\`, `]`, `^` or `_`', default: 'ctrl-p,ctrl-q', valueName: '[a-Z]' },
  { name: 'sig-proxy', type: 'bool', usage: 'Proxy received signals to the process', default: true },
  { name: 'attach', short: 'a', type: 'stringArray', usage: 'Attach to STDIN, STDOUT or STDERR' },
];

function opt(values: FlagValues, changed: ReadonlySet<string>, name: string): string | undefined {
  return changed.has(name) ? (values[name] as string) : undefined;
}

export function createFlags(values: FlagValues, changed: ReadonlySet<string>): CreateFlags {
  const s = (n: string) => values[n] as string[];
  const cpus = opt(values, changed, 'cpus');
  return {
    name: opt(values, changed, 'name'),
    env: s('env'),
    envFile: s('env-file'),
    envHost: values['env-host'] as boolean,
    envMerge: s('env-merge'),
    workdir: opt(values, changed, 'workdir'),
    user: opt(values, changed, 'user'),
    groupAdd: s('group-add'),
    entrypoint: opt(values, changed, 'entrypoint'),
    hostname: opt(values, changed, 'hostname'),
    interactive: values.interactive as boolean,
    tty: values.tty as boolean,
    volume: s('volume'),
    mount: s('mount'),
    imageVolume: values['image-volume'] as string,
    tmpfs: s('tmpfs'),
    readOnly: values['read-only'] as boolean,
    readOnlyTmpfs: values['read-only-tmpfs'] as boolean,
    privileged: values.privileged as boolean,
    capAdd: s('cap-add'),
    capDrop: s('cap-drop'),
    securityOpt: s('security-opt'),
    device: s('device'),
    ulimit: s('ulimit'),
    memory: opt(values, changed, 'memory'),
    memorySwap: opt(values, changed, 'memory-swap'),
    cpus: cpus === undefined ? undefined : parseCpus(cpus),
    cpuShares: changed.has('cpu-shares') ? (values['cpu-shares'] as number) : undefined,
    pidsLimit: changed.has('pids-limit') ? (values['pids-limit'] as number) : undefined,
    label: s('label'),
    labelFile: s('label-file'),
    annotation: s('annotation'),
    init: values.init as boolean,
    initPath: opt(values, changed, 'init-path'),
    stopSignal: opt(values, changed, 'stop-signal'),
    stopTimeout: changed.has('stop-timeout') ? (values['stop-timeout'] as number) : undefined,
    network: [...s('network'), ...s('net')],
    ip: opt(values, changed, 'ip'),
    ip6: opt(values, changed, 'ip6'),
    macAddress: opt(values, changed, 'mac-address'),
    networkAlias: s('network-alias'),
    dns: s('dns'),
    dnsSearch: s('dns-search'),
    dnsOption: s('dns-option'),
    addHost: s('add-host'),
    noHosts: values['no-hosts'] as boolean,
    expose: s('expose'),
    publishAll: values['publish-all'] as boolean,
    ipc: opt(values, changed, 'ipc'),
    pid: opt(values, changed, 'pid'),
    uts: opt(values, changed, 'uts'),
    userns: opt(values, changed, 'userns'),
    publish: s('publish'),
    uidmap: s('uidmap'),
    gidmap: s('gidmap'),
    subuidname: opt(values, changed, 'subuidname'),
    subgidname: opt(values, changed, 'subgidname'),
    sysctl: s('sysctl'),
    logDriver: opt(values, changed, 'log-driver'),
    logOpt: s('log-opt'),
    rm: values.rm as boolean,
    restart: opt(values, changed, 'restart'),
    shmSize: opt(values, changed, 'shm-size'),
    passwdEntry: opt(values, changed, 'passwd-entry'),
    timeout: values.timeout as number,
    secret: s('secret'),
  };
}

function parseCpus(s: string): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n)) {
    throw new SkiffError('usage', `invalid argument "${s}" for "--cpus" flag: strconv.ParseFloat: parsing "${s}": invalid syntax`);
  }
  return n;
}

/**
 * The image for a new container, per --pull (default `missing`). A stored image under the
 * default policy is the hot path: no registry code is loaded for it.
 */
async function containerImage(ctx: CommandContext, engine: Engine): Promise<ImageRecord> {
  const input = ctx.args[0];
  const policy = ctx.flags.pull as string;
  if (policy === 'missing') {
    const found = engine.images.find(input);
    if (found) return found;
  }
  const [{ imageForContainer }, { copyReporter }, { registryAccess, platformFlags, terminalChoice }] = await Promise.all([
    import('../../engine/pull-policy.ts'),
    import('../progress.ts'),
    import('../image/pull.ts'),
  ]);
  return imageForContainer(engine, input, policy, {
    ...(await registryAccess(ctx)),
    platform: platformFlags(ctx),
    signaturePolicy: (ctx.flags['signature-policy'] as string) || undefined,
    reporter: copyReporter(ctx.stderr, { quiet: ctx.flags.quiet as boolean }),
    warn: (m) => ctx.warn(m),
    ...terminalChoice(ctx),
  });
}

/** What `run` and `create` share: resolve the image, create the container, write --cidfile. */
export async function createFromArgs(ctx: CommandContext): Promise<{ engine: Engine; container: ContainerRecord; flags: CreateFlags }> {
  const engine = await ctx.engine();
  const flags = createFlags(ctx.flags, ctx.changed);
  const image = await containerImage(ctx, engine);
  // Podman prints create's warnings as plain lines, not as log records.
  const container = await engine.containers.create(flags, image, ctx.args[0], ctx.args.slice(1), (line) => ctx.err(`${line}\n`));
  const cidfile = ctx.flags.cidfile as string;
  if (cidfile) writeFileSync(cidfile, container.id, { flag: 'wx' });
  return { engine, container, flags };
}
