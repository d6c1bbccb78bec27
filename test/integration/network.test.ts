/**
 * Networking as root: bridge networks through netavark and aardvark-dns (podman as the
 * oracle for output, files and errors), published ports, and a teardown that leaves no veth,
 * firewall rule, lease or namespace behind; and the user-mode helpers root may ask for.
 * Everything stays on this machine: loopback, the host's own address, bridges skiff makes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { busyboxTar, fetchText, freePort, importBusybox, Podman, REPO, run, Sandbox, SKIFF } from './harness.ts';

const sb = new Sandbox('skiff-net');
const podman = new Podman();

/** Live (not zombie) processes whose command line matches. */
function processes(re: RegExp): number[] {
  return run('ps', ['-e', '-o', 'pid=,stat=,args='])
    .stdout.split('\n')
    .map((l) => l.trim().match(/^(\d+)\s+(\S+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null && !m[2]?.startsWith('Z') && re.test(m[3] ?? ''))
    .map((m) => Number(m[1]));
}

/** What a container's network leaves on the host: links, firewall rules, nsfs mounts, leases. */
function hostState(): { links: string[]; rules: string[]; mounts: string[]; leases: number } {
  const links = run('ip', ['-o', 'link', 'show'])
    .stdout.split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
    .filter((n) => /^(veth|podman\d|skiff\d)/.test(n))
    .sort();
  const rules = ['nat', 'filter'].flatMap((t) => run('iptables-save', ['-t', t]).stdout.split('\n').filter((l) => /NETAVARK|netavark/.test(l) && !l.startsWith('#')));
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(sb.runroot) && / - nsfs /.test(l));
  const db = new DatabaseSync(join(sb.root, 'skiff.db'), { readOnly: true, timeout: 5000 });
  try {
    const leases = (db.prepare('SELECT COUNT(*) AS n FROM network_leases').get() as { n: number }).n;
    return { links, rules: rules.sort(), mounts, leases };
  } finally {
    db.close();
  }
}

/** Polls `check` up to 5 s (cleanup runs from conmon's exit command, a moment after the exit). */
function eventually(check: () => boolean): boolean {
  for (let i = 0; i < 50; i++) {
    if (check()) return true;
    spawnSync('sleep', ['0.1']);
  }
  return check();
}

/** A UDP request to 127.0.0.1:port and its answer (bounded: 3 s). */
function udpAsk(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      done = true;
      s.close();
      reject(new Error(`no UDP answer on port ${port}`));
    }, 3000);
    let done = false;
    s.on('message', (m) => {
      clearTimeout(timer);
      done = true;
      s.close();
      resolve(m.toString());
    });
    // The server in the container may not be bound yet: ask a few times.
    let tries = 0;
    const send = () => {
      if (!done && tries++ < 10) s.send(text, port, '127.0.0.1', () => setTimeout(send, 200));
    };
    send();
  });
}

/** Normalises what differs between engines by nature: IDs, addresses of their own choosing, names. */
function scrub(text: string): string {
  return text
    .replace(/\b[0-9a-f]{12,64}\b/g, '<ID>')
    .replace(/\b10\.\d+\.\d+\.\d+\b/g, '<IP>')
    .replace(/^(\S+\t(?:<ID>|hh)) \S+$/gm, '$1 <NAME>');
}

const hostIP = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address as string;

