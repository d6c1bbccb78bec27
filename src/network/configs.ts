/**
 * Network definitions: one JSON file per network in skiff's own directory, in Podman's file
 * format (an administrator can move a definition between the two), plus the default network,
 * which exists without a file unless one is written for it (as Podman's does).
 *
 * The files are input from outside: each is checked field by field when read, and one that
 * does not hold a network is skipped with a warning naming it, as Podman skips it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkDefaults } from '../config/config.ts';
import { SkiffError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fsx.ts';
import { goJson } from '../util/gojson.ts';
import { rfc3339Nano } from '../util/time.ts';
import { NAME_PATTERN } from './create.ts';
import { formatIP, parseCIDR, parseIP } from './ip.ts';
import type { Network, NetworkSubnet } from './types.ts';

type Json = Record<string, unknown>;

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** A network read from `text`, or an error saying what is wrong with it. */
export function parseNetwork(text: string): Network {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
  const j = raw as Json;
  const need = (key: string, type: 'string' | 'boolean') => {
    if (typeof j[key] !== type) throw new Error(`"${key}" must be a ${type}`);
    return j[key];
  };
  const name = need('name', 'string') as string;
  if (!NAME_PATTERN.test(name)) throw new Error(`invalid network name ${JSON.stringify(name)}`);
  const id = need('id', 'string') as string;
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`invalid network ID ${JSON.stringify(id)}`);
  const driver = need('driver', 'string') as string;
  const subnets: NetworkSubnet[] = [];
  if (j.subnets !== undefined && j.subnets !== null) {
    if (!Array.isArray(j.subnets)) throw new Error('"subnets" must be a list');
    for (const s of j.subnets as unknown[]) {
      const e = s as Json;
      if (typeof e !== 'object' || e === null || typeof e.subnet !== 'string' || !parseCIDR(e.subnet)) throw new Error(`invalid subnet ${JSON.stringify(e?.subnet ?? s)}`);
      if (e.gateway !== undefined && (typeof e.gateway !== 'string' || !parseIP(e.gateway))) throw new Error(`invalid gateway ${JSON.stringify(e.gateway)}`);
      const range = e.lease_range as Json | undefined;
      if (range !== undefined && (typeof range !== 'object' || range === null || ![range.start_ip, range.end_ip].every((x) => x === undefined || (typeof x === 'string' && parseIP(x))))) {
        throw new Error(`invalid lease_range in subnet ${e.subnet}`);
      }
      subnets.push({
        subnet: e.subnet,
        ...(typeof e.gateway === 'string' ? { gateway: e.gateway } : {}),
        ...(range ? { lease_range: { ...(typeof range.start_ip === 'string' ? { start_ip: range.start_ip } : {}), ...(typeof range.end_ip === 'string' ? { end_ip: range.end_ip } : {}) } } : {}),
      });
    }
  }
  for (const key of ['labels', 'options', 'ipam_options']) {
    if (j[key] !== undefined && j[key] !== null && !isStringMap(j[key])) throw new Error(`"${key}" must map strings to strings`);
  }
  if (j.network_interface !== undefined && typeof j.network_interface !== 'string') throw new Error('"network_interface" must be a string');
  return {
    name,
    id,
    driver,
    ...(typeof j.network_interface === 'string' && j.network_interface !== '' ? { network_interface: j.network_interface } : {}),
    created: typeof j.created === 'string' ? j.created : '',
    subnets,
    ipv6_enabled: j.ipv6_enabled === true,
    internal: j.internal === true,
    dns_enabled: j.dns_enabled === true,
    ...(isStringMap(j.labels) && Object.keys(j.labels).length > 0 ? { labels: j.labels } : {}),
    ...(isStringMap(j.options) && Object.keys(j.options).length > 0 ? { options: j.options } : {}),
    ...(isStringMap(j.ipam_options) ? { ipam_options: j.ipam_options } : {}),
  };
}

/** The file text of a network, byte for byte as Podman writes it. */
export function networkFile(net: Network): string {
  return `${goJson(net, '     ')}\n`;
}

export class NetworkConfigs {
  readonly dir: string;
  readonly #defaults: NetworkDefaults;
  readonly #warn: (message: string) => void;
  #cache: Network[] | undefined;

  constructor(defaults: NetworkDefaults, warn: (message: string) => void) {
    this.dir = defaults.configDir;
    this.#defaults = defaults;
    this.#warn = warn;
  }

  /** The default network: from its file when there is one, else built from containers.conf. */
  defaultNetwork(): Network {
    return this.list().find((n) => n.name === this.#defaults.defaultNetwork) as Network;
  }

  get defaultName(): string {
    return this.#defaults.defaultNetwork;
  }

  /** Every network, sorted by name. */
  list(): Network[] {
    if (this.#cache) return this.#cache;
    const out = readNetworkDir(this.dir, this.#warn);
    if (!out.some((n) => n.name === this.#defaults.defaultNetwork)) out.push(this.#builtinDefault());
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.#cache = out;
    return out;
  }

  /** By exact name, else by full ID or a unique ID prefix. */
  find(nameOrId: string): Network | undefined {
    const all = this.list();
    const byName = all.find((n) => n.name === nameOrId);
    if (byName) return byName;
    if (!/^[0-9a-f]+$/.test(nameOrId)) return undefined;
    const matches = all.filter((n) => n.id.startsWith(nameOrId));
    if (matches.length > 1) throw new SkiffError('ambiguous-id', `more than one result for network ID ${nameOrId}`);
    return matches[0];
  }

  resolve(nameOrId: string): Network {
    const n = this.find(nameOrId);
    if (!n) throw new SkiffError('no-such-object', `unable to find network with name or ID ${nameOrId}: network not found`);
    return n;
  }

  /** Writes a new network's file (the caller holds the networks lock). */
  add(net: Network): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    writeFileAtomic(join(this.dir, `${net.name}.json`), networkFile(net), 0o644);
    this.#cache = undefined;
  }

  remove(name: string): void {
    rmSync(join(this.dir, `${name}.json`), { force: true });
    this.#cache = undefined;
  }

  #builtinDefault(): Network {
    const subnet = parseCIDR(this.#defaults.defaultSubnet)?.subnet;
    if (!subnet) throw new SkiffError('config', `invalid default_subnet ${JSON.stringify(this.#defaults.defaultSubnet)} in containers.conf`);
    return {
      name: this.#defaults.defaultNetwork,
      id: createHash('sha256').update(this.#defaults.defaultNetwork).digest('hex'),
      driver: 'bridge',
      network_interface: 'podman0',
      created: rfc3339Nano(Date.now()),
      subnets: [{ subnet: this.#defaults.defaultSubnet, gateway: formatIP({ family: subnet.family, value: subnet.network + 1n }) }],
      ipv6_enabled: false,
      internal: false,
      dns_enabled: false,
      ipam_options: { driver: 'host-local' },
    };
  }
}

/** The networks defined in `dir` (skiff's, or Podman's own directory when looking for collisions). */
export function readNetworkDir(dir: string, warn: (message: string) => void): Network[] {
  if (!existsSync(dir)) return [];
  const out: Network[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue;
    const path = join(dir, file);
    try {
      const net = parseNetwork(readFileSync(path, 'utf8'));
      if (out.some((n) => n.name === net.name)) throw new Error(`a network named ${net.name} is defined twice`);
      out.push(net);
    } catch (err) {
      warn(`Error reading network config file ${JSON.stringify(path)}: ${(err as Error).message}`);
    }
  }
  return out;
}
