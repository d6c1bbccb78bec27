/**
 * `network create`: the user's request checked and turned into a network definition, as
 * Podman's netavark backend makes it (its errors included). Pure: what the host uses (subnets
 * on its interfaces, interface names) comes in as facts.
 */
import { SkiffError } from '../util/errors.ts';
import { contains, type Family, formatIP, formatSubnet, lastAddress, overlaps, parseCIDR, parseIP, type Subnet } from './ip.ts';
import type { Network, NetworkSubnet } from './types.ts';

export interface CreateRequest {
  readonly name?: string;
  readonly driver: string;
  readonly subnets: readonly string[];
  readonly gateways: readonly string[];
  readonly ipRanges: readonly string[];
  readonly internal: boolean;
  readonly disableDns: boolean;
  readonly ipv6: boolean;
  readonly labels: Readonly<Record<string, string>>;
  /** -o key=value, in the order given. */
  readonly options: readonly string[];
  readonly ipamDriver?: string;
}

export interface HostFacts {
  /** skiff's networks. */
  readonly networks: readonly Network[];
  /** Podman's: their bridges and subnets are avoided too, so the two never share a bridge by accident. */
  readonly foreign: readonly Network[];
  /** Subnets of the host's interface addresses. */
  readonly hostSubnets: readonly Subnet[];
  /** Names of the host's network interfaces. */
  readonly interfaces: ReadonlySet<string>;
  readonly pools: readonly { readonly base: string; readonly size: number }[];
  readonly now: string;
  readonly id: string;
  /** Random bits for an IPv6 ULA subnet: the low 56 make its global and subnet IDs under fd00::/8. */
  readonly random: () => bigint;
}

export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const invalid = (msg: string) => new SkiffError('invalid-argument', msg);

const BRIDGE_OPTIONS = new Set(['mtu', 'vlan', 'isolate']);
const MACVLAN_OPTIONS = new Set(['parent', 'mode', 'mtu']);
const MACVLAN_MODES = new Set(['bridge', 'private', 'vepa', 'passthru']);

/** The drivers netavark 1.4 runs. */
export const DRIVERS = ['bridge', 'macvlan'] as const;

export function planNetwork(req: CreateRequest, facts: HostFacts): Network {
  const name = req.name ?? freeName(facts.networks);
  if (!NAME_PATTERN.test(name)) throw invalid(`network name ${name} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  if (facts.networks.some((n) => n.name === name)) throw new SkiffError('already-exists', `network name ${name} already used: network already exists`);
  if (!(DRIVERS as readonly string[]).includes(req.driver)) throw invalid(`unsupported driver ${req.driver}: invalid argument`);
  const ipam = req.ipamDriver ?? '';
  if (ipam === 'dhcp') throw invalid('dhcp ipam driver is not yet supported with netavark');
  if (ipam !== '' && ipam !== 'host-local') throw invalid(`unsupported ipam driver "${ipam}"`);
  if (req.subnets.length === 0 && (req.gateways.length > 0 || req.ipRanges.length > 0)) throw invalid('cannot set gateway or range without subnet');

  const options = driverOptions(req.driver, req.options, facts.interfaces);
  const subnets: NetworkSubnet[] = [];
  const taken = [...facts.hostSubnets, ...[...facts.networks, ...facts.foreign].flatMap((n) => (n.subnets ?? []).flatMap((s) => parseCIDR(s.subnet)?.subnet ?? []))];
  req.subnets.forEach((text, i) => {
    const parsed = parseCIDR(text);
    if (!parsed) throw invalid(`invalid CIDR address: ${text}`);
    const subnet = parsed.subnet;
    if (req.driver === 'bridge' && taken.some((t) => overlaps(t, subnet))) throw invalid(`subnet ${formatSubnet(subnet)} is already used on the host or by another config`);
    taken.push(subnet);
    subnets.push(subnetEntry(subnet, req.gateways[i], req.ipRanges[i]));
  });
  if (req.driver === 'macvlan' && subnets.length === 0) throw invalid('macvlan driver needs at least one subnet specified, DHCP is not yet supported with netavark');
  if (subnets.length === 0) {
    const free = freeSubnet(facts.pools, taken);
    taken.push(free);
    subnets.push(subnetEntry(free, undefined, undefined));
  }
  const families = new Set(subnets.map((s) => (parseCIDR(s.subnet) as { subnet: Subnet }).subnet.family));
  if (req.ipv6 && !families.has(6)) {
    const ula = freeUla(facts.random, taken);
    subnets.push(subnetEntry(ula, undefined, undefined));
    families.add(6);
  }
  if (req.ipv6 && !families.has(4) && req.subnets.length === 0) families.add(4);

  const iface = req.driver === 'bridge' ? freeInterface([...facts.networks, ...facts.foreign], facts.interfaces) : options.parent;
  const { parent: _parent, ...kept } = options;
  return {
    name,
    id: facts.id,
    driver: req.driver,
    ...(iface !== undefined ? { network_interface: iface } : {}),
    created: facts.now,
    subnets,
    ipv6_enabled: families.has(6),
    internal: req.internal,
    dns_enabled: !req.disableDns,
    ...(Object.keys(req.labels).length > 0 ? { labels: req.labels } : {}),
    ...(Object.keys(kept).length > 0 ? { options: kept } : {}),
    ipam_options: { driver: 'host-local' },
  };
}

function driverOptions(driver: string, given: readonly string[], interfaces: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of given) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? '' : o.slice(eq + 1);
    if (driver === 'bridge' && !BRIDGE_OPTIONS.has(key)) throw invalid(`unsupported bridge network option ${key}`);
    if (driver === 'macvlan' && !MACVLAN_OPTIONS.has(key)) throw invalid(`unsupported macvlan network option ${key}`);
    if (key === 'mtu' || key === 'vlan') {
      if (!/^-?\d+$/.test(value)) throw invalid(`strconv.Atoi: parsing ${JSON.stringify(value)}: invalid syntax`);
      const n = Number(value);
      if (n < 0) throw invalid(`${key} ${value} is less than 0`);
      if (key === 'vlan' && n > 4094) throw invalid(`vlan ID ${value} must be between 0 and 4094`);
    }
    if (key === 'isolate' && !['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False'].includes(value)) {
      throw invalid(`strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
    }
    if (key === 'mode' && !MACVLAN_MODES.has(value)) throw invalid(`unknown macvlan mode ${JSON.stringify(value)}`);
    if (key === 'parent' && !interfaces.has(value)) throw invalid(`parent interface ${value} does not exist`);
    out[key] = value;
  }
  return out;
}

