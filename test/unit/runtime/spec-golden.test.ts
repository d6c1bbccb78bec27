/**
 * generateSpec against real Podman 4.3.1: each case replays one `podman create` + `podman
 * init`, whose config.json was recorded by fixtures/record.sh into fixtures/podman/<case>.json,
 * with the SpecContext mirroring what Podman had (containers.conf defaults with the
 * DESIGN §6a ulimits, this host's bounding set and rlimits in fixtures/host.json, Debian's
 * seccomp.json copied to fixtures/containers-common-seccomp.json).
 *
 * The normaliser below replaces what differs by nature between two engines and two runs:
 * the container ID (and its 12-char short form), the rootfs, run and bundle directories,
 * the volume and profile paths, and the creation time. The env list is compared as a set
 * (Podman builds it from a Go map). Everything else must match, key order included: the
 * comparison is on the JSON text ociSpecToJson writes.
 *
 * Known differences, each kept visible in its case:
 *   ulimit   skiff clamps the RLIMIT_NPROC it adds (1048576) to the host's hard limit;
 *            Podman writes 1048576 and crun then fails (DESIGN §6a).
 *   mounts   13 mounts: Go's sort.Sort is not stable past 12 elements, so Podman's order
 *            among mounts of equal depth differs from skiff's stable one; compared by depth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageConfig } from '../../../src/image/types.ts';
import { generateSpec } from '../../../src/runtime/spec/generate.ts';
import { mountDepth } from '../../../src/runtime/spec/mounts.ts';
import type { OciMount, OciSpec } from '../../../src/runtime/spec/oci.ts';
import { ociSpecToJson, parseJsonExact } from '../../../src/runtime/spec/oci.ts';
import type { ContainerSpec, SpecContext } from '../../../src/runtime/spec/types.ts';
import { tempDir } from './helpers.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface HostJson {
  hostname: string;
  kernel: string;
  boundingSet: string[];
  rlimits: Record<string, { soft: number; hard: number }>;
  volume: string;
}
const HOST = JSON.parse(readFileSync(join(FIXTURES, 'host.json'), 'utf8')) as HostJson;
/** Where record.sh kept its store: the prefix of Podman's run and bundle directories. */
const PODMAN_WORK = HOST.volume.replace(/\/root\/volumes\/vol1\/_data$/, '');

const BUSYBOX_PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const BUSYBOX_GROUP = 'root:x:0:\nnogroup:x:65534:\n';

/** Rootfs trees with just the files spec generation reads, like the images record.sh built. */
function makeRootfs(passwd: string | undefined, group: string | undefined): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'etc'));
  if (passwd !== undefined) writeFileSync(join(dir, 'etc/passwd'), passwd);
  if (group !== undefined) writeFileSync(join(dir, 'etc/group'), group);
  return dir;
}

type ImageName = 'busybox' | 'busybox2' | 'busybox3' | 'nopasswd';

const ROOTFS: Record<ImageName, string> = {
  busybox: makeRootfs(BUSYBOX_PASSWD, BUSYBOX_GROUP),
  busybox2: makeRootfs(BUSYBOX_PASSWD, BUSYBOX_GROUP),
  busybox3: makeRootfs(readFileSync(join(FIXTURES, 'passwd-users'), 'utf8'), readFileSync(join(FIXTURES, 'group-users'), 'utf8')),
  nopasswd: makeRootfs(undefined, undefined),
};

const image = (config: ImageConfig['config']): ImageConfig => ({ architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: [] } });
const IMAGES: Record<ImageName, ImageConfig> = {
  busybox: image({ Cmd: ['/bin/sh'] }),
  busybox2: image({
    Entrypoint: ['/bin/echo'],
    Cmd: ['hi'],
    Env: ['FOO=bar', 'PATH=/bin:/usr/bin'],
    WorkingDir: '/tmp',
    User: 'nobody',
    StopSignal: 'SIGINT',
  }),
  busybox3: image({ Cmd: ['/bin/sh'] }),
  nopasswd: image({ Cmd: ['/bin/sh'] }),
};

