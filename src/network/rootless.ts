/**
 * Rootless networking: a container's own network namespace connected to the host's network
 * by a user-mode helper, pasta (Debian's passt) or slirp4netns, which also forwards the
 * published ports from the host.
 *
 * The helper is started after the runtime has created the container (its network namespace
 * exists) and before it starts, and is handed that namespace as an open file descriptor:
 * pasta drops capabilities before it opens anything and could not open /proc/PID/ns/net of a
 * container that has some. Neither helper exits when the namespace dies, so the container's
 * cleanup ends it, by the PID kept in the container's run directory.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SkiffError } from '../util/errors.ts';
import { findExecutable } from '../util/which.ts';
import { NAMESERVER } from './files.ts';
import type { PortMapping } from './ports.ts';

export type { RootlessNetwork } from './files.ts';
import type { RootlessNetwork } from './files.ts';

/** What a rootless container gets without --network: pasta where installed, else slirp4netns. */
export function defaultRootlessNetwork(): RootlessNetwork | undefined {
  if (findExecutable('pasta')) return 'pasta';
  if (findExecutable('slirp4netns')) return 'slirp4netns';
  return undefined;
}

const PID_FILE = 'network.pid';
const SLIRP_SOCKET = 'slirp4netns.sock';
/** The names the kernel gives the helpers' processes (pasta execs passt.avx2 where the CPU has it). */
const HELPER_COMMS = new Set(['pasta', 'pasta.avx2', 'passt', 'passt.avx2', 'slirp4netns']);

/** pasta's -t/-u value for one mapping: `[ADDR/]HOST[-END]:CTR[-END]`. */
function pastaSpec(p: PortMapping): string {
  const span = (start: number) => (p.range > 1 ? `${start}-${start + p.range - 1}` : String(start));
  return `${p.hostIP ? `${p.hostIP}/` : ''}${span(p.hostPort)}:${span(p.containerPort)}`;
}

/** Keeps the first meaningful line of a helper's stderr (pasta adds syslog noise here). */
function helperError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^Failed to send \d+ bytes to syslog/.test(l));
  return lines.find((l) => /fail|error|couldn't|cannot|invalid/i.test(l)) ?? lines[0] ?? '';
}

/**
 * Connects the network namespace pinned at `netns` through `kind`, with the ports forwarded.
 * Returns when the namespace is configured and the ports bound.
 */
export async function attachNetwork(kind: RootlessNetwork, netns: string, runDir: string, ports: readonly PortMapping[]): Promise<void> {
  const program = findExecutable(kind);
  if (!program) throw new SkiffError('unsupported', `could not find ${kind}, the network namespace can't be configured: exec: "${kind}": executable file not found in $PATH`);
  const nsFd = openSync(netns, 'r');
  try {
    if (kind === 'pasta') await runPasta(program, nsFd, runDir, ports);
    else await runSlirp(program, nsFd, runDir, ports);
  } finally {
    closeSync(nsFd);
  }
}

async function runPasta(program: string, nsFd: number, runDir: string, ports: readonly PortMapping[]): Promise<void> {
  const tcp = ports.filter((p) => p.protocol === 'tcp').flatMap((p) => ['-t', pastaSpec(p)]);
  const udp = ports.filter((p) => p.protocol === 'udp').flatMap((p) => ['-u', pastaSpec(p)]);
  // The container must not reach the host's loopback: no ports forwarded inward (-T/-U none)
  // and no gateway address mapped to the host (--no-map-gw), as slirp4netns's
  // --disable-host-loopback.
  const args = ['--config-net', '--quiet', '-T', 'none', '-U', 'none', '--no-map-gw', '--dns-forward', NAMESERVER.pasta, '--pid', join(runDir, PID_FILE), '--netns', '/proc/self/fd/3'];
  args.push(...(tcp.length > 0 ? tcp : ['-t', 'none']), ...(udp.length > 0 ? udp : ['-u', 'none']));
  // Started by root, this pasta would become nobody before joining the namespace, which only
  // root may join: it stays root (it still drops its capabilities once set up).
  if (process.geteuid?.() === 0 && !process.env._CONTAINERS_USERNS_CONFIGURED) args.push('--runas', '0');
  // pasta daemonizes once the namespace is configured and its ports are bound: its exit status
  // is the answer.
  const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe', nsFd], detached: true });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const code = await new Promise<number>((resolve) => {
    // Bounded: a pasta that never answers must not hold the container's start (and lock).
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += 'did not configure the network namespace within 30s\n';
    }, 30_000);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(-1);
    });
    child.on('exit', (c, s) => {
      clearTimeout(timer);
      resolve(c ?? (s ? 128 : -1));
    });
  });
  if (code !== 0) throw new SkiffError('io', `setting up pasta: ${helperError(stderr) || `exit status ${code}`}`);
}

