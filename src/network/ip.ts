/**
 * IP addresses and subnets as numbers: parsing and printing as Go's net package does (the
 * forms Podman accepts and shows), containment, overlap and counting, for IPv4 and IPv6.
 */

export type Family = 4 | 6;

export interface IP {
  readonly family: Family;
  readonly value: bigint;
}

export interface Subnet {
  readonly family: Family;
  /** The network address (host bits zero). */
  readonly network: bigint;
  readonly prefix: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    // Go refuses leading zeros (ambiguous octal) and anything but decimal digits.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined;
  let text = s;
  let tail: bigint[] = [];
  // An embedded IPv4 address stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const after = text.slice(lastColon + 1);
  if (after.includes('.')) {
    const v4 = parseIPv4(after);
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const rest = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !rest) return undefined;
  const given = [...head, ...rest, ...tail];
  let all: bigint[];
  if (halves.length === 2) {
    if (given.length > 7) return undefined;
    all = [...head, ...new Array<bigint>(8 - given.length).fill(0n), ...rest, ...tail];
  } else {
    if (given.length !== 8) return undefined;
    all = given;
  }
  return all.reduce((v, g) => (v << 16n) | g, 0n);
}

/** An IPv4 or IPv6 address, or undefined when `s` is not one. */
export function parseIP(s: string): IP | undefined {
  if (s.includes(':')) {
    const v = parseIPv6(s);
    if (v === undefined) return undefined;
    // Go prints an IPv4-mapped IPv6 address as IPv4, and treats it as one.
    if (v >> 32n === 0xffffn) return { family: 4, value: v & 0xffffffffn };
    return { family: 6, value: v };
  }
  const v = parseIPv4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

/** The address as Go prints it: dotted IPv4, or IPv6 in its shortest form (RFC 5952). */
export function formatIP(ip: IP): string {
  if (ip.family === 4) {
    const v = Number(ip.value);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // The longest run of two or more zero groups (the first of equals) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

function mask(family: Family, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/**
 * A CIDR as Go's net.ParseCIDR reads it: the address and the subnet it names (host bits
 * cleared). Undefined when it is not one.
 */
export function parseCIDR(s: string): { ip: IP; subnet: Subnet } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const prefixText = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
  // An IPv4-mapped address with an IPv6 prefix is still an IPv6 CIDR to Go; keep it simple: the family of the text.
  const family: Family = s.slice(0, slash).includes(':') ? 6 : 4;
  const value = family === 6 && ip.family === 4 ? ip.value | (0xffffn << 32n) : ip.value;
  const prefix = Number(prefixText);
  if (prefix > BITS[family]) return undefined;
  return { ip: { family, value }, subnet: { family, network: value & mask(family, prefix), prefix } };
}

export function formatSubnet(s: Subnet): string {
  return `${formatIP({ family: s.family, value: s.network })}/${s.prefix}`;
}

/** The last address of the subnet (IPv4: its broadcast address). */
export function lastAddress(s: Subnet): bigint {
  return s.network | ((1n << BigInt(BITS[s.family] - s.prefix)) - 1n);
}

export function contains(s: Subnet, ip: IP): boolean {
  return ip.family === s.family && (ip.value & mask(s.family, s.prefix)) === s.network;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  const m = mask(a.family, p);
  return (a.network & m) === (b.network & m);
}

/** The netmask of an IPv4 subnet as hex, as Go prints a net.IPMask ("ffffff00"). */
export function maskHex(s: Subnet): string {
  return mask(s.family, s.prefix)
    .toString(16)
    .padStart(BITS[s.family] / 4, '0');
}

export function bitsOf(family: Family): number {
  return BITS[family];
}
