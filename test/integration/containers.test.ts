/**
 * Containers end to end: real conmon and crun, compared with real podman 4.3.1 on the same
 * image where the output is the interface (stdout, exit codes, Podman's error lines).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importBusybox, Podman, Sandbox, SKIFF } from './harness.ts';

const sb = new Sandbox('skiff-ctr');
const podman = new Podman();

before(() => {
  importBusybox(sb, podman);
});
after(() => {
  sb.skiff(['rm', '-a', '-f']);
  sb.cleanup();
  podman.cleanup();
});

/** Runs on both, with --network none on both: no bridge addresses to tell them apart, and quicker. */
function both(args: string[], input?: string) {
  const withNet = args[0] === 'run' || args[0] === 'create' ? [args[0], '--network', 'none', ...args.slice(1)] : args;
  return { s: sb.skiff(withNet, { input }), p: podman.run(withNet, { input }) };
}

function same(args: string[], opts: { stderr?: boolean } = {}) {
  const { s, p } = both(args);
  assert.equal(s.stdout, p.stdout, `stdout of ${args.join(' ')}`);
  if (opts.stderr) assert.equal(s.stderr, p.stderr, `stderr of ${args.join(' ')}`);
  assert.equal(s.code, p.code, `exit code of ${args.join(' ')}: skiff said ${s.stderr}`);
  return s;
}