describe('bridge networks (root)', () => {
  let baseline: ReturnType<typeof hostState>;
  before(() => {
    importBusybox(sb, podman);
    // netavark's own chains appear with its first setup and stay: start from there.
    sb.ok(['run', '--rm', 'localhost/busybox', 'true']);
    baseline = hostState();
  });
  after(() => {
    sb.skiff(['rm', '-a', '-f', '-t0']);
    for (const n of sb.skiff(['network', 'ls', '-q']).stdout.split('\n')) if (n && n !== 'podman') sb.skiff(['network', 'rm', '-f', n]);
    sb.cleanup();
    podman.run(['rm', '-a', '-f', '-t0']);
    podman.cleanup();
  });

  it('network create, ls, inspect and rm write and show what podman does', () => {
    const flags = ['--subnet', '10.231.0.0/24', '--gateway', '10.231.0.254', '--ip-range', '10.231.0.128/25', '--label', 'a=b', '--internal', '-o', 'mtu=1400'];
    assert.equal(sb.ok(['network', 'create', ...flags, 'n1']), 'n1\n');
    assert.equal(podman.ok(['network', 'create', ...flags, 'n1']), 'n1\n');
    const mine = JSON.parse(readFileSync(join(sb.root, 'networks', 'n1.json'), 'utf8'));
    const theirs = JSON.parse(readFileSync(join(podman.dir, 'networks', 'n1.json'), 'utf8'));
    const strip = (n: Record<string, unknown>) => ({ ...n, id: undefined, created: undefined, network_interface: undefined });
    assert.deepEqual(Object.keys(mine), Object.keys(theirs));
    assert.deepEqual(strip(mine), strip(theirs));
    assert.match(mine.network_interface, /^skiff\d+$/);
    const fmt = ['network', 'inspect', '--format', '{{.Name}} {{.Driver}} {{.Internal}} {{.DNSEnabled}} {{range .Subnets}}{{.Subnet}} {{.Gateway}}{{end}}', 'n1', 'podman'];
    assert.equal(sb.ok(fmt), podman.ok(fmt));
    const ls = ['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Labels}}'];
    assert.equal(sb.ok(ls), podman.ok(ls));
    assert.equal(sb.ok(['network', 'ls', '-q', '--filter', 'label=a=b']), 'n1\n');
    assert.match(sb.ok(['network', 'ls']), /^NETWORK ID {4}NAME {8}DRIVER\n[0-9a-f]{12} {2}n1 {10}bridge\n2f259bab93aa {2}podman {6}bridge\n$/);
    assert.equal(sb.skiff(['network', 'exists', 'n1']).code, 0);
    assert.equal(sb.skiff(['network', 'exists', 'nope']).code, 1);
    assert.equal(sb.ok(['network', 'rm', 'n1']), 'n1\n');
    podman.ok(['network', 'rm', 'n1']);
    // A network without --subnet gets the first free one of the pools, and DNS.
    sb.ok(['network', 'create', 'auto']);
    const auto = JSON.parse(sb.ok(['network', 'inspect', 'auto']))[0];
    assert.match(auto.subnets[0].subnet, /^10\.(89|9\d|1\d\d)\.\d+\.0\/24$/);
    assert.equal(auto.dns_enabled, true);
    sb.ok(['network', 'rm', 'auto']);
  });

  it('refuses what podman refuses, with its words and exit codes, and changes nothing', () => {
    sb.ok(['network', 'create', '--subnet', '10.232.0.0/24', 'taken']);
    podman.ok(['network', 'create', '--subnet', '10.232.0.0/24', 'taken']);
    const before = sb.ok(['network', 'ls', '--format', '{{.Name}} {{.ID}}']);
    for (const args of [
      ['network', 'create', 'taken'],
      ['network', 'create', '--subnet', '300.1.0.0/24', 'x'],
      ['network', 'create', '--subnet', '10.88.5.0/24', 'x'],
      ['network', 'create', '--gateway', '10.1.0.1', 'x'],
      ['network', 'create', '--subnet', '10.5.0.0/24', '--gateway', '10.6.0.1', 'x'],
      ['network', 'create', '-d', 'foo', 'x'],
      ['network', 'create', '-d', 'ipvlan', 'x'],
      ['network', 'create', 'bad/name'],
      ['network', 'create', '-o', 'foo=bar', 'x'],
      ['network', 'inspect', 'nosuch'],
      ['network', 'rm', 'nosuch'],
      ['network', 'rm', 'podman'],
      ['network', 'connect', 'nosuch', 'nosuch'],
      ['run', '--rm', '--network', 'nosuch', 'localhost/busybox', 'true'],
      ['run', '--rm', '--ip', '10.88.0.5', '--network', 'taken,podman', 'localhost/busybox', 'true'],
      ['run', '--rm', '--network-alias', 'x', '--network', 'none', 'localhost/busybox', 'true'],
      ['run', '--rm', '--mac-address', 'bogus', 'localhost/busybox', 'true'],
      ['run', '--rm', '--network', 'none', '--dns', '9.9.9.9', 'localhost/busybox', 'true'],
      ['run', '--rm', '--add-host', 'foo', 'localhost/busybox', 'true'],
    ]) {
      const s = sb.skiff(args);
      const p = podman.run(args);
      const errors = (t: string) => t.split('\n').filter((l) => l.startsWith('Error: ')).join('\n');
      assert.equal(s.code, p.code, `${args.join(' ')}: ${s.stderr} / ${p.stderr}`);
      assert.equal(errors(s.stderr), errors(p.stderr), args.join(' '));
    }
    assert.equal(sb.ok(['network', 'ls', '--format', '{{.Name}} {{.ID}}']), before);
    assert.equal(sb.ok(['ps', '-a', '-q']), '');
    sb.ok(['network', 'rm', 'taken']);
    podman.ok(['network', 'rm', 'taken']);
  });

  it('two containers on a network reach each other by name and alias; /etc/hosts and resolv.conf as podman writes them', () => {
    sb.ok(['network', 'create', '--subnet', '10.233.0.0/24', 'web']);
    podman.ok(['network', 'create', '--subnet', '10.234.0.0/24', 'web']);
    for (const e of [sb, podman] as const) {
      e.ok(['run', '-d', '--name', 'srv', '--network', 'web', '--network-alias', 'www', 'localhost/busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    }
    const probe = ['run', '--rm', '--network', 'web', '--add-host', 'extra.example:10.9.9.9', '--dns-option', 'ndots:2', 'localhost/busybox', 'sh', '-c', 'timeout 5 wget -q -O- http://srv/hostname; echo; timeout 5 wget -q -O- http://www/hostname; echo; cat /etc/hosts /etc/resolv.conf'];
    const mine = sb.ok(probe);
    const theirs = podman.ok(probe);
    const srvId = sb.ok(['inspect', '--format', '{{.Id}}', 'srv']).trim();
    assert.equal(mine.split('\n').slice(0, 2).join(' '), `${srvId.slice(0, 12)} ${srvId.slice(0, 12)}`);
    assert.equal(scrub(mine), scrub(theirs));
    assert.match(mine, /^search dns\.podman$/m);
    assert.match(mine, /^nameserver 10\.233\.0\.1$/m);
    // inspect: each network with its address, and none of the top-level fields off the default network.
    const net = JSON.parse(sb.ok(['inspect', '--format', '{{json .NetworkSettings}}', 'srv']));
    const theirNet = JSON.parse(podman.ok(['inspect', '--format', '{{json .NetworkSettings}}', 'srv']));
    assert.deepEqual(Object.keys(net), Object.keys(theirNet));
    assert.deepEqual(Object.keys(net.Networks.web), Object.keys(theirNet.Networks.web));
    assert.match(net.Networks.web.IPAddress, /^10\.233\.0\.\d+$/);
    assert.deepEqual(net.Networks.web.Aliases, ['www', srvId.slice(0, 12)]);
    assert.equal(net.IPAddress, '');
    for (const e of [sb, podman] as const) e.ok(['rm', '-f', '-t0', 'srv']);
    sb.ok(['network', 'rm', 'web']);
    podman.ok(['network', 'rm', 'web']);
  });

  it('--add-host, --dns, --dns-search, --no-hosts and the other network modes write the files podman writes', () => {
    const show = ['localhost/busybox', 'sh', '-c', 'cat /etc/hosts 2>&1; echo --; cat /etc/resolv.conf 2>&1; true'];
    for (const flags of [[], ['--dns', '1.1.1.1', '--dns-search', 'example.com'], ['--network', 'none', '--add-host', 'a.b:1.1.1.1'], ['--network', 'host'], ['--no-hosts', '--network', 'none'], ['--hostname', 'hh']]) {
      const args = ['run', '--rm', ...flags, ...show];
      assert.equal(scrub(sb.ok(args)), scrub(podman.ok(args)), flags.join(' '));
    }
  });

  it('-p 127.0.0.1:PORT:80 answers a host client; a UDP port too; ps, port and inspect show them as podman', async () => {
    const udp = join(sb.dir, 'udp-echo');
    const cc = run('gcc', ['-static', '-O2', '-o', udp, join(REPO, 'test/integration/fixtures/udp-echo.c')]);
    assert.equal(cc.code, 0, cc.stderr);
    const [tcp, u] = [await freePort(), await freePort()];
    const id = sb.ok(['run', '-d', '-p', `127.0.0.1:${tcp}:80`, '-p', `127.0.0.1:${u}:5000/udp`, '-v', `${udp}:/udp-echo:ro`, 'localhost/busybox', 'sh', '-c', '/udp-echo 5000 & exec httpd -f -p 80 -h /etc']).trim();
    try {
      assert.equal((await fetchText(`http://127.0.0.1:${tcp}/hostname`)).trim(), id.slice(0, 12));
      assert.equal(await udpAsk(u, 'ping'), 'echo:ping');
      assert.equal(sb.ok(['port', id]), `80/tcp -> 127.0.0.1:${tcp}\n5000/udp -> 127.0.0.1:${u}\n`);
      assert.equal(sb.ok(['ps', '--filter', `id=${id}`, '--format', '{{.Ports}}']), `127.0.0.1:${tcp}->80/tcp, 127.0.0.1:${u}->5000/udp\n`);
      // The ports are held by the container's conmon, as podman holds them.
      const conmon = Number(sb.ok(['inspect', '--format', '{{.State.ConmonPid}}', id]));
      assert.match(run('ss', ['-ltnp']).stdout, new RegExp(`127\\.0\\.0\\.1:${tcp} .*"conmon",pid=${conmon},`));
    } finally {
      sb.ok(['rm', '-f', '-t0', id]);
    }
    await fetch(`http://127.0.0.1:${tcp}/`).then(
      () => assert.fail('the port is still served after rm'),
      () => {},
    );
  });

  it('-P publishes the image\'s EXPOSE and --expose ports on random host ports, as podman', () => {
    sb.ok(['import', '-q', '--change', 'EXPOSE 8080', '--change', 'CMD ["/bin/sh"]', '-', 'localhost/exposing'], { input: busyboxTar() });
    const id = sb.ok(['create', '-P', '--expose', '9000-9001/udp', 'localhost/exposing', 'true']).trim();
    const bindings = JSON.parse(sb.ok(['inspect', '--format', '{{json .HostConfig.PortBindings}}', id])) as Record<string, { HostIp: string; HostPort: string }[]>;
    assert.deepEqual(Object.keys(bindings), ['8080/tcp', '9000/udp', '9001/udp']);
    for (const [b] of Object.values(bindings)) assert.ok(b && b.HostIp === '' && Number(b.HostPort) > 0, JSON.stringify(bindings));
    assert.equal(sb.ok(['inspect', '--format', '{{.HostConfig.PublishAllPorts}}', id]), 'true\n');
    sb.ok(['rm', id]);
    sb.ok(['rmi', 'localhost/exposing']);
  });

  it('--internal keeps a network away from the outside; a normal one reaches the host', async () => {
    const srv = createServer((_req, res) => res.end('host\n'));
    await new Promise<void>((r) => srv.listen(0, '0.0.0.0', () => r()));
    const port = (srv.address() as { port: number }).port;
    try {
      sb.ok(['network', 'create', '--subnet', '10.235.0.0/24', 'open']);
      sb.ok(['network', 'create', '--internal', '--subnet', '10.236.0.0/24', 'closed']);
      // busybox's wget -T crashes (1.35): timeout(1) bounds it instead.
      const probe = `timeout 3 wget -q -O- http://${hostIP}:${port}/ || echo blocked`;
      const ask = async (net: string) => {
        const r = await new Promise<string>((resolve) => {
          const child = spawn(SKIFF, sb.args(['run', '--rm', '--network', net, 'localhost/busybox', 'sh', '-c', probe]));
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('close', () => resolve(out));
        });
        return r.trim();
      };
      assert.equal(await ask('open'), 'host');
      assert.equal(await ask('closed'), 'blocked');
    } finally {
      srv.close();
      sb.skiff(['network', 'rm', 'open', 'closed']);
    }
  });

  it('two containers asking for one host port: the second fails as in podman and leaves nothing of its network', async () => {
    const port = await freePort();
    const first = sb.ok(['run', '-d', '-p', `127.0.0.1:${port}:80`, 'localhost/busybox', 'sleep', '600']).trim();
    const during = hostState();
    try {
      const r = sb.skiff(['run', '-d', '--name', 'second', '-p', `127.0.0.1:${port}:80`, 'localhost/busybox', 'sleep', '600']);
      assert.equal(r.code, 126);
      assert.equal(r.stderr, `Error: cannot listen on the TCP port: listen tcp4 127.0.0.1:${port}: bind: address already in use\n`);
      assert.equal(sb.ok(['ps', '-a', '--filter', 'name=second', '--format', '{{.Status}}']), 'Created\n');
      assert.deepEqual(hostState(), during);
    } finally {
      sb.skiff(['rm', '-f', '-t0', first, 'second']);
    }
    assert.deepEqual(hostState(), baseline);
  });

  it('static addresses and MAC; a taken address is refused; connect and disconnect a running container', () => {
    sb.ok(['network', 'create', '--subnet', '10.237.0.0/24', 'sa']);
    sb.ok(['network', 'create', '--subnet', '10.238.0.0/24', 'sb']);
    const id = sb.ok(['run', '-d', '--network', 'sa', '--ip', '10.237.0.77', '--mac-address', '02:11:22:33:44:55', 'localhost/busybox', 'sleep', '600']).trim();
    try {
      assert.match(sb.ok(['exec', id, 'ip', '-o', 'addr', 'show', 'eth0']), /inet 10\.237\.0\.77\/24/);
      assert.match(sb.ok(['exec', id, 'ip', '-o', 'link', 'show', 'eth0']), /link\/ether 02:11:22:33:44:55/);
      const taken = sb.skiff(['run', '--rm', '--network', 'sa', '--ip', '10.237.0.77', 'localhost/busybox', 'true']);
      assert.equal(taken.code, 126);
      assert.equal(taken.stderr, `Error: IPAM error: requested ip address 10.237.0.77 is already allocated to container ID ${id}\n`);
      assert.equal(sb.skiff(['run', '--rm', '--network', 'sa', '--ip', '10.237.0.1', 'localhost/busybox', 'true']).code, 126);
      for (const left of sb.ok(['ps', '-a', '-q', '--filter', 'status=created']).split('\n').filter(Boolean)) sb.ok(['rm', left]);
      sb.ok(['network', 'connect', '--alias', 'extra', 'sb', id]);
      assert.match(sb.ok(['exec', id, 'ip', '-o', 'addr', 'show', 'eth1']), /inet 10\.238\.0\.\d+\/24/);
      assert.deepEqual(Object.keys(JSON.parse(sb.ok(['inspect', '--format', '{{json .NetworkSettings.Networks}}', id]))), ['sa', 'sb']);
      const again = sb.skiff(['network', 'connect', 'sb', id]);
      assert.equal(again.stderr, `Error: container ${id} is already connected to network "sb": network is already connected\n`);
      sb.ok(['network', 'disconnect', 'sb', id]);
      assert.notEqual(sb.skiff(['exec', id, 'ip', 'link', 'show', 'eth1']).code, 0);
      assert.equal(sb.skiff(['network', 'disconnect', 'sb', id]).stderr, `Error: container ${sb.ok(['inspect', '--format', '{{.Name}}', id]).trim()} is not connected to network sb\n`);
      const rmBusy = sb.skiff(['network', 'rm', 'sa']);
      assert.equal(rmBusy.code, 2);
      assert.equal(rmBusy.stderr, 'Error: "sa" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used\n');
      assert.equal(sb.ok(['network', 'rm', '-f', '-t0', 'sa']), 'sa\n');
      assert.equal(sb.ok(['ps', '-a', '-q']), '');
    } finally {
      sb.skiff(['rm', '-f', '-t0', id]);
      sb.skiff(['network', 'rm', '-f', 'sa', 'sb']);
    }
    assert.deepEqual(hostState(), baseline);
  });

  it('network reload sets a container\'s forwarding up again after the firewall rules were flushed', async () => {
    const port = await freePort();
    const id = sb.ok(['run', '-d', '-p', `127.0.0.1:${port}:80`, 'localhost/busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']).trim();
    try {
      assert.equal((await fetchText(`http://127.0.0.1:${port}/hostname`)).trim(), id.slice(0, 12));
      run('iptables', ['-t', 'nat', '-F', 'NETAVARK-HOSTPORT-DNAT']);
      const lost = await fetch(`http://127.0.0.1:${port}/hostname`, { signal: AbortSignal.timeout(1500) }).then(
        () => false,
        () => true,
      );
      assert.ok(lost, 'the flush did not stop the forwarding');
      assert.equal(sb.ok(['network', 'reload', id]), `${id}\n`);
      assert.equal((await fetchText(`http://127.0.0.1:${port}/hostname`)).trim(), id.slice(0, 12));
    } finally {
      sb.skiff(['rm', '-f', '-t0', id]);
    }
    assert.deepEqual(hostState(), baseline);
  });

  it('teardown is complete after stop, rm, a crash of the container and a SIGKILL of skiff', () => {
    sb.ok(['network', 'create', '--subnet', '10.239.0.0/24', 'td']);
    const opts = ['--network', 'td', '-p', '127.0.0.1::80'];
    // stop, then rm
    const a = sb.ok(['run', '-d', ...opts, 'localhost/busybox', 'sleep', '600']).trim();
    assert.notDeepEqual(hostState(), baseline);
    sb.ok(['stop', '-t0', a]);
    assert.deepEqual(hostState(), baseline);
    sb.ok(['start', a]);
    sb.ok(['rm', '-f', '-t0', a]);
    assert.deepEqual(hostState(), baseline);
    // the container's process killed from outside: conmon's exit command cleans up
    const b = sb.ok(['run', '-d', ...opts, 'localhost/busybox', 'sleep', '600']).trim();
    process.kill(Number(sb.ok(['inspect', '--format', '{{.State.Pid}}', b])), 'SIGKILL');
    assert.ok(eventually(() => JSON.stringify(hostState()) === JSON.stringify(baseline)), JSON.stringify(hostState()));
    sb.ok(['rm', b]);
    // the attached skiff killed: the container goes on, and its exit still cleans up
    const child = spawn(SKIFF, sb.args(['run', '--name', 'killed', ...opts, 'localhost/busybox', 'sleep', '2']), { stdio: 'ignore' });
    assert.ok(eventually(() => sb.skiff(['ps', '--filter', 'name=killed', '-q']).stdout !== ''));
    child.kill('SIGKILL');
    assert.ok(eventually(() => sb.ok(['ps', '-a', '--filter', 'name=killed', '--format', '{{.Status}}']).startsWith('Exited')));
    assert.ok(eventually(() => JSON.stringify(hostState()) === JSON.stringify(baseline)), JSON.stringify(hostState()));
    sb.ok(['rm', 'killed']);
    sb.ok(['network', 'rm', 'td']);
    // aardvark-dns ends with the last container of a network with DNS.
    assert.ok(eventually(() => processes(new RegExp(`aardvark-dns --config ${sb.runroot}/networks`)).length === 0));
  });

  it('containers started at once on one network get addresses of their own, and all of it goes with them', async () => {
    sb.ok(['network', 'create', '--subnet', '10.242.0.0/24', 'busy']);
    const starts = Array.from({ length: 6 }, (_, i) =>
      new Promise<number>((resolve) => {
        const child = spawn(SKIFF, sb.args(['run', '-d', '--name', `busy${i}`, '--network', 'busy', 'localhost/busybox', 'sleep', '600']), { stdio: 'ignore' });
        child.on('close', (code) => resolve(code ?? -1));
      }),
    );
    assert.deepEqual(await Promise.all(starts), [0, 0, 0, 0, 0, 0]);
    const ips = Array.from({ length: 6 }, (_, i) => sb.ok(['inspect', '--format', '{{.NetworkSettings.Networks.busy.IPAddress}}', `busy${i}`]).trim());
    assert.equal(new Set(ips).size, 6, ips.join(' '));
    for (const ip of ips) assert.match(ip, /^10\.242\.0\.\d+$/);
    sb.ok(['rm', '-f', '-t0', ...Array.from({ length: 6 }, (_, i) => `busy${i}`)]);
    sb.ok(['network', 'rm', 'busy']);
    assert.deepEqual(hostState(), baseline);
  });

  it('--network container:NAME joins another container\'s namespace: its address, its names in /etc/hosts, and it starts first', () => {
    for (const e of [sb, podman] as const) e.ok(['run', '-d', '--name', 'host1', 'localhost/busybox', 'sleep', '600']);
    const show = ['run', '--rm', '--network', 'container:host1', 'localhost/busybox', 'sh', '-c', 'ip -4 -o addr show eth0 | grep -o "inet [0-9.]*"; cat /etc/hosts /etc/resolv.conf'];
    const mine = sb.ok(show);
    assert.equal(mine.split('\n')[0], `inet ${sb.ok(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', 'host1']).trim()}`);
    assert.equal(scrub(mine), scrub(podman.ok(show)));
    const id = sb.ok(['inspect', '--format', '{{.Id}}', 'host1']).trim();
    sb.ok(['create', '--name', 'guest', '--network', 'container:host1', 'localhost/busybox', 'true']);
    podman.ok(['create', '--name', 'guest', '--network', 'container:host1', 'localhost/busybox', 'true']);
    assert.equal(sb.ok(['inspect', '--format', '{{.HostConfig.NetworkMode}}', 'guest']), `container:${id}\n`);
    const rm = sb.skiff(['rm', '-f', 'host1']);
    const theirs = podman.run(['rm', '-f', 'host1']);
    assert.equal(rm.code, theirs.code);
    assert.equal(scrub(rm.stderr), scrub(theirs.stderr));
    sb.ok(['stop', '-t0', 'host1']);
    sb.ok(['start', 'guest']);
    assert.equal(sb.ok(['inspect', '--format', '{{.State.Status}}', 'host1']), 'running\n');
    for (const e of [sb, podman] as const) {
      e.ok(['rm', '-f', '-t0', 'guest']);
      e.ok(['rm', '-f', '-t0', 'host1']);
    }
    const missing = ['create', '--network', 'container:nosuch', 'localhost/busybox', 'true'];
    assert.equal(sb.skiff(missing).stderr, podman.run(missing).stderr);
  });

  it('a skiff killed after netavark\'s setup leaves nothing the next start does not clean up', async () => {
    // A netavark that sets up, says so, then hangs: skiff is killed while it waits.
    const helpers = join(sb.dir, 'slow-helpers');
    mkdirSync(helpers, { recursive: true });
    const done = join(helpers, 'setup-done');
    writeFileSync(
      join(helpers, 'netavark'),
      `#!/bin/sh\nfor a; do last="$a"; done\ncase " $* " in *" setup "*) /usr/lib/podman/netavark "$@" || exit $?; echo $$ > ${done}; exec sleep 30 ;; esac\nexec /usr/lib/podman/netavark "$@"\n`,
      { mode: 0o755 },
    );
    symlinkSync('/usr/lib/podman/aardvark-dns', join(helpers, 'aardvark-dns'));
    const conf = join(sb.dir, 'slow.conf');
    writeFileSync(conf, `${readFileSync(podman.env.CONTAINERS_CONF as string, 'utf8')}\n`.replace(/^\[engine\]$/m, `[engine]\nhelper_binaries_dir = ["${helpers}"]`));
    const child = spawn(SKIFF, sb.args(['run', '-d', '--name', 'cut', '-p', '127.0.0.1::80', 'localhost/busybox', 'sleep', '600']), { stdio: 'ignore', env: { ...process.env, CONTAINERS_CONF: conf } });
    assert.ok(eventually(() => existsSync(done)), 'netavark setup never ran');
    child.kill('SIGKILL');
    process.kill(Number(readFileSync(done, 'utf8')), 'SIGKILL');
    await new Promise((r) => child.on('close', r));
    assert.notDeepEqual(hostState(), baseline);
    // The next start of another container cleans it up.
    sb.ok(['run', '--rm', 'localhost/busybox', 'true']);
    assert.deepEqual(hostState(), baseline);
    assert.match(sb.ok(['ps', '-a', '--filter', 'name=cut', '--format', '{{.Status}}']), /^(Created|Exited)/);
    sb.ok(['rm', '-f', 'cut']);
    assert.deepEqual(hostState(), baseline);
  });

  it('macvlan: a container on a parent interface of this host, with its own address', () => {
    // A veth pair of the test's own as the parent (this kernel has no dummy interfaces).
    assert.equal(run('ip', ['link', 'add', 'skiffmv0', 'type', 'veth', 'peer', 'name', 'skiffmv1']).code, 0);
    run('ip', ['link', 'set', 'skiffmv0', 'up']);
    try {
      sb.ok(['network', 'create', '-d', 'macvlan', '-o', 'parent=skiffmv0', '--subnet', '192.168.231.0/24', 'mv']);
      const out = sb.ok(['run', '--rm', '--network', 'mv', 'localhost/busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
      assert.match(out, /inet 192\.168\.231\.2\/24/);
      sb.ok(['network', 'rm', 'mv']);
    } finally {
      run('ip', ['link', 'del', 'skiffmv0']);
    }
    assert.deepEqual(hostState(), baseline);
  });

  it('network prune removes what no container uses, the default network never', () => {
    sb.ok(['network', 'create', '--subnet', '10.240.0.0/24', 'kept']);
    sb.ok(['network', 'create', '--subnet', '10.241.0.0/24', 'gone']);
    const id = sb.ok(['create', '--network', 'kept', 'localhost/busybox', 'true']).trim();
    assert.equal(sb.ok(['network', 'prune', '-f']), 'gone\n');
    assert.equal(sb.ok(['network', 'ls', '-q']), 'kept\npodman\n');
    sb.ok(['rm', id]);
    sb.ok(['network', 'rm', 'kept']);
  });
});

describe('user-mode networks (root)', () => {
  const sb2 = new Sandbox('skiff-net-um');
  before(() => {
    sb2.ok(['import', '-q', '-', 'localhost/busybox'], { input: busyboxTar() });
  });
  after(() => {
    sb2.skiff(['rm', '-a', '-f', '-t0']);
    sb2.cleanup();
  });

  for (const network of ['pasta', 'slirp4netns']) {
    it(`--network ${network} with -p 127.0.0.1:PORT:80 serves a host client; rm leaves no helper, namespace or listener`, async () => {
      const helpers = () => processes(/^(\S*\/)?(passt|pasta|slirp4netns)/);
      const before = helpers();
      const port = await freePort();
      const id = sb2.ok(['run', '-d', '--network', network, '-p', `127.0.0.1:${port}:80`, 'localhost/busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']).trim();
      const netns = `${sb2.runroot}/containers/${id}/netns`;
      try {
        assert.equal((await fetchText(`http://127.0.0.1:${port}/hostname`)).trim(), id.slice(0, 12));
        assert.equal(sb2.ok(['inspect', '--format', '{{.NetworkSettings.SandboxKey}}', id]), `${netns}\n`);
        assert.match(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(` ${netns} .* - nsfs `));
      } finally {
        sb2.ok(['rm', '-f', '-t0', id]);
      }
      assert.deepEqual(helpers(), before);
      assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(`${sb2.runroot}.* - nsfs `));
      await fetch(`http://127.0.0.1:${port}/`).then(
        () => assert.fail('the port is still served after rm'),
        () => {},
      );
    });
  }
});
