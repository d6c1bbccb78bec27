/**
 * netavark, Podman's network stack, driven through its JSON interface: `setup` and `teardown`
 * of a network namespace, the container's options on standard input, a status block per
 * network on standard output. netavark makes the bridge, the veth pair and the firewall rules,
 * and runs aardvark-dns for networks with DNS (its configuration under `configDir`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileLock } from '../util/lock.ts';
import { SkiffError } from '../util/errors.ts';
import type { PortMapping } from './ports.ts';
import type { Network, NetworkAttachment, NetworkStatus } from './types.ts';

export interface Netavark {
  readonly binary: string;
  readonly aardvark: string | undefined;
  /** Where netavark keeps aardvark-dns's files (a tmpfs: skiff's run root). */
  readonly configDir: string;
  readonly dnsPort: number;
}

/** The document netavark reads (its NetworkOptions), keys in Podman's order. */
export interface NetavarkOptions {
  readonly container_id: string;
  readonly container_name: string;
  readonly port_mappings?: readonly { host_ip: string; container_port: number; host_port: number; range: number; protocol: string }[];
  readonly networks: Record<string, { static_ips?: string[]; aliases?: string[]; interface_name: string; static_mac?: string }>;
  readonly network_info: Record<string, Network>;
  readonly dns_servers?: readonly string[];
}

export interface JoinedNetwork {
  readonly network: Network;
  readonly attachment: NetworkAttachment;
  /** The addresses IPAM handed out for it. */
  readonly ips: readonly string[];
}

/** The options document for a container joining `joined` (ports only go to bridge networks). */
export function netavarkOptions(c: { id: string; name: string; ports: readonly PortMapping[]; aliases: readonly string[]; dnsServers?: readonly string[] }, joined: readonly JoinedNetwork[]): NetavarkOptions {
  const networks: NetavarkOptions['networks'] = {};
  const info: Record<string, Network> = {};
  for (const j of joined) {
    networks[j.network.name] = {
      static_ips: [...j.ips],
      // The container is also known by its short ID on every network with DNS, as in Podman.
      aliases: [...new Set([...j.attachment.aliases, ...c.aliases])],
      interface_name: j.attachment.interfaceName,
      ...(j.attachment.staticMac ? { static_mac: j.attachment.staticMac } : {}),
    };
    info[j.network.name] = j.network;
  }
  const ports = c.ports.map((p) => ({ host_ip: p.hostIP, container_port: p.containerPort, host_port: p.hostPort, range: p.range, protocol: p.protocol }));
  return {
    container_id: c.id,
    container_name: c.name,
    ...(ports.length > 0 ? { port_mappings: ports } : {}),
    networks,
    network_info: info,
    ...(c.dnsServers && c.dnsServers.length > 0 ? { dns_servers: c.dnsServers } : {}),
  };
}

/**
 * One netavark at a time per configuration directory, as Podman runs it under its
 * netavark.lock: a teardown that finds a bridge empty and removes it must not meet a setup
 * that is attaching a new container to it, and aardvark-dns's files have one writer.
 */
async function runNetavark(nv: Netavark, command: 'setup' | 'teardown', netns: string, options: NetavarkOptions): Promise<string> {
  mkdirSync(nv.configDir, { recursive: true, mode: 0o700 });
  return new FileLock(join(nv.configDir, 'netavark.lock')).with(() => runNetavarkLocked(nv, command, netns, options), { timeoutMs: 120_000 });
}

async function runNetavarkLocked(nv: Netavark, command: 'setup' | 'teardown', netns: string, options: NetavarkOptions): Promise<string> {
  const args = ['--config', nv.configDir, '--rootless=false', ...(nv.aardvark ? [`--aardvark-binary=${nv.aardvark}`] : []), command, netns];
  const env: NodeJS.ProcessEnv = { ...process.env, ...(nv.dnsPort !== 53 ? { NETAVARK_DNS_PORT: String(nv.dnsPort) } : {}) };
  const child = spawn(nv.binary, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  child.stdin.on('error', () => {});
  child.stdin.end(JSON.stringify(options));
  const code = await new Promise<number | string>((resolve) => {
    // Bounded: a hung netavark must not hold the container's lock for ever.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
    child.on('close', (c, signal) => {
      clearTimeout(timer);
      resolve(c ?? `killed by ${signal}`);
    });
  });
  if (code === 0) return stdout;
  throw new SkiffError('network', `netavark: ${netavarkError(stdout, stderr, code)}`);
}

/** netavark's own message: `{"error": "…"}` on standard output, else its last line of standard error. */
function netavarkError(stdout: string, stderr: string, code: number | string): string {
  try {
    const parsed = JSON.parse(stdout) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON
  }
  const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('failed to connect to syslog'));
  return lines[lines.length - 1]?.trim() ?? (typeof code === 'number' ? `exit status ${code}` : code);
}

/** Sets up the namespace; the status of each network, by name. */
export async function setupNetwork(nv: Netavark, netns: string, options: NetavarkOptions): Promise<Record<string, NetworkStatus>> {
  const out = await runNetavark(nv, 'setup', netns, options);
  try {
    return JSON.parse(out) as Record<string, NetworkStatus>;
  } catch {
    throw new SkiffError('network', `netavark: unreadable answer ${JSON.stringify(out.slice(0, 200))}`);
  }
}

export async function teardownNetwork(nv: Netavark, netns: string, options: NetavarkOptions): Promise<void> {
  await runNetavark(nv, 'teardown', netns, options);
}
