/**
 * Published ports as the container keeps them, and the ways Podman shows them (ps's PORTS
 * column, `port`, inspect's Ports and PortBindings). Parsing -p is in publish.ts.
 */

export type PortProtocol = 'tcp' | 'udp';

/** One -p: `range` consecutive ports from hostPort and containerPort (Podman's PortMapping). */
export interface PortMapping {
  /** '' for every address. */
  readonly hostIP: string;
  /** 0 until a free port is chosen (a -p without a host port). */
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: PortProtocol;
  readonly range: number;
}

/** Podman's order: tcp before udp, then by container port. */
export function sortedPorts(ports: readonly PortMapping[]): PortMapping[] {
  return [...ports].sort((a, b) => (a.protocol === b.protocol ? a.containerPort - b.containerPort : a.protocol === 'tcp' ? -1 : 1));
}

const shownIP = (ip: string): string => (ip === '' ? '0.0.0.0' : ip.includes(':') ? `[${ip}]` : ip);

/** ps's PORTS column: `127.0.0.1:8080->80/tcp, 0.0.0.0:8000-8001->90-91/tcp`. */
export function portsColumn(ports: readonly PortMapping[]): string {
  return sortedPorts(ports)
    .map((p) => {
      const span = (start: number) => (p.range > 1 ? `${start}-${start + p.range - 1}` : String(start));
      return `${shownIP(p.hostIP)}:${span(p.hostPort)}->${span(p.containerPort)}/${p.protocol}`;
    })
    .join(', ');
}

/** Each single port: `80/tcp` → `127.0.0.1:8080`, ranges expanded (for `port` and inspect). */
export function expandPorts(ports: readonly PortMapping[]): { key: string; hostIP: string; hostPort: number }[] {
  const out: { key: string; hostIP: string; hostPort: number }[] = [];
  for (const p of sortedPorts(ports)) {
    for (let i = 0; i < p.range; i++) out.push({ key: `${p.containerPort + i}/${p.protocol}`, hostIP: p.hostIP, hostPort: p.hostPort + i });
  }
  return out;
}

/** inspect's NetworkSettings.Ports and HostConfig.PortBindings. */
export function portBindings(ports: readonly PortMapping[]): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const e of expandPorts(ports)) (out[e.key] ??= []).push({ HostIp: e.hostIP, HostPort: String(e.hostPort) });
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