async function runSlirp(program: string, nsFd: number, runDir: string, ports: readonly PortMapping[]): Promise<void> {
  for (const p of ports) {
    if (p.hostIP.includes(':')) throw new SkiffError('invalid-argument', `slirp4netns forwards only IPv4 host addresses: cannot publish on ${p.hostIP}; use --network pasta`);
  }
  const socket = join(runDir, SLIRP_SOCKET);
  rmSync(socket, { force: true });
  const log = openSync(join(runDir, 'slirp4netns.log'), 'w', 0o600);
  // The socket by a name relative to the run directory: its full path can be longer than a
  // unix socket address holds (108 bytes).
  const args = ['--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--api-socket', SLIRP_SOCKET, '--ready-fd=4', '--netns-type=path', '/proc/self/fd/3', 'tap0'];
  const child = spawn(program, args, { cwd: runDir, stdio: ['ignore', 'ignore', log, nsFd, 'pipe'], detached: true });
  closeSync(log);
  const ready = child.stdio[4] as NodeJS.ReadableStream | null;
  try {
    await new Promise<void>((resolve, reject) => {
      // Only until it is ready: it is ended later, by this process too (run --rm's cleanup).
      const done = () => {
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        child.removeListener('error', onError);
      };
      const timer = setTimeout(() => {
        done();
        reject(new SkiffError('timeout', 'slirp4netns did not configure the network namespace within 10s'));
      }, 10_000);
      const onExit = (c: number | null) => {
        done();
        let log = '';
        try {
          log = readFileSync(join(runDir, 'slirp4netns.log'), 'utf8');
        } catch {
          // no log: the exit status says it all
        }
        reject(new SkiffError('io', `setting up slirp4netns: ${helperError(log) || `exit status ${c}`}`));
      };
      const onError = (e: Error) => {
        done();
        reject(new SkiffError('io', `starting slirp4netns: ${e.message}`));
      };
      ready?.once('data', () => {
        done();
        resolve();
      });
      child.once('exit', onExit);
      child.once('error', onError);
    });
    writeFileSync(join(runDir, PID_FILE), `${child.pid}\n`);
    for (const p of ports) {
      for (let i = 0; i < p.range; i++) {
        const reply = await slirpRequest(socket, { execute: 'add_hostfwd', arguments: { proto: p.protocol, host_addr: p.hostIP || '0.0.0.0', host_port: p.hostPort + i, guest_port: p.containerPort + i } });
        if ('error' in reply) {
          throw new SkiffError('io', `cannot expose port ${p.hostPort + i}/${p.protocol} through slirp4netns: ${(reply.error as { desc?: string }).desc ?? JSON.stringify(reply.error)} (the port may be in use)`);
        }
      }
    }
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    (ready as { destroy?: () => void } | null)?.destroy?.();
    child.unref();
  }
}

/** O_PATH: a descriptor that names a file without opening it (Linux). */
const O_PATH = 0o10000000;

function slirpRequest(socket: string, body: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // Reached through a descriptor of the socket file, whatever the length of its path.
    const fd = openSync(socket, O_PATH);
    const conn = createConnection(`/proc/self/fd/${fd}`);
    conn.once('connect', () => closeSync(fd));
    conn.once('error', () => {
      try {
        closeSync(fd);
      } catch {
        // closed on connect
      }
    });
    let text = '';
    conn.on('data', (d) => {
      text += d.toString('utf8');
    });
    conn.on('error', (e) => reject(new SkiffError('io', `slirp4netns API: ${e.message}`)));
    conn.setTimeout(10_000, () => conn.destroy(new Error('no answer within 10s')));
    conn.on('end', () => {
      try {
        resolve(JSON.parse(text) as Record<string, unknown>);
      } catch {
        reject(new SkiffError('io', `slirp4netns API: unreadable answer ${JSON.stringify(text)}`));
      }
    });
    conn.end(JSON.stringify(body));
  });
}

/**
 * Ends the container's network helper, if it runs, and removes its files. The returned wait
 * resolves once the helper has exited, which frees its ports (pasta takes ~50 ms to exit):
 * callers do the rest of their cleanup in between, and wait only when the ports matter.
 */
export function detachNetwork(runDir: string): { exited(): Promise<void> } {
  let pid = 0;
  try {
    pid = Number(readFileSync(join(runDir, PID_FILE), 'utf8').trim());
  } catch {
    // no helper was started
  }
  for (const f of [PID_FILE, SLIRP_SOCKET, 'slirp4netns.log']) rmSync(join(runDir, f), { force: true });
  const running = Number.isInteger(pid) && pid > 1 && helperAlive(pid);
  if (running) {
    try {
      // Neither helper keeps anything worth a graceful end.
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return {
    async exited() {
      // Bounded: 2 s.
      for (let i = 0; i < 200 && running && helperAlive(pid); i++) await sleep(10);
    },
  };
}

function helperAlive(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? '';
    return HELPER_COMMS.has(name) && !/^State:\s+[ZX]/m.test(status);
  } catch {
    return false;
  }
}
