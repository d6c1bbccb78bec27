/** Address allocation as Podman's netavark backend does it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIP, parseIP } from '../../../src/network/ip.ts';
import { nextFree, poolsOf, staticPool } from '../../../src/network/ipam.ts';
import type { Network } from '../../../src/network/types.ts';

const net = (subnets: Network['subnets']): Network => ({ name: 'n', id: 'a'.repeat(64), driver: 'bridge', created: '', subnets, ipv6_enabled: false, internal: false, dns_enabled: true });
const v = (s: string) => (parseIP(s) as { value: bigint }).value;
const show = (x: bigint | undefined) => (x === undefined ? undefined : formatIP({ family: 4, value: x }));

describe('ipam', () => {
  const [pool] = poolsOf(net([{ subnet: '10.89.0.0/29', gateway: '10.89.0.1' }]));
  it('hands out the next address after the last, skipping the gateway, the network and the broadcast address', () => {
    assert.ok(pool);
    assert.equal(show(nextFree(pool, undefined, new Set())), '10.89.0.2');
    assert.equal(show(nextFree(pool, v('10.89.0.2'), new Set())), '10.89.0.3');
    // .7 is the broadcast address: after .6 the search wraps to the start.
    assert.equal(show(nextFree(pool, v('10.89.0.6'), new Set())), '10.89.0.2');
    assert.equal(show(nextFree(pool, v('10.89.0.3'), new Set([v('10.89.0.4'), v('10.89.0.5')]))), '10.89.0.6');
  });

  it('says so when the pool is full', () => {
    assert.ok(pool);
    const used = new Set(['10.89.0.2', '10.89.0.3', '10.89.0.4', '10.89.0.5', '10.89.0.6'].map(v));
    assert.equal(nextFree(pool, undefined, used), undefined);
  });

  it('keeps to --ip-range, and a gateway inside it is still skipped', () => {
    const [ranged] = poolsOf(net([{ subnet: '10.99.0.0/24', gateway: '10.99.0.129', lease_range: { start_ip: '10.99.0.129', end_ip: '10.99.0.255' } }]));
    assert.ok(ranged);
    assert.equal(show(nextFree(ranged, undefined, new Set())), '10.99.0.130');
    assert.equal(show(ranged.end), '10.99.0.254');
  });

  it('a static address must lie in one of the subnets', () => {
    const n = net([{ subnet: '10.66.0.0/24', gateway: '10.66.0.1' }]);
    assert.equal(staticPool(n, '10.66.0.10').value, v('10.66.0.10'));
    assert.throws(() => staticPool(n, '10.67.0.10'), /^SkiffError: requested static ip 10\.67\.0\.10 not in any subnet on network n$/);
    assert.throws(() => staticPool(n, 'bogus'), /bogus is not an ip address/);
  });
});