/** One subnet's entry: the gateway (the first address unless given) and the lease range of --ip-range. */
function subnetEntry(subnet: Subnet, gatewayText: string | undefined, rangeText: string | undefined): NetworkSubnet {
  let gateway = subnet.network + 1n;
  if (gatewayText !== undefined) {
    const gw = parseIP(gatewayText);
    if (!gw) throw invalid(`invalid argument "${gatewayText}" for "--gateway" flag: invalid string being converted to IP address: ${gatewayText}`);
    if (!contains(subnet, gw)) throw invalid(`gateway ${gatewayText} not in subnet ${formatSubnet(subnet)}`);
    gateway = gw.value;
  }
  const entry: NetworkSubnet = { subnet: formatSubnet(subnet), gateway: formatIP({ family: subnet.family, value: gateway }) };
  if (rangeText === undefined) return entry;
  const range = parseCIDR(rangeText);
  if (!range) throw invalid(`invalid CIDR address: ${rangeText}`);
  const start = { family: subnet.family, value: range.subnet.network + 1n };
  const end = { family: subnet.family, value: lastAddress(range.subnet) };
  if (!contains(subnet, start)) throw invalid(`lease range start ip ${formatIP(start)} not in subnet ${formatSubnet(subnet)}`);
  if (!contains(subnet, end)) throw invalid(`lease range end ip ${formatIP(end)} not in subnet ${formatSubnet(subnet)}`);
  return { ...entry, lease_range: { start_ip: formatIP(start), end_ip: formatIP(end) } };
}

/** podman1, podman2, …: the first name no network has. */
function freeName(networks: readonly Network[]): string {
  const names = new Set(networks.map((n) => n.name));
  for (let i = 1; ; i++) if (!names.has(`podman${i}`)) return `podman${i}`;
}

/**
 * The first bridge name (skiff1, skiff2, …) neither a network nor the host uses. skiff's
 * bridges are named apart from Podman's (podman1, …): Podman chooses its names without knowing
 * skiff's networks, and two networks on one bridge would mix their traffic. The default
 * network keeps podman0, which it shares with Podman's on purpose.
 */
function freeInterface(networks: readonly Network[], interfaces: ReadonlySet<string>): string {
  const used = new Set([...interfaces, ...networks.flatMap((n) => (n.network_interface ? [n.network_interface] : []))]);
  for (let i = 1; ; i++) if (!used.has(`skiff${i}`)) return `skiff${i}`;
}

/** The first subnet of the pools, in order, that overlaps nothing taken. */
export function freeSubnet(pools: readonly { base: string; size: number }[], taken: readonly Subnet[]): Subnet {
  for (const pool of pools) {
    const base = parseCIDR(pool.base)?.subnet;
    if (!base || base.family !== 4 || pool.size < base.prefix || pool.size > 32) continue;
    const step = 1n << BigInt(32 - pool.size);
    for (let net = base.network; net <= lastAddress(base); net += step) {
      const candidate: Subnet = { family: 4, network: net, prefix: pool.size };
      if (!taken.some((t) => overlaps(t, candidate))) return candidate;
    }
  }
  throw new SkiffError('exhausted', 'could not find free subnet from subnet pools');
}

function freeUla(random: () => bigint, taken: readonly Subnet[]): Subnet {
  for (let attempt = 0; attempt < 1000; attempt++) {
    // fd00::/8, a random 40-bit global ID and a random 16-bit subnet ID: a /64.
    const value = (0xfdn << 120n) | ((random() & ((1n << 56n) - 1n)) << 64n);
    const candidate: Subnet = { family: 6 as Family, network: value, prefix: 64 };
    if (!taken.some((t) => overlaps(t, candidate))) return candidate;
  }
  throw new SkiffError('exhausted', 'failed to get random ipv6 subnet');
}
