/**
 * inspect's NetworkSettings, as Podman 4.3 fills it: one entry per network a bridge container
 * joins (addresses only while its network is set up), and the Docker-era top-level fields
 * copied from the default network when that is the only one it joins.
 */
import { pinsNetns } from '../network/files.ts';
import { parseCIDR } from '../network/ip.ts';
import { portBindings } from '../network/ports.ts';
import { readNetworkRecord } from '../network/record.ts';
import { NetworkState } from '../network/state.ts';
import type { NetworkStatus } from '../network/types.ts';
import type { ContainerRecord } from '../state/containers.ts';
import type { Engine } from './engine.ts';
import type { ContainerPaths } from './paths.ts';

interface Addresses {
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  MacAddress: string;
}

const NONE: Addresses = { Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '' };

function addresses(status: NetworkStatus | undefined, iface: string): Addresses {
  const i = status?.interfaces?.[iface];
  if (!i) return NONE;
  const out = { ...NONE, MacAddress: i.mac_address };
  for (const s of i.subnets ?? []) {
    const parsed = parseCIDR(s.ipnet);
    if (!parsed) continue;
    const ip = s.ipnet.slice(0, s.ipnet.indexOf('/'));
    if (parsed.subnet.family === 4 && out.IPAddress === '') Object.assign(out, { IPAddress: ip, IPPrefixLen: parsed.subnet.prefix, Gateway: s.gateway ?? '' });
    if (parsed.subnet.family === 6 && out.GlobalIPv6Address === '') Object.assign(out, { GlobalIPv6Address: ip, GlobalIPv6PrefixLen: parsed.subnet.prefix, IPv6Gateway: s.gateway ?? '' });
  }
  return out;
}

export function networkSettings(engine: Engine, c: ContainerRecord, p: ContainerPaths, live: boolean): Record<string, unknown> {
  const bridge = c.spec.network.mode === 'bridge';
  const attachments = bridge ? new NetworkState(engine.store.db).attachments(c.id) : [];
  const status = live ? readNetworkRecord(p.runDir)?.status : undefined;
  const networks: Record<string, unknown> = {};
  for (const a of attachments) {
    networks[a.network] = {
      EndpointID: '',
      ...addresses(status?.[a.network], a.interfaceName),
      NetworkID: a.network,
      DriverOpts: null,
      IPAMConfig: null,
      Links: null,
      Aliases: [...a.aliases, c.id.slice(0, 12)],
    };
  }
  const only = attachments.length === 1 && attachments[0]?.network === engine.config.network.defaultNetwork ? attachments[0] : undefined;
  const top = only ? addresses(status?.[only.network], only.interfaceName) : NONE;
  return {
    EndpointID: '',
    Gateway: top.Gateway,
    IPAddress: top.IPAddress,
    IPPrefixLen: top.IPPrefixLen,
    IPv6Gateway: top.IPv6Gateway,
    GlobalIPv6Address: top.GlobalIPv6Address,
    GlobalIPv6PrefixLen: top.GlobalIPv6PrefixLen,
    MacAddress: top.MacAddress,
    Bridge: '',
    SandboxID: '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: portBindings(c.spec.ports ?? []),
    // The namespace skiff pinned, while it exists (from init to cleanup), as Podman shows its own.
    SandboxKey: pinsNetns(c.spec) && live ? p.netns : '',
    ...(bridge ? { Networks: networks } : {}),
  };
}
