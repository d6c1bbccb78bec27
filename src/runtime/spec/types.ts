/**
 * The contract between the engine and OCI spec generation.
 *
 * ContainerSpec is the user's intent as plain data (Podman's specgen): what `run`/`create`
 * flags asked for, validated once, stored with the container, never containing secrets'
 * contents. generateSpec() turns it, the image config and the host facts into an OCI
 * runtime config.json by a pure function (no I/O except reading the container's own
 * /etc/passwd and /etc/group through the given rootfs path).
 */
import type { PortMapping } from '../../network/ports.ts';


export type NamespaceMode =
  | { readonly mode: 'private' }
  | { readonly mode: 'host' }
  /** Join another container's namespace, given as the path of its ns file (/proc/PID/ns/x). */
  | { readonly mode: 'path'; readonly path: string }
  /** Network only: no network namespace setup beyond loopback. */
  | { readonly mode: 'none' }
  /** Network only: a namespace of its own, connected by a user-mode helper (src/network/rootless.ts). */
  | { readonly mode: 'pasta' }
  | { readonly mode: 'slirp4netns' }
  /** Network only: bridge networking through netavark; the networks joined are kept in the state database. */
  | { readonly mode: 'bridge' };

export interface MountSpec {
  readonly type: 'bind' | 'tmpfs' | 'devpts' | 'volume';
  /**
   * Host path for bind; for a volume, its name in a stored spec ('' for an anonymous one
   * not yet named) and its host directory in the spec handed to generation; unused for tmpfs.
   */
  readonly source: string;
  readonly destination: string;
  /** Options as the user gave them (ro, rw, z, Z, U, O, nosuid, size=, mode=, …). */
  readonly options: readonly string[];
  /** Added for a VOLUME of the image (--image-volume): Podman leaves image tmpfs volumes out of inspect. */
  readonly fromImage?: boolean;
}

/**
 * A `--secret` of the container, by reference only: the value stays in the secret store
 * (mount secrets are copied beside the container at create, env secrets read at each start).
 */