describe('run, as podman runs', () => {
  it('passes stdout, stderr and the exit code through', () => {
    same(['run', '--rm', 'busybox', 'echo', 'hello']);
    same(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { stderr: true });
    same(['run', '--rm', 'busybox', 'sh', '-c', 'kill -9 $$']);
    same(['run', '--rm', '-e', 'A=1', '-w', '/tmp', 'busybox', 'sh', '-c', 'echo $A $PWD $HOME']);
  });

  it('reports a missing command with 127 and a non-executable one with 126, as Podman does', () => {
    const nf = both(['run', '--rm', 'busybox', '/nonexistent']);
    assert.equal(nf.s.code, 127);
    assert.equal(nf.s.stderr, nf.p.stderr);
    const ne = both(['run', '--rm', 'busybox', '/etc/passwd']);
    assert.equal(ne.s.code, 126);
    assert.equal(ne.s.stderr, ne.p.stderr);
  });

  it('feeds stdin with -i', () => {
    const r = both(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo done'], 'from stdin\n');
    assert.equal(r.s.stdout, 'from stdin\ndone\n');
    assert.equal(r.s.stdout, r.p.stdout);
  });

  it('the container gets the default capabilities, seccomp and masked paths', () => {
    same(['run', '--rm', 'busybox', 'grep', '-E', '^(CapEff|CapBnd|CapPrm|Seccomp|NoNewPrivs)', '/proc/self/status']);
    same(['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'grep', '-E', '^(CapEff|CapBnd)', '/proc/self/status']);
    same(['run', '--rm', '--cap-add', 'NET_ADMIN', 'busybox', 'grep', '^CapEff', '/proc/self/status']);
    same(['run', '--rm', '--privileged', 'busybox', 'grep', '-E', '^(CapEff|Seccomp)', '/proc/self/status']);
    same(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'grep', '^Seccomp:', '/proc/self/status']);
    same(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'grep', '^NoNewPrivs', '/proc/self/status']);
    same(['run', '--rm', 'busybox', 'sh', '-c', 'cat /proc/kcore 2>&1 | wc -c; touch /proc/sysrq-trigger 2>&1 | wc -l']);
    same(['run', '--rm', 'busybox', 'sh', '-c', 'id; ulimit -n; ulimit -u; hostname | wc -c; cat /etc/hostname | wc -c']);
  });

  it('--read-only: / refuses writes; /tmp, /run and /var/tmp are writable unless --read-only-tmpfs=false', () => {
    same(['run', '--rm', '--read-only', 'busybox', 'sh', '-c', 'touch /x 2>/dev/null; echo $?; touch /tmp/x /run/x /var/tmp/x; echo $?']);
    same(['run', '--rm', '--read-only', '--read-only-tmpfs=false', 'busybox', 'sh', '-c', 'touch /tmp/x 2>/dev/null; echo $?']);
  });

  it('bind mounts and tmpfs', () => {
    const dir = join(sb.dir, 'bind');
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'f'), 'bound\n');
    const r = sb.skiff(['run', '--rm', '-v', `${dir}:/data:ro`, '--tmpfs', '/scratch', 'busybox', 'sh', '-c', 'cat /data/f; touch /data/g 2>/dev/null || echo ro; touch /scratch/x && echo tmpfs']);
    assert.equal(r.stdout, 'bound\nro\ntmpfs\n', r.stderr);
    const missing = both(['run', '--rm', '-v', '/nonexistent/dir:/x', 'busybox', 'true']);
    assert.equal(missing.s.stderr, missing.p.stderr);
    assert.equal(missing.s.code, 125);
  });

  it('keeps the caller\'s loginuid: the audit trail names the user', () => {
    // A child whose loginuid is set (as a login would), running skiff: the container sees it.
    const script = `echo 3267 > /proc/self/loginuid && exec "$0" --root "$1" --runroot "$2" run --rm --network none busybox cat /proc/self/loginuid`;
    const r = spawnSync('sh', ['-c', script, SKIFF, sb.root, sb.runroot], { encoding: 'utf8' });
    if (r.stderr.includes('Operation not permitted') && r.stdout === '') {
      // loginuid is immutable once set in this session: the host forbids the test, say so.
      assert.fail(`cannot set loginuid here: ${r.stderr}`);
    }
    assert.equal(r.stdout, '3267', r.stderr);
  });

  it('the kernel audit log names the user for what a container does', (t) => {
    // Turn audit on and make sure a daemon writes the log (systemd is not PID 1 here).
    const on = spawnSync('auditctl', ['-e', '1'], { encoding: 'utf8' });
    if (on.status !== 0) {
      t.skip(`kernel audit cannot be enabled here: ${on.stderr.trim()}`);
      return;
    }
    if (spawnSync('pgrep', ['-x', 'auditd']).status !== 0) spawnSync('auditd');
    const watched = join(sb.dir, 'audit-watched');
    writeFileSync(watched, 'x');
    const key = `skiff-${process.pid}`;
    assert.equal(spawnSync('auditctl', ['-w', watched, '-p', 'wa', '-k', key]).status, 0);
    try {
      // GNU dd from the host (run by the host's loader, since busybox's rootfs has no libc)
      // writes the watched file through a --privileged -v /:/host container; busybox's own
      // tools write nothing the watch sees.
      const script = `echo 3268 > /proc/self/loginuid && exec "$0" --root "$1" --runroot "$2" run --rm --privileged --network none -v /:/host busybox /host/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path /host/lib/x86_64-linux-gnu /host/usr/bin/dd if=/dev/zero of=/host${watched} bs=1 count=1 conv=notrunc`;
      const r = spawnSync('sh', ['-c', script, SKIFF, sb.root, sb.runroot], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      let found = '';
      for (let i = 0; i < 30 && !found.includes('auid='); i++) {
        found = spawnSync('ausearch', ['-k', key, '-i'], { encoding: 'utf8' }).stdout;
        if (!found.includes('auid=')) spawnSync('sleep', ['0.2']);
      }
      const auids = [...found.matchAll(/ auid=(\S+)/g)].map((m) => m[1]).filter((a) => a !== 'unset');
      assert.ok(auids.includes('unknown(3268)') || auids.includes('3268'), `audit records: ${found.slice(0, 2000)}`);
    } finally {
      spawnSync('auditctl', ['-W', watched, '-p', 'wa', '-k', key]);
    }
  });
});