const BASE: ContainerSpec = {
  name: 'gold',
  imageId: 'e8a83233d033ab602ec1e41de7ca32ec54b397f05d5a877a66e0fa9e09fe2e84',
  imageName: 'localhost/busybox:latest',
  command: ['true'],
  env: {},
  groupAdd: [],
  terminal: false,
  stdin: false,
  privileged: false,
  readOnly: false,
  readOnlyTmpfs: true,
  capAdd: [],
  capDrop: [],
  noNewPrivileges: false,
  mask: [],
  unmask: [],
  labelDisable: false,
  mounts: [],
  tmpfs: {},
  devices: [],
  ulimits: [],
  ulimitHost: false,
  resources: {},
  labels: {},
  annotations: {},
  init: false,
  stopSignal: 15,
  stopTimeout: 10,
  network: { mode: 'none' },
  ipc: { mode: 'private' },
  pid: { mode: 'private' },
  uts: { mode: 'private' },
  sysctls: {},
  logDriver: 'k8s-file',
  remove: false,
  timeout: 0,
};

const ID = '5c1ff0000000000000000000000000000000000000000000000000000000abcd';
const RUN_DIR = `/run/skiff/containers/${ID}/userdata`;
const BUNDLE_DIR = `/var/lib/skiff/containers/${ID}/userdata`;
const VOLUME = '/var/lib/skiff/volumes/vol1/_data';
const CUSTOM_PROFILE = join(FIXTURES, 'seccomp-custom.json');
const MiB = 1024 * 1024;

interface Case {
  readonly name: string;
  readonly flags: string;
  readonly image?: ImageName;
  readonly spec?: Partial<ContainerSpec>;
  /** The fixture turned into what skiff writes, where skiff differs on purpose. */
  readonly expect?: (podman: OciSpec) => void;
  /** Compare mounts by depth only (Podman's unstable sort, see the header). */
  readonly mountOrderByDepth?: boolean;
}

const bind = (source: string, destination: string, options: string[]) => ({ type: 'bind' as const, source, destination, options });