export interface ContainerSecret {
  readonly name: string;
  readonly id: string;
  readonly type: 'mount' | 'env';
  /** mount: the absolute path in the container; env: the variable's name. */
  readonly target: string;
  /** Owner and permission bits of a mount secret's file (as given; only 0777 of mode applies). */
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

export interface RestartPolicy {
  readonly name: 'always' | 'on-failure' | 'unless-stopped';
  /** on-failure:N; 0 = no limit. */
  readonly maxRetries: number;
}

export interface DeviceSpec {
  readonly hostPath: string;
  readonly containerPath: string;
  /** Any of r, w, m. */
  readonly permissions: string;
}

export interface UlimitSpec {
  /** Lower-case rlimit name without prefix, as --ulimit takes it: nofile, nproc, core, … */
  readonly name: string;
  readonly soft: number;
  readonly hard: number;
}

export interface ResourceSpec {
  readonly memory?: number;
  readonly memorySwap?: number;
  /** CPUs as a decimal (1.5); becomes quota/period. */
  readonly cpus?: number;
  readonly cpuShares?: number;
  /** 0 = Podman's default (2048 from containers.conf pids_limit), -1 = unlimited. */
  readonly pidsLimit?: number;
}

export interface ContainerSpec {
  readonly name: string;
  /** The image ID (64 hex) the container was created from, and the name the user gave. */
  readonly imageId: string;
  readonly imageName: string;
  /** undefined: the image's; [] explicitly empty (`--entrypoint ""`). */
  readonly entrypoint?: readonly string[];
  /** undefined: the image's Cmd. */
  readonly command?: readonly string[];
  /** Environment from --env, --env-file, --env-host (already merged, in order; later wins). */
  readonly env: Readonly<Record<string, string>>;
  /** --env-merge: `NAME=prefix${NAME}suffix` expressions expanded against the image env. */
  readonly envMerge?: readonly string[];
  readonly workdir?: string;
  /** `--user` as given (name, uid, name:group, uid:gid). undefined: the image's User. */
  readonly user?: string;
  readonly groupAdd: readonly string[];
  readonly hostname?: string;
  readonly terminal: boolean;
  readonly stdin: boolean;
  readonly privileged: boolean;
  readonly readOnly: boolean;
  readonly readOnlyTmpfs: boolean;
  /** Capability names without CAP_ prefix, upper case; "ALL" allowed. */
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly noNewPrivileges: boolean;
  /** undefined: the default profile; 'unconfined'; or a host path of a profile file. */
  readonly seccompProfile?: string;
  /** Extra paths to mask / paths to unmask ("ALL" unmasks all) from --security-opt. */
  readonly mask: readonly string[];
  readonly unmask: readonly string[];
  readonly labelDisable: boolean;
  readonly mounts: readonly MountSpec[];
  /** --tmpfs destinations with their option strings ("" for defaults). */
  readonly tmpfs: Readonly<Record<string, string>>;
  readonly devices: readonly DeviceSpec[];
  readonly ulimits: readonly UlimitSpec[];
  /** --ulimit host: no rlimits at all. */
  readonly ulimitHost: boolean;
  readonly resources: ResourceSpec;
  /** A user namespace of the container's own (absent: none, it shares skiff's). */
  readonly userns?: UsernsSpec;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly init: boolean;
  readonly initPath?: string;
  /** Signal number. */
  readonly stopSignal: number;
  /** Seconds. */
  readonly stopTimeout: number;
  readonly network: NamespaceMode;
  /** --dns, --dns-search, --dns-option (absent when none was given). */
  readonly dns?: { readonly servers: readonly string[]; readonly searches: readonly string[]; readonly options: readonly string[] };
  /** --add-host entries, `NAME:IP`. */
  readonly addHosts?: readonly string[];
  /** --no-hosts: no /etc/hosts of skiff's; the image's own stays. */
  readonly noHosts?: boolean;
  /** -P: every exposed port was published on a random host port (recorded for inspect). */
  readonly publishAll?: boolean;
  /** --expose, as given (`PORT[-END][/PROTO]`). */
  readonly expose?: readonly string[];
  /** -p: the host ports forwarded to the container (a host port chosen at create where none was given). */
  readonly ports?: readonly PortMapping[];
  readonly ipc: NamespaceMode;
  readonly pid: NamespaceMode;
  readonly uts: NamespaceMode;
  readonly sysctls: Readonly<Record<string, string>>;
  readonly logDriver: 'k8s-file' | 'none' | 'passthrough';
  readonly logMaxSize?: number;
  readonly remove: boolean;
  /** --shm-size in bytes (absent: containers.conf's default). */
  readonly shmSize?: number;
  /** --restart: what the exit command does when the container exits (absent: no restarts). */
  readonly restartPolicy?: RestartPolicy;
  readonly passwdEntry?: string;
  /** --timeout: seconds before conmon kills the container (0 = none). */
  readonly timeout: number;
  /** --secret: references, in the order given (absent when none). */
  readonly secrets?: readonly ContainerSecret[];
}

export interface SecretFiles {
  /**
   * Mounted at /run/secrets (unless a mount of the user's is there) so that the mount points
   * of the secrets under it are made in this directory, not in the container's own layer.
   */
  readonly dir: string;
  readonly mounts: readonly { readonly source: string; readonly destination: string }[];
}

/** Host facts and paths the spec needs; the engine computes them, generateSpec only reads them. */
export interface SpecContext {
  readonly id: string;
  /** The mounted rootfs (overlay merged dir or vfs dir). */
  readonly rootfs: string;
  /** Files skiff generates and bind-mounts; absent ones are not mounted. */
  readonly files: {
    readonly hostname: string;
    readonly hosts?: string;
    readonly resolvConf?: string;
    readonly containerEnv: string;
    /** The shm directory (a tmpfs skiff mounted) for /dev/shm. */
    readonly shm: string;
    /** Mount secrets: host copies to bind read-only at their targets, and an empty host directory for /run/secrets. */
    readonly secrets?: SecretFiles;
  };
  /** Env secrets' values by variable name; set last, over every other source. Never stored. */
  readonly secretEnv?: Readonly<Record<string, string>>;
  /**
   * cgroupsPath for config.json, e.g. /libpod_parent/libpod-<ID> style (ours: /skiff_parent/skiff-<ID>).
   * Undefined when the container gets no cgroup of its own (rootless without a delegated
   * cgroup v2): then config.json has no cgroupsPath and no resources, as Podman's.
   */
  readonly cgroupsPath: string | undefined;
  /** Rootless: skiff runs in a user namespace, where device nodes cannot be made (they are bound). */
  readonly rootless?: boolean;
  /** The network namespace skiff made for the container (bridge, pasta, slirp4netns): joined by path. */
  readonly netnsPath?: string;
  /** From containers.conf [containers]: default_capabilities (without CAP_), default_sysctls, default_ulimits, pids_limit, shm_size. */
  readonly defaults: {
    readonly capabilities: readonly string[];
    readonly sysctls: Readonly<Record<string, string>>;
    readonly ulimits: readonly UlimitSpec[];
    readonly pidsLimit: number;
  };
  /** The host's hard limits; rlimits above them are clamped (DESIGN §6a). */
  readonly hostRlimits: Readonly<Record<string, { soft: number; hard: number }>>;
  /** The default seccomp profile file (containers-common's), or undefined when none is installed. */
  readonly defaultSeccompProfile?: string;
  /** Host devices for --privileged (path, type, major, minor, mode, uid, gid). */
  readonly hostDevices?: () => readonly { path: string; type: 'c' | 'b'; major: number; minor: number; fileMode: number; uid: number; gid: number }[];
  readonly createdAt: string;
  /** The container init binary bind-mounted at /run/podman-init for --init (catatonit). */
  readonly initBinary?: string;
  /** Facts about this machine; each one left out is read from the host (src/runtime/spec/host.ts). */
  readonly host?: HostFacts;
}

export interface HostFacts {
  /** The host's hostname: the container's with --network host, HOSTNAME's without a UTS namespace. */
  readonly hostname?: string;
  /** uname -r, compared with seccomp rules' minKernel. */
  readonly kernelRelease?: string;
  /** The native architecture as libseccomp names it (amd64, arm64 …). */
  readonly seccompArch?: string;
  /** On cgroup v2 containers get a cgroup namespace. */
  readonly cgroupVersion?: 1 | 2;
  /** Whether group 5 (tty) exists in skiff's user namespace (not with a single mapping). */
  readonly ttyGroupMapped?: boolean;
  /** Capabilities in skiff's own bounding set (CAP_-prefixed): all that --privileged or --cap-add can grant. */
  readonly boundingSet?: readonly string[];
  /** nosuid/nodev/noexec of the filesystem holding a bind mount's source. */
  readonly mountFlagsOf?: (path: string) => { readonly nosuid: boolean; readonly nodev: boolean; readonly noexec: boolean };
}

/** A container's own user namespace, resolved at create (src/engine/userns.ts). */
export interface UsernsSpec {
  /** keep-id, nomap, auto, private (--uidmap and friends) or path (ns:PATH). */
  readonly mode: 'keep-id' | 'nomap' | 'auto' | 'private' | 'path';
  /** The --userns value as given ('' for --uidmap and friends), for inspect's UsernsMode. */
  readonly raw: string;
  /** ns:PATH: the namespace to join. */
  readonly path?: string;
  /** Container ID → ID of the namespace skiff runs in. */
  readonly uidMap?: readonly { readonly containerID: number; readonly hostID: number; readonly size: number }[];
  readonly gidMap?: readonly { readonly containerID: number; readonly hostID: number; readonly size: number }[];
  /** keep-id: the user the process runs as unless --user says otherwise, and their name. */
  readonly keepId?: { readonly uid: number; readonly gid: number; readonly name: string };
}
