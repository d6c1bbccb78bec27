/**
 * `system check`: a preflight of what this user needs to run containers, each finding with the
 * exact command that fixes it. For an unprivileged user: subordinate ID ranges, newuidmap and
 * newgidmap, user namespaces, XDG_RUNTIME_DIR, /dev/net/tun and /dev/fuse, overlay support,
 * cgroup version and delegation, a rootless network helper. For root: the runtime, conmon,
 * overlay, the cgroup layout crun accepts, and what bridge networking needs.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { release, userInfo } from 'node:os';
import { rangesOf } from '../rootless/ids.ts';
import { findExecutable } from '../util/which.ts';

export type CheckStatus = 'ok' | 'warning' | 'failed';

export interface CheckResult {
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** The command (or step) that fixes it; absent when nothing needs fixing. */
  readonly fix?: string;
}

export interface CheckContext {
  readonly uid: number;
  readonly gid: number;
  readonly user: string;
  readonly env: NodeJS.ProcessEnv;
  /** Overridable for tests: where /etc/subuid and friends are read. */
  readonly files?: { readonly subuid?: string; readonly subgid?: string };
}

const NEEDED_IDS = 65536;

export function currentContext(): CheckContext {
  const info = userInfo();
  return { uid: info.uid, gid: info.gid, user: info.username, env: process.env };
}

export function runChecks(ctx: CheckContext): CheckResult[] {
  if (ctx.uid === 0) return [runtimeCheck(), conmonCheck(), overlayCheck(ctx), rootCgroupCheck(), bridgeCheck()];
  return [
    idRangeCheck(ctx, 'subuid', ctx.files?.subuid ?? '/etc/subuid'),
    idRangeCheck(ctx, 'subgid', ctx.files?.subgid ?? '/etc/subgid'),
    idMapperCheck('newuidmap'),
    idMapperCheck('newgidmap'),
    userNamespaceCheck(),
    runtimeDirCheck(ctx),
    deviceCheck('/dev/net/tun', 'rootless networking (pasta, slirp4netns)', 'failed'),
    deviceCheck('/dev/fuse', 'fuse-overlayfs, where native overlay is not possible', 'warning'),
    overlayCheck(ctx),
    cgroupCheck(ctx),
    networkHelperCheck(),
  ];
}

/** The first start of a free 65536-ID range above everyone's, for the fix command. */
export function freeStart(text: string): number {
  let end = 100000;
  for (const line of text.split('\n')) {
    const [, start, count] = line.trim().split(':');
    const e = Number(start) + Number(count);
    if (Number.isInteger(e) && e > end) end = e;
  }
  return end;
}

function idRangeCheck(ctx: CheckContext, kind: 'subuid' | 'subgid', path: string): CheckResult {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // a missing file gives no ranges
  }
  const ranges = rangesOf(text, ctx.user, ctx.uid);
  const total = ranges.reduce((n, r) => n + r.count, 0);
  const start = freeStart(text);
  const fix = `sudo usermod --add-${kind}s ${start}-${start + NEEDED_IDS - 1} ${ctx.user}`;
  if (total === 0) return { check: kind, status: 'failed', detail: `${path} gives ${ctx.user} no range: containers get a single ID`, fix };
  if (total < NEEDED_IDS) return { check: kind, status: 'warning', detail: `${path} gives ${ctx.user} ${total} IDs; images may need ${NEEDED_IDS}`, fix };
  return { check: kind, status: 'ok', detail: ranges.map((r) => `${r.start}-${r.start + r.count - 1}`).join(', ') };
}

function idMapperCheck(name: 'newuidmap' | 'newgidmap'): CheckResult {
  const path = findExecutable(name);
  if (!path) return { check: name, status: 'failed', detail: `${name} is not installed`, fix: 'sudo apt-get install uidmap' };
  const st = statSync(path);
  const setuid = (st.mode & 0o4000) !== 0 && st.uid === 0;
  // Without setuid, file capabilities will do (what getcap shows, where it is installed).
  const caps = !setuid && /cap_set[ug]id/.test(spawnSync('getcap', [path], { encoding: 'utf8' }).stdout ?? '');
  if (!setuid && !caps) return { check: name, status: 'failed', detail: `${path} is neither setuid root nor given file capabilities`, fix: `sudo chmod u+s ${path}` };
  return { check: name, status: 'ok', detail: `${path} (${setuid ? 'setuid' : 'file capabilities'})` };
}

