/**
 * `cp` end to end, side by side with real podman 4.3.1: the same fixture image in both
 * stores, the same table of copies run on both, and the outcomes compared: exit code, the
 * error line where Podman's is one line, and the tree the copy leaves (types, modes, owners,
 * sizes, contents, file times). Then what only skiff is asked: escapes out of a container
 * (each attempt built in code), copies within one container, and mounts left behind.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { dir as tdir, file as tfile, hardlink as thardlink, symlink as tsymlink, tarOf } from '../unit/storage/helpers.ts';
import { busyboxTar, Podman, type Result, Sandbox, SKIFF } from './harness.ts';

const sb = new Sandbox('skiff-cp');
const podman = new Podman();
const T0 = 1_000_000_000;
/** Container-side targets: /w/c0 … /w/c<N-1>, each with existdir/ and existfile, one per case. */
const SLOTS = 100;

type Engine = 's' | 'p';

/** Runs skiff or podman in `cwd` (relative host paths are part of what is tested). */
function runIn(engine: Engine, cwd: string, args: readonly string[], input?: string | Buffer): Result {
  const here = process.cwd();
  process.chdir(cwd);
  try {
    return engine === 's' ? sb.skiff(args, { input }) : podman.run(args, { input });
  } finally {
    process.chdir(here);
  }
}

/** runIn without waiting, so that both engines run one case at the same time. */
function runAsync(engine: Engine, cwd: string, args: readonly string[], input?: Buffer): Promise<Result> {
  const [cmd, ...argv] = engine === 's' ? [SKIFF, ...sb.args(args)] : podman.argv(args);
  const env = engine === 's' ? {} : podman.env;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, argv, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 137, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(input);
  });
}

function ok(engine: Engine, args: readonly string[]): string {
  const r = runIn(engine, sb.dir, args);
  if (r.code !== 0) throw new Error(`${engine === 's' ? 'skiff' : 'podman'} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Every path under `root`: type, mode, owner; size, content hash and mtime of files; link targets. */
function listing(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const p = join(root, r);
      const st = lstatSync(p);
      const head = `${r} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out.push(`d ${head}`);
        walk(r);
      } else if (st.isSymbolicLink()) out.push(`l ${head} -> ${readlinkSync(p)}`);
      else if (st.isFile()) out.push(`f ${head} ${st.size} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 12)} ${Math.floor(st.mtimeMs / 1000)}`);
      else out.push(`? ${head}`);
    }
  };
  walk('');
  return out;
}

/** A tar entry list as `tar -tv --numeric-owner` shows it, names without a trailing '/'. */
function tarListing(tar: Buffer | string): string[] {
  const r = spawnSync('tar', ['-tv', '--numeric-owner', '--full-time', '-f', '-'], { input: tar, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/\/$/, '').replace(/\s+/g, ' '));
}

function fixed(path: string): void {
  utimesSync(path, T0, T0);
}

/** The host files copied in: the same for both engines. */
function hostFixture(dir: string): void {
  mkdirSync(join(dir, 'd/sub'), { recursive: true });
  writeFileSync(join(dir, 'f'), 'f\n');
  writeFileSync(join(dir, 'd/g'), 'g\n');
  writeFileSync(join(dir, 'd/sub/h'), 'h\n');
  writeFileSync(join(dir, 'd/.hidden'), '');
  symlinkSync('d', join(dir, 'dlink'));
  symlinkSync('nowhere', join(dir, 'dangle'));
  mkdirSync(join(dir, 'empty'));
  // A layer would read `.wh.x` as a whiteout; for cp it is a file like any other.
  mkdirSync(join(dir, 'wh'));
  writeFileSync(join(dir, 'wh/.wh.x'), 'not a whiteout\n');
  writeFileSync(join(dir, 'wh/x'), 'x\n');
  writeFileSync(join(dir, 'own'), 'owned\n');
  chownSync(join(dir, 'own'), 1234, 5678);
  chmodSync(join(dir, 'own'), 0o4750);
  // Names that collide with the slots' existdir/existfile, with the other kind.
  mkdirSync(join(dir, 'kind/existfile'), { recursive: true });
  writeFileSync(join(dir, 'kind/existfile/in'), 'in\n');
  writeFileSync(join(dir, 'kind/existdir'), 'file now\n');
  for (const p of ['f', 'd/g', 'd/sub/h', 'd/.hidden', 'own', 'wh/.wh.x', 'wh/x', 'kind/existfile/in', 'kind/existdir', 'd/sub', 'd', 'empty', 'wh']) fixed(join(dir, p));
}

