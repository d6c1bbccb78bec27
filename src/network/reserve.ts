/**
 * Published ports held on the host for a container on a bridge network, as Podman holds them:
 * skiff binds each host port (listening, for TCP) and hands the sockets to conmon, which keeps
 * them for the container's life. Nothing else can take the port meanwhile, a second container
 * asking for it fails at once with the bind error, and the kernel frees it when conmon exits.
 * netavark's firewall rules do the forwarding.
 */
import { closeSync } from 'node:fs';
import { SkiffError, errnoCode } from '../util/errors.ts';
import { bindSocket } from '../util/syscall.ts';
import { parseIP } from './ip.ts';
import type { PortMapping } from './ports.ts';

function addressBytes(ip: string): Uint8Array {
  if (ip === '') return new Uint8Array(4);
  const parsed = parseIP(ip);
  if (!parsed) throw new SkiffError('invalid-argument', `invalid IP address ${ip} in port mapping`);
  const len = parsed.family === 4 ? 4 : 16;
  const out = new Uint8Array(len);
  let v = parsed.value;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const ERRNO_TEXT: Record<string, string> = { EADDRINUSE: 'address already in use', EACCES: 'permission denied', EADDRNOTAVAIL: 'cannot assign requested address' };

/** Binds every host port of `ports`; the descriptors, or an error in Go's words (all closed again). */
export function reservePorts(ports: readonly PortMapping[]): number[] {
  const fds: number[] = [];
  try {
    for (const p of ports) {
      const bytes = addressBytes(p.hostIP);
      for (let i = 0; i < p.range; i++) {
        const port = p.hostPort + i;
        try {
          fds.push(bindSocket(p.protocol, bytes, port));
        } catch (err) {
          const code = errnoCode(err) ?? '';
          const host = p.hostIP.includes(':') ? `[${p.hostIP}]` : p.hostIP;
          const net = `${p.protocol}${bytes.length === 16 ? '6' : '4'}`;
          throw new SkiffError('io', `cannot listen on the ${p.protocol.toUpperCase()} port: listen ${net} ${host}:${port}: bind: ${ERRNO_TEXT[code] ?? (err as Error).message}`, { exitCode: 126 });
        }
      }
    }
    return fds;
  } catch (err) {
    releasePorts(fds);
    throw err;
  }
}

export function releasePorts(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}
