/**
 * Host ports for published ports that name none (`-p 80`, `-P`): chosen at create, so that
 * inspect shows them, by binding port 0 on the mapping's address and letting it go again.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { SkiffError } from '../util/errors.ts';
import type { PortMapping } from './ports.ts';

/** Gives each mapping without a host port free ones on its address (consecutive, for a range). */
export async function assignHostPorts(ports: readonly PortMapping[]): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  for (const p of ports) {
    if (p.hostPort !== 0) {
      out.push(p);
      continue;
    }
    let start = 0;
    for (let attempt = 0; attempt < 20 && start === 0; attempt++) {
      const first = await tryBind(p.hostIP, p.protocol, 0);
      let all = first !== 0;
      for (let i = 1; i < p.range && all; i++) all = first + i <= 65535 && (await tryBind(p.hostIP, p.protocol, first + i)) !== 0;
      if (all) start = first;
    }
    if (start === 0) throw new SkiffError('io', `no ${p.range} free consecutive host ports for container port ${p.containerPort}/${p.protocol}`);
    out.push({ ...p, hostPort: start });
  }
  return out;
}

/**
 * Binds `port` (0: any) on the address and lets it go again: the port bound, or 0 when it is
 * taken.
 */
function tryBind(ip: string, protocol: 'tcp' | 'udp', port: number): Promise<number> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const s = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
      s.once('error', () => resolve(0));
      s.bind(port, ip || undefined, () => {
        const bound = s.address().port;
        s.close(() => resolve(bound));
      });
      return;
    }
    const srv = createServer();
    srv.once('error', () => resolve(0));
    srv.listen(port, ip || undefined, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}
