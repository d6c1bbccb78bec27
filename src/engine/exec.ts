/**
 * `exec`: a new process in a running container, through conmon (Podman's exec sessions).
 * The process is the container's own (from its config.json) with Podman's exec changes:
 * new args, -e vars appended, the exec user and workdir, a terminal only with -t.
 */
import { readFileSync } from 'node:fs';
import type { AttachStreams } from '../runtime/attach.ts';
import type { ContainerRecord } from '../state/containers.ts';
import { SkiffError } from '../util/errors.ts';
import type { Engine } from './engine.ts';
import { parseEnvFile } from './specgen.ts';

export interface ExecRequest {
  readonly command: readonly string[];
  readonly env: readonly string[];
  readonly envFiles: readonly string[];
  readonly user?: string;
  readonly workdir?: string;
  readonly tty: boolean;
  readonly interactive: boolean;
  readonly privileged: boolean;
  readonly detach: boolean;
  readonly detachKeys?: string;
}

interface OciProcess {
  args: string[];
  env?: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  terminal?: boolean;
  capabilities?: Record<string, string[]>;
  [key: string]: unknown;
}

/** `user[:group]` against the container's /etc/passwd and /etc/group. */
function resolveUser(rootfs: string, spec: string): { uid: number; gid: number; home?: string } {
  const [u, g] = spec.split(':');
  const read = (f: string) => {
    try {
      return readFileSync(`${rootfs}/etc/${f}`, 'utf8').split('\n').map((l) => l.split(':'));
    } catch {
      return [];
    }
  };
  const passwd = read('passwd');
  let uid: number;
  let gid = 0;
  let home: string | undefined;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const entry = passwd.find((e) => e[2] === u);
    if (entry) {
      gid = Number(entry[3]);
      home = entry[5];
    }
  } else {
    const entry = passwd.find((e) => e[0] === u);
    if (!entry) throw new SkiffError('invalid-argument', `unable to find user ${u}: no matching entries in passwd file`);
    uid = Number(entry[2]);
    gid = Number(entry[3]);
    home = entry[5];
  }
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const entry = read('group').find((e) => e[0] === g);
      if (!entry) throw new SkiffError('invalid-argument', `unable to find group ${g}: no matching entries in group file`);
      gid = Number(entry[2]);
    }
  }
  return { uid, gid, home };
}

const ALL_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

export async function execInContainer(engine: Engine, c: ContainerRecord, req: ExecRequest, streams: AttachStreams): Promise<{ exitCode: number | undefined; detached: boolean; sessionId: string }> {
  const svc = engine.containers;
  const cur = svc.sync(c);
  if (cur.state.status !== 'running') {
    throw new SkiffError('invalid-argument', 'can only create exec sessions on running containers: container state improper', { exitCode: 255 });
  }
  if (req.command.length === 0) throw new SkiffError('invalid-argument', 'must provide a non-empty command to start an exec session: invalid argument', { exitCode: 255 });
  const p = svc.paths(cur.id);
  const config = JSON.parse(readFileSync(p.config, 'utf8')) as { process: OciProcess };
  const proc: OciProcess = structuredClone(config.process);
  proc.args = [...req.command];
  proc.terminal = req.tty;
  const env = [...(proc.env ?? [])];
  const set = (kv: string) => {
    const k = kv.split('=')[0];
    const i = env.findIndex((e) => e.split('=')[0] === k);
    if (i >= 0) env[i] = kv;
    else env.push(kv);
  };
  for (const f of req.envFiles) for (const [k, v] of Object.entries(parseEnvFile(f))) set(`${k}=${v}`);
  for (const e of req.env) {
    if (e.includes('=')) set(e);
    else if (process.env[e] !== undefined) set(`${e}=${process.env[e]}`);
  }
  const rootfs = engine.store.rootfs.mountPoint(cur.id);
  if (req.user) {
    const u = resolveUser(rootfs, req.user);
    proc.user = { ...proc.user, uid: u.uid, gid: u.gid, additionalGids: [] };
    if (u.home && !env.some((e) => e.startsWith('HOME=') && !config.process.env?.includes(e))) set(`HOME=${u.home}`);
  }
  // No HOSTNAME for exec sessions: Podman adds it only at container init.
  proc.env = env;
  if (req.workdir) proc.cwd = req.workdir;
  if (req.privileged) proc.capabilities = { bounding: ALL_CAPS, effective: ALL_CAPS, permitted: ALL_CAPS };
  const { execInContainer: run } = await import('../runtime/exec.ts');
  const result = await run({
    ...engine.conmonRuntime(),
    containerId: cur.id,
    containerName: cur.name,
    bundle: p.bundle,
    process: proc,
    terminal: req.tty,
    streams: req.detach ? undefined : { ...streams, stdin: req.interactive ? streams.stdin : undefined },
    detachKeys: req.detachKeys,
  });
  return { exitCode: result.exitCode, detached: result.detached, sessionId: result.sessionId };
}
