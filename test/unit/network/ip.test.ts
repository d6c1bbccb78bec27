/** Addresses and subnets as Go's net package reads and prints them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contains, formatIP, formatSubnet, lastAddress, overlaps, parseCIDR, parseIP } from '../../../src/network/ip.ts';

const cidr = (s: string) => {
  const c = parseCIDR(s);
  assert.ok(c, s);
  return c.subnet;
};

describe('ip', () => {
  it('reads and prints IPv4 and IPv6 in their shortest forms', () => {
    for (const [given, shown] of [
      ['10.88.0.1', '10.88.0.1'],
      ['fd00:0:0:0:0:0:0:1', 'fd00::1'],
      ['FD1B:0AED:07C9:1E0B::', 'fd1b:aed:7c9:1e0b::'],
      ['::', '::'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['::ffff:10.1.2.3', '10.1.2.3'],
      ['2001:db8::1.2.3.4', '2001:db8::102:304'],
    ]) {
      const ip = parseIP(given as string);
      assert.ok(ip, given);
      assert.equal(formatIP(ip), shown);
    }
  });

  it('refuses what Go refuses', () => {
    for (const bad of ['10.1.2', '10.1.2.256', '010.1.2.3', '1::2::3', 'fe80::1%eth0', 'bogus', '1.2.3.4.5', '12345::']) assert.equal(parseIP(bad), undefined, bad);
    for (const bad of ['300.1.0.0/24', '10.1.0.0/33', '10.1.0.0', 'fd00::/129', '10.0.0.0/024']) assert.equal(parseCIDR(bad), undefined, bad);
  });

  it('a CIDR names its network, whatever host bits it was written with', () => {
    assert.equal(formatSubnet(cidr('10.7.0.5/24')), '10.7.0.0/24');
    assert.equal(formatSubnet(cidr('fd00:1::7/64')), 'fd00:1::/64');
    assert.equal(formatIP({ family: 4, value: lastAddress(cidr('10.99.0.128/25')) }), '10.99.0.255');
  });

  it('containment and overlap, within one family only', () => {
    assert.ok(contains(cidr('10.88.0.0/16'), parseIP('10.88.255.1') as never));
    assert.ok(!contains(cidr('10.88.0.0/16'), parseIP('10.89.0.1') as never));
    assert.ok(overlaps(cidr('10.88.0.0/16'), cidr('10.88.5.0/24')));
    assert.ok(overlaps(cidr('10.88.5.0/24'), cidr('10.88.0.0/16')));
    assert.ok(!overlaps(cidr('10.89.0.0/24'), cidr('10.89.1.0/24')));
    assert.ok(!overlaps(cidr('0.0.0.0/0'), cidr('::/0')));
  });
});
