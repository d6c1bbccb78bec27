/** network create: the definition Podman would write, and its refusals in Podman's words. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CreateRequest, type HostFacts, planNetwork } from '../../../src/network/create.ts';
import { parseCIDR } from '../../../src/network/ip.ts';
import type { Network } from '../../../src/network/types.ts';

const base: CreateRequest = { driver: 'bridge', subnets: [], gateways: [], ipRanges: [], internal: false, disableDns: false, ipv6: false, labels: {}, options: [] };
const podman: Network = { name: 'podman', id: 'b'.repeat(64), driver: 'bridge', network_interface: 'podman0', created: '', subnets: [{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }], ipv6_enabled: false, internal: false, dns_enabled: false };
const facts = (over: Partial<HostFacts> = {}): HostFacts => ({
  networks: [podman],
  foreign: [],
  hostSubnets: [(parseCIDR('192.0.2.0/24') as NonNullable<ReturnType<typeof parseCIDR>>).subnet],
  interfaces: new Set(['lo', 'eth0']),
  pools: [{ base: '10.89.0.0/16', size: 24 }],
  now: '2026-12-07T00:00:00Z',
  id: 'c'.repeat(64),
  random: () => 0x1234567890abcdn,
  ...over,
});
const plan = (req: Partial<CreateRequest>, f?: Partial<HostFacts>) => planNetwork({ ...base, ...req }, facts(f));
const refused = (req: Partial<CreateRequest>, message: string, f?: Partial<HostFacts>) => assert.throws(() => plan(req, f), (e: Error) => e.message === message);

describe('network create', () => {
  it('a bridge on the first free pool subnet and bridge name (skiff1, apart from Podman\'s), with DNS, in Podman\'s key order', () => {
    const n = plan({ name: 'mynet' });
    assert.deepEqual(Object.keys(n), ['name', 'id', 'driver', 'network_interface', 'created', 'subnets', 'ipv6_enabled', 'internal', 'dns_enabled', 'ipam_options']);
    assert.equal(n.network_interface, 'skiff1');
    assert.deepEqual(n.subnets, [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }]);
    assert.equal(n.dns_enabled, true);
    assert.deepEqual(n.ipam_options, { driver: 'host-local' });
  });

  it('stays clear of subnets and bridge names Podman\'s networks and the host already use', () => {
    const theirs: Network = { ...podman, name: 'theirs', network_interface: 'skiff1', subnets: [{ subnet: '10.89.0.0/24' }] };
    const n = plan({ name: 'x' }, { foreign: [theirs], interfaces: new Set(['lo', 'eth0', 'skiff2']) });
    assert.equal(n.network_interface, 'skiff3');
    assert.deepEqual(n.subnets?.[0]?.subnet, '10.89.1.0/24');
  });

  it('--subnet, --gateway and --ip-range, labels and options', () => {
    const n = plan({ name: 'n2', subnets: ['10.99.0.0/24'], gateways: ['10.99.0.254'], ipRanges: ['10.99.0.128/25'], internal: true, labels: { a: 'b' }, options: ['mtu=1400'] });
    assert.deepEqual(n.subnets, [{ subnet: '10.99.0.0/24', gateway: '10.99.0.254', lease_range: { start_ip: '10.99.0.129', end_ip: '10.99.0.255' } }]);
    assert.equal(n.internal, true);
    assert.deepEqual(n.labels, { a: 'b' });
    assert.deepEqual(n.options, { mtu: '1400' });
  });

  it('--ipv6 adds a random ULA /64 beside the IPv4 subnet', () => {
    const n = plan({ name: 'v6', ipv6: true });
    assert.equal(n.ipv6_enabled, true);
    assert.match(n.subnets?.[1]?.subnet ?? '', /^fd[0-9a-f]{2}:[0-9a-f:]+::\/64$/);
  });

  it('macvlan: the parent is the interface, a subnet is required', () => {
    const n = plan({ name: 'mv', driver: 'macvlan', subnets: ['192.168.77.0/24'], options: ['parent=eth0'] });
    assert.equal(n.network_interface, 'eth0');
    assert.equal(n.options, undefined);
    refused({ name: 'mv', driver: 'macvlan' }, 'macvlan driver needs at least one subnet specified, DHCP is not yet supported with netavark');
    refused({ name: 'mv', driver: 'macvlan', subnets: ['192.168.79.0/24'], options: ['parent=nosuch0'] }, 'parent interface nosuch0 does not exist');
    refused({ name: 'mv', driver: 'macvlan', subnets: ['192.168.79.0/24'], options: ['mode=bogus'] }, 'unknown macvlan mode "bogus"');
  });

  it('refuses what Podman refuses, with its words', () => {
    refused({ name: 'podman' }, 'network name podman already used: network already exists');
    refused({ name: 'bad/name' }, 'network name bad/name invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument');
    refused({ name: 'x', driver: 'foo' }, 'unsupported driver foo: invalid argument');
    refused({ name: 'x', gateways: ['10.1.0.1'] }, 'cannot set gateway or range without subnet');
    refused({ name: 'x', subnets: ['300.1.0.0/24'] }, 'invalid CIDR address: 300.1.0.0/24');
    refused({ name: 'x', subnets: ['10.5.0.0/24'], gateways: ['10.6.0.1'] }, 'gateway 10.6.0.1 not in subnet 10.5.0.0/24');
    refused({ name: 'x', subnets: ['10.88.5.0/24'] }, 'subnet 10.88.5.0/24 is already used on the host or by another config');
    refused({ name: 'x', subnets: ['192.0.2.0/25'] }, 'subnet 192.0.2.0/25 is already used on the host or by another config');
    refused({ name: 'x', subnets: ['10.8.0.0/24'], ipRanges: ['10.8.1.0/24'] }, 'lease range start ip 10.8.1.1 not in subnet 10.8.0.0/24');
    refused({ name: 'x', options: ['foo=bar'] }, 'unsupported bridge network option foo');
    refused({ name: 'x', options: ['mtu=abc'] }, 'strconv.Atoi: parsing "abc": invalid syntax');
    refused({ name: 'x', ipamDriver: 'dhcp' }, 'dhcp ipam driver is not yet supported with netavark');
    refused({ name: 'x', ipamDriver: 'bogus' }, 'unsupported ipam driver "bogus"');
  });

  it('no free subnet left in the pools', () => {
    refused({ name: 'x' }, 'could not find free subnet from subnet pools', { pools: [{ base: '10.88.0.0/16', size: 24 }] });
  });
});
