/**
 * `top` and `stats` against real podman 4.3.1 on the same image, the same containers (same
 * names, commands and creation order) and the same host. Where the output is the interface
 * and the values cannot differ (descriptors of idle processes, ps(1)'s own output, errors,
 * JSON keys, zero samples) the text must be Podman's; where values are measurements (CPU,
 * elapsed time, memory in use) the shape must be.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importBusybox, Podman, type Result, Sandbox, SKIFF } from './harness.ts';

const sb = new Sandbox('skiff-top');
const podman = new Podman();

/** Containers made the same way on both, in this order, so `--latest` picks the same one. */
const CONTAINERS: readonly (readonly string[])[] = [
  ['--name', 'idle', 'busybox', 'sh', '-c', 'sleep 1000 & sleep 2000'],
  ['--name', 'term', '-t', 'busybox', 'sleep', '1000'],
  ['--name', 'user', '--user', '1000:1000', '--group-add', '10', 'busybox', 'sleep', '1000'],
  ['--name', 'capped', '--memory', '100000000', '--cap-drop', 'ALL', 'busybox', 'sleep', '1000'],
];

before(() => {
  importBusybox(sb, podman);
  for (const engine of [sb, podman]) {
    engine.ok(['create', '--network', 'none', '--name', 'created', 'busybox', 'sleep', '1000']);
    for (const args of CONTAINERS) engine.ok(['run', '-d', '--network', 'none', ...args]);
  }
});
after(async () => {
  sb.skiff(['rm', '-a', '-f', '-t', '0']);
  podman.run(['rm', '-a', '-f', '-t', '0']);
  // conmon runs each engine's `container cleanup` after a container exits; removing the stores
  // under those commands would have them create the stores again.
  await processesGone([sb.dir, podman.dir]);
  sb.cleanup();
  podman.cleanup();
});

/** Waits (up to 10 s) until no process has any of the paths in its command line. */
async function processesGone(paths: readonly string[]): Promise<void> {
  const using = (): boolean =>
    readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
      .some((n) => {
        try {
          const cmdline = readFileSync(`/proc/${n}/cmdline`, 'utf8');
          return paths.some((p) => cmdline.includes(p));
        } catch {
          return false;
        }
      });
  for (let i = 0; i < 100 && using(); i++) await new Promise((r) => setTimeout(r, 100));
}

function both(args: readonly string[]): { s: Result; p: Result } {
  return { s: sb.skiff(args), p: podman.run(args) };
}

/** The same stdout, stderr and exit code as podman. */
function same(args: readonly string[]): Result {
  const { s, p } = both(args);
  assert.equal(s.stdout, p.stdout, `stdout of ${args.join(' ')}`);
  assert.equal(s.stderr, p.stderr, `stderr of ${args.join(' ')}`);
  assert.equal(s.code, p.code, `exit code of ${args.join(' ')}`);
  return s;
}

/** A table's lines split into cells at runs of two or more spaces (cells hold single spaces). */
function cells(table: string): string[][] {
  return table
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.trimEnd().split(/ {2,}/));
}

const GO_DURATION = /^(\d+h)?(\d+m)?\d+(\.\d+)?(ns|µs|ms|s)$/;

describe('top, as podman top', () => {
  it('prints podman\'s table for descriptors whose values are fixed', () => {
    same(['top', 'idle', 'pid', 'ppid', 'user', 'group', 'comm', 'args', 'tty', 'time', 'nice', 'pgid', 'state', 'vsz', 'seccomp', 'label', 'ruser', 'rgroup', 'groups']);
    same(['top', 'idle', 'pid,%p', '%U,%c', '%C', 'capamb,capinh']);
    same(['top', 'term', 'tty', 'pid', 'args']);
    same(['top', 'user', 'user', 'group', 'groups', 'ruser', 'rgroup', 'huser', 'hgroup', 'hgroups']);
    same(['top', 'capped', 'capeff', 'capbnd', 'capprm']);
    same(['top', '--latest', 'pid', 'comm']);
    same(['top', '--list-descriptors']);
  });

  it('prints the default columns with podman\'s headers and podman\'s values where they are fixed', () => {
    const { s, p } = both(['top', 'idle']);
    assert.equal(s.code, 0, s.stderr);
    const [sh, ...srows] = cells(s.stdout);
    const [ph, ...prows] = cells(p.stdout);
    assert.deepEqual(sh, ['USER', 'PID', 'PPID', '%CPU', 'ELAPSED', 'TTY', 'TIME', 'COMMAND']);
    assert.deepEqual(sh, ph);
    assert.equal(srows.length, 2);
    // USER PID PPID and TTY TIME COMMAND are the same; %CPU and ELAPSED are measurements.
    const fixed = (r: string[]) => [...r.slice(0, 3), ...r.slice(5)];
    assert.deepEqual(srows.map(fixed), prows.map(fixed));
    for (const r of srows) {
      assert.match(r[3], /^\d+\.\d{3}$/);
      assert.match(r[4], GO_DURATION);
    }
    // The command is the cmdline joined with spaces, ending in one as Podman's does.
    assert.match(s.stdout, /sleep 2000 \n/);
  });

  it('maps container PIDs to host PIDs', () => {
    const hostPid = sb.ok(['inspect', '--format', '{{.State.Pid}}', 'idle']).trim();
    const rows = cells(sb.ok(['top', 'idle', 'pid', 'hpid']));
    assert.deepEqual(rows[0], ['PID', 'HPID']);
    assert.deepEqual(rows[1], ['1', hostPid]);
    assert.match(rows[2][1], /^\d+$/);
    const stime = cells(sb.ok(['top', 'idle', 'stime']))[1][0];
    assert.match(stime, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+$/);
  });

  it('reads the container\'s /etc/passwd inside its root: an absolute symlink does not reach a host file', () => {
    const hostFile = join(sb.dir, 'host-passwd');
    writeFileSync(hostFile, 'hostonly:x:0:0:root:/root:/bin/sh\n');
    sb.ok(['run', '-d', '--network', 'none', '--name', 'evil', 'busybox', 'sleep', '1000']);
    try {
      sb.ok(['exec', 'evil', 'sh', '-c', `rm /etc/passwd && ln -s ${hostFile} /etc/passwd`]);
      // Resolved in the container, the link points nowhere: UID 0 has no name, as with Podman.
      assert.equal(sb.ok(['top', 'evil', 'user', 'comm']), 'USER        COMMAND\n0           sleep\n');
    } finally {
      sb.ok(['rm', '-f', '-t', '0', 'evil']);
    }
  });

  it('runs ps(1) in the container for arguments it does not know, as podman does', () => {
    same(['top', 'idle', '-o', 'comm,args']);
    same(['top', 'idle', 'aux']);
    same(['top', 'idle', 'pid', 'bogus']);
    same(['top', 'idle', '-o comm,args']);
    const bad = same(['top', 'idle', '-x']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: executing ps\(1\) in the container: runtime failed with exit status: 1 and output: ps: invalid option/);
    same(['top', 'idle', '"unclosed']);
  });

  it('fails as podman does without a running container', () => {
    for (const args of [['top'], ['top', 'nonexistent'], ['top', 'created'], ['top', 'created', 'pid']]) {
      assert.equal(same(args).code, 125, args.join(' '));
    }
  });
});

