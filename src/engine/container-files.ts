/**
 * The files skiff generates for a container at each start (REFERENCE §3, "Generated files"):
 * /etc/hostname, /etc/hosts and /etc/resolv.conf as Podman 4.3 writes them for its network
 * mode, and /run/.containerenv.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { buildHosts, buildResolvConf, type HostsEntry, parseAddHost, parseHostsFile } from '../network/etchosts.ts';
import { NAMESERVER, SLIRP_ADDRESS } from '../network/files.ts';
import { parseCIDR, parseIP } from '../network/ip.ts';
import type { JoinedNetwork } from '../network/netavark.ts';
import type { ContainerSpec } from '../runtime/spec/types.ts';
import type { ContainerRecord } from '../state/containers.ts';
import type { ContainerPaths } from './paths.ts';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The host's first IPv4 address off loopback: what host.containers.internal names outside a bridge. */
function hostAddress(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/**
 * The host's resolver configuration. When it names only a resolver on the host's loopback
 * (systemd-resolved's 127.0.0.53), the file with the upstream servers, as Podman reads it.
 */
function hostResolvConf(): string {
  const main = readText('/etc/resolv.conf') ?? '';
  const servers = main.split('\n').filter((l) => /^\s*nameserver\s/.test(l));
  if (servers.length > 0 && servers.every((l) => /\s127\./.test(l))) return readText('/run/systemd/resolve/resolv.conf') ?? main;
  return main;
}

/**
 * The network whose files a container gets: its own, or, when it joins another container's
 * network namespace (`--network container:ID`), that container's, whose addresses go with
 * that container's names.
 */
export interface SharedNetwork {
  readonly mode: ContainerSpec['network']['mode'];
  readonly joined: readonly JoinedNetwork[] | undefined;
  readonly names: readonly string[];
}

export function writeContainerFiles(c: ContainerRecord, p: ContainerPaths, joined: readonly JoinedNetwork[] | undefined, shared?: SharedNetwork): void {
  const spec = c.spec;
  const hostname = spec.hostname ?? c.id.slice(0, 12);
  writeFileSync(p.hostname, hostname);
  const own = [hostname, c.name];
  const mode = shared?.mode ?? spec.network.mode;
  const addresses = shared ? shared.joined : joined;

  if (spec.noHosts) rmSync(p.hosts, { force: true });
  else {
    const names = shared?.names ?? own;
    let container: HostsEntry[] = [];
    let hostIP: string | undefined = hostAddress();
    if (mode === 'bridge') {
      container = (addresses ?? []).flatMap((j) => j.ips.map((ip) => ({ ip, names })));
      const gateway = (addresses ?? []).flatMap((j) => (j.network.subnets ?? []).flatMap((s) => (s.gateway && parseIP(s.gateway)?.family === 4 ? [s.gateway] : [])))[0];
      hostIP = gateway ?? hostIP;
    } else if (mode === 'slirp4netns') container = [{ ip: SLIRP_ADDRESS, names }];
    else if (mode !== 'host' && !shared) container = [{ ip: '127.0.0.1', names }];
    // A container in another's namespace is itself on that namespace's loopback (Podman's entry).
    if (shared) container.push({ ip: '127.0.0.1', names: own });
    // pasta gives the container the host's own address: it cannot name the host apart.
    if (mode === 'pasta') hostIP = undefined;
    const text = buildHosts({
      extra: (spec.addHosts ?? []).map(parseAddHost),
      base: parseHostsFile(readText('/etc/hosts') ?? '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'),
      ...(hostIP !== undefined ? { hostIP } : {}),
      container,
    });
    writeFileSync(p.hosts, text);
  }

  if (mode === 'none' || mode === 'path') {
    rmSync(p.resolvConf, { force: true });
  } else {
    const networkServers: string[] = [];
    const networkSearches: string[] = [];
    let ipv6 = false;
    if (mode === 'bridge') {
      for (const j of addresses ?? []) {
        ipv6 ||= j.network.ipv6_enabled;
        if (!j.network.dns_enabled || j.network.driver !== 'bridge') continue;
        const gw = (j.network.subnets ?? []).find((s) => s.gateway && parseCIDR(s.subnet)?.subnet.family === 4)?.gateway;
        if (gw) networkServers.push(gw);
        networkSearches.push('dns.podman');
      }
    } else if (mode === 'pasta' || mode === 'slirp4netns') networkServers.push(NAMESERVER[mode]);
    const dns = spec.dns;
    writeFileSync(
      p.resolvConf,
      buildResolvConf({
        host: hostResolvConf(),
        networkServers,
        networkSearches,
        ipv6,
        ...(dns ? { dns: dns.servers, searches: dns.searches, options: dns.options } : {}),
      }),
    );
  }
  const env = spec.privileged ? `engine="skiff"\nname="${c.name}"\nid="${c.id}"\nimage="${spec.imageName}"\nimageid="${c.imageId}"\nrootless=0\n` : '';
  writeFileSync(p.containerEnv, env);
}
