/**
 * The network flags of `run`/`create` as Podman reads them: --network (modes, network names
 * with their per-network options), --ip, --ip6, --mac-address, --network-alias, --dns,
 * --dns-search, --dns-option, --add-host, --no-hosts, --expose. Pure; errors in Podman's words.
 */
import type { NamespaceMode } from '../runtime/spec/types.ts';
import { SkiffError } from '../util/errors.ts';
import { parseAddHost } from './etchosts.ts';
import { parseIP } from './ip.ts';
import type { PortProtocol } from './ports.ts';

/** A network a container asks to join, by name ('' for the default network). */
export interface NetworkRequest {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly staticIPs: readonly string[];
  readonly staticMac?: string;
  readonly interfaceName?: string;
}

export interface NetworkFlags {
  /** --network values (and the hidden --net's), in order. */
  readonly network: readonly string[];
  readonly ip?: string;
  readonly ip6?: string;
  readonly macAddress?: string;
  readonly networkAlias: readonly string[];
  readonly dns: readonly string[];
  readonly dnsSearch: readonly string[];
  readonly dnsOption: readonly string[];
  readonly addHost: readonly string[];
  readonly noHosts: boolean;
}

export interface NetworkIntent {
  /** undefined: no --network, the engine's default (bridge as root, a user-mode helper rootless). */
  readonly mode: NamespaceMode | undefined;
  /** With bridge (or the default): the networks asked for; empty means the default network. */
  readonly requests: readonly NetworkRequest[];
}

const invalid = (msg: string) => new SkiffError('invalid-argument', msg);

const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;

export function parseMac(value: string): string {
  if (!MAC.test(value)) throw invalid(`address ${value}: invalid MAC address`);
  return value.toLowerCase().replaceAll('-', ':');
}

function checkIP(value: string): string {
  if (!parseIP(value)) throw invalid(`${JSON.stringify(value)} is not an ip address`);
  return value;
}

/** The mode a single --network word names, or undefined for a network name. */
function specialMode(value: string): NamespaceMode | undefined {
  if (value === 'none') return { mode: 'none' };
  if (value === 'host') return { mode: 'host' };
  if (value === 'pasta' || value === 'slirp4netns') return { mode: value };
  if (value.startsWith('pasta:') || value.startsWith('slirp4netns:')) {
    throw new SkiffError('unsupported', `network options for ${value.split(':')[0]} are not supported: use --network ${value.split(':')[0]}`);
  }
  if (value.startsWith('ns:')) return { mode: 'path', path: value.slice(3) };
  if (value.startsWith('container:')) return { mode: 'path', path: value };
  return undefined;
}

/** `NAME[:ip=…,ip6=…,mac=…,alias=…,interface_name=…]`. */
function parseNamed(value: string): NetworkRequest {
  const colon = value.indexOf(':');
  if (colon < 0) return { name: value, aliases: [], staticIPs: [] };
  const name = value.slice(0, colon);
  const aliases: string[] = [];
  const staticIPs: string[] = [];
  let staticMac: string | undefined;
  let interfaceName: string | undefined;
  for (const opt of value.slice(colon + 1).split(',')) {
    const eq = opt.indexOf('=');
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const v = eq < 0 ? '' : opt.slice(eq + 1);
    switch (key) {
      case 'ip':
      case 'ip6':
        staticIPs.push(checkIP(v));
        break;
      case 'mac':
        staticMac = parseMac(v);
        break;
      case 'alias':
        aliases.push(v);
        break;
      case 'interface_name':
        interfaceName = v;
        break;
      default:
        throw invalid(`unknown bridge network option: ${key}`);
    }
  }
  return { name: name === 'bridge' ? '' : name, aliases, staticIPs, ...(staticMac ? { staticMac } : {}), ...(interfaceName ? { interfaceName } : {}) };
}

export function parseNetworkFlags(f: NetworkFlags): NetworkIntent {
  let mode: NamespaceMode | undefined;
  const requests: NetworkRequest[] = [];
  const words = f.network.flatMap((v) => (v.includes(':') && !specialMode(v) ? [v] : v.split(','))).filter((w) => w !== '');
  words.forEach((w, i) => {
    const special = w === 'bridge' || w === 'private' ? undefined : specialMode(w);
    if (special) {
      if (i > 0 || words.length > 1) throw invalid(`can only set extra network names, selected mode ${w.split(':')[0]} conflicts with bridge: invalid argument`);
      mode = special;
      return;
    }
    mode = { mode: 'bridge' };
    if (w === 'bridge' || w === 'private') requests.push({ name: '', aliases: [], staticIPs: [] });
    else requests.push(parseNamed(w));
  });
  const seen = new Set<string>();
  for (const r of requests) {
    if (seen.has(r.name)) throw invalid(`network ${r.name || 'bridge'} is given more than once`);
    seen.add(r.name);
  }
  const bridge = mode === undefined || mode.mode === 'bridge';
  const perNetwork: [string, boolean][] = [
    ['--ip', f.ip !== undefined],
    ['--ip6', f.ip6 !== undefined],
    ['--mac-address', f.macAddress !== undefined],
    ['--network-alias', f.networkAlias.length > 0],
  ];
  for (const [flag, given] of perNetwork) {
    if (!given) continue;
    if (!bridge) throw invalid(`${flag} can only be set when the network mode is bridge: invalid argument`);
    if (bridge && requests.length > 1) throw invalid(`${flag} can only be set for a single network: invalid argument`);
  }
  if (bridge && (f.ip !== undefined || f.ip6 !== undefined || f.macAddress !== undefined || f.networkAlias.length > 0)) {
    const base = requests[0] ?? { name: '', aliases: [], staticIPs: [] };
    const ips = [...base.staticIPs, ...(f.ip !== undefined ? [checkIP(f.ip)] : []), ...(f.ip6 !== undefined ? [checkIP(f.ip6)] : [])];
    const mac = f.macAddress !== undefined ? parseMac(f.macAddress) : base.staticMac;
    requests[0] = { ...base, aliases: [...base.aliases, ...f.networkAlias], staticIPs: ips, ...(mac ? { staticMac: mac } : {}) };
  }
  if (f.dns.length > 0 && mode !== undefined && (mode.mode === 'none' || mode.mode === 'path')) {
    throw invalid(`conflicting options: dns and the network mode: ${mode.mode === 'none' ? 'none' : 'container'}`);
  }
  for (const d of f.dns) if (!parseIP(d)) throw invalid(`${d} is not an ip address`);
  for (const s of f.dnsSearch) if (s !== '.' && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?\.?$/.test(s)) throw invalid(`${s} is not a valid domain`);
  for (const h of f.addHost) parseAddHost(h);
  return { mode, requests };
}

/** One --expose value: `PORT[-END][/PROTO]`. */
export function parseExpose(value: string): { port: number; range: number; protocol: PortProtocol } {
  const [spec, proto = 'tcp'] = value.split('/');
  if (proto !== 'tcp' && proto !== 'udp') throw invalid(`invalid protocol ${JSON.stringify(proto)} for --expose ${value}`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec ?? '');
  const start = Number(m?.[1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  if (!m || start < 1 || end > 65535 || end < start) throw invalid(`unable to parse ${JSON.stringify(value)} as a port or port range for --expose`);
  return { port: start, range: end - start + 1, protocol: proto };
}