/** The fixture image: busybox plus /src (things to copy out) and /w/cN (places to copy to). */
function imageFixture(): string {
  const root = join(sb.dir, 'fixroot');
  mkdirSync(root);
  const x = spawnSync('tar', ['-x', '-C', root], { input: busyboxTar() });
  assert.equal(x.status, 0, String(x.stderr));
  const src = join(root, 'src');
  hostFixture(src);
  rmSync(join(src, 'own'));
  rmSync(join(src, 'dlink'));
  symlinkSync('/src/d', join(src, 'dlink'));
  symlinkSync('/etc/passwd', join(src, 'plink'));
  symlinkSync('../../../../../etc/shadow', join(src, 'escape'));
  for (let i = 0; i < SLOTS; i++) {
    const w = join(root, 'w', `c${i}`);
    mkdirSync(join(w, 'existdir'), { recursive: true });
    writeFileSync(join(w, 'existfile'), 'old\n');
    fixed(join(w, 'existfile'));
  }
  const tar = join(sb.dir, 'fixture.tar');
  const t = spawnSync('tar', ['-C', root, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--exclude=./src/wh', '-cf', tar, '.']);
  assert.equal(t.status, 0, String(t.stderr));
  rmSync(root, { recursive: true, force: true });
  return tar;
}

const hostSrc = join(sb.dir, 'hostsrc');
const work = join(sb.dir, 'work');
let slot = 0;

before(async () => {
  mkdirSync(hostSrc);
  hostFixture(hostSrc);
  mkdirSync(work);
  const tar = imageFixture();
  // Both engines set up at once; each one's steps in order.
  const setUp = async (e: Engine): Promise<void> => {
    for (const args of [
      ['import', ...(e === 'p' ? ['-q'] : []), '--change', 'CMD ["/bin/sh"]', tar, 'localhost/cpfix:latest'],
      ['create', '--network', 'none', '--name', 'c', 'cpfix', 'sleep', '600'],
      ['create', '--network', 'none', '--name', 'cu', '--user', '1000:1001', 'cpfix', 'sleep', '600'],
      ['run', '-d', '--network', 'none', '--name', 'r', 'cpfix', 'sleep', '600'],
    ]) {
      const r = await runAsync(e, sb.dir, args);
      if (r.code !== 0) throw new Error(`${e === 's' ? 'skiff' : 'podman'} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    }
  };
  await Promise.all([setUp('s'), setUp('p')]);
});

after(async () => {
  // skiff's removal runs while podman resets its store.
  const removed = runAsync('s', sb.dir, ['rm', '-a', '-f', '-t', '0']);
  podman.cleanup();
  await removed;
  sb.cleanup();
});

interface Outcome {
  readonly s: Result;
  readonly p: Result;
}

/**
 * One copy on both engines. `@` in an argument is this case's container slot (/w/cN); host
 * paths are relative to a fresh directory per engine holding existdir/ and existfile.
 */
async function both(args: readonly string[], opts: { input?: Buffer } = {}): Promise<Outcome & { slot: string; host: Record<Engine, string> }> {
  const n = slot++;
  assert.ok(n < SLOTS, 'more cases than slots in the fixture image');
  const where = `/w/c${n}`;
  const real = args.map((a) => a.replaceAll('@', where).replaceAll('%', hostSrc));
  const host = { s: join(work, `s${n}`), p: join(work, `p${n}`) };
  for (const dir of Object.values(host)) {
    mkdirSync(join(dir, 'existdir'), { recursive: true });
    writeFileSync(join(dir, 'existfile'), 'old\n');
  }
  const [s, p] = await Promise.all([runAsync('s', host.s, real, opts.input), runAsync('p', host.p, real, opts.input)]);
  // Messages that name the host directory name each engine's own: one name for comparing.
  const same = (r: Result, dir: string): Result => ({ ...r, stderr: r.stderr.replaceAll(dir, '<host>') });
  return { s: same(s, host.s), p: same(p, host.p), slot: where, host };
}

/** The case must end alike: same exit code, and the same error line unless Podman's is not one line. */
function assertSame(o: Outcome, args: readonly string[], opts: { stderr?: boolean } = {}): void {
  const what = args.join(' ');
  assert.equal(o.s.code, o.p.code, `exit code of cp ${what}: skiff said ${o.s.stderr}, podman ${o.p.stderr}`);
  if (opts.stderr !== false) assert.equal(o.s.stderr, o.p.stderr, `stderr of cp ${what}`);
  else if (o.p.code !== 0) assert.match(o.s.stderr, /^Error: [^\n]+\n$/, `skiff's error for cp ${what} is one line`);
  assert.equal(o.s.stdout, '', `cp ${what} prints nothing`);
}

/** Cases whose container side is compared once all have run (the container mounted then). */
const containerChecks: { args: readonly string[]; slot: string }[] = [];

interface Case {
  readonly args: readonly string[];
  /** false: Podman's error is a multi-line struct dump; only the exit code is compared. */
  readonly stderr?: boolean;
  /** Listing lines left out of the comparison (a difference that is not cp's). */
  readonly ignore?: RegExp;
}

const TO_CONTAINER: readonly Case[] = [
  { args: ['cp', '%/f', 'c:@/newf'] },
  { args: ['cp', '%/f', 'c:@/existfile'] },
  { args: ['cp', '%/f', 'c:@/existdir'] },
  { args: ['cp', '%/f', 'c:@/newdir/'] },
  { args: ['cp', '%/f', 'c:@/nope/x'] },
  { args: ['cp', '%/d', 'c:@/newd'] },
  { args: ['cp', '%/d', 'c:@/existdir'] },
  { args: ['cp', '%/d/.', 'c:@/existdir'] },
  { args: ['cp', '%/d/.', 'c:@/newd'] },
  { args: ['cp', '%/d', 'c:@/existfile'] },
  { args: ['cp', '%/d', 'c:@/newd/'] },
  { args: ['cp', '%/f/', 'c:@/x'] },
  { args: ['cp', '%/nonexist', 'c:@/x'] },
  { args: ['cp', '%/dlink', 'c:@/x'] },
  { args: ['cp', '%/dangle', 'c:@/x'] },
  { args: ['cp', '%/empty', 'c:@/x'] },
  { args: ['cp', '%/wh', 'c:@/x'] },
  { args: ['cp', '%/own', 'c:@/x'] },
  { args: ['cp', '-a=false', '%/own', 'c:@/x'] },
  { args: ['cp', '%/own', 'cu:@/x'] },
  { args: ['cp', '%/d', 'cu:@/x'] },
  { args: ['cp', '%/kind/existfile', 'c:@/'], stderr: false },
  { args: ['cp', '%/kind/existdir', 'c:@/'], stderr: false },
  { args: ['cp', '--overwrite', '%/kind/existfile', 'c:@/'] },
  { args: ['cp', '--overwrite', '%/kind/existdir', 'c:@/'] },
  { args: ['cp', '%/f', 'c:@/existfile/'], stderr: false },
  // Relative container paths start at the working directory (/ here).
  { args: ['cp', '%/f', 'c:w/../@/rel'] },
  { args: ['container', 'cp', '%/f', 'c:@/viacontainer'] },
];

describe('cp host → container, as podman does it', () => {
  for (const c of TO_CONTAINER) {
    it(c.args.slice(1).join(' '), async () => {
      const o = await both(c.args);
      assertSame(o, c.args, { stderr: c.stderr });
      const cu = c.args.some((a) => a.startsWith('cu:'));
      if (!cu) containerChecks.push({ args: c.args, slot: o.slot });
    });
  }
});

const FROM_CONTAINER: readonly Case[] = [
  { args: ['cp', 'c:/src/f', 'newf'] },
  { args: ['cp', 'c:/src/f', 'existfile'] },
  { args: ['cp', 'c:/src/f', 'existdir'] },
  { args: ['cp', 'c:/src/f', '.'] },
  { args: ['cp', 'c:/src/f', 'newdir/'] },
  { args: ['cp', 'c:/src/f', 'nope/x'] },
  { args: ['cp', 'c:/src/d', 'newd'] },
  { args: ['cp', 'c:/src/d', 'existdir'] },
  { args: ['cp', 'c:/src/d/.', 'existdir'] },
  { args: ['cp', 'c:/src/d/.', 'newd'] },
  { args: ['cp', 'c:/src/d/.', '.'] },
  { args: ['cp', 'c:/src/d', 'existfile'] },
  { args: ['cp', 'c:/src/f/', 'x'] },
  { args: ['cp', 'c:/nonexist', 'x'] },
  { args: ['cp', 'c:/src/d*', 'x'] },
  { args: ['cp', 'c:/src/dlink', 'x'] },
  { args: ['cp', 'c:/src/dlink', 'existdir'] },
  { args: ['cp', 'c:/src/plink', 'x'] },
  { args: ['cp', 'c:/src/escape', 'x'] },
  { args: ['cp', 'c:/src/dangle', 'x'] },
  { args: ['cp', 'c:/src/empty', 'x'] },
  { args: ['cp', 'c:/src/d/sub/../g', 'x'] },
  { args: ['cp', 'c:src/f', 'rel'] },
  { args: ['cp', 'c:/src/f', 'existfile/'] },
  { args: ['cp', 'c:/src/f', '/dev/null'] },
  // The root directory of a container is 0555 in Podman's storage, 0755 in skiff's.
  { args: ['cp', 'c:/.', 'newroot'], ignore: /^d newroot [0-7]+ / },
  { args: ['cp', 'c:/dev', 'existdir'] },
  { args: ['cp', 'c:/w/c0/existdir', 'existfile'] },
  { args: ['cp', 'c:/w/c0/existfile', 'existdir/'] },
  { args: ['cp', 'c:/src/kind/existfile', '.'], stderr: false },
  { args: ['cp', 'c:/src/kind/existdir', '.'], stderr: false },
  { args: ['cp', '--overwrite', 'c:/src/kind/existfile', '.'] },
  { args: ['cp', '--overwrite', 'c:/src/kind/existdir', 'existdir/..'] },
];

describe('cp container → host, as podman does it', () => {
  for (const c of FROM_CONTAINER) {
    it(c.args.slice(1).join(' '), async () => {
      const o = await both(c.args);
      assertSame(o, c.args, { stderr: c.stderr });
      const kept = (l: string[]) => l.filter((x) => !c.ignore?.test(x));
      assert.deepEqual(kept(listing(o.host.s)), kept(listing(o.host.p)), `the host tree after cp ${c.args.join(' ')}`);
    });
  }

  it('leaves the container unmounted when it was not mounted before', () => {
    const mp = sb.ok(['inspect', '--format', '{{.ID}}', 'c']).trim();
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(mp), false);
  });
});

describe('cp with tar streams, as podman does it', () => {
  const gnuTar = (dir: string, names: string[]) => spawnSync('tar', ['-C', dir, '--owner=0', '--group=0', '-cf', '-', ...names]).stdout as Buffer;

  it('writes a tar of a container path to stdout', () => {
    for (const path of ['/src/d', '/src/d/.', '/src/dlink']) {
      const s = runIn('s', work, ['cp', `c:${path}`, '-']);
      const p = runIn('p', work, ['cp', `c:${path}`, '-']);
      assert.equal(s.code, 0, s.stderr);
      assert.deepEqual(tarListing(s.stdout), tarListing(p.stdout), `tar of ${path}`);
    }
    // Owned by the container's user, as Podman records it.
    assert.match(tarListing(sb.ok(['cp', 'cu:/src/f', '-']))[0] ?? '', / 1000\/1001 /);
  });

  it('extracts a tar from stdin into a container directory', async () => {
    const plain = gnuTar(hostSrc, ['f', 'd', 'wh']);
    for (const input of [plain, gzipSync(plain)]) {
      const args = ['cp', '-', 'c:@/existdir'];
      const o = await both(args, { input });
      assertSame(o, args);
      containerChecks.push({ args, slot: o.slot });
    }
    const dot = spawnSync('tar', ['-C', join(hostSrc, 'd'), '-cf', '-', '.']).stdout as Buffer;
    const args = ['cp', '-', 'c:@/existdir/'];
    const o = await both(args, { input: dot });
    assertSame(o, args);
    containerChecks.push({ args, slot: o.slot });
  });

  it('refuses what podman refuses, with the same words', async () => {
    const plain = gnuTar(hostSrc, ['f']);
    for (const [dest, input] of [
      ['c:@/existfile', plain],
      ['c:@/new', plain],
      ['c:@/new/', plain],
      ['c:@/nope/x', plain],
      ['c:@/existdir', Buffer.from('hello\n')],
      ['c:@/existdir', Buffer.alloc(0)],
    ] as const) {
      const args = ['cp', '-', dest];
      const o = await both(args, { input });
      assertSame(o, args);
      assert.equal(o.s.code, 125);
      containerChecks.push({ args, slot: o.slot });
    }
  });
});

describe('cp argument errors, as podman reports them', () => {
  const cases: readonly (readonly string[])[] = [
    ['cp'],
    ['cp', 'a'],
    ['cp', 'a', 'b', 'c'],
    ['cp', 'a', 'b'],
    ['cp', '-', '-'],
    ['cp', 'c:', 'x'],
    ['cp', 'c:/src/f', ''],
    ['cp', '', 'c:/x'],
    ['cp', ':/x', 'y'],
    ['cp', 'nosuch:/x', 'y'],
    ['cp', '%/f', 'nosuch:/x'],
    ['cp', './c:x', 'c:/tmp'],
    ['cp', '--badflag', 'c:/x', 'y'],
    ['cp', '-x', 'c:/x', 'y'],
  ];
  for (const args of cases) {
    it(args.slice(1).join(' ') || '(no arguments)', () => {
      const real = args.map((a) => a.replaceAll('%', hostSrc));
      const s = runIn('s', work, real);
      const p = runIn('p', work, real);
      assert.equal(s.code, p.code, `exit code: skiff said ${s.stderr}`);
      assert.equal(s.stderr, p.stderr.replaceAll('podman', 'skiff'));
    });
  }
});

describe('cp with running containers and between containers', () => {
  it('reads a running container through its mounts (the hostname it was given)', () => {
    const id = sb.ok(['inspect', '--format', '{{.ID}}', 'r']).trim();
    const r = runIn('s', work, ['cp', 'r:/etc/hostname', '-']);
    assert.equal(r.code, 0, r.stderr);
    const x = spawnSync('tar', ['-xO', '-f', '-'], { input: r.stdout, encoding: 'utf8' });
    assert.equal(x.stdout.trim(), id.slice(0, 12));
  });

  it('/dev, /proc and /sys are not copied out', async () => {
    for (const args of [['cp', 'r:/dev', 'existdir'], ['cp', 'r:/proc/1/cmdline', 'x'], ['cp', 'r:/sys/kernel', 'existdir']]) {
      const o = await both(args);
      assertSame(o, args, { stderr: false });
      assert.deepEqual(listing(o.host.s), listing(o.host.p));
    }
  });

  it('copies into a running container, from the host and from a created container', () => {
    for (const e of ['s', 'p'] as const) {
      assert.equal(runIn(e, work, ['cp', join(hostSrc, 'd'), 'r:/tmp/']).code, 0);
      assert.equal(runIn(e, work, ['cp', 'c:/src/f', 'r:/tmp/d/sub/']).code, 0);
    }
    const s = sb.ok(['exec', 'r', 'sh', '-c', 'find /tmp | sort; cat /tmp/d/sub/f']);
    assert.equal(s, ok('p', ['exec', 'r', 'sh', '-c', 'find /tmp | sort; cat /tmp/d/sub/f']));
  });

  it('copies from a running container into a created one', async () => {
    const a = await both(['cp', 'r:/tmp/d', 'c:@/fromr']);
    assertSame(a, ['cp', 'r:/tmp/d', 'c:@/fromr']);
    containerChecks.push({ args: ['r → c'], slot: a.slot });
  });

  it('copies within one container, where podman 4.3.1 deadlocks', () => {
    const r = sb.skiff(['cp', 'c:/src/d', 'c:/inner']);
    assert.equal(r.code, 0, r.stderr);
    const t = tarListing(sb.ok(['cp', 'c:/inner', '-']));
    assert.deepEqual(t.map((l) => l.split(' ').at(-1)), ['inner', 'inner/.hidden', 'inner/g', 'inner/sub', 'inner/sub/h']);
  });
});

describe('the containers after all copies into them', () => {
  it('hold the same trees in skiff and podman', () => {
    const mp = { s: sb.ok(['mount', 'c']).trim(), p: ok('p', ['mount', 'c']).trim() };
    try {
      const diffs: string[] = [];
      for (const c of containerChecks) {
        const s = listing(join(mp.s, c.slot));
        const p = listing(join(mp.p, c.slot));
        if (JSON.stringify(s) !== JSON.stringify(p)) diffs.push(`cp ${c.args.join(' ')} (${c.slot}):\n  skiff:  ${s.join('\n          ')}\n  podman: ${p.join('\n          ')}`);
      }
      assert.deepEqual(diffs, []);
    } finally {
      sb.skiff(['unmount', 'c']);
      runIn('p', work, ['unmount', 'c']);
    }
  });

  it('the user of the container owns what -a copies in', () => {
    const mp = { s: sb.ok(['mount', 'cu']).trim(), p: ok('p', ['mount', 'cu']).trim() };
    try {
      const s = readdirSync(join(mp.s, 'w')).filter((n) => existsSync(join(mp.s, 'w', n, 'x')));
      assert.ok(s.length >= 2);
      for (const n of s) assert.deepEqual(listing(join(mp.s, 'w', n)), listing(join(mp.p, 'w', n)));
    } finally {
      sb.skiff(['unmount', 'cu']);
      runIn('p', work, ['unmount', 'cu']);
    }
  });
});

describe('cp cannot be led out of a container (skiff)', () => {
  const secretDir = join(sb.dir, 'secret');
  const secret = join(secretDir, 'secret');
  const hostFile = join(hostSrc, 'f');
  const parents = (p: string) => p.split('/').filter(Boolean).map((_, i, a) => tdir(`${a.slice(0, i + 1).join('/')}/`));
  const leaks = (r: Result) => r.stdout.includes('host secret') || r.stderr.includes('host secret');

  before(() => {
    mkdirSync(secretDir);
    writeFileSync(secret, 'host secret\n');
    sb.ok(['create', '--network', 'none', '--name', 'e', 'cpfix', 'sleep', '600']);
    // Links a container could hold, each naming the host's secret as if it were the host.
    const planted = tarOf([tdir('esc/'), tsymlink('esc/abs', secret), tsymlink('esc/dir', secretDir), tsymlink('esc/up', '../../../../../../../../..'), ...parents(secretDir)]);
    assert.equal(sb.skiff(['cp', '-', 'e:/'], { input: planted }).code, 0);
  });

  it('reads through absolute, relative and parent symlinks only inside the container', () => {
    for (const path of ['/esc/abs', '/esc/dir/secret', `/esc/up${secret}`, `/esc/up/esc/up${secret}`]) {
      const r = runIn('s', work, ['cp', `e:${path}`, '-']);
      assert.equal(r.code, 125, `${path}: ${r.stderr}`);
      assert.ok(!leaks(r), path);
      assert.match(r.stderr, /could not be found on container e: no such file or directory/);
    }
  });

  it('writes through symlinks land inside the container', () => {
    assert.equal(sb.skiff(['cp', hostFile, 'e:/esc/dir/']).code, 0);
    assert.equal(sb.skiff(['cp', hostFile, 'e:/esc/abs']).code, 0);
    assert.equal(sb.skiff(['cp', hostFile, `e:/esc/up${secretDir}/viaup`]).code, 0);
    assert.deepEqual(readdirSync(secretDir), ['secret']);
    assert.equal(readFileSync(secret, 'utf8'), 'host secret\n');
    // …where the container's own view of those paths now holds them.
    const inside = tarListing(sb.ok(['cp', `e:${secretDir}`, '-'])).map((l) => l.split(' ').at(-1));
    assert.deepEqual(inside, ['secret', 'secret/f', 'secret/secret', 'secret/viaup']);
  });

  it('a hostile tar on stdin is refused whole, or confined to the container', () => {
    for (const bad of [[tfile('ok', 'x'), tfile('../../../../x', 'pwned')], [tfile('ok', 'x'), thardlink('h', '../../../../../etc/passwd')], [tfile('a/../../x', 'pwned')]]) {
      const r = sb.skiff(['cp', '-', 'e:/esc'], { input: tarOf(bad) });
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, /^Error: copying to container: refusing [^\n]+\n$/);
      // Refused before anything was written: not even the harmless first entry.
      assert.equal(sb.skiff(['cp', 'e:/esc/ok', '-']).code, 125);
    }
    const through = tarOf([tsymlink('l', secretDir), tfile('l/pwned', 'pwned'), tsymlink('r', '../../../../../../..'), tfile(`r${secretDir}/pwned2`, 'pwned')]);
    assert.equal(sb.skiff(['cp', '-', 'e:/esc'], { input: through }).code, 0);
    assert.deepEqual(readdirSync(secretDir), ['secret']);
    const inside = tarListing(sb.ok(['cp', `e:${secretDir}/.`, '-'])).map((l) => l.split(' ').at(-1));
    assert.ok(inside.includes('pwned') && inside.includes('pwned2'), inside.join(' '));
  });

  it('a bind mount of a stopped container is served from its host directory, confined to it', () => {
    const bind = join(sb.dir, 'bind');
    mkdirSync(bind);
    symlinkSync('../../../../../../..', join(bind, 'up'));
    symlinkSync('/', join(bind, 'abs'));
    sb.ok(['create', '--network', 'none', '--name', 'eb', '-v', `${bind}:/data`, 'cpfix', 'sleep', '600']);
    assert.equal(sb.skiff(['cp', hostFile, 'eb:/data/x']).code, 0);
    assert.equal(readFileSync(join(bind, 'x'), 'utf8'), 'f\n');
    // `up` and `abs` stop at the top of the mount, as Podman's SecureJoin does.
    assert.equal(sb.skiff(['cp', hostFile, 'eb:/data/up/y']).code, 0);
    assert.equal(sb.skiff(['cp', hostFile, 'eb:/data/abs/z']).code, 0);
    assert.deepEqual(readdirSync(bind).sort(), ['abs', 'up', 'x', 'y', 'z']);
    assert.equal(existsSync(join(sb.dir, 'y')), false);
    const r = runIn('s', work, ['cp', 'eb:/data/x', '-']);
    assert.deepEqual(tarListing(r.stdout).map((l) => l.split(' ').at(-1)), ['x']);
  });

  it('a file bind-mounted into a stopped container is the file read and written', () => {
    // Podman 4.3.1 fails to read it (it chroots into a file) and writes the rootfs file under it.
    const bound = join(sb.dir, 'bound.conf');
    writeFileSync(bound, 'host version\n');
    sb.ok(['create', '--network', 'none', '--name', 'ef', '-v', `${bound}:/etc/bound.conf`, 'cpfix', 'true']);
    const r = runIn('s', work, ['cp', 'ef:/etc/bound.conf', '-']);
    assert.equal(spawnSync('tar', ['-xO', '-f', '-'], { input: r.stdout, encoding: 'utf8' }).stdout, 'host version\n', r.stderr);
    assert.equal(sb.skiff(['cp', hostFile, 'ef:/etc/bound.conf']).code, 0);
    assert.equal(readFileSync(bound, 'utf8'), 'f\n');
    assert.equal(sb.skiff(['cp', join(hostSrc, 'd'), 'ef:/etc/bound.conf']).code, 125);
  });

  it('works inside the container from a process chroot()ed into its root', async () => {
    // What makes a race harmless (a running container swapping a checked directory for a
    // symlink before it is used): the process that reads and writes container paths has the
    // container's root as its own, so the kernel resolves every path inside it. Seen here on
    // the copier of a copy held mid-way (its output is not read, so it blocks writing).
    const id = sb.ok(['inspect', '--format', '{{.ID}}', 'e']).trim();
    const cp = spawn(SKIFF, sb.args(['cp', 'e:/bin/busybox', '-']), { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      // Polled until the copier is seen in its root (it starts outside, and blocks once in).
      let roots: string[] = [];
      for (let i = 0; i < 100 && (roots.length === 0 || roots.includes('/')); i++) {
        await new Promise((r) => setTimeout(r, 50));
        roots = descendants(cp.pid as number)
          .filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--copier=get'))
          .map((pid) => readlinkSync(`/proc/${pid}/root`));
      }
      assert.deepEqual(roots, [join(sb.root, 'containers', id, 'fs', 'merged')]);
    } finally {
      cp.kill();
      await new Promise((r) => cp.once('close', r));
    }
  });
});

/** The PIDs of a process's children, grandchildren and so on. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let kids = '';
    try {
      kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const k of kids.split(' ').filter(Boolean).map(Number)) out.push(k, ...descendants(k));
  }
  return out;
}
