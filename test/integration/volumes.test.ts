/**
 * Volumes end to end, side by side with real podman 4.3.1: the volume commands' output and
 * errors, named and anonymous volumes in containers, copy-up and ownership from the image,
 * removal with rm -v / --rm / volume rm -f, and volumes that mount a filesystem.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importBusybox, Podman, Sandbox } from './harness.ts';

const sb = new Sandbox('skiff-vol');
const podman = new Podman();

before(() => {
  importBusybox(sb, podman);
  importBusybox(sb, podman, ['CMD ["/bin/sh"]', 'VOLUME /data'], 'localhost/bbvol:latest');
  // An image with a directory owned by 1000:1000, mode 0750, holding a file: for copy-up.
  const mk = ['sh', '-c', 'mkdir -p /owned/sub && echo seed > /owned/f && echo deep > /owned/sub/g && chown -R 1000:1000 /owned && chmod 750 /owned'];
  sb.ok(['run', '--name', 'mk', 'busybox', ...mk]);
  sb.ok(['commit', '-q', 'mk', 'localhost/owned']);
  sb.ok(['rm', 'mk']);
  podman.ok(['run', '--network', 'none', '--name', 'mk', 'busybox', ...mk]);
  podman.ok(['commit', '-q', 'mk', 'localhost/owned']);
  podman.ok(['rm', 'mk']);
});
after(() => {
  sb.skiff(['rm', '-a', '-f', '-t', '0']);
  sb.skiff(['volume', 'prune', '-f']);
  sb.cleanup();
  podman.cleanup();
});

function both(args: string[], input?: string) {
  const withNet = args[0] === 'run' || args[0] === 'create' ? [args[0], '--network', 'none', ...args.slice(1)] : args;
  return { s: sb.skiff(withNet, { input }), p: podman.run(withNet, { input }) };
}

/** Same stdout, stderr (when asked) and exit code on both. */
function same(args: string[], opts: { stderr?: boolean; input?: string } = {}) {
  const { s, p } = both(args, opts.input);
  assert.equal(s.stdout, p.stdout, `stdout of ${args.join(' ')}`);
  if (opts.stderr) assert.equal(s.stderr, p.stderr, `stderr of ${args.join(' ')}`);
  assert.equal(s.code, p.code, `exit code of ${args.join(' ')}: skiff said ${s.stderr}`);
  return s;
}

/** Succeeds on both (output such as new IDs differs). */
function okBoth(args: string[]): void {
  const { s, p } = both(args);
  assert.equal(s.code, 0, `skiff ${args.join(' ')}: ${s.stderr}`);
  assert.equal(p.code, 0, `podman ${args.join(' ')}: ${p.stderr}`);
}

function volumeDir(root: string, name: string): string {
  return join(root, 'volumes', name, '_data');
}

function listVolumes(who: 'skiff' | 'podman'): string[] {
  const out = who === 'skiff' ? sb.ok(['volume', 'ls', '-q']) : podman.ok(['volume', 'ls', '-q']);
  return out.split('\n').filter(Boolean);
}

