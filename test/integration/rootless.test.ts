/**
 * Rootless skiff, run as unprivileged users (scripts/test-users.sh) in their default stores:
 * the user namespace from /etc/subuid and /etc/subgid, the pause process, the user's paths and
 * storage, the --userns modes, host-side views, resource flags without cgroups, unshare and
 * image mount, system reset; with rootless podman as the oracle where it runs here.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fetchText, freePort, run, runAsync, SKIFF } from './harness.ts';
import { startRegistry, type TestRegistry } from './registry.ts';
import { mapLines, TestUser } from './rootless-harness.ts';

const alice = new TestUser('skiff-rl1');
const bob = new TestUser('skiff-rl2');
const carol = new TestUser('skiff-rl0');

function pausePid(u: TestUser): number {
  return Number(readFileSync(`/tmp/skiff-run-${u.uid}/skiff/pause.pid`, 'utf8').trim().split(' ')[0]);
}

/** Waits up to 2 s for a killed process to be gone (or a zombie); returns whether it is. */
function gone(pid: number): boolean {
  for (let i = 0; i < 200 && alive(pid); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  return !alive(pid);
}

/** The user's live (not zombie) network helper processes. */
function helpers(u: TestUser): number[] {
  const out: number[] = [];
  for (const line of run('ps', ['-u', String(u.uid), '-o', 'pid=,stat=,comm=']).stdout.split('\n')) {
    const [pid, stat, comm] = line.trim().split(/\s+/);
    if (comm && /^(passt|pasta|slirp4netns)/.test(comm) && !stat?.startsWith('Z')) out.push(Number(pid));
  }
  return out;
}

/** The network namespaces pinned in the user's mount namespace (skiff's pause process's view). */
function pinnedNetns(u: TestUser): string[] {
  return readFileSync(`/proc/${pausePid(u)}/mountinfo`, 'utf8')
    .split('\n')
    .filter((l) => / - nsfs /.test(l) && l.includes(`/tmp/skiff-run-${u.uid}/`));
}

/** Alive and not a zombie (PID 1 here reaps orphans slowly). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+[ZX]/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('rootless', () => {
  before(() => {
    for (const u of [alice, bob, carol]) u.reset();
    alice.importBusybox(true);
    bob.importBusybox();
  });
  after(() => {
    for (const u of [alice, bob, carol]) u.reset();
  });

  it('maps the user to root and the subordinate range after it, as podman does', () => {
    const uid = mapLines(alice.ok(['run', '--rm', 'busybox', 'cat', '/proc/self/uid_map']));
    const gid = mapLines(alice.ok(['run', '--rm', 'busybox', 'cat', '/proc/self/gid_map']));
    assert.deepEqual(uid, [[0, alice.uid, 1], [1, alice.subuid!.start, alice.subuid!.count]]);
    assert.deepEqual(gid, [[0, alice.gid, 1], [1, alice.subgid!.start, alice.subgid!.count]]);
    const p = alice.podman(['run', '--rm', 'localhost/busybox', 'cat', '/proc/self/uid_map']);
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(mapLines(p.stdout), uid);
    // The store and run root are the user's own, and info says so.
    const info = JSON.parse(alice.ok(['info', '--format', 'json']));
    assert.equal(info.store.graphRoot, join(alice.home, '.local/share/skiff'));
    assert.equal(info.store.runRoot, `/tmp/skiff-run-${alice.uid}/skiff`);
    assert.equal(info.host.security.rootless, true);
    assert.deepEqual(info.host.idMappings.uidmap, [
      { container_id: 0, host_id: alice.uid, size: 1 },
      { container_id: 1, host_id: alice.subuid!.start, size: alice.subuid!.count },
    ]);
    assert.equal(info.store.graphDriverName, 'overlay');
    assert.match(info.store.graphStatus['Driver Choice'], /^overlay: native, mounted in the user namespace with userxattr/);
    assert.equal(info.store.graphStatus['Native Overlay Diff'], 'true');
  });

  it('a user without ranges gets a single mapping and a warning that says how to add one', () => {
    carol.importBusybox();
    carol.skiff(['system', 'migrate']);
    const r = carol.skiff(['run', '--rm', 'busybox', 'sh', '-c', 'cat /proc/self/uid_map; touch /tmp/x; ls -ln /tmp/x']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(mapLines(r.stdout.split('\n')[0] as string), [[0, carol.uid, 1]]);
    assert.match(r.stderr, /level=warning msg="Using rootless single mapping into the namespace\. .*usermod --add-subuids \d+-\d+ --add-subgids \d+-\d+ skiff-rl0, then skiff system migrate\)"/);
    // Only the command that made the namespace warns.
    assert.equal(carol.skiff(['run', '--rm', 'busybox', 'true']).stderr, '');
  });

  it('system migrate stops the user\'s containers and ends the pause process, so a range added later is used', () => {
    const saved = { uid: readFileSync('/etc/subuid', 'utf8'), gid: readFileSync('/etc/subgid', 'utf8') };
    const id = carol.ok(['run', '-d', '--stop-timeout', '0', 'busybox', 'sleep', '60']).trim();
    try {
      // A range far above the test users' (scripts/test-users.sh gives them the next free ones).
      writeFileSync('/etc/subuid', `${saved.uid}${carol.name}:900000:65536\n`);
      writeFileSync('/etc/subgid', `${saved.gid}${carol.name}:900000:65536\n`);
      // The namespace is kept until migrate, as podman's is.
      assert.equal(mapLines(carol.ok(['run', '--rm', 'busybox', 'cat', '/proc/self/uid_map'])).length, 1);
      const pause = pausePid(carol);
      const r = carol.skiff(['system', 'migrate']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `stopped ${id}\n`);
      assert.ok(gone(pause), 'migrate ends the pause process');
      assert.match(carol.ok(['ps', '-a', '--format', '{{.Status}}']), /^Exited \(137\)/);
      assert.deepEqual(mapLines(carol.ok(['run', '--rm', 'busybox', 'cat', '/proc/self/uid_map'])), [[0, carol.uid, 1], [1, 900000, 65536]]);
      // The container made under the single mapping starts again under the new one.
      carol.ok(['start', id]);
      assert.equal(carol.ok(['exec', id, 'stat', '-c', '%u', '/bin/busybox']), '0\n');
    } finally {
      writeFileSync('/etc/subuid', saved.uid);
      writeFileSync('/etc/subgid', saved.gid);
      carol.skiff(['rm', '-f', '-t0', id]);
      carol.skiff(['system', 'migrate']);
    }
    assert.equal(mapLines(carol.ok(['run', '--rm', 'busybox', 'cat', '/proc/self/uid_map'])).length, 1);
  });

  it('the pause process outlives the command, is joined by the next, and is made again when killed', () => {
    alice.ok(['ps']);
    const first = pausePid(alice);
    assert.equal(readFileSync(`/proc/${first}/comm`, 'utf8').trim(), 'catatonit');
    assert.equal(Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${first}/status`, 'utf8'))?.[1]), alice.uid);
    alice.ok(['images']);
    assert.equal(pausePid(alice), first);
    process.kill(first, 'SIGKILL');
    assert.ok(gone(first));
    const again = alice.skiff(['run', '--rm', 'busybox', 'cat', '/proc/self/uid_map']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(mapLines(again.stdout).length, 2);
    assert.notEqual(pausePid(alice), first);
    // Killed while a container runs: the next command joins that container's namespaces.
    const id = alice.ok(['run', '-d', 'busybox', 'sleep', '60']).trim();
    try {
      const second = pausePid(alice);
      process.kill(second, 'SIGKILL');
      assert.ok(gone(second));
      assert.equal(alice.ok(['exec', id, 'echo', 'still here']), 'still here\n');
      assert.notEqual(pausePid(alice), second);
    } finally {
      alice.ok(['rm', '-f', '-t0', id]);
    }
  });

  it('a bind-mounted directory of the user is written as the user; a file the user cannot read stays unreadable', () => {
    const dir = join(alice.home, 'bind');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    chownSync(dir, alice.uid, alice.gid);
    alice.ok(['run', '--rm', '-v', `${dir}:/data`, 'busybox', 'sh', '-c', 'echo hi > /data/f']);
    assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'hi\n');
    const st = run('stat', ['-c', '%u:%g', join(dir, 'f')]).stdout.trim();
    assert.equal(st, `${alice.uid}:${alice.gid}`);
    const secret = join(alice.home, 'root-only');
    writeFileSync(secret, 'not yours\n');
    chmodSync(secret, 0o600);
    const r = alice.skiff(['run', '--rm', '-v', `${secret}:/s`, 'busybox', 'cat', '/s']);
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /Permission denied/);
    rmSync(secret);
  });

  it('a container process shows on the host under the user, with the login UID of who started it', () => {
    const id = alice.skiff(['run', '-d', 'busybox', 'sleep', '60'], { loginuid: true });
    assert.equal(id.code, 0, id.stderr);
    try {
      const pid = Number(alice.ok(['inspect', '--format', '{{.State.Pid}}', id.stdout.trim()]).trim());
      assert.equal(run('ps', ['-o', 'uid=,comm=', '-p', String(pid)]).stdout.trim().replace(/\s+/g, ' '), `${alice.uid} sleep`);
      assert.equal(readFileSync(`/proc/${pid}/loginuid`, 'utf8'), String(alice.uid));
    } finally {
      alice.skiff(['rm', '-f', '-t0', id.stdout.trim()]);
    }
  });

  it('two users side by side never see each other\'s containers, images or secrets', () => {
    alice.ok(['create', '--name', 'alices', 'busybox', 'true']);
    const value = join(alice.home, 'secret-value');
    writeFileSync(value, 'shh');
    chownSync(value, alice.uid, alice.gid);
    alice.ok(['secret', 'create', 'alices-secret', value]);
    bob.ok(['create', '--name', 'bobs', 'busybox', 'true']);
    assert.deepEqual(alice.ok(['ps', '-a', '--format', '{{.Names}}']).trim().split('\n'), ['alices']);
    assert.deepEqual(bob.ok(['ps', '-a', '--format', '{{.Names}}']).trim().split('\n'), ['bobs']);
    assert.equal(bob.ok(['secret', 'ls', '--format', '{{.Name}}']).trim(), '');
    assert.notEqual(alice.ok(['run', '--rm', 'busybox', 'cat', '/proc/self/uid_map']), bob.ok(['run', '--rm', 'busybox', 'cat', '/proc/self/uid_map']));
    // Bob, root in his namespace, still cannot enter Alice's store.
    const peek = bob.run(SKIFF, ['unshare', 'ls', join(alice.home, '.local/share/skiff')]);
    assert.notEqual(peek.code, 0);
    assert.match(peek.stderr, /Permission denied/);
    alice.ok(['rm', 'alices']);
    alice.ok(['secret', 'rm', 'alices-secret']);
    bob.ok(['rm', 'bobs']);
  });

  it('pulls from and pushes to a registry on 127.0.0.1, and runs what it pulled', async () => {
    let reg: TestRegistry | undefined;
    try {
      reg = await startRegistry('http');
      const ref = `${reg.host}/rootless/busybox:1`;
      alice.ok(['tag', 'localhost/busybox', ref]);
      alice.ok(['push', '-q', '--tls-verify=false', ref]);
      bob.ok(['pull', '-q', '--tls-verify=false', ref]);
      assert.equal(bob.ok(['run', '--rm', ref, 'stat', '-c', '%u:%g', '/etc/passwd']).trim(), '0:0');
      // Alice's image has two names, so two rows, as podman lists them.
      assert.equal(bob.ok(['images', '--format', '{{.ID}}', ref]), alice.ok(['images', '--format', '{{.ID}}', ref]).split('\n')[0] + '\n');
      bob.ok(['rmi', ref]);
      alice.ok(['untag', 'localhost/busybox', ref]);
    } finally {
      await reg?.stop();
    }
  });

  it('--userns keep-id, nomap, auto and --uidmap map as podman does; keep-id runs as the user', () => {
    const cases: string[][] = [['--userns', 'keep-id'], ['--userns', 'keep-id:uid=200,gid=300'], ['--userns', 'nomap'], ['--userns', 'auto'], ['--uidmap', '0:1:500']];
    for (const flags of cases) {
      const cmd = ['run', '--rm', ...flags, 'localhost/busybox', 'sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id'];
      const mine = alice.skiff(cmd);
      const theirs = alice.podman(cmd);
      assert.equal(mine.code, 0, `${flags.join(' ')}: ${mine.stderr}`);
      assert.equal(theirs.code, 0, `podman ${flags.join(' ')}: ${theirs.stderr}`);
      assert.equal(mine.stdout.replace(/\s+/g, ' '), theirs.stdout.replace(/\s+/g, ' '), flags.join(' '));
    }
    // The image's files keep their owners through the map, and the user's own files are theirs.
    const dir = join(alice.home, 'keep');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    chownSync(dir, alice.uid, alice.gid);
    const out = alice.ok(['run', '--rm', '--userns', 'keep-id', '-v', `${dir}:/k`, 'busybox', 'sh', '-c', 'stat -c %u:%g /bin/busybox; grep skiff-rl1 /etc/passwd; touch /k/mine']);
    assert.deepEqual(out.trim().split('\n'), ['0:0', `skiff-rl1:*:${alice.uid}:${alice.gid}::/:/bin/sh`]);
    assert.equal(run('stat', ['-c', '%u:%g', join(dir, 'mine')]).stdout.trim(), `${alice.uid}:${alice.gid}`);
    const asRoot = ['run', '--rm', '--userns', 'keep-id', '--user', '0', 'localhost/busybox', 'id'];
    assert.equal(alice.ok(asRoot), alice.podman(asRoot).stdout);
    const inspect = ['create', '--userns', 'keep-id', '--name', 'kid', 'localhost/busybox', 'true'];
    alice.ok(inspect);
    assert.equal(alice.podman(inspect).code, 0);
    const fmt = ['inspect', '--format', '{{.HostConfig.UsernsMode}} {{.Config.User}} {{json .HostConfig.IDMappings}}', 'kid'];
    assert.equal(alice.ok(fmt), alice.podman(fmt).stdout);
    alice.ok(['rm', 'kid']);
    alice.podman(['rm', 'kid']);
  });

  it('a keep-id container leaves the user\'s directories as they were; its export and commit record the container\'s owners', () => {
    const modes = () => ['.local', '.local/share', '.local/share/skiff', '.local/share/skiff/skiff.db'].map((d) => run('stat', ['-c', '%a', join(alice.home, d)]).stdout.trim());
    const before = modes();
    assert.equal(before[3], '600');
    alice.ok(['create', '--name', 'kx', '--userns', 'keep-id', 'busybox', 'sh', '-c', 'touch /tmp/made-by-user']);
    alice.ok(['start', '-a', 'kx']);
    after(() => alice.skiff(['rm', '-f', 'kx']));
    assert.deepEqual(modes(), before);
    const listing = alice.run('sh', ['-c', `${SKIFF} export kx | tar -tvf - bin/busybox tmp/made-by-user`]).stdout;
    assert.match(listing, /^-\S+ 0\/0 .* bin\/busybox$/m);
    assert.match(listing, new RegExp(`^-\\S+ ${alice.uid}/${alice.gid} .* tmp\\/made-by-user$`, 'm'));
    alice.ok(['commit', '-q', 'kx', 'kx-image']);
    assert.equal(alice.ok(['run', '--rm', 'kx-image', 'stat', '-c', '%u:%g', '/bin/busybox', '/tmp/made-by-user']), `0:0\n${alice.uid}:${alice.gid}\n`);
    alice.ok(['rm', 'kx']);
    alice.ok(['rmi', 'kx-image']);
  });

  it('commit keeps a directory the container replaced opaque (rootless whiteout markers)', () => {
    alice.ok(['run', '--name', 'mk', 'busybox', 'sh', '-c', 'mkdir /d && touch /d/old']);
    alice.ok(['commit', '-q', 'mk', 'with-d']);
    alice.ok(['run', '--name', 'op', 'with-d', 'sh', '-c', 'rm -rf /d && mkdir /d && touch /d/new && rm /bin/vi']);
    alice.ok(['commit', '-q', 'op', 'replaced-d']);
    assert.equal(alice.ok(['run', '--rm', 'replaced-d', 'sh', '-c', 'ls /d; ls /bin/vi 2>&1 || true']), 'new\nls: /bin/vi: No such file or directory\n');
    alice.ok(['rm', 'mk', 'op']);
    alice.ok(['rmi', 'replaced-d', 'with-d']);
  });

  it('refuses bad --userns and map flags with podman\'s errors, exit 125', () => {
    for (const flags of [['--userns', 'bogus'], ['--userns', 'keep-id:foo=1'], ['--userns', 'keep-id', '--uidmap', '0:1:10'], ['--uidmap', 'bad'], ['--userns', 'ns:/nonexist']]) {
      const cmd = ['run', '--rm', ...flags, 'localhost/busybox', 'true'];
      const mine = alice.skiff(cmd);
      const theirs = alice.podman(cmd);
      assert.equal(mine.code, 125, flags.join(' '));
      assert.equal(theirs.code, 125, flags.join(' '));
      assert.equal(mine.stderr, theirs.stderr.split('\n').filter((l) => l.startsWith('Error: ')).join('\n') + '\n', flags.join(' '));
    }
    const tooMany = alice.skiff(['run', '--rm', '--uidmap', '0:1:70000', 'busybox', 'true']);
    assert.equal(tooMany.code, 125);
    assert.match(tooMany.stderr, /^Error: --uidmap 0:1:70000: IDs 1-70000 are not all mapped in this user namespace, which has 65537 \(0-65536\)/);
    assert.equal(alice.ok(['ps', '-a', '-q']), '');
  });

  it('--device binds the host\'s node, since a user namespace cannot make one', () => {
    const r = alice.skiff(['run', '--rm', '--device', '/dev/null:/dev/mynull', 'busybox', 'sh', '-c', 'stat -c "%t:%T" /dev/mynull && echo x > /dev/mynull && echo written']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1:3\nwritten\n');
  });

  it('resource flags without a cgroup: podman\'s warning, nothing applied, and inspect says what was not', () => {
    const r = alice.skiff(['create', '--name', 'limited', '--memory', '10m', '--pids-limit', '10', 'busybox', 'true']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, 'Resource limits are not supported and ignored on cgroups V1 rootless systems\n');
    const shown = alice.ok(['inspect', '--format', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{index .Config.Annotations "io.skiff.resources.not-applied"}}', 'limited']);
    assert.equal(shown.trim(), '0 0 memory=10485760,pids-limit=10');
    alice.ok(['rm', 'limited']);
    const p = alice.podman(['run', '--rm', '--memory', '10m', 'localhost/busybox', 'true']);
    assert.equal(p.stderr.split('\n').filter((l) => !l.includes('level=warning')).join('\n'), r.stderr);
  });

  it('image mount refuses outside skiff unshare with podman\'s message, and works inside', () => {
    const r = alice.skiff(['image', 'mount', 'busybox']);
    assert.equal(r.code, 125);
    assert.equal(r.stderr, 'Error: cannot run command "skiff image mount" in rootless mode, must execute `skiff unshare` first\n');
    assert.equal(alice.podman(['image', 'mount', 'localhost/busybox']).stderr.replaceAll('podman', 'skiff'), r.stderr);
    const inside = alice.run(SKIFF, ['unshare', 'sh', '-c', `p=$(${SKIFF} image mount busybox) && stat -c %u:%g "$p/bin/busybox" && ${SKIFF} image unmount busybox >/dev/null`]);
    assert.equal(inside.code, 0, inside.stderr);
    assert.equal(inside.stdout, '0:0\n');
  });

  it('unshare runs a command as root in the namespace, with podman\'s variables, exit codes and errors', () => {
    const env = alice.ok(['unshare', 'env']);
    assert.match(env, new RegExp(`^_CONTAINERS_ROOTLESS_UID=${alice.uid}$`, 'm'));
    assert.match(env, /^_CONTAINERS_USERNS_CONFIGURED=done$/m);
    assert.match(env, new RegExp(`^CONTAINERS_GRAPHROOT=${join(alice.home, '.local/share/skiff')}$`, 'm'));
    assert.equal(alice.ok(['unshare', 'id', '-u']), '0\n');
    assert.equal(alice.ok(['unshare', 'pwd']), `${alice.home}\n`);
    assert.equal(alice.skiff(['unshare', 'sh', '-c', 'exit 7']).code, 7);
    const missing = alice.skiff(['unshare', 'no-such-command']);
    assert.equal(missing.code, 127);
    assert.equal(missing.stderr, alice.podman(['unshare', 'no-such-command']).stderr);
    const asRoot = run(SKIFF, ['unshare', 'true']);
    assert.equal(asRoot.code, 125);
    assert.equal(asRoot.stderr, 'Error: please use unshare with rootless\n');
  });

  it('keep-id and nomap are refused to root, as podman does', () => {
    for (const mode of ['keep-id', 'nomap']) {
      const r = run(SKIFF, ['create', '--userns', mode, 'localhost/busybox', 'true']);
      assert.equal(r.code, 125);
      assert.equal(r.stderr, `Error: ${mode} is only supported in rootless mode\n`);
    }
  });

  it('fuse-overlayfs, when storage.conf asks for it, mounts the same image', () => {
    const conf = join(alice.home, 'storage-fuse.conf');
    writeFileSync(conf, '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n');
    const store = ['--root', join(alice.home, 'fuse-store'), '--runroot', `/tmp/skiff-run-${alice.uid}/fuse-run`];
    const env = { CONTAINERS_STORAGE_CONF: conf };
    try {
      const tar = join(alice.home, 'busybox-rootfs.tar');
      assert.equal(alice.skiff([...store, 'import', '-q', tar, 'bb'], { env }).code, 0);
      const r = alice.skiff([...store, 'run', '--rm', 'bb', 'sh', '-c', 'head -1 /proc/self/mountinfo; stat -c %u:%g /bin/busybox'], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, / - fuse\.fuse-overlayfs /);
      assert.match(r.stdout, /^0:0$/m);
      // An overlay volume (:O) is mounted by the same program: the container's writes stay out of the host directory.
      const lower = join(alice.home, 'o-lower');
      rmSync(lower, { recursive: true, force: true });
      mkdirSync(lower);
      writeFileSync(join(lower, 'host-file'), 'x');
      chownSync(lower, alice.uid, alice.gid);
      const o = alice.skiff([...store, 'run', '--rm', '-v', `${lower}:/o:O`, 'bb', 'sh', '-c', 'touch /o/new && ls /o'], { env });
      assert.equal(o.code, 0, o.stderr);
      assert.equal(o.stdout, 'host-file\nnew\n');
      assert.equal(existsSync(join(lower, 'new')), false);
      const info = JSON.parse(alice.ok([...store, 'info', '--format', 'json'], { env }));
      assert.equal(info.store.graphOptions['overlay.mount_program'].Executable, '/usr/bin/fuse-overlayfs');
      assert.equal(info.store.graphStatus['Native Overlay Diff'], 'false');
    } finally {
      alice.skiff([...store, 'system', 'reset', '-f'], { env });
    }
  });

  it('networks: pasta by default, slirp4netns on request, each with its address and nameserver', () => {
    const pasta = alice.ok(['run', '--rm', 'busybox', 'sh', '-c', 'ip -4 addr show scope global | grep -c inet; head -1 /etc/resolv.conf']);
    assert.deepEqual(pasta.trim().split('\n'), ['1', 'nameserver 169.254.1.1']);
    assert.equal(alice.ok(['inspect', '--format', '{{.HostConfig.NetworkMode}}', alice.ok(['create', 'busybox', 'true']).trim()]).trim(), 'pasta');
    const slirp = alice.ok(['run', '--rm', '--network', 'slirp4netns', 'busybox', 'sh', '-c', 'ip -4 addr show tap0 | grep -o "inet [0-9./]*"; head -1 /etc/resolv.conf']);
    assert.deepEqual(slirp.trim().split('\n'), ['inet 10.0.2.100/24', 'nameserver 10.0.2.3']);
    const none = alice.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ip -4 addr show scope global | grep -c inet || true']);
    assert.equal(none.trim(), '0');
    alice.ok(['rm', '-a']);
  });

  for (const network of ['pasta', 'slirp4netns']) {
    it(`-p 127.0.0.1:PORT:80 through ${network} reaches a server in the container, and teardown leaves nothing`, async () => {
      const port = await freePort();
      const id = alice.ok(['run', '-d', '--network', network, '-p', `127.0.0.1:${port}:80`, 'busybox', 'httpd', '-f', '-v', '-p', '80', '-h', '/etc']).trim();
      try {
        assert.equal((await fetchText(`http://127.0.0.1:${port}/hostname`)).trim(), id.slice(0, 12));
        assert.equal(helpers(alice).length, 1);
        // skiff made the container's network namespace, pinned in its run directory, before the runtime joined it.
        const pinned = `/tmp/skiff-run-${alice.uid}/skiff/containers/${id}/netns`;
        assert.deepEqual(pinnedNetns(alice).map((l) => l.split(' ')[4]), [pinned]);
        assert.equal(alice.ok(['inspect', '--format', '{{.NetworkSettings.SandboxKey}}', id]), `${pinned}\n`);
        assert.equal(alice.ok(['port', id]), `80/tcp -> 127.0.0.1:${port}\n`);
        assert.equal(alice.ok(['ps', '--format', '{{.Ports}}']), `127.0.0.1:${port}->80/tcp\n`);
        // The client's address as the server saw it: pasta keeps loopback, slirp4netns NATs it.
        const log = alice.skiff(['logs', id]).stderr;
        assert.match(log, network === 'pasta' ? /\[::ffff:127\.0\.0\.1\]:\d+: response:200/ : /\[::ffff:10\.0\.2\.2\]:\d+: response:200/);
      } finally {
        alice.ok(['rm', '-f', '-t0', id]);
      }
      assert.deepEqual(helpers(alice), []);
      assert.deepEqual(pinnedNetns(alice), []);
      await fetch(`http://127.0.0.1:${port}/`).then(
        () => assert.fail('the port is still served after rm'),
        () => {},
      );
    });
  }

  it('a container cannot reach the host\'s loopback through its gateway, with either helper', async () => {
    const srv = createServer((s) => s.end('host-only\n'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    try {
      for (const network of ['pasta', 'slirp4netns']) {
        // The same wget first reaches a server in the container, so that "blocked" means blocked
        // (busybox's wget -T crashes in 1.35: timeout(1) bounds it instead).
        const probe = `httpd -p 127.0.0.1:8080 -h /etc; timeout 2 wget -q -O- http://127.0.0.1:8080/hostname >/dev/null && echo control-ok; gw=$(ip route | awk '/^default/ {print $3; exit}'); echo "gw $gw" >&2; timeout 2 wget -q -O- "http://$gw:${port}/" && echo reached || echo blocked`;
        // Spawned asynchronously: the listener lives in this process.
        const r = await runAsync('runuser', ['-u', alice.name, '--', 'env', '-i', ...alice.env(), SKIFF, 'run', '--rm', '--network', network, 'busybox', 'sh', '-c', probe]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), 'control-ok\nblocked', `${network}: ${r.stderr}`);
      }
    } finally {
      srv.close();
    }
  });

  it('a host port in use: the second container gets a clear error, exit 126, and is left created with nothing running', async () => {
    const port = await freePort();
    const first = alice.ok(['run', '-d', '-p', `127.0.0.1:${port}:80`, 'busybox', 'sleep', '60']).trim();
    try {
      for (const network of ['pasta', 'slirp4netns']) {
        const r = alice.skiff(['run', '-d', '--name', 'second', '--network', network, '-p', `127.0.0.1:${port}:80`, 'busybox', 'sleep', '60']);
        assert.equal(r.code, 126);
        assert.match(r.stderr, network === 'pasta' ? new RegExp(`^Error: setting up pasta: Failed to bind any port for '-t 127\\.0\\.0\\.1/${port}:80'`) : new RegExp(`^Error: cannot expose port ${port}/tcp through slirp4netns: .*in use`));
        assert.equal(alice.ok(['ps', '-a', '--filter', 'name=second', '--format', '{{.Status}}']).trim(), 'Created');
        assert.equal(helpers(alice).length, 1);
        assert.equal(pinnedNetns(alice).length, 1);
        alice.ok(['rm', 'second']);
      }
    } finally {
      alice.ok(['rm', '-f', '-t0', first]);
    }
  });

  it('port and ps show published ports as podman does; -p with no network is dropped with podman\'s warning', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const flags = ['-p', `127.0.0.1:${a}:80`, '-p', `${b}:81/udp`, '-p', '92'];
    // One engine at a time: both cannot hold the same host ports.
    const shown = (engine: 'skiff' | 'podman'): string[] => {
      const call = (args: string[]) => (engine === 'skiff' ? alice.skiff(args) : alice.podman(args));
      const r = call(['run', '-d', '--name', 'ports', ...flags, 'localhost/busybox', 'sleep', '60']);
      assert.equal(r.code, 0, `${engine}: ${r.stderr}`);
      try {
        // The host port of -p 92 is chosen by each engine.
        const random = (text: string) => text.replace(/0\.0\.0\.0:\d+->92\/tcp/, '0.0.0.0:N->92/tcp').replace(/92\/tcp -> 0\.0\.0\.0:\d+/, '92/tcp -> 0.0.0.0:N');
        return [random(call(['port', 'ports']).stdout), random(call(['ps', '--format', '{{.Ports}}']).stdout), call(['port', 'ports', '81/udp']).stdout];
      } finally {
        call(['rm', '-f', '-t0', 'ports']);
      }
    };
    // skiff keeps the order of the flags; podman's order comes from a Go map and changes from
    // one container to the next, so the two are compared as sets of entries.
    const mine = shown('skiff');
    assert.deepEqual(mine.slice(0, 2), [`80/tcp -> 127.0.0.1:${a}\n92/tcp -> 0.0.0.0:N\n81/udp -> 0.0.0.0:${b}\n`, `127.0.0.1:${a}->80/tcp, 0.0.0.0:N->92/tcp, 0.0.0.0:${b}->81/udp\n`]);
    const entries = (shown: string[]) => [shown[0]!.trim().split('\n').sort(), shown[1]!.trim().split(', ').sort(), shown[2]];
    assert.deepEqual(entries(mine), entries(shown('podman')));
    assert.equal(mine[2], `0.0.0.0:${b}\n`);
    const dropped = alice.skiff(['create', '--network', 'none', '-p', '8080:80', 'busybox', 'true']);
    assert.equal(dropped.stderr, alice.podman(['create', '--network', 'none', '-p', '8080:80', 'localhost/busybox', 'true']).stderr.split('\n').filter((l) => !l.includes('level=')).join('\n'));
    alice.ok(['rm', '-a']);
    alice.podman(['rm', '-a']);
  });

  it('system reset removes everything of this user and nothing of another\'s', () => {
    bob.ok(['create', '--name', 'stays', 'busybox', 'true']);
    carol.ok(['volume', 'create', 'v']);
    carol.ok(['create', '--name', 'goes', '-v', 'v:/v', 'busybox', 'true']);
    const pause = pausePid(carol);
    const answer = carol.skiff(['system', 'reset'], { input: 'n\n' });
    assert.match(answer.stdout, /Are you sure you want to continue\? \[y\/N\] $/);
    assert.equal(carol.ok(['ps', '-a', '--format', '{{.Names}}']).trim(), 'goes');
    carol.ok(['system', 'reset', '-f']);
    assert.equal(existsSync(join(carol.home, '.local/share/skiff')), false);
    assert.ok(gone(pause), 'reset ends the pause process');
    assert.equal(bob.ok(['ps', '-a', '--format', '{{.Names}}']).trim(), 'stays');
    bob.ok(['rm', 'stays']);
  });
});
