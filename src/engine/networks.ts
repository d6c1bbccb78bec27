/**
 * Bridge networking (Podman's netavark backend): the networks themselves (create, list,
 * inspect, remove, prune) and what a container on them needs (the networks it joins, its
 * addresses, netavark's setup and teardown of its namespace, connect, disconnect, reload).
 *
 * Definitions are files in Podman's format (src/network/configs.ts); attachments and address
 * leases are rows of the state database (src/network/state.ts); what netavark was given and
 * answered for a container is its `network.json` (src/network/record.ts).
 *
 * Lock order: a container's lock, then the networks lock (network definitions), then the
 * database's own transactions.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { ContainerRecord } from '../state/containers.ts';
import { SkiffError } from '../util/errors.ts';
import { FileLock } from '../util/lock.ts';
import { randomBytes } from '../util/random.ts';
import { rfc3339Nano } from '../util/time.ts';
import { findExecutable } from '../util/which.ts';
import { NetworkConfigs, readNetworkDir } from '../network/configs.ts';
import { type CreateRequest, planNetwork } from '../network/create.ts';
import type { NetworkRequest } from '../network/flags.ts';
import { parseCIDR, type Subnet } from '../network/ip.ts';
import { staticPool } from '../network/ipam.ts';
import { type JoinedNetwork, type Netavark, type NetavarkOptions, netavarkOptions, setupNetwork, teardownNetwork } from '../network/netavark.ts';
import { NETWORK_FILE, type NetworkRecord, readNetworkRecord, writeNetworkRecord } from '../network/record.ts';
import { NetworkState } from '../network/state.ts';
import type { Network, NetworkAttachment } from '../network/types.ts';
import type { Engine } from './engine.ts';
import type { ContainerPaths } from './paths.ts';

/** The subnets of the host's own interface addresses (loopback aside). */
function hostSubnets(): Subnet[] {
  const out: Subnet[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.internal || !a.cidr) continue;
      const s = parseCIDR(a.cidr)?.subnet;
      if (s) out.push(s);
    }
  }
  return out;
}

function hostInterfaces(): Set<string> {
  try {
    return new Set(readdirSync('/sys/class/net'));
  } catch {
    return new Set(Object.keys(networkInterfaces()));
  }
}

export class NetworkService {
  readonly #engine: Engine;
  readonly #warn: (message: string) => void;
  #configs: NetworkConfigs | undefined;
  #state: NetworkState | undefined;

  constructor(engine: Engine, warn: (message: string) => void = () => {}) {
    this.#engine = engine;
    this.#warn = warn;
  }

  get configs(): NetworkConfigs {
    this.#configs ??= new NetworkConfigs(this.#engine.config.network, this.#warn);
    return this.#configs;
  }

  get state(): NetworkState {
    this.#state ??= new NetworkState(this.#engine.store.db);
    return this.#state;
  }

  #lock(): FileLock {
    return new FileLock(join(this.#engine.config.graphRoot, 'networks.lock'));
  }

  list(): Network[] {
    return this.configs.list();
  }

  resolve(nameOrId: string): Network {
    return this.configs.resolve(nameOrId);
  }

  /** Podman's own network definitions, whose bridges and subnets a new network must not take. */
  #podmanNetworks(): Network[] {
    const cfg = this.#engine.config;
    const dir = cfg.rootless ? join(cfg.home, '.local/share/containers/storage/networks') : '/etc/containers/networks';
    return readNetworkDir(dir, () => {});
  }

