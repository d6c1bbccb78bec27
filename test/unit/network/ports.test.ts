import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandPorts, portBindings, portsColumn } from '../../../src/network/ports.ts';
import { parsePublish } from '../../../src/network/publish.ts';
import { errorOf } from '../errors.ts';

describe('-p/--publish', () => {
  it('parses podman\'s forms', () => {
    assert.deepEqual(parsePublish('80'), { hostIP: '', hostPort: 0, containerPort: 80, protocol: 'tcp', range: 1 });
    assert.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), { hostIP: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp', range: 1 });
    assert.deepEqual(parsePublish('8000-8001:90-91'), { hostIP: '', hostPort: 8000, containerPort: 90, protocol: 'tcp', range: 2 });
    assert.deepEqual(parsePublish('[::1]:8080:80'), { hostIP: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp', range: 1 });
    assert.deepEqual(parsePublish('127.0.0.1::80'), { hostIP: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp', range: 1 });
  });

  it('refuses bad values with podman\'s errors', () => {
    const msg = (s: string) => errorOf(() => parsePublish(s)).message;
    assert.equal(msg('abc'), 'parsing container port: invalid port number: strconv.Atoi: parsing "abc": invalid syntax');
    assert.equal(msg('70000:80'), 'parsing host port: port numbers must be between 1 and 65535 (inclusive), got 70000');
    assert.equal(msg('8080:0'), 'parsing container port: port numbers must be between 1 and 65535 (inclusive), got 0');
    assert.equal(msg('1.2.3:8080:80'), 'cannot parse "1.2.3" as an IP address');
    assert.equal(msg('8000-8001:80'), 'host and container port ranges have different lengths: 2 vs 1');
    assert.match(msg('80/sctp'), /^unrecognized protocol "sctp"/);
  });

  it('shows them as podman does: tcp first, by container port', () => {
    const ports = ['18081:81/udp', '127.0.0.1:18080:80', '18000-18001:90-91'].map(parsePublish);
    assert.equal(portsColumn(ports), '127.0.0.1:18080->80/tcp, 0.0.0.0:18000-18001->90-91/tcp, 0.0.0.0:18081->81/udp');
    assert.deepEqual(expandPorts(ports).map((p) => `${p.key} ${p.hostPort}`), ['80/tcp 18080', '90/tcp 18000', '91/tcp 18001', '81/udp 18081']);
    assert.deepEqual(Object.keys(portBindings(ports)), ['80/tcp', '81/udp', '90/tcp', '91/tcp']);
  });
});