const CASES: readonly Case[] = [
  { name: 'default', flags: '' },
  { name: 'privileged', flags: '--privileged', spec: { privileged: true } },
  { name: 'read-only', flags: '--read-only', spec: { readOnly: true } },
  { name: 'read-only-no-tmpfs', flags: '--read-only --read-only-tmpfs=false', spec: { readOnly: true, readOnlyTmpfs: false } },
  { name: 'cap-drop-all', flags: '--cap-drop ALL --cap-add NET_ADMIN', spec: { capDrop: ['ALL'], capAdd: ['NET_ADMIN'] } },
  { name: 'cap-add-sys-admin', flags: '--cap-add sys_admin', spec: { capAdd: ['sys_admin'] } },
  { name: 'cap-add-all', flags: '--cap-add ALL --cap-drop CAP_NET_RAW', spec: { capAdd: ['ALL'], capDrop: ['CAP_NET_RAW'] } },
  { name: 'user-nobody', flags: '-u nobody', spec: { user: 'nobody' } },
  { name: 'user-uid-gid', flags: '-u 1000:1000', spec: { user: '1000:1000' } },
  { name: 'user-cap-add', flags: '-u nobody --cap-add NET_ADMIN', spec: { user: 'nobody', capAdd: ['NET_ADMIN'] } },
  {
    name: 'user-groups',
    flags: '-u alice --group-add audio --group-add 5',
    image: 'busybox3',
    spec: { user: 'alice', groupAdd: ['audio', '5'] },
  },
  { name: 'no-passwd', flags: '(image without /etc/passwd)', image: 'nopasswd' },
  { name: 'tmpfs', flags: '--tmpfs /x', spec: { tmpfs: { '/x': '' } } },
  { name: 'bind-ro', flags: '-v /tmp:/data:ro', spec: { mounts: [bind('/tmp', '/data', ['ro'])] } },
  {
    name: 'mounts',
    flags: '-v /tmp:/a:shared,nosuid,z --tmpfs /t:size=10m,noexec,mode=700 -v vol1:/v:ro',
    spec: {
      mounts: [bind('/tmp', '/a', ['shared', 'nosuid', 'z']), { type: 'volume', source: VOLUME, destination: '/v', options: ['ro'] }],
      tmpfs: { '/t': 'size=10m,noexec,mode=700' },
    },
    mountOrderByDepth: true,
  },
  {
    name: 'ulimit',
    flags: '--ulimit nofile=100:200',
    spec: { ulimits: [{ name: 'nofile', soft: 100, hard: 200 }] },
    expect: (p) => {
      const nproc = p.process!.rlimits!.find((r) => r.type === 'RLIMIT_NPROC')!;
      nproc.hard = HOST.rlimits.nproc!.hard;
      nproc.soft = HOST.rlimits.nproc!.hard;
    },
  },
  {
    name: 'ulimit-all',
    flags: '--ulimit nofile=100:200 --ulimit nproc=50:60 --ulimit core=-1',
    spec: {
      ulimits: [
        { name: 'nofile', soft: 100, hard: 200 },
        { name: 'nproc', soft: 50, hard: 60 },
        { name: 'core', soft: -1, hard: -1 },
      ],
    },
  },
  {
    name: 'resources',
    flags: '--pids-limit 10 --memory 64m --cpus 1.5',
    spec: { resources: { pidsLimit: 10, memory: 64 * MiB, cpus: 1.5 } },
  },
  { name: 'no-new-privileges', flags: '--security-opt no-new-privileges', spec: { noNewPrivileges: true } },
  { name: 'seccomp-unconfined', flags: '--security-opt seccomp=unconfined', spec: { seccompProfile: 'unconfined' } },
  { name: 'seccomp-custom', flags: '--security-opt seccomp=seccomp-custom.json', spec: { seccompProfile: CUSTOM_PROFILE } },
  { name: 'mask', flags: '--security-opt mask=/proc/x', spec: { mask: ['/proc/x'] } },
  { name: 'unmask-all', flags: '--security-opt unmask=ALL', spec: { unmask: ['ALL'] } },
  {
    name: 'unmask-glob',
    flags: "--security-opt 'unmask=/proc/*' --security-opt mask=/proc/x:/proc/acpi",
    spec: { unmask: ['/proc/*'], mask: ['/proc/x', '/proc/acpi'] },
  },
  {
    name: 'host-namespaces',
    flags: '--ipc host --uts host --pid host',
    spec: { ipc: { mode: 'host' }, uts: { mode: 'host' }, pid: { mode: 'host' } },
  },
  { name: 'ipc-none', flags: '--ipc none', spec: { ipc: { mode: 'none' } } },
  { name: 'network-host', flags: '--network host', spec: { network: { mode: 'host' } } },
  { name: 'tty', flags: '-t', spec: { terminal: true } },
  { name: 'init', flags: '--init', spec: { init: true } },
  {
    name: 'device',
    flags: '--device /dev/null:/dev/mynull:r',
    spec: { devices: [{ hostPath: '/dev/null', containerPath: '/dev/mynull', permissions: 'r' }] },
  },
  { name: 'entrypoint-empty', flags: "--entrypoint '' busybox echo hi", spec: { entrypoint: [], command: ['echo', 'hi'] } },
  {
    name: 'env-merge',
    flags: "-e A=1 --env-merge 'PATH=${PATH}:/extra'",
    spec: { env: { A: '1' }, envMerge: ['PATH=${PATH}:/extra'] },
  },
  { name: 'image-config', flags: 'busybox2', image: 'busybox2', spec: { command: undefined, stopSignal: 2 } },
  { name: 'image-cmd', flags: 'busybox2 bye', image: 'busybox2', spec: { command: ['bye'], stopSignal: 2 } },
  {
    name: 'image-entrypoint',
    flags: '--entrypoint /bin/ls busybox2',
    image: 'busybox2',
    spec: { entrypoint: ['/bin/ls'], command: undefined, stopSignal: 2 },
  },
  {
    name: 'image-overrides',
    flags: '-u root -w /root -e FOO=over -e NEW=1 busybox2',
    image: 'busybox2',
    spec: { user: 'root', workdir: '/root', env: { FOO: 'over', NEW: '1' }, command: undefined, stopSignal: 2 },
  },
  {
    name: 'misc',
    flags:
      '--hostname myhost --rm --annotation x.y=z --sysctl net.core.somaxconn=1024 --stop-signal SIGKILL --group-add 65534 ' +
      '--memory 64m --memory-swap 128m --cpu-shares 512 --security-opt label=disable',
    spec: {
      hostname: 'myhost',
      remove: true,
      annotations: { 'x.y': 'z' },
      sysctls: { 'net.core.somaxconn': '1024' },
      stopSignal: 9,
      groupAdd: ['65534'],
      resources: { memory: 64 * MiB, memorySwap: 128 * MiB, cpuShares: 512 },
      labelDisable: true,
    },
  },
];