function userNamespaceCheck(): CheckResult {
  const max = Number(readOr('/proc/sys/user/max_user_namespaces', '0').trim());
  if (!(max > 0)) return { check: 'user namespaces', status: 'failed', detail: 'user.max_user_namespaces is 0', fix: 'sudo sysctl -w user.max_user_namespaces=28633' };
  const clone = readOr('/proc/sys/kernel/unprivileged_userns_clone', '').trim();
  if (clone === '0') return { check: 'user namespaces', status: 'failed', detail: 'kernel.unprivileged_userns_clone is 0', fix: 'sudo sysctl -w kernel.unprivileged_userns_clone=1' };
  return { check: 'user namespaces', status: 'ok', detail: `up to ${max}` };
}

function runtimeDirCheck(ctx: CheckContext): CheckResult {
  const dir = ctx.env.XDG_RUNTIME_DIR;
  const fix = `sudo loginctl enable-linger ${ctx.user}   # or: sudo install -d -m 0700 -o ${ctx.user} /run/user/${ctx.uid} && export XDG_RUNTIME_DIR=/run/user/${ctx.uid}`;
  if (!dir) return { check: 'XDG_RUNTIME_DIR', status: 'warning', detail: `not set: skiff uses /tmp/skiff-run-${ctx.uid}, which does not survive as well`, fix };
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch {
    return { check: 'XDG_RUNTIME_DIR', status: 'failed', detail: `${dir} does not exist`, fix };
  }
  if (st.uid !== ctx.uid) return { check: 'XDG_RUNTIME_DIR', status: 'failed', detail: `${dir} belongs to UID ${st.uid}, not ${ctx.uid}`, fix: `sudo chown ${ctx.user} ${dir}` };
  if ((st.mode & 0o077) !== 0) return { check: 'XDG_RUNTIME_DIR', status: 'failed', detail: `${dir} is mode ${(st.mode & 0o777).toString(8)}, not 700`, fix: `chmod 0700 ${dir}` };
  return { check: 'XDG_RUNTIME_DIR', status: 'ok', detail: dir };
}

function deviceCheck(path: string, forWhat: string, severity: CheckStatus): CheckResult {
  if (!existsSync(path)) return { check: path, status: severity, detail: `missing: needed for ${forWhat}`, fix: `sudo modprobe ${path.endsWith('tun') ? 'tun' : 'fuse'}` };
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch {
    return { check: path, status: severity, detail: `not readable and writable by this user: needed for ${forWhat}`, fix: `sudo chmod 0666 ${path}` };
  }
  return { check: path, status: 'ok', detail: 'read and write' };
}

/** Native overlay in a user namespace needs Linux 5.11 (userxattr). */
function overlayCheck(ctx: CheckContext): CheckResult {
  if (!/\toverlay\n/.test(readOr('/proc/filesystems', ''))) {
    return { check: 'overlay', status: 'warning', detail: 'the kernel has no overlay filesystem: storage falls back to vfs (slow, large)', fix: 'sudo modprobe overlay' };
  }
  if (ctx.uid === 0) return { check: 'overlay', status: 'ok', detail: 'native overlay' };
  const [maj, min] = release().split('.').map((n) => Number.parseInt(n, 10));
  if (maj > 5 || (maj === 5 && min >= 11)) return { check: 'overlay', status: 'ok', detail: `native overlay in a user namespace (Linux ${release()})` };
  if (findExecutable('fuse-overlayfs')) return { check: 'overlay', status: 'ok', detail: `fuse-overlayfs (Linux ${release()} predates rootless overlay)` };
  return { check: 'overlay', status: 'warning', detail: `Linux ${release()} predates rootless overlay and fuse-overlayfs is missing: vfs`, fix: 'sudo apt-get install fuse-overlayfs' };
}

