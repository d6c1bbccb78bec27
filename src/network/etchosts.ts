/**
 * A container's /etc/hosts and /etc/resolv.conf, written the way Podman 4.3 writes them:
 * `IP<TAB>names` lines (--add-host entries, the base file's, host.containers.internal, the
 * container's own addresses), and a resolv.conf of search, nameserver and options lines
 * built from the networks' DNS servers, the host's file and the --dns flags.
 */
import { SkiffError } from '../util/errors.ts';
import { parseIP } from './ip.ts';

export interface HostsEntry {
  readonly ip: string;
  readonly names: readonly string[];
}

/** A --add-host value, `NAME:IP` (an IPv6 address after the first colon), checked as Podman checks it. */
export function parseAddHost(value: string): HostsEntry {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new SkiffError('invalid-argument', `bad format for add-host: ${JSON.stringify(value)}`);
  const ip = value.slice(colon + 1);
  if (!parseIP(ip)) throw new SkiffError('invalid-argument', `invalid IP address in add-host: ${JSON.stringify(ip)}`);
  return { ip, names: [value.slice(0, colon)] };
}

/** The entries of a hosts file, comments and malformed lines left out. */
export function parseHostsFile(text: string): HostsEntry[] {
  const out: HostsEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [ip, ...names] = line.split(/\s+/);
    if (!ip || names.length === 0 || !parseIP(ip)) continue;
    out.push({ ip, names });
  }
  return out;
}

export const HOST_CONTAINERS_INTERNAL = 'host.containers.internal';

export function buildHosts(o: { extra: readonly HostsEntry[]; base: readonly HostsEntry[]; hostIP?: string; container: readonly HostsEntry[] }): string {
  const entries: HostsEntry[] = [...o.extra, ...o.base];
  const named = (name: string) => entries.some((e) => e.names.includes(name));
  if (o.hostIP !== undefined && !named(HOST_CONTAINERS_INTERNAL)) entries.push({ ip: o.hostIP, names: [HOST_CONTAINERS_INTERNAL] });
  entries.push(...o.container);
  return entries.map((e) => `${e.ip}\t${e.names.join(' ')}\n`).join('');
}

export interface ResolvInput {
  /** The host's resolv.conf. */
  readonly host: string;
  /** Nameservers the container's networks bring (aardvark-dns, a user-mode helper's forwarder), first. */
  readonly networkServers: readonly string[];
  /** Search domains the networks bring (dns.podman per network with DNS). */
  readonly networkSearches: readonly string[];
  /** --dns, --dns-search, --dns-option: each replaces what it names when given. */
  readonly dns?: readonly string[];
  readonly searches?: readonly string[];
  readonly options?: readonly string[];
  readonly ipv6?: boolean;
}

function isLoopback(ip: string): boolean {
  return /^127\./.test(ip) || ip === '::1';
}

export function buildResolvConf(o: ResolvInput): string {
  const hostServers: string[] = [];
  const hostSearches: string[] = [];
  const hostOptions: string[] = [];
  for (const raw of o.host.split('\n')) {
    const [key, ...rest] = raw.replace(/[#;].*/, '').trim().split(/\s+/);
    if (key === 'nameserver' && rest[0] && !isLoopback(rest[0])) hostServers.push(rest[0]);
    else if (key === 'search' || key === 'domain') {
      hostSearches.length = 0;
      hostSearches.push(...rest);
    } else if (key === 'options') hostOptions.push(...rest);
  }
  let servers: string[];
  if (o.dns && o.dns.length > 0) servers = [...o.dns];
  else {
    servers = [...o.networkServers, ...hostServers];
    // Nothing left but the host's own resolver on loopback, unreachable from the container.
    if (servers.length === 0) servers = ['8.8.8.8', '8.8.4.4', ...(o.ipv6 ? ['2001:4860:4860::8888', '2001:4860:4860::8844'] : [])];
  }
  const searches = o.searches && o.searches.length > 0 ? o.searches.filter((s) => s !== '.') : [...o.networkSearches, ...hostSearches];
  const options = o.options && o.options.length > 0 ? o.options : hostOptions;
  let text = '';
  if (searches.length > 0) text += `search ${searches.join(' ')}\n`;
  for (const s of servers) text += `nameserver ${s}\n`;
  if (options.length > 0) text += `options ${options.join(' ')}\n`;
  return text;
}