describe('volume commands, as podman', () => {
  it('creates, lists, inspects and removes named volumes', () => {
    same(['volume', 'create', 'va']);
    same(['volume', 'create', '--label', 'team=web', '--label', 'tier', '-o', 'o=uid=1000,gid=1000', 'vb']);
    same(['volume', 'ls']);
    same(['volume', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}} {{.Options}} {{.MountCount}}']);
    same(['volume', 'ls', '--format', 'table {{.Name}}\t{{.Labels}}']);
    same(['volume', 'ls', '--noheading']);
    same(['volume', 'ls', '--filter', 'label=team=web']);
    same(['volume', 'ls', '--filter', 'label=tier', '-q']);
    same(['volume', 'ls', '--filter', 'name=^v', '--filter', 'name=b$', '-q']);
    same(['volume', 'ls', '--filter', 'opt=o=uid=1000', '-q']);
    same(['volume', 'ls', '--filter', 'dangling=true', '-q']);
    same(['volume', 'ls', '--filter', 'driver=local', '-q']);
    same(['volume', 'inspect', 'vb', '--format', '{{.Name}} {{.Driver}} {{.Labels}} {{.Options}} {{.MountCount}} {{.NeedsCopyUp}}']);
    const s = JSON.parse(sb.ok(['volume', 'inspect', 'vb']))[0];
    const p = JSON.parse(podman.ok(['volume', 'inspect', 'vb']))[0];
    for (const k of ['Name', 'Driver', 'Labels', 'Scope', 'Options', 'MountCount', 'NeedsCopyUp', 'NeedsChown']) assert.deepEqual(s[k], p[k], k);
    assert.deepEqual(Object.keys(s), Object.keys(p));
    assert.equal(s.Mountpoint, volumeDir(sb.root, 'vb'));
    assert.equal(statSync(s.Mountpoint).uid, 1000);
    assert.equal(statSync(s.Mountpoint).mode & 0o7777, 0o755);
    same(['volume', 'exists', 'va']);
    same(['volume', 'exists', 'nope']);
    same(['volume', 'rm', 'va', 'vb']);
    same(['volume', 'ls', '-q']);
  });

  it('names an anonymous volume with 64 hex digits', () => {
    const name = sb.ok(['volume', 'create']).trim();
    assert.match(name, /^[0-9a-f]{64}$/);
    sb.ok(['volume', 'rm', name]);
  });

  it('reports bad input with podman\'s errors and exit codes, storing nothing', () => {
    same(['volume', 'create', 'dup']);
    const before = sb.snapshot();
    same(['volume', 'create', 'dup'], { stderr: true });
    same(['volume', 'create', 'bad/name'], { stderr: true });
    same(['volume', 'create', '--driver', 'nosuch', 'x'], { stderr: true });
    same(['volume', 'create', '-o', 'bogus=1', 'x'], { stderr: true });
    same(['volume', 'create', '-o', 'o=size=1m', 'x'], { stderr: true });
    same(['volume', 'inspect', 'nope'], { stderr: true });
    same(['volume', 'rm', 'nope'], { stderr: true });
    same(['volume', 'rm', '-f', 'nope'], { stderr: true });
    same(['volume', 'rm'], { stderr: true });
    same(['volume', 'inspect'], { stderr: true });
    same(['volume', 'ls', '--filter', 'bogus=1'], { stderr: true });
    same(['volume', 'ls', '--filter', 'dangling=maybe'], { stderr: true });
    same(['create', '--image-volume', 'bogus', 'bbvol', 'true'], { stderr: true });
    assert.deepEqual(sb.snapshot(), before);
    same(['volume', 'rm', 'dup']);
  });
});