describe('stats --no-stream, as podman stats', () => {
  it('prints podman\'s columns for every container, running or not, by ID', () => {
    const { s, p } = both(['stats', '--no-stream']);
    assert.equal(s.code, 0, s.stderr);
    const [sh, ...srows] = cells(s.stdout);
    assert.deepEqual(sh, ['ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET IO', 'BLOCK IO', 'PIDS', 'CPU TIME', 'AVG CPU %']);
    assert.deepEqual(sh, cells(p.stdout)[0]);
    assert.equal(srows.length, CONTAINERS.length + 1);
    const ids = srows.map((r) => r[0]);
    assert.deepEqual(ids, [...ids].sort());
    for (const r of srows) {
      assert.match(r[0], /^[0-9a-f]{12}$/);
      assert.match(r[2], /^\d+\.\d\d%$/);
      assert.match(r[3], /^\d+(\.\d+)?[kMGT]?B \/ \d+(\.\d+)?[kMGT]?B$/);
      assert.match(r[8], GO_DURATION);
      assert.match(r[9], /^\d+\.\d\d%$/);
      assert.equal(r[5], '0B / 0B', 'no network of its own: no counters, as podman');
    }
  });

  it('matches podman where values are not measurements', () => {
    same(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDS}} {{.NetIO}} {{.MemLimit}}', 'idle', 'created', 'capped', 'idle']);
    same(['container', 'stats', '--no-stream', '--format', 'table {{.Name}}\t{{.MemUsage}}\t{{.CPUPerc}}\t{{.UpTime}}\t{{.PIDs}}', 'created']);
    const json = both(['stats', '--no-stream', '--format', 'json', 'created', 'idle']);
    const s = JSON.parse(json.s.stdout) as Record<string, string>[];
    const p = JSON.parse(json.p.stdout) as Record<string, string>[];
    assert.deepEqual(s.map((x) => Object.keys(x)), p.map((x) => Object.keys(x)));
    assert.deepEqual({ ...s[0], id: '' }, { ...p[0], id: '' });
    assert.match(json.s.stdout, /^\[\n {\n {2}"id": "/);
    assert.equal(s[1].pids, '2');
  });

  it('reports the container\'s memory limit and the full ID with --no-trunc', () => {
    assert.match(sb.ok(['stats', '--no-stream', '--format', '{{.MemUsageBytes}}', 'capped']), / \/ 95\.37MiB\n$/);
    const id = sb.ok(['inspect', '--format', '{{.Id}}', 'idle']).trim();
    assert.equal(sb.ok(['stats', '--no-stream', '--no-trunc', '--format', '{{.ID}}', 'idle']), `${id}\n`);
  });

  it('fails as podman does', () => {
    for (const args of [
      ['stats', '--no-stream', '--all', 'idle'],
      ['stats', '--no-stream', '--latest', 'idle'],
      ['stats', '--no-stream', '--interval', '0'],
      ['stats', '--no-stream', 'idle', 'nonexistent'],
      ['stats', '--no-stream', '--format', '{{.Bogus}}', 'idle'],
      ['stats', '--no-stream', '--format', 'table {{.Bogus}}', 'idle'],
    ]) {
      assert.equal(same(args).code, 125, args.join(' '));
    }
  });

  it('streams a report per interval without --no-stream', () => {
    const r = spawnSync(SKIFF, sb.args(['stats', '--interval', '1', '--format', '{{.Name}} {{.PIDS}}', 'idle']), {
      encoding: 'utf8',
      timeout: 3000,
    });
    assert.match(r.stdout, /^(idle 2\n){2,}$/, r.stderr);
  });
});