function cgroupCheck(ctx: CheckContext): CheckResult {
  if (!existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    return {
      check: 'cgroups',
      status: 'warning',
      detail: 'cgroup v1: --memory, --cpus and --pids-limit cannot be applied to rootless containers',
      fix: 'boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2)',
    };
  }
  const delegated = readOr(`/sys/fs/cgroup/user.slice/user-${ctx.uid}.slice/user@${ctx.uid}.service/cgroup.controllers`, '').trim().split(/\s+/);
  const missing = ['cpu', 'memory', 'pids'].filter((c) => !delegated.includes(c));
  if (missing.length > 0) {
    return {
      check: 'cgroups',
      status: 'warning',
      detail: `cgroup v2, but ${missing.join(', ')} not delegated to ${ctx.user}: those limits cannot be applied`,
      fix: 'sudo mkdir -p /etc/systemd/system/user@.service.d && printf \'[Service]\\nDelegate=cpu cpuset io memory pids\\n\' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf && sudo systemctl daemon-reload',
    };
  }
  return { check: 'cgroups', status: 'ok', detail: 'cgroup v2 with cpu, memory and pids delegated' };
}

function networkHelperCheck(): CheckResult {
  const pasta = findExecutable('pasta');
  if (pasta) return { check: 'network helper', status: 'ok', detail: pasta };
  const slirp = findExecutable('slirp4netns');
  if (slirp) return { check: 'network helper', status: 'ok', detail: slirp };
  return { check: 'network helper', status: 'warning', detail: 'neither pasta nor slirp4netns: rootless containers get no network but loopback', fix: 'sudo apt-get install passt' };
}

function runtimeCheck(): CheckResult {
  const crun = findExecutable('crun') ?? findExecutable('runc');
  if (!crun) return { check: 'OCI runtime', status: 'failed', detail: 'neither crun nor runc is installed', fix: 'sudo apt-get install crun' };
  return { check: 'OCI runtime', status: 'ok', detail: crun };
}

/** netavark (and aardvark-dns for names, iptables for its rules) where Podman's packages put them. */
function bridgeCheck(): CheckResult {
  const dirs = ['/usr/local/libexec/podman', '/usr/local/lib/podman', '/usr/libexec/podman', '/usr/lib/podman'];
  const find = (name: string) => dirs.map((d) => `${d}/${name}`).find((p) => existsSync(p)) ?? findExecutable(name);
  const missing = [['netavark', 'netavark'], ['aardvark-dns', 'aardvark-dns'], ['iptables', 'iptables']].filter(([bin]) => !find(bin as string)).map(([, pkg]) => pkg as string);
  if (missing.length > 0) {
    return { check: 'bridge networks', status: 'failed', detail: `${missing.join(', ')} missing: containers cannot join the default network or any bridge network`, fix: `sudo apt-get install ${missing.join(' ')}` };
  }
  return { check: 'bridge networks', status: 'ok', detail: find('netavark') as string };
}

function conmonCheck(): CheckResult {
  const conmon = findExecutable('conmon');
  if (!conmon) return { check: 'conmon', status: 'failed', detail: 'conmon is not installed', fix: 'sudo apt-get install conmon' };
  return { check: 'conmon', status: 'ok', detail: conmon };
}

/** crun refuses a hybrid cgroup layout whose unified hierarchy has controllers (DESIGN §6a). */
function rootCgroupCheck(): CheckResult {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return { check: 'cgroups', status: 'ok', detail: 'cgroup v2' };
  const unified = readOr('/sys/fs/cgroup/unified/cgroup.controllers', '').trim();
  if (unified !== '') {
    const controllers = unified.split(/\s+/);
    return {
      check: 'cgroups',
      status: 'failed',
      detail: `hybrid cgroups with ${controllers.join(', ')} in the unified hierarchy: crun refuses to run`,
      fix: controllers.map((c) => `sudo mkdir -p /sys/fs/cgroup/${c} && sudo mount -t cgroup -o ${c} cgroup /sys/fs/cgroup/${c}`).join(' && '),
    };
  }
  return { check: 'cgroups', status: 'ok', detail: 'cgroup v1 (hybrid, nothing in the unified hierarchy)' };
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
