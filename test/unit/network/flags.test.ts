/** The network flags of run/create, as Podman reads them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type NetworkFlags, parseExpose, parseNetworkFlags } from '../../../src/network/flags.ts';

const none: NetworkFlags = { network: [], networkAlias: [], dns: [], dnsSearch: [], dnsOption: [], addHost: [], noHosts: false };
const parse = (f: Partial<NetworkFlags>) => parseNetworkFlags({ ...none, ...f });
const refused = (f: Partial<NetworkFlags>, message: string) => assert.throws(() => parse(f), (e: Error) => e.message === message);

describe('--network and friends', () => {
  it('no --network: the engine decides; bridge and names join networks', () => {
    assert.deepEqual(parse({}), { mode: undefined, requests: [] });
    assert.deepEqual(parse({ network: ['bridge'] }).requests, [{ name: '', aliases: [], staticIPs: [] }]);
    assert.deepEqual(parse({ network: ['na,nb'] }).requests.map((r) => r.name), ['na', 'nb']);
    assert.deepEqual(parse({ network: ['na', 'nb:ip=10.89.1.5,alias=foo,mac=02:11:22:33:44:55'] }).requests[1], { name: 'nb', aliases: ['foo'], staticIPs: ['10.89.1.5'], staticMac: '02:11:22:33:44:55' });
  });

  it('modes: none, host, ns:, container:, pasta, slirp4netns', () => {
    assert.deepEqual(parse({ network: ['none'] }).mode, { mode: 'none' });
    assert.deepEqual(parse({ network: ['host'] }).mode, { mode: 'host' });
    assert.deepEqual(parse({ network: ['ns:/run/netns/x'] }).mode, { mode: 'path', path: '/run/netns/x' });
    assert.deepEqual(parse({ network: ['container:abc'] }).mode, { mode: 'path', path: 'container:abc' });
    assert.deepEqual(parse({ network: ['pasta'] }).mode, { mode: 'pasta' });
    refused({ network: ['dn', 'none'] }, 'can only set extra network names, selected mode none conflicts with bridge: invalid argument');
  });

  it('--ip, --mac-address and --network-alias go to the one network', () => {
    const r = parse({ network: ['na'], ip: '10.89.0.77', macAddress: '02-11-22-33-44-AA', networkAlias: ['al1'] }).requests[0];
    assert.deepEqual(r, { name: 'na', aliases: ['al1'], staticIPs: ['10.89.0.77'], staticMac: '02:11:22:33:44:aa' });
    assert.deepEqual(parse({ ip: '10.88.0.9' }).requests, [{ name: '', aliases: [], staticIPs: ['10.88.0.9'] }]);
    refused({ network: ['na,nb'], ip: '10.89.0.12' }, '--ip can only be set for a single network: invalid argument');
    refused({ network: ['none'], macAddress: '02:11:22:33:44:55' }, '--mac-address can only be set when the network mode is bridge: invalid argument');
    refused({ network: ['none'], networkAlias: ['x'] }, '--network-alias can only be set when the network mode is bridge: invalid argument');
    refused({ ip: 'bogus' }, '"bogus" is not an ip address');
    refused({ macAddress: 'bogus' }, 'address bogus: invalid MAC address');
  });

  it('DNS flags and --add-host are checked', () => {
    refused({ network: ['none'], dns: ['9.9.9.9'] }, 'conflicting options: dns and the network mode: none');
    refused({ dns: ['bogus'] }, 'bogus is not an ip address');
    refused({ dnsSearch: ['a b'] }, 'a b is not a valid domain');
    refused({ addHost: ['foo'] }, 'bad format for add-host: "foo"');
  });

  it('--expose', () => {
    assert.deepEqual(parseExpose('8080'), { port: 8080, range: 1, protocol: 'tcp' });
    assert.deepEqual(parseExpose('9000-9001/udp'), { port: 9000, range: 2, protocol: 'udp' });
    assert.throws(() => parseExpose('x'));
  });
});
