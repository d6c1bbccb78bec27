/** /etc/hosts and /etc/resolv.conf as Podman 4.3 writes them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildHosts, buildResolvConf, parseAddHost, parseHostsFile } from '../../../src/network/etchosts.ts';

describe('/etc/hosts', () => {
  it('--add-host entries, then the host file, host.containers.internal, the container: tab separated', () => {
    const text = buildHosts({
      extra: [parseAddHost('foo:1.2.3.4'), parseAddHost('six:::1')],
      base: parseHostsFile('# comment\n127.0.0.1 localhost\n::1   localhost ip6-localhost  # trailing\nbogus line\n'),
      hostIP: '10.88.0.1',
      container: [{ ip: '10.88.0.2', names: ['abc', 'web'] }],
    });
    assert.equal(text, '1.2.3.4\tfoo\n::1\tsix\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n10.88.0.1\thost.containers.internal\n10.88.0.2\tabc web\n');
  });

  it('host.containers.internal is not added twice', () => {
    assert.equal(buildHosts({ extra: [parseAddHost('host.containers.internal:9.9.9.9')], base: [], hostIP: '10.88.0.1', container: [] }), '9.9.9.9\thost.containers.internal\n');
  });

  it('refuses a bad --add-host with podman\'s words', () => {
    assert.throws(() => parseAddHost('foo'), /^SkiffError: bad format for add-host: "foo"$/);
    assert.throws(() => parseAddHost(':1.2.3.4'), /^SkiffError: bad format for add-host: ":1.2.3.4"$/);
    assert.throws(() => parseAddHost('foo:bar'), /^SkiffError: invalid IP address in add-host: "bar"$/);
  });
});

describe('/etc/resolv.conf', () => {
  const host = 'search example.org\nnameserver 127.0.0.53\nnameserver 10.1.1.1\noptions edns0\n';
  it('a network with DNS: its search domain and server first, then the host\'s reachable ones', () => {
    assert.equal(buildResolvConf({ host, networkServers: ['10.89.0.1'], networkSearches: ['dns.podman'] }), 'search dns.podman example.org\nnameserver 10.89.0.1\nnameserver 10.1.1.1\noptions edns0\n');
  });
  it('--dns, --dns-search and --dns-option each replace what they name; "." means no search', () => {
    assert.equal(buildResolvConf({ host, networkServers: ['10.89.0.1'], networkSearches: ['dns.podman'], dns: ['1.1.1.1'], searches: [], options: [] }), 'search dns.podman example.org\nnameserver 1.1.1.1\noptions edns0\n');
    assert.equal(buildResolvConf({ host, networkServers: [], networkSearches: [], searches: ['.'], options: ['ndots:2'] }), 'nameserver 10.1.1.1\noptions ndots:2\n');
  });
  it('only a loopback resolver on the host: public servers instead', () => {
    assert.equal(buildResolvConf({ host: 'nameserver 127.0.0.53\n', networkServers: [], networkSearches: [] }), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });
});
