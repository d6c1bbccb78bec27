/**
 * Rootless benchmarks: skiff against rootless podman, both run as the unprivileged test user
 * skiff-rl1 (scripts/test-users.sh) in private stores of that user, side by side in one run.
 * Run as root (it switches to the user with runuser, the same cost for both engines):
 *
 *   node bench/rootless.ts [--runs N] [--user NAME]
 *
 * Rows: `run --rm --network none` against podman on overlay and on vfs; the first run of an
 * image never run before (each timed run gets a fresh image, imported untimed), where a
 * per-container copy or chown of the image would show; `run --rm` with each engine's default
 * rootless network (skiff: pasta, podman 4.3: slirp4netns) and both with slirp4netns; keep-id.
 * Ratios, not absolute times.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 15;
const userName = args.includes('--user') ? (args[args.indexOf('--user') + 1] as string) : 'skiff-rl1';
const repo = resolve(import.meta.dirname, '..');

const entry = readFileSync('/etc/passwd', 'utf8')
  .split('\n')
  .find((l) => l.startsWith(`${userName}:`));
if (!entry) throw new Error(`no user ${userName}: run scripts/test-users.sh as root first`);
const [, , uidText, gidText, , home] = entry.split(':') as string[];
const uid = Number(uidText);
const gid = Number(gidText);

const work = mkdtempSync(join(home as string, 'bench-'));
chownSync(work, uid, gid);
const podmanConf = join(work, 'containers.conf');
writeFileSync(podmanConf, readFileSync('/usr/share/containers/containers.conf', 'utf8').replace(/^\[containers\]$/m, '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]'));
const userEnv = [`HOME=${home}`, `USER=${userName}`, `LOGNAME=${userName}`, 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', `CONTAINERS_CONF=${podmanConf}`];

const skiff = [join(repo, 'bin', 'skiff'), '--root', join(work, 'skiff'), '--runroot', `/tmp/skiff-run-${uid}/bench`];
const podmanOverlay = ['podman', '--root', join(work, 'podman-overlay'), '--runroot', `/tmp/podman-run-${uid}/bench-overlay`, '--storage-driver', 'overlay'];
const podmanVfs = ['podman', '--root', join(work, 'podman-vfs'), '--runroot', `/tmp/podman-run-${uid}/bench-vfs`, '--storage-driver', 'vfs'];

function asUser(cmd: string[]): { ms: number; status: number | null; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('runuser', ['-u', userName, '--', 'env', '-i', ...userEnv, ...cmd], { cwd: home, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, status: r.status, stderr: r.stderr };
}

function must(cmd: string[]): number {
  const r = asUser(cmd);
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The busybox rootfs as a tarball the user can read, plus one file that makes each image new. */
const rootfs = spawnSync('bash', [join(repo, 'scripts', 'busybox-rootfs.sh')], { maxBuffer: 1 << 28 }).stdout as Buffer;
function freshTar(tag: string): string {
  const dir = mkdtempSync(join(work, 'img-'));
  writeFileSync(join(dir, 'rootfs.tar'), rootfs);
  writeFileSync(join(dir, 'unique'), randomBytes(16).toString('hex'));
  const tar = join(work, `${tag}.tar`);
  // The rootfs, then a second archive member that makes the layer (and so the image) new.
  const r = spawnSync('sh', ['-c', `cp rootfs.tar "${tar}" && tar --owner=0 --group=0 -rf "${tar}" unique`], { cwd: dir });
  if (r.status !== 0) throw new Error(`building ${tar} failed`);
  rmSync(dir, { recursive: true, force: true });
  chownSync(tar, uid, gid);
  return tar;
}

interface Row {
  readonly name: string;
  readonly a: () => number;
  readonly b: () => number;
  readonly bLabel: string;
}

function bench(row: Row): void {
  row.a();
  row.b();
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(row.a());
    bs.push(row.b());
  }
  const ma = median(as);
  const mb = median(bs);
  console.log(`${row.name.padEnd(40)} skiff ${ma.toFixed(1).padStart(8)} ms   ${row.bLabel.padEnd(15)} ${mb.toFixed(1).padStart(8)} ms   ratio ${(ma / mb).toFixed(2)}`);
}

try {
  const base = freshTar('base');
  for (const engine of [skiff, podmanOverlay, podmanVfs]) must([...engine, 'import', '-q', base, 'localhost/bench']);
  console.log(`rootless, as ${userName}; runs per row: ${runs} (medians; ratio = skiff / podman)`);
  console.log(`skiff's store: ${asUserOutput([...skiff, 'info', '--format', '{{index .Store.GraphStatus "Driver Choice"}}'])}`);
  const runNone = (engine: string[]) => () => must([...engine, 'run', '--rm', '--network', 'none', 'localhost/bench', 'true']);
  bench({ name: 'run --rm --network none', a: runNone(skiff), b: runNone(podmanOverlay), bLabel: 'podman overlay' });
  bench({ name: 'run --rm --network none', a: runNone(skiff), b: runNone(podmanVfs), bLabel: 'podman vfs' });
  let n = 0;
  const firstRun = (engine: string[]) => () => {
    const tag = `first${n++}`;
    const tar = freshTar(tag);
    must([...engine, 'import', '-q', tar, `localhost/${tag}`]);
    const ms = must([...engine, 'run', '--rm', '--network', 'none', `localhost/${tag}`, 'true']);
    must([...engine, 'rmi', `localhost/${tag}`]);
    rmSync(tar, { force: true });
    return ms;
  };
  bench({ name: 'first run of a fresh image', a: firstRun(skiff), b: firstRun(podmanOverlay), bLabel: 'podman overlay' });
  bench({ name: 'first run of a fresh image', a: firstRun(skiff), b: firstRun(podmanVfs), bLabel: 'podman vfs' });
  const runDefault = (engine: string[]) => () => must([...engine, 'run', '--rm', 'localhost/bench', 'true']);
  bench({ name: 'run --rm, default network (pasta)', a: runDefault(skiff), b: runDefault(podmanOverlay), bLabel: 'podman slirp4n.' });
  const runSlirp = (engine: string[]) => () => must([...engine, 'run', '--rm', '--network', 'slirp4netns', 'localhost/bench', 'true']);
  bench({ name: 'run --rm --network slirp4netns', a: runSlirp(skiff), b: runSlirp(podmanOverlay), bLabel: 'podman slirp4n.' });
  const keepId = (engine: string[]) => () => must([...engine, 'run', '--rm', '--network', 'none', '--userns', 'keep-id', 'localhost/bench', 'true']);
  bench({ name: 'run --rm --userns keep-id', a: keepId(skiff), b: keepId(podmanOverlay), bLabel: 'podman overlay' });
} finally {
  for (const engine of [skiff, podmanOverlay, podmanVfs]) asUser([...engine, 'system', 'reset', '-f']);
  rmSync(work, { recursive: true, force: true });
}

function asUserOutput(cmd: string[]): string {
  const r = spawnSync('runuser', ['-u', userName, '--', 'env', '-i', ...userEnv, ...cmd], { cwd: home, encoding: 'utf8' });
  return r.stdout.trim();
}