describe('the lifecycle', () => {
  it('run -d, ps, logs, stop, rm', () => {
    const id = sb.ok(['run', '-d', '--name', 'd1', 'busybox', 'sh', '-c', 'echo started; sleep 300']).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const ps = sb.ok(['ps', '--format', '{{.ID}} {{.Names}} {{.Status}} {{.Command}}']);
    // COMMAND is cut to 17 characters and "...", as Podman prints it.
    assert.match(ps, new RegExp(`^${id.slice(0, 12)} d1 Up .* ago sh -c echo starte\\.\\.\\.\n$`));
    const pid = Number(sb.ok(['inspect', '--format', '{{.State.Pid}}', 'd1']));
    assert.ok(pid > 0 && existsSync(`/proc/${pid}`));
    for (let i = 0; i < 50 && !sb.ok(['logs', 'd1']).includes('started'); i++) spawnSync('sleep', ['0.1']);
    assert.equal(sb.ok(['logs', 'd1']), 'started\n');
    const rm = sb.skiff(['rm', 'd1']);
    assert.equal(rm.code, 2);
    assert.equal(rm.stderr, `Error: cannot remove container ${id} as it is running - running or paused containers cannot be removed without force: container state improper\n`);
    assert.equal(sb.ok(['stop', '-t', '1', 'd1']), 'd1\n');
    assert.match(sb.ok(['ps', '-a', '--format', '{{.Status}}']), /^Exited \(137\) /);
    assert.equal(sb.ok(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'd1']), 'exited 137\n');
    assert.equal(sb.ok(['rm', 'd1']), 'd1\n');
    assert.equal(sb.ok(['ps', '-a', '-q']), '');
    assert.ok(!existsSync(join(sb.runroot, 'containers', id)));
    assert.ok(!existsSync(join(sb.root, 'containers', id)));
    assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(id));
    assert.ok(!existsSync(join(sb.runroot, 'locks', `${id}.lock`)), 'no lock file left');
    assert.ok(!existsSync(join(sb.runroot, 'exits', id)), 'no exit file left');
    // No conmon (or anything else) still names the container; conmon's exit command may
    // take a moment to finish.
    const holders = () =>
      readdirSync('/proc').filter((d) => {
        try {
          return /^\d+$/.test(d) && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(id);
        } catch {
          return false;
        }
      });
    for (let i = 0; i < 50 && holders().length > 0; i++) spawnSync('sleep', ['0.1']);
    assert.deepEqual(holders(), []);
  });

  it('create, start, wait; a name in use; kill', () => {
    const id = sb.ok(['create', '--name', 'c2', 'busybox', 'sh', '-c', 'exit 7']).trim();
    assert.equal(sb.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), 'c2 Created\n');
    const dup = sb.skiff(['create', '--name', 'c2', 'busybox', 'true']);
    assert.equal(dup.code, 125);
    assert.equal(dup.stderr, `Error: creating container storage: the container name "c2" is already in use by ${id}. You have to remove that container to be able to reuse that name: that name is already in use\n`);
    assert.equal(sb.ok(['start', 'c2']), 'c2\n');
    assert.equal(sb.ok(['wait', 'c2']), '7\n');
    const k = sb.skiff(['kill', 'c2']);
    assert.equal(k.code, 125);
    assert.match(k.stderr, /can only kill running containers\. [0-9a-f]{64} is in state exited: container state improper/);
    sb.ok(['rm', 'c2']);
    const missing = sb.skiff(['start', 'nosuch']);
    assert.equal(missing.stderr, 'Error: no container with name or ID "nosuch" found: no such container\n');
    assert.equal(missing.code, 125);
    assert.equal(sb.skiff(['rm', 'nosuch']).code, 1);
    assert.equal(sb.skiff(['rm', '-f', 'nosuch']).code, 0);
  });

  it('an image in use cannot be removed without --force', () => {
    sb.ok(['create', '--name', 'user1', 'busybox', 'true']);
    const r = sb.skiff(['rmi', 'busybox']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Error: image used by [0-9a-f]{64}: image is in use by a container/);
    sb.ok(['rm', 'user1']);
  });

  it('pause and unpause echo what was asked for, and refuse as Podman does', () => {
    for (const args of [['run', '-d', '--name', 'pz', 'busybox', 'sleep', '60'], ['create', '--name', 'pc', 'busybox', 'true']]) {
      const { s, p } = both(args);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(p.code, 0, p.stderr);
    }
    same(['pause', 'pz']);
    const again = both(['pause', 'pz']);
    assert.equal(again.s.code, again.p.code);
    assert.equal(again.s.stderr.replace(/[0-9a-f]{64}/, 'ID'), again.p.stderr.replace(/[0-9a-f]{64}/, 'ID'));
    same(['ps', '--format', '{{.Names}} {{.Status}}']);
    same(['unpause', 'pz']);
    for (const args of [['unpause', 'pz'], ['pause', 'pc'], ['pause', 'nosuch']]) {
      const r = both(args);
      assert.equal(r.s.code, r.p.code, args.join(' '));
      assert.equal(r.s.stderr.replace(/[0-9a-f]{64}/, 'ID'), r.p.stderr.replace(/[0-9a-f]{64}/, 'ID'), args.join(' '));
    }
    sb.ok(['rm', '-f', '-t', '0', 'pz', 'pc']);
    podman.ok(['rm', '-f', '-t', '0', 'pz', 'pc']);
  });

  it('conmon sits in its own cgroup beside the containers, as Podman puts it under cgroupfs', () => {
    sb.ok(['run', '-d', '--name', 'cgc', 'busybox', 'sleep', '60']);
    const conmon = sb.ok(['inspect', 'cgc', '--format', '{{.State.ConmonPid}}']).trim();
    const pid = sb.ok(['inspect', 'cgc', '--format', '{{.State.Pid}}']).trim();
    const cgroupOf = (p: string, ctl: string) => readFileSync(`/proc/${p}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(ctl))?.split(':')[2];
    const ctl = readFileSync('/proc/self/cgroup', 'utf8').includes(':pids:') ? 'pids' : '';
    if (ctl) {
      assert.equal(cgroupOf(conmon, ctl), '/skiff_parent/conmon');
      assert.match(cgroupOf(pid, ctl) ?? '', /^\/skiff_parent\/skiff-[0-9a-f]{64}$/);
    } else {
      assert.equal(readFileSync(`/proc/${conmon}/cgroup`, 'utf8').trim(), '0::/skiff_parent/conmon');
    }
    sb.ok(['rm', '-f', '-t', '0', 'cgc']);
  });

  it('a container whose conmon was killed still runs, stops and is removed', () => {
    sb.ok(['run', '-d', '--name', 'orphan', 'busybox', 'sleep', '60']);
    const conmon = Number(sb.ok(['inspect', 'orphan', '--format', '{{.State.ConmonPid}}']));
    process.kill(conmon, 'SIGKILL');
    for (let i = 0; i < 50 && existsSync(`/proc/${conmon}`); i++) spawnSync('sleep', ['0.05']);
    assert.match(sb.ok(['ps', '--format', '{{.Names}} {{.Status}}']), /^orphan Up /);
    assert.equal(sb.ok(['exec', 'orphan', 'echo', 'alive']), 'alive\n');
    sb.ok(['stop', '-t', '0', 'orphan']);
    assert.match(sb.ok(['ps', '-a', '--filter', 'name=orphan', '--format', '{{.Status}}']), /^Exited \(-1\)/);
    sb.ok(['start', 'orphan']);
    assert.match(sb.ok(['ps', '--filter', 'name=orphan', '--format', '{{.Status}}']), /^Up /);
    sb.ok(['rm', '-f', '-t', '0', 'orphan']);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(sb.root), false);
  });

  it('run --rm whose skiff is killed: the exit command still removes the container', async () => {
    // An attached run --rm removes the container itself and tells its exit command so through
    // a lock; killed, it holds no lock, and the exit command must do the removal.
    const p = spawn(SKIFF, sb.args(['run', '--rm', '--name', 'killed-rm', 'busybox', 'sleep', '1']), { stdio: 'ignore' });
    for (let i = 0; i < 100 && !/^killed-rm Up/m.test(sb.ok(['ps', '--format', '{{.Names}} {{.Status}}'])); i++) spawnSync('sleep', ['0.05']);
    assert.match(sb.ok(['ps', '--format', '{{.Names}} {{.Status}}']), /^killed-rm Up/m);
    p.kill('SIGKILL');
    await new Promise((r) => p.once('exit', r));
    let left = 'killed-rm';
    for (let i = 0; i < 100 && left.includes('killed-rm'); i++) {
      spawnSync('sleep', ['0.1']);
      left = sb.ok(['ps', '-a', '--format', '{{.Names}}']);
    }
    assert.doesNotMatch(left, /killed-rm/);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(sb.root), false);
  });

  it('run --rm leaves no process behind once it returns', () => {
    sb.ok(['run', '--rm', '--name', 'gone-rm', 'busybox', 'true']);
    spawnSync('sleep', ['0.2']);
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    assert.equal(ps.split('\n').filter((l) => l.includes(sb.runroot)).length, 0, ps);
  });

  it('rm -f gives a running container its stop timeout before SIGKILL, with Podman\'s warning', () => {
    sb.ok(['run', '-d', '--name', 'slow', '--stop-timeout', '1', 'busybox', 'sleep', '60']);
    const t0 = Date.now();
    const r = sb.skiff(['rm', '-f', 'slow']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 >= 900, 'rm -f waited for the stop timeout');
    assert.match(r.stderr, /level=warning msg="StopSignal SIGTERM failed to stop container slow in 1 seconds, resorting to SIGKILL"/);
  });

  it('--restart: on-failure retries up to its count, always restarts until stopped, as Podman', () => {
    for (const args of [['--rm', '--restart', 'always'], ['--restart', 'bogus'], ['--restart', 'on-failure:x'], ['--restart', 'always:3'], ['--restart', 'on-failure:-1']]) {
      const r = both(['create', ...args, 'busybox', 'true']);
      assert.equal(r.s.code, 125, args.join(' '));
      assert.equal(r.s.stderr, r.p.stderr, args.join(' '));
    }
    const settled = (get: () => string, want: RegExp) => {
      let last = '';
      for (let i = 0; i < 100 && !want.test((last = get())); i++) spawnSync('sleep', ['0.1']);
      return last;
    };
    for (const [name, eng] of [['skiff', sb], ['podman', podman]] as const) {
      eng.ok(['run', '-d', '--network', 'none', '--name', 'rf', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'echo run; exit 3']);
      const fmt = ['inspect', 'rf', '--format', '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}'];
      assert.equal(settled(() => eng.ok(fmt), /^exited 2 /), 'exited 2 3 on-failure 2\n', name);
      assert.equal(eng.ok(['logs', 'rf']), 'run\nrun\nrun\n', name);
      eng.ok(['rm', 'rf']);
    }
    sb.ok(['run', '-d', '--name', 'ra', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2']);
    settled(() => sb.ok(['inspect', 'ra', '--format', '{{.RestartCount}}']), /^[2-9]/);
    sb.ok(['stop', '-t', '0', 'ra']);
    const after = sb.ok(['inspect', 'ra', '--format', '{{.State.Status}} {{.RestartCount}}']);
    spawnSync('sleep', ['1']);
    assert.equal(sb.ok(['inspect', 'ra', '--format', '{{.State.Status}} {{.RestartCount}}']), after);
    assert.match(after, /^exited /);
    sb.ok(['rm', 'ra']);
  });

  it('ps --size and inspect -s count what the container wrote and the layers below, as Podman', () => {
    const run = ['run', '--name', 'sized', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/f bs=1k count=100 2>/dev/null; ln /f /g; ln -s /f /h'];
    same(run);
    same(['inspect', '-s', 'sized', '--format', '{{.SizeRw}} {{.SizeRootFs}}']);
    same(['ps', '-a', '--size', '--filter', 'name=sized', '--format', '{{.Names}} {{.Size}}']);
    same(['rm', 'sized']);
  });

  it('20 concurrent run --rm all succeed and leave nothing behind', async () => {
    const runs = Array.from({ length: 20 }, (_, i) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(SKIFF, sb.args(['run', '--rm', 'busybox', 'echo', `n${i}`]), { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
        p.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      }),
    );
    // ps during the churn: every listing succeeds and parses, whatever state each container is in.
    const listings: { code: number | null; out: string }[] = [];
    let done = false;
    const churn = (async () => {
      for (let i = 0; i < 20 && !done; i++) {
        listings.push(
          await new Promise((resolve) => {
            const p = spawn(SKIFF, sb.args(['ps', '-a', '--format', 'json']), { stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            p.stdout.on('data', (d) => (out += d));
            p.on('close', (code) => resolve({ code, out }));
          }),
        );
      }
    })();
    const results = await Promise.all(runs);
    done = true;
    await churn;
    assert.ok(listings.length > 0);
    for (const l of listings) {
      assert.equal(l.code, 0);
      assert.ok(Array.isArray(JSON.parse(l.out)));
    }
    assert.deepEqual(results.map((r) => r.code), Array(20).fill(0));
    assert.deepEqual(results.map((r) => r.out).sort(), Array.from({ length: 20 }, (_, i) => `n${i}\n`).sort());
    // Cleanup runs from conmon's exit command; give the last ones a moment.
    for (let i = 0; i < 50 && sb.ok(['ps', '-a', '-q']) !== ''; i++) spawnSync('sleep', ['0.1']);
    assert.equal(sb.ok(['ps', '-a', '-q']), '');
    assert.deepEqual(readdirSync(join(sb.root, 'containers')), []);
  });
});

describe('commit, export and diff, as podman', () => {
  const make = ['run', '--name', 'chg', 'busybox', 'sh', '-c', 'echo hi > /hello; mkdir -p /d/e; echo x > /d/e/f; rm /bin/ls; echo more >> /etc/passwd'];
  before(() => {
    const none = ['run', '--network', 'none', ...make.slice(1)];
    for (const r of [sb.skiff(none), podman.run(none)]) assert.equal(r.code, 0, r.stderr);
  });
  after(() => {
    sb.skiff(['rm', '-f', 'chg']);
    podman.run(['rm', '-f', 'chg']);
  });

  it('diff lists the same changes', () => {
    const sorted = (t: string) => t.split('\n').filter(Boolean).sort().join('\n');
    const { s, p } = both(['diff', 'chg']);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(sorted(s.stdout), sorted(p.stdout));
    const j = both(['diff', '--format', 'json', 'chg']);
    const norm = (t: string) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(t) as Record<string, string[]>).map(([k, v]) => [k, [...v].sort()])));
    assert.equal(norm(j.s.stdout), norm(j.p.stdout));
  });

  it('export writes the same tree', () => {
    const names = (e: { run: (a: string[]) => { stdout: string; code: number } }) => {
      const out = join(sb.dir, `export-${Math.random().toString(36).slice(2)}.tar`);
      assert.equal(e.run(['export', '-o', out, 'chg']).code, 0);
      const r = spawnSync('tar', ['tf', out], { encoding: 'utf8' });
      return r.stdout.split('\n').filter(Boolean).map((n) => n.replace(/\/$/, '')).sort();
    };
    assert.deepEqual(names({ run: (a) => sb.skiff(a) }), names({ run: (a) => podman.run(a) }));
  });

  it('commit keeps the changes, applies -c/-m/-a, and --squash makes one layer', () => {
    for (const [eng, run] of [[sb, (a: string[]) => sb.skiff(a)], [podman, (a: string[]) => podman.run(a)]] as const) {
      const name = eng === sb ? 'skiff' : 'podman';
      const c = run(['commit', '-q', '-f', 'docker', '-c', 'CMD ["cat", "/hello"]', '-c', 'ENV A=1', '-m', 'a message', '-a', 'someone', 'chg', 'localhost/committed']);
      assert.equal(c.code, 0, `${name}: ${c.stderr}`);
      const sq = run(['commit', '-q', '--squash', 'chg', 'localhost/squashed']);
      assert.equal(sq.code, 0, `${name}: ${sq.stderr}`);
    }
    same(['commit', '-q', '-m', 'oci has no comment', 'chg', 'localhost/refused'], { stderr: true });
    same(['image', 'inspect', 'committed', '--format', '{{.Config.Cmd}} {{.Author}} {{.Comment}} {{len .RootFS.Layers}}']);
    // Podman writes Env from a Go map: its order changes from run to run, the set does not.
    const env = both(['image', 'inspect', 'committed', '--format', '{{json .Config.Env}}']);
    assert.deepEqual((JSON.parse(env.s.stdout) as string[]).sort(), (JSON.parse(env.p.stdout) as string[]).sort());
    same(['run', '--rm', 'committed']);
    same(['run', '--rm', 'committed', 'sh', '-c', 'cat /d/e/f; tail -1 /etc/passwd; ls /bin/ls; echo $A']);
    same(['image', 'inspect', 'squashed', '--format', '{{len .RootFS.Layers}}']);
    same(['run', '--rm', 'squashed', 'sh', '-c', 'cat /hello /d/e/f; ls /bin/ls']);
    for (const e of [sb, podman]) e.ok(['rmi', 'committed', 'squashed']);
  });
});
