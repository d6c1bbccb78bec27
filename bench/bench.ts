/**
 * Side-by-side benchmarks: skiff against real podman on the same machine, in one run.
 * Each row runs both commands alternately (after warm-up) and reports medians and the
 * skiff/podman ratio. Absolute times on these machines are noisy; the ratio is the result.
 *
 *   node bench/bench.ts [--runs N] [--filter WORD]
 *
 * Both engines get private stores under a temp dir, seeded with the same images.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 15;
const filter = args.includes('--filter') ? args[args.indexOf('--filter') + 1] : '';

const repo = resolve(import.meta.dirname, '..');
const skiffBin = join(repo, 'bin', 'skiff');
const work = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
const skiff = [skiffBin, '--root', join(work, 'skiff'), '--runroot', join(work, 'skiff-run')];
const podman = ['podman', '--root', join(work, 'podman'), '--runroot', join(work, 'podman-run')];
// Podman needs rlimits within this machine's hard limits to run containers (DESIGN §6a).
const podmanConf = join(work, 'containers.conf');
writeFileSync(podmanConf, readFileSync('/usr/share/containers/containers.conf', 'utf8').replace(/^\[containers\]$/m, '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]'));
const env = { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? podmanConf };

function run(cmd: string[], input?: Buffer): { ms: number; status: number | null; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { env, input, stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'], encoding: 'buffer' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, stderr: r.stderr?.toString() ?? '' };
}

function must(cmd: string[], input?: Buffer): void {
  const r = run(cmd, input);
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Row {
  name: string;
  a: string[];
  b: string[];
  aLabel?: string;
  bLabel?: string;
}

function bench(row: Row): void {
  for (let i = 0; i < 2; i++) {
    must(row.a);
    must(row.b);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate the order so drift on a noisy machine hits both sides alike.
    if (i % 2 === 0) {
      ta.push(run(row.a).ms);
      tb.push(run(row.b).ms);
    } else {
      tb.push(run(row.b).ms);
      ta.push(run(row.a).ms);
    }
  }
  const ma = median(ta);
  const mb = median(tb);
  console.log(`${row.name.padEnd(34)} ${(row.aLabel ?? 'skiff').padEnd(8)} ${ma.toFixed(1).padStart(8)} ms   ${(row.bLabel ?? 'podman').padEnd(8)} ${mb.toFixed(1).padStart(8)} ms   ratio ${(ma / mb).toFixed(2)}`);
}

try {
  // Seed both stores with the same five images.
  const tarball = spawnSync('bash', [join(repo, 'scripts', 'busybox-rootfs.sh')], { encoding: 'buffer', maxBuffer: 1 << 30 }).stdout;
  for (let i = 1; i <= 5; i++) {
    must([...skiff, 'import', '--change', `LABEL n=${i}`, '-', `localhost/bench${i}:latest`], tarball);
    must([...podman, 'import', '-q', '--change', `LABEL n=${i}`, '-', `localhost/bench${i}:latest`], tarball);
  }
  console.log(`runs per row: ${runs} (medians; ratio = skiff / other)`);
  const rows: Row[] = [
    { name: 'start-up floor: --version vs node -e 0', a: [skiffBin, '--version'], b: [process.execPath, '-e', '0'], bLabel: 'node' },
    { name: '--version', a: [skiffBin, '--version'], b: ['podman', '--version'] },
    { name: 'images (5 images)', a: [...skiff, 'images'], b: [...podman, 'images'] },
    { name: 'image inspect', a: [...skiff, 'image', 'inspect', 'bench3'], b: [...podman, 'image', 'inspect', 'bench3'] },
    { name: 'images --format json', a: [...skiff, 'images', '--format', 'json'], b: [...podman, 'images', '--format', 'json'] },
  ];
  for (const row of rows) if (!filter || row.name.includes(filter)) bench(row);

  if (!args.includes('--images-only')) {
    // Containers: both engines with --network none (skiff's only network mode so far).
    const sh = (cmd: string[]) => ['sh', '-c', `${cmd.map((a) => `'${a}'`).join(' ')} >/dev/null`];
    must([...skiff, 'run', '-d', '--name', 'bench-sleeper', '--network', 'none', 'bench1', 'sleep', '600']);
    must([...podman, 'run', '-d', '--name', 'bench-sleeper', '--network', 'none', 'bench1', 'sleep', '600']);
    const ctrRows: Row[] = [
      { name: 'run --rm --network none true', a: [...skiff, 'run', '--rm', '--network', 'none', 'bench1', 'true'], b: [...podman, 'run', '--rm', '--network', 'none', 'bench1', 'true'] },
      {
        name: 'create + rm',
        a: ['sh', '-c', `${sh([...skiff, 'create', '--name', 'bench-c', '--network', 'none', 'bench1', 'true'])[2]} && ${sh([...skiff, 'rm', 'bench-c'])[2]}`],
        b: ['sh', '-c', `${sh([...podman, 'create', '--name', 'bench-c', '--network', 'none', 'bench1', 'true'])[2]} && ${sh([...podman, 'rm', 'bench-c'])[2]}`],
      },
      { name: 'exec true', a: [...skiff, 'exec', 'bench-sleeper', 'true'], b: [...podman, 'exec', 'bench-sleeper', 'true'] },
      { name: 'ps -a (1 container)', a: [...skiff, 'ps', '-a'], b: [...podman, 'ps', '-a'] },
      { name: 'inspect (container)', a: [...skiff, 'inspect', 'bench-sleeper'], b: [...podman, 'inspect', 'bench-sleeper'] },
    ];
    for (const row of ctrRows) if (!filter || row.name.includes(filter)) bench(row);
    for (let i = 0; i < 49; i++) {
      must([...skiff, 'create', '--network', 'none', 'bench1', 'true']);
      must([...podman, 'create', '--network', 'none', 'bench1', 'true']);
    }
    const more: Row[] = [{ name: 'ps -a (50 containers)', a: [...skiff, 'ps', '-a'], b: [...podman, 'ps', '-a'] }];
    for (const row of more) if (!filter || row.name.includes(filter)) bench(row);
    run([...skiff, 'rm', '-a', '-f']);
    run([...podman, 'rm', '-a', '-f']);
  }
} finally {
  spawnSync('podman', ['--root', join(work, 'podman'), '--runroot', join(work, 'podman-run'), 'system', 'reset', '-f'], { env, stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