  async create(req: CreateRequest): Promise<Network> {
    return this.#lock().with(async () => {
      const net = planNetwork(req, {
        networks: this.configs.list(),
        foreign: this.#podmanNetworks(),
        hostSubnets: hostSubnets(),
        interfaces: hostInterfaces(),
        pools: this.#engine.config.network.subnetPools,
        now: rfc3339Nano(Date.now()),
        id: createHash('sha256').update(randomBytes(32)).digest('hex'),
        random: () => BigInt(`0x${randomBytes(8).toString('hex')}`),
      });
      this.configs.add(net);
      return net;
    });
  }

  /** Containers that join `net`. */
  users(net: Network): ContainerRecord[] {
    return this.state.usersOf(net.name).flatMap((id) => {
      const c = this.#engine.containers.records.get(id);
      return c ? [c] : [];
    });
  }

  /**
   * Removes a network. Its containers are removed first with `force` (stopped within
   * `timeout`), else their existence refuses it; the default network is never removed.
   */
  async remove(net: Network, opts: { force: boolean; timeout: number }): Promise<void> {
    const users = this.users(net);
    if (users.length > 0) {
      if (!opts.force) throw new SkiffError('in-use', `"${net.name}" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used`, { exitCode: 2 });
      for (const c of users) await this.#engine.containers.remove(c, { force: true, volumes: false, timeout: opts.timeout });
    }
    if (net.name === this.configs.defaultName) throw new SkiffError('invalid-argument', `default network ${net.name} cannot be removed`);
    await this.#lock().with(async () => {
      this.configs.remove(net.name);
      this.state.forgetNetwork(net.name);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Containers

  /** netavark and aardvark-dns, from containers.conf's helper_binaries_dir or PATH. */
  netavark(): Netavark {
    const find = (name: string) => this.#engine.config.network.helperDirs.map((d) => join(d, name)).find((p) => existsSync(p)) ?? findExecutable(name);
    const binary = find('netavark');
    if (!binary) {
      throw new SkiffError('unsupported', `could not find "netavark" in one of [${this.#engine.config.network.helperDirs.join(' ')}] or $PATH: install the netavark package (apt-get install netavark aardvark-dns)`);
    }
    return { binary, aardvark: find('aardvark-dns'), configDir: join(this.#engine.config.runRoot, 'networks'), dnsPort: this.#engine.config.network.dnsBindPort };
  }

  /**
   * The networks a new container joins, from what it asked: the default network when it
   * named none. Each must exist; interfaces are eth0, eth1, … in order.
   */
  attachmentsFor(requests: readonly NetworkRequest[]): NetworkAttachment[] {
    if (this.#engine.config.rootless) {
      throw new SkiffError('unsupported', 'bridge networks are not available to rootless containers yet: use --network pasta (the default), slirp4netns, none or host');
    }
    const asked = requests.length > 0 ? requests : [{ name: '', aliases: [], staticIPs: [] }];
    return asked.map((r, i) => {
      const net = this.configs.resolve(r.name === '' ? this.configs.defaultName : r.name);
      for (const ip of r.staticIPs) staticPool(net, ip);
      return {
        network: net.name,
        aliases: [...r.aliases],
        staticIPs: [...r.staticIPs],
        ...(r.staticMac ? { staticMac: r.staticMac } : {}),
        interfaceName: r.interfaceName ?? `eth${i}`,
      };
    });
  }

  /** The networks a container joins, with their definitions. */
  joinedBy(c: ContainerRecord): { network: Network; attachment: NetworkAttachment }[] {
    return this.state.attachments(c.id).map((attachment) => {
      const network = this.configs.find(attachment.network);
      if (!network) throw new SkiffError('no-such-object', `unable to find network with name or ID ${attachment.network}: network not found`);
      return { network, attachment };
    });
  }

  /** Whether a container's network is set up: its pinned namespace exists. */
  #live = (containerId: string): boolean => existsSync(this.#engine.containers.paths(containerId).netns);

  /**
   * Hands the container its addresses on every network it joins and records the document
   * netavark will be given (before it is given: teardown needs it even if setup is cut short).
   */
  plan(c: ContainerRecord, p: ContainerPaths): { joined: JoinedNetwork[]; options: NetavarkOptions } {
    const joined = this.joinedBy(c).map(({ network, attachment }) => ({ network, attachment, ips: this.state.allocate(c.id, network, attachment.staticIPs, this.#live) }));
    const options = this.#options(c, joined);
    writeNetworkRecord(p.runDir, { options });
    return { joined, options };
  }

  #options(c: ContainerRecord, joined: readonly JoinedNetwork[]): NetavarkOptions {
    return netavarkOptions({ id: c.id, name: c.name, ports: c.spec.ports ?? [], aliases: [c.id.slice(0, 12)], ...(c.spec.dns?.servers.length ? { dnsServers: c.spec.dns.servers } : {}) }, joined);
  }

  /** netavark's setup of the pinned namespace, as planned; its answer is kept beside the plan. */
  async setup(p: ContainerPaths, options: NetavarkOptions): Promise<void> {
    const status = await setupNetwork(this.netavark(), p.netns, options);
    writeNetworkRecord(p.runDir, { options, status });
  }

  record(p: ContainerPaths): NetworkRecord | undefined {
    return readNetworkRecord(p.runDir);
  }

  /**
   * Undoes setup: netavark's teardown with the very document setup had, then the leases.
   * A teardown netavark refuses is reported, not thrown: cleanup must go on.
   */
  async teardown(c: ContainerRecord, p: ContainerPaths): Promise<void> {
    const rec = this.record(p);
    if (rec && existsSync(p.netns)) {
      try {
        await teardownNetwork(this.netavark(), p.netns, rec.options);
      } catch (err) {
        this.#warn(`Unable to clean up network for container ${c.id}: "${(err as Error).message}"`);
      }
    }
    rmSync(join(p.runDir, NETWORK_FILE), { force: true });
    this.state.release(c.id);
  }

  /**
   * Runs `fn` on a container (by name or ID) and a network (by name or ID) with the
   * container's lock held, for connect and disconnect. The container is looked up first:
   * Podman names a missing container before a missing network.
   */
  async withContainer(containerName: string, networkName: string, fn: (c: ContainerRecord, net: Network) => Promise<void>): Promise<void> {
    const containers = this.#engine.containers;
    const c = containers.resolve(containerName);
    const net = this.resolve(networkName);
    await containers.lock(c.id).with(async () => fn(containers.sync(containers.records.get(c.id) ?? c), net));
  }

  /**
   * Joins a network: recorded for the next start, and set up at once when the container
   * runs. The caller holds the container's lock.
   */
  async connect(c: ContainerRecord, net: Network, request: NetworkRequest): Promise<void> {
    if (c.spec.network.mode !== 'bridge') throw new SkiffError('invalid-argument', `network mode "${c.spec.network.mode}" is not supported: only bridge networks can be connected`);
    const current = this.state.attachments(c.id);
    if (current.some((a) => a.network === net.name)) {
      throw new SkiffError('already-exists', `container ${c.id} is already connected to network "${net.name}": network is already connected`);
    }
    const used = new Set(current.map((a) => a.interfaceName));
    let n = 0;
    while (used.has(`eth${n}`)) n++;
    const [attachment] = this.attachmentsFor([{ ...request, name: net.name, interfaceName: request.interfaceName ?? `eth${n}` }]) as [NetworkAttachment];
    this.state.attach(c.id, [attachment]);
    const p = this.#engine.containers.paths(c.id);
    const rec = this.record(p);
    if (!rec?.status || !existsSync(p.netns)) return;
    try {
      const ips = this.state.allocate(c.id, net, attachment.staticIPs, this.#live);
      const one = this.#options(c, [{ network: net, attachment, ips }]);
      const status = await setupNetwork(this.netavark(), p.netns, one);
      const merged: NetavarkOptions = { ...rec.options, networks: { ...rec.options.networks, ...one.networks }, network_info: { ...rec.options.network_info, ...one.network_info } };
      writeNetworkRecord(p.runDir, { options: merged, status: { ...rec.status, ...status } });
    } catch (err) {
      this.state.detach(c.id, net.name);
      throw err;
    }
  }

  /** Leaves a network: torn down at once when the container runs, and forgotten. */
  async disconnect(c: ContainerRecord, net: Network): Promise<void> {
    if (!this.state.attachments(c.id).some((a) => a.network === net.name)) {
      throw new SkiffError('invalid-argument', `container ${c.name} is not connected to network ${net.name}`);
    }
    const p = this.#engine.containers.paths(c.id);
    const rec = this.record(p);
    const mine = rec?.options.networks[net.name];
    if (rec && mine && existsSync(p.netns)) {
      const one: NetavarkOptions = { ...rec.options, networks: { [net.name]: mine }, network_info: { [net.name]: rec.options.network_info[net.name] ?? net } };
      await teardownNetwork(this.netavark(), p.netns, one);
      const { [net.name]: _n, ...networks } = rec.options.networks;
      const { [net.name]: _i, ...info } = rec.options.network_info;
      const { [net.name]: _s, ...status } = rec.status ?? {};
      writeNetworkRecord(p.runDir, { options: { ...rec.options, networks, network_info: info }, status });
    }
    this.state.detach(c.id, net.name);
  }

  /** Sets a running container's network up again (its firewall rules lost to a flush, say), keeping its addresses. */
  async reload(c: ContainerRecord): Promise<void> {
    const p = this.#engine.containers.paths(c.id);
    const rec = this.record(p);
    if (!rec || !existsSync(p.netns)) return;
    const nv = this.netavark();
    await teardownNetwork(nv, p.netns, rec.options).catch(() => {});
    const status = await setupNetwork(nv, p.netns, rec.options);
    writeNetworkRecord(p.runDir, { options: rec.options, status });
  }
}