describe('volumes in containers', () => {
  it('creates a named volume on first use and copies the image content into it', () => {
    same(['run', '--rm', '-v', 'etcvol:/etc', 'busybox', 'ls', '/etc']);
    assert.deepEqual(readdirSync(volumeDir(sb.root, 'etcvol')).sort(), readdirSync(volumeDir(podman.dir + '/root', 'etcvol')).sort());
    // Copied once: what a container writes stays, and the image content does not come back.
    same(['run', '--rm', '-v', 'etcvol:/etc', 'busybox', 'sh', '-c', 'rm /etc/group; echo kept > /etc/mine']);
    same(['run', '--rm', '-v', 'etcvol:/etc', 'busybox', 'sh', '-c', 'ls /etc; cat /etc/mine']);
    same(['volume', 'inspect', 'etcvol', '--format', '{{.NeedsCopyUp}} {{.NeedsChown}} {{.MountCount}}']);
    same(['volume', 'rm', 'etcvol']);
  });

  it('gives a fresh volume the owner and mode of the directory it covers, with its content', () => {
    same(['run', '--rm', '-v', 'ov:/owned', 'owned', 'sh', '-c', 'ls -ln /owned | sed "s/ [A-Z][a-z][a-z] .* / /"; cat /owned/f /owned/sub/g']);
    const s = statSync(volumeDir(sb.root, 'ov'));
    const p = statSync(volumeDir(join(podman.dir, 'root'), 'ov'));
    assert.deepEqual([s.uid, s.gid, s.mode & 0o7777], [p.uid, p.gid, p.mode & 0o7777]);
    assert.deepEqual([s.uid, s.mode & 0o7777], [1000, 0o750]);
    same(['run', '--rm', '-v', 'tv:/tmp', 'busybox', 'stat', '-c', '%a %u', '/tmp']);
    same(['run', '--rm', '-v', 'nv:/none/here', 'busybox', 'stat', '-c', '%a %u', '/none/here']);
    same(['volume', 'rm', 'ov', 'tv', 'nv']);
  });

  it('takes a named volume through --mount type=volume, read-only with ro', () => {
    same(['run', '--rm', '--mount', 'type=volume,source=mnt-vol,target=/d', 'busybox', 'sh', '-c', 'echo x > /d/f']);
    same(['run', '--rm', '--mount', 'type=volume,src=mnt-vol,dst=/e,ro', 'busybox', 'sh', '-c', 'cat /e/f; touch /e/g 2>/dev/null || echo read-only'], { stderr: true });
    assert.ok(listVolumes('skiff').includes('mnt-vol'));
    same(['volume', 'rm', 'mnt-vol']);
  });

  it('leaves copy-up out with nocopy', () => {
    same(['run', '--rm', '-v', 'nc:/etc:nocopy', 'busybox', 'ls', '/etc']);
    same(['volume', 'rm', 'nc']);
  });

  it('gives an image VOLUME an anonymous volume that rm -v and --rm remove, and rm alone keeps', () => {
    const start = listVolumes('skiff');
    same(['run', '--rm', 'bbvol', 'sh', '-c', 'echo x > /data/f; grep -c " /data " /proc/mounts']);
    assert.deepEqual(listVolumes('skiff'), start);
    okBoth(['create', '--name', 'keep', 'bbvol', 'true']);
    okBoth(['create', '--name', 'drop', 'bbvol', 'true']);
    assert.equal(listVolumes('skiff').length, start.length + 2);
    for (const field of ['{{json .Mounts}}', '{{json .HostConfig.Binds}}']) {
      const norm = (t: string, root: string) => t.replace(/[0-9a-f]{64}/g, 'ID').replaceAll(root, 'ROOT');
      const s = norm(sb.ok(['inspect', 'drop', '--format', field]), sb.root);
      const p = norm(podman.ok(['inspect', 'drop', '--format', field]), join(podman.dir, 'root'));
      assert.equal(s, p, field);
    }
    same(['rm', '-v', 'drop']);
    assert.equal(listVolumes('skiff').length, start.length + 1);
    same(['rm', 'keep']);
    assert.equal(listVolumes('skiff').length, start.length + 1);
    const pruned = both(['volume', 'prune', '-f']);
    assert.equal(pruned.s.stdout.split('\n').filter(Boolean).length, 1);
    assert.equal(pruned.p.stdout.split('\n').filter(Boolean).length, 1);
    same(['volume', 'ls', '-q']);
  });

  it('follows --image-volume tmpfs and ignore', () => {
    same(['run', '--rm', '--image-volume', 'tmpfs', 'bbvol', 'sh', '-c', 'grep " /data " /proc/mounts | cut -d" " -f1,3']);
    same(['run', '--rm', '--image-volume', 'ignore', 'bbvol', 'sh', '-c', 'grep -c " /data " /proc/mounts']);
    same(['volume', 'ls', '-q']);
  });

  it('shows a named volume in inspect and in ps --filter volume=', () => {
    okBoth(['create', '--name', 'user', '-v', 'shared:/x:ro', '-v', `${sb.dir}:/host`, 'busybox', 'true']);
    const norm = (t: string, root: string) => t.replaceAll(root, 'ROOT');
    assert.equal(norm(sb.ok(['inspect', 'user', '--format', '{{json .Mounts}}']), sb.root), norm(podman.ok(['inspect', 'user', '--format', '{{json .Mounts}}']), join(podman.dir, 'root')));
    same(['ps', '-a', '--filter', 'volume=shared', '--format', '{{.Names}}']);
    same(['ps', '-a', '--filter', 'volume=shared:/x', '--format', '{{.Names}}']);
    same(['ps', '-a', '--filter', 'volume=shared:/y', '--format', '{{.Names}}']);
    same(['ps', '-a', '--filter', `volume=${sb.dir}`, '--format', '{{.Names}}']);
    const inUse = both(['volume', 'rm', 'shared']);
    assert.equal(inUse.s.code, 2);
    assert.equal(inUse.s.code, inUse.p.code);
    const id = sb.ok(['inspect', 'user', '--format', '{{.Id}}']).trim();
    assert.equal(inUse.s.stderr, `Error: volume shared is being used by the following container(s): ${id}: volume is being used\n`);
    same(['volume', 'rm', '-f', 'shared']);
    same(['ps', '-a', '--filter', 'name=user', '-q']);
  });

  it('U chowns a bind source to the container user; O overlays it and drops the writes', () => {
    for (const who of ['s', 'p'] as const) {
      const dir = join(sb.dir, `u-${who}`);
      mkdirSync(join(dir, 'sub'), { recursive: true });
      const args = ['run', '--rm', '-u', '1000:1001', '-v', `${dir}:/x:U`, 'busybox', 'stat', '-c', '%u:%g', '/x', '/x/sub'];
      const r = who === 's' ? sb.skiff(args) : podman.run(['run', '--network', 'none', ...args.slice(1)]);
      assert.equal(r.stdout, '1000:1001\n1000:1001\n', `${who}: ${r.stderr}`);
      assert.deepEqual([statSync(join(dir, 'sub')).uid, statSync(join(dir, 'sub')).gid], [1000, 1001]);
    }
    same(['run', '--rm', '-v', '/:/x:U', 'busybox', 'true'], { stderr: true });
    const src = join(sb.dir, 'ovsrc');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'orig\n');
    same(['run', '--rm', '-v', `${src}:/o:O`, 'busybox', 'sh', '-c', 'echo new > /o/f; echo add > /o/g; cat /o/f; ls /o']);
    assert.equal(readFileSync(join(src, 'f'), 'utf8'), 'orig\n');
    assert.deepEqual(readdirSync(src), ['f']);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(sb.root), false);
  });

  it('mounts a volume with type= and device= while containers use it, once for all of them', () => {
    sb.ok(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=mode=0700', 'tfs']);
    const mp = volumeDir(sb.root, 'tfs');
    const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === mp).length;
    assert.equal(sb.ok(['run', '--rm', '-v', 'tfs:/t', 'busybox', 'sh', '-c', 'grep " /t " /proc/mounts | cut -d" " -f3,4']).trim(), 'tmpfs rw,nosuid,nodev,relatime,mode=700');
    assert.equal(mounted(), 0);
    sb.ok(['run', '-d', '--name', 'm1', '-v', 'tfs:/t', 'busybox', 'sleep', '60']);
    sb.ok(['run', '-d', '--name', 'm2', '-v', 'tfs:/t', 'busybox', 'sleep', '60']);
    assert.equal(mounted(), 1);
    assert.equal(sb.ok(['volume', 'inspect', 'tfs', '--format', '{{.MountCount}}']).trim(), '2');
    sb.ok(['exec', 'm1', 'sh', '-c', 'echo shared > /t/f']);
    assert.equal(sb.ok(['exec', 'm2', 'cat', '/t/f']), 'shared\n');
    sb.ok(['rm', '-f', '-t', '0', 'm1']);
    assert.equal(mounted(), 1);
    sb.ok(['rm', '-f', '-t', '0', 'm2']);
    assert.equal(mounted(), 0);
    assert.equal(sb.ok(['volume', 'inspect', 'tfs', '--format', '{{.MountCount}}']).trim(), '0');
    sb.ok(['volume', 'rm', 'tfs']);
  });

  it('reports a failing volume mount and leaves the container startable after a fix', () => {
    sb.ok(['volume', 'create', '-o', 'type=nosuchfs', '-o', 'device=none', 'badfs']);
    const r = sb.skiff(['run', '--name', 'bf', '-v', 'badfs:/t', 'busybox', 'true']);
    // run reports a failure to start as Podman's define.ExitCode does: 126.
    assert.equal(r.code, 126);
    assert.match(r.stderr, /^Error: mounting volume badfs for container [0-9a-f]{64}: mount: .*_data: special device none does not exist/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(sb.ok(['volume', 'inspect', 'badfs', '--format', '{{.MountCount}}']).trim(), '0');
    sb.ok(['rm', 'bf']);
    sb.ok(['volume', 'rm', 'badfs']);
  });
});
