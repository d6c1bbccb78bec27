/**
 * Address allocation on a network's subnets, as Podman's netavark backend does it: per subnet,
 * the next free address after the last one handed out, wrapping around; never the network
 * address, the gateway or (IPv4) the broadcast address; within --ip-range when one was given.
 */
import { SkiffError } from '../util/errors.ts';
import { contains, type Family, formatIP, lastAddress, parseCIDR, parseIP, type Subnet } from './ip.ts';
import type { Network, NetworkSubnet } from './types.ts';

export interface SubnetPool {
  readonly subnet: Subnet;
  /** As written in the network, the key leases are kept under. */
  readonly text: string;
  readonly start: bigint;
  readonly end: bigint;
  readonly gateway?: bigint;
}

/** The address pools of a network, one per subnet. */
export function poolsOf(net: Network): SubnetPool[] {
  return (net.subnets ?? []).flatMap((s) => {
    const pool = poolOf(s);
    return pool ? [pool] : [];
  });
}

function poolOf(s: NetworkSubnet): SubnetPool | undefined {
  const parsed = parseCIDR(s.subnet);
  if (!parsed) return undefined;
  const subnet = parsed.subnet;
  const last = lastAddress(subnet);
  let start = subnet.network + 1n;
  let end = subnet.family === 4 ? last - 1n : last;
  const from = s.lease_range?.start_ip ? parseIP(s.lease_range.start_ip) : undefined;
  const to = s.lease_range?.end_ip ? parseIP(s.lease_range.end_ip) : undefined;
  if (from && contains(subnet, from) && from.value > start) start = from.value;
  if (to && contains(subnet, to) && to.value < end) end = to.value;
  const gw = s.gateway ? parseIP(s.gateway) : undefined;
  return { subnet, text: s.subnet, start, end, ...(gw ? { gateway: gw.value } : {}) };
}

/**
 * The next free address of `pool` after `last` (wrapping), skipping the gateway and every
 * address in `used`; undefined when the pool is full.
 */
export function nextFree(pool: SubnetPool, last: bigint | undefined, used: ReadonlySet<bigint>): bigint | undefined {
  const size = pool.end - pool.start + 1n;
  if (size <= 0n) return undefined;
  let from = last === undefined || last < pool.start || last >= pool.end ? pool.start : last + 1n;
  for (let i = 0n; i < size; i++) {
    const candidate = from;
    from = from >= pool.end ? pool.start : from + 1n;
    if (candidate === pool.gateway || used.has(candidate)) continue;
    return candidate;
  }
  return undefined;
}

/**
 * A static address the user asked for: it must lie in one of the network's subnets and not be
 * its network address or gateway. Returns the pool it falls in.
 */
export function staticPool(net: Network, text: string): { pool: SubnetPool; value: bigint; family: Family } {
  const ip = parseIP(text);
  if (!ip) throw new SkiffError('invalid-argument', `${text} is not an ip address`);
  const pool = poolsOf(net).find((p) => contains(p.subnet, ip));
  if (!pool) throw new SkiffError('invalid-argument', `requested static ip ${formatIP(ip)} not in any subnet on network ${net.name}`);
  return { pool, value: ip.value, family: ip.family };
}
