/**
 * The rows of bridge networking in the state database: which networks each container joins
 * (in order) and the addresses it holds on them while its network is set up (IPAM).
 */
import type { StateDb } from '../state/db.ts';
import { SkiffError } from '../util/errors.ts';
import { formatIP, lastAddress, parseIP } from './ip.ts';
import { nextFree, poolsOf, staticPool } from './ipam.ts';
import type { Network, NetworkAttachment } from './types.ts';

interface AttachmentRow {
  container_id: string;
  network: string;
  position: number;
  interface: string;
  aliases: string;
  static_ips: string;
  static_mac: string | null;
}

function fromRow(r: AttachmentRow): NetworkAttachment {
  return {
    network: r.network,
    interfaceName: r.interface,
    aliases: JSON.parse(r.aliases) as string[],
    staticIPs: JSON.parse(r.static_ips) as string[],
    ...(r.static_mac ? { staticMac: r.static_mac } : {}),
  };
}

export class NetworkState {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  /** The networks a container joins, eth0 first. */
  attachments(containerId: string): NetworkAttachment[] {
    return this.#db.all<AttachmentRow>('SELECT * FROM container_networks WHERE container_id = ? ORDER BY position', containerId).map(fromRow);
  }

  /** Containers that join `network`. */
  usersOf(network: string): string[] {
    return this.#db.all<{ container_id: string }>('SELECT container_id FROM container_networks WHERE network = ? ORDER BY container_id', network).map((r) => r.container_id);
  }

  /** Names of the networks some container joins. */
  usedNetworks(): Set<string> {
    return new Set(this.#db.all<{ network: string }>('SELECT DISTINCT network FROM container_networks').map((r) => r.network));
  }

  /** Adds networks to a container, after those it has (the caller holds a transaction or the container's lock). */
  attach(containerId: string, list: readonly NetworkAttachment[]): void {
    this.#db.write(() => {
      const next = this.#db.get<{ p: number | null }>('SELECT MAX(position) AS p FROM container_networks WHERE container_id = ?', containerId)?.p ?? -1;
      list.forEach((a, i) => {
        this.#db.run(
          'INSERT INTO container_networks (container_id, network, position, interface, aliases, static_ips, static_mac) VALUES (?, ?, ?, ?, ?, ?, ?)',
          containerId,
          a.network,
          next + 1 + i,
          a.interfaceName,
          JSON.stringify(a.aliases),
          JSON.stringify(a.staticIPs),
          a.staticMac ?? null,
        );
      });
    });
  }

  detach(containerId: string, network: string): void {
    this.#db.write(() => {
      this.#db.run('DELETE FROM container_networks WHERE container_id = ? AND network = ?', containerId, network);
      this.#db.run('DELETE FROM network_leases WHERE container_id = ? AND network = ?', containerId, network);
    });
  }

  /** The addresses a container holds on a network. */
  leases(containerId: string, network: string): string[] {
    return this.#db.all<{ ip: string }>('SELECT ip FROM network_leases WHERE container_id = ? AND network = ? ORDER BY rowid', containerId, network).map((r) => r.ip);
  }

  /**
   * Hands a container its addresses on `net`: the static ones it asked for, else one per
   * subnet, the next free after the last handed out. Addresses of containers whose network is
   * no longer set up (`live` says no) count as free. One transaction: two containers starting
   * at once never get the same address.
   */
  allocate(containerId: string, net: Network, staticIPs: readonly string[], live: (containerId: string) => boolean): string[] {
    return this.#db.write(() => {
      this.#db.run('DELETE FROM network_leases WHERE container_id = ? AND network = ?', containerId, net.name);
      const held = this.#db.all<{ ip: string; container_id: string }>('SELECT ip, container_id FROM network_leases WHERE network = ?', net.name);
      const holder = new Map<string, string>();
      for (const h of held) {
        if (live(h.container_id)) holder.set(h.ip, h.container_id);
        else this.#db.run('DELETE FROM network_leases WHERE network = ? AND ip = ?', net.name, h.ip);
      }
      const out: string[] = [];
      if (staticIPs.length > 0) {
        for (const text of staticIPs) {
          const { pool, value, family } = staticPool(net, text);
          const ip = formatIP({ family, value });
          const broadcast = family === 4 && pool.subnet.prefix < 31 ? lastAddress(pool.subnet) : undefined;
          if (value === pool.subnet.network || value === pool.gateway || value === broadcast) {
            throw new SkiffError('invalid-argument', `requested static ip ${ip} is the network, gateway or broadcast address of network ${net.name}`);
          }
          const other = holder.get(ip);
          if (other !== undefined) throw new SkiffError('in-use', `IPAM error: requested ip address ${ip} is already allocated to container ID ${other}`);
          out.push(ip);
        }
      } else {
        for (const pool of poolsOf(net)) {
          const lastText = this.#db.get<{ ip: string }>('SELECT ip FROM network_last_ip WHERE network = ? AND subnet = ?', net.name, pool.text)?.ip;
          const used = new Set<bigint>();
          for (const ip of holder.keys()) {
            const parsed = parseIP(ip);
            if (parsed && parsed.family === pool.subnet.family) used.add(parsed.value);
          }
          const last = lastText === undefined ? undefined : parseIP(lastText)?.value;
          const value = nextFree(pool, last, used);
          if (value === undefined) throw new SkiffError('exhausted', `IPAM error: failed to find free IP in range: ${pool.text}`);
          const ip = formatIP({ family: pool.subnet.family, value });
          this.#db.run('INSERT OR REPLACE INTO network_last_ip (network, subnet, ip) VALUES (?, ?, ?)', net.name, pool.text, ip);
          out.push(ip);
        }
      }
      for (const ip of out) this.#db.run('INSERT INTO network_leases (network, ip, container_id) VALUES (?, ?, ?)', net.name, ip, containerId);
      return out;
    });
  }

  /**
   * Containers that hold addresses while they neither run nor are paused: their network is set
   * up (or being set up, or being torn down) by a skiff that may be gone.
   */
  idleHolders(): string[] {
    return this.#db
      .all<{ id: string }>("SELECT DISTINCT l.container_id AS id FROM network_leases l JOIN containers c ON c.id = l.container_id WHERE c.state NOT IN ('running', 'paused')")
      .map((r) => r.id);
  }

  /** The networks of every container that joins any, eth0 first (one query, for listings). */
  allAttachments(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.#db.all<{ container_id: string; network: string }>('SELECT container_id, network FROM container_networks ORDER BY container_id, position')) {
      const list = out.get(r.container_id);
      if (list) list.push(r.network);
      else out.set(r.container_id, [r.network]);
    }
    return out;
  }

  /** Gives back a container's addresses, on one network or all. */
  release(containerId: string, network?: string): void {
    if (network === undefined) this.#db.run('DELETE FROM network_leases WHERE container_id = ?', containerId);
    else this.#db.run('DELETE FROM network_leases WHERE container_id = ? AND network = ?', containerId, network);
  }

  /** Forgets a removed network's allocation history. */
  forgetNetwork(network: string): void {
    this.#db.write(() => {
      this.#db.run('DELETE FROM network_last_ip WHERE network = ?', network);
      this.#db.run('DELETE FROM network_leases WHERE network = ?', network);
    });
  }
}
