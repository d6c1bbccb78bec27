/**
 * `-p/--publish [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]` parsed with Podman's errors:
 * ranges as START-END on both sides, IPv6 addresses in brackets.
 */
import { isIP } from 'node:net';
import { SkiffError } from '../util/errors.ts';
import type { PortMapping, PortProtocol } from './ports.ts';

const invalid = (m: string): SkiffError => new SkiffError('invalid-argument', m);

function portNumber(text: string, what: 'host' | 'container'): number {
  if (!/^-?\d+$/.test(text)) throw invalid(`parsing ${what} port: invalid port number: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw invalid(`parsing ${what} port: port numbers must be between 1 and 65535 (inclusive), got ${n}`);
  return n;
}

function portRange(text: string, what: 'host' | 'container'): { start: number; count: number } {
  const dash = text.indexOf('-', 1);
  if (dash < 0) return { start: portNumber(text, what), count: 1 };
  const start = portNumber(text.slice(0, dash), what);
  const end = portNumber(text.slice(dash + 1), what);
  if (end < start) throw invalid(`parsing ${what} port: invalid port range ${text}: the end is below the start`);
  return { start, count: end - start + 1 };
}

/** Parses one -p value. */
export function parsePublish(spec: string): PortMapping {
  let rest = spec;
  let protocol: PortProtocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp') throw invalid(`unrecognized protocol ${JSON.stringify(rest.slice(slash + 1))} in port mapping ${JSON.stringify(spec)}: tcp and udp are supported`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  let hostIP = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw invalid(`invalid IPv6 address in port mapping ${JSON.stringify(spec)}`);
    hostIP = rest.slice(1, close);
    rest = rest.slice(close + 1);
    if (!rest.startsWith(':')) throw invalid(`invalid port mapping ${JSON.stringify(spec)}`);
    rest = rest.slice(1);
    if (isIP(hostIP) !== 6) throw invalid(`cannot parse ${JSON.stringify(hostIP)} as an IP address`);
  }
  const parts = rest.split(':');
  let hostPart = '';
  let ctrPart: string;
  if (hostIP !== '') {
    if (parts.length !== 2) throw invalid(`invalid port mapping ${JSON.stringify(spec)}`);
    [hostPart, ctrPart] = parts as [string, string];
  } else if (parts.length === 1) {
    ctrPart = parts[0] as string;
  } else if (parts.length === 2) {
    [hostPart, ctrPart] = parts as [string, string];
  } else if (parts.length === 3) {
    hostIP = parts[0] as string;
    hostPart = parts[1] as string;
    ctrPart = parts[2] as string;
    if (hostIP !== '' && isIP(hostIP) === 0) throw invalid(`cannot parse ${JSON.stringify(hostIP)} as an IP address`);
  } else {
    throw invalid(`invalid port mapping ${JSON.stringify(spec)}`);
  }
  const ctr = portRange(ctrPart, 'container');
  if (hostPart === '') return { hostIP, hostPort: 0, containerPort: ctr.start, protocol, range: ctr.count };
  const host = portRange(hostPart, 'host');
  if (host.count !== ctr.count) throw invalid(`host and container port ranges have different lengths: ${host.count} vs ${ctr.count}`);
  return { hostIP, hostPort: host.start, containerPort: ctr.start, protocol, range: ctr.count };
}