function contextFor(c: Case, podman: OciSpec): SpecContext {
  const hostDevices = (podman.linux?.devices ?? []).map((d) => ({
    path: d.path,
    type: d.type as 'c' | 'b',
    major: d.major,
    minor: d.minor,
    fileMode: d.fileMode!,
    uid: d.uid!,
    gid: d.gid!,
  }));
  return {
    id: ID,
    rootfs: ROOTFS[c.image ?? 'busybox'],
    files: {
      hostname: `${RUN_DIR}/hostname`,
      hosts: `${RUN_DIR}/hosts`,
      ...(c.spec?.network?.mode === 'host' ? { resolvConf: `${RUN_DIR}/resolv.conf` } : {}),
      containerEnv: `${RUN_DIR}/.containerenv`,
      shm: `${BUNDLE_DIR}/shm`,
    },
    cgroupsPath: `/libpod_parent/libpod-${ID}`,
    defaults: {
      capabilities: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'],
      sysctls: { 'net.ipv4.ping_group_range': '0 0' },
      ulimits: [
        { name: 'nofile', soft: 20000, hard: 20000 },
        { name: 'nproc', soft: 32768, hard: 32768 },
      ],
      pidsLimit: 2048,
    },
    hostRlimits: HOST.rlimits,
    defaultSeccompProfile: join(FIXTURES, 'containers-common-seccomp.json'),
    hostDevices: () => hostDevices,
    createdAt: '2026-11-23T00:00:00.000000000Z',
    initBinary: '/usr/libexec/podman/catatonit',
    host: {
      hostname: HOST.hostname,
      kernelRelease: HOST.kernel,
      seccompArch: 'amd64',
      cgroupVersion: 1,
      boundingSet: HOST.boundingSet,
      mountFlagsOf: () => ({ nosuid: false, nodev: false, noexec: false }),
    },
  };
}

/** Replaces each engine's own paths and IDs with placeholders; env sorted; mounts by depth if asked. */
function normalise(spec: OciSpec, subs: readonly [string, string][], mountOrderByDepth: boolean): OciSpec {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return subs.reduce((s, [from, to]) => s.split(from).join(to), v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null && typeof v !== 'bigint') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const out = walk(spec) as OciSpec;
  out.annotations!['io.kubernetes.cri-o.Created'] = '<CREATED>';
  out.process!.env = [...(out.process!.env ?? [])].sort();
  if (mountOrderByDepth) {
    const key = (m: OciMount) => `${String(mountDepth(m.destination)).padStart(3, '0')} ${m.destination}`;
    out.mounts = [...out.mounts!].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  }
  return out;
}

for (const c of CASES) {
  test(`config.json as podman 4.3.1 writes it: ${c.name} (${c.flags || 'no flags'})`, () => {
    const text = readFileSync(join(FIXTURES, 'podman', `${c.name}.json`), 'utf8');
    const podman = parseJsonExact(text) as OciSpec;
    const podmanId = /libpod-([0-9a-f]{64})$/.exec(podman.linux!.cgroupsPath!)![1]!;
    const ctx = contextFor(c, podman);
    const ours = generateSpec({ ...BASE, ...c.spec }, IMAGES[c.image ?? 'busybox'], ctx);

    c.expect?.(podman);
    const expected = normalise(
      podman,
      [
        [`${PODMAN_WORK}/run/overlay-containers/${podmanId}/userdata`, '<RUNDIR>'],
        [`${PODMAN_WORK}/root/overlay-containers/${podmanId}/userdata`, '<BUNDLE>'],
        [podman.root!.path, '<ROOTFS>'],
        [HOST.volume, '<VOLUME>'],
        [`${PODMAN_WORK}/seccomp-custom.json`, '<PROFILE>'],
        [podmanId, '<ID>'],
        [podmanId.slice(0, 12), '<SHORTID>'],
      ],
      c.mountOrderByDepth === true,
    );
    const actual = normalise(
      ours,
      [
        [RUN_DIR, '<RUNDIR>'],
        [BUNDLE_DIR, '<BUNDLE>'],
        [ctx.rootfs, '<ROOTFS>'],
        [VOLUME, '<VOLUME>'],
        [CUSTOM_PROFILE, '<PROFILE>'],
        [ID, '<ID>'],
        [ID.slice(0, 12), '<SHORTID>'],
      ],
      c.mountOrderByDepth === true,
    );
    // deepStrictEqual first for a readable diff, then the text for key order and number forms.
    assert.deepStrictEqual(actual, expected);
    assert.equal(ociSpecToJson(actual), ociSpecToJson(expected));
    if (c.mountOrderByDepth) {
      const depths = ours.mounts!.map((m) => mountDepth(m.destination));
      assert.deepEqual(depths, [...depths].sort((a, b) => a - b), 'mounts are ordered by depth');
    }
  });
}
