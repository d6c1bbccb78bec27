/**
 * Side-by-side benchmarks: skiff against real podman on the same machine, in one run.
 * Each row runs both commands alternately (after warm-up) and reports medians and the
 * skiff/podman ratio. Absolute times on these machines are noisy; the ratio is the result.
 *
 *   node bench/bench.ts [--runs N] [--filter WORD]
 *
 * --filter runs only the rows whose name contains WORD; a row's setup (the 1000 containers of
 * `ps -a (1000 containers)`, the 50 running ones of the memory row) happens only when it runs.
 * Both engines get private stores under a temp dir, seeded with the same images.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 15;
const filter = args.includes('--filter') ? args[args.indexOf('--filter') + 1] : '';

const repo = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
// A snapshot of the built skiff, so a rebuild of dist/ during a long run changes nothing here.
const app = join(work, 'app');
mkdirSync(app);
cpSync(join(repo, 'bin'), join(app, 'bin'), { recursive: true });
cpSync(join(repo, 'dist'), join(app, 'dist'), { recursive: true });
symlinkSync(join(repo, 'node_modules'), join(app, 'node_modules'));
symlinkSync(join(repo, '.runtime'), join(app, '.runtime'));
const skiffBin = join(app, 'bin', 'skiff');
const skiff = [skiffBin, '--root', join(work, 'skiff'), '--runroot', join(work, 'skiff-run')];
// Its own --tmpdir: the default /run/libpod is shared with every other podman store on the
// machine; its own network directory likewise (the default network needs no file).
const podman = ['podman', '--root', join(work, 'podman'), '--runroot', join(work, 'podman-run'), '--tmpdir', join(work, 'podman-tmp'), '--network-config-dir', join(work, 'podman-networks')];
// Podman needs rlimits within this machine's hard limits to run containers (DESIGN §6a).
const podmanConf = join(work, 'containers.conf');
writeFileSync(podmanConf, readFileSync('/usr/share/containers/containers.conf', 'utf8').replace(/^\[containers\]$/m, '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]'));
const env = { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? podmanConf };

function run(cmd: string[], input?: Buffer): { ms: number; status: number | null; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { env, input, stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'], encoding: 'buffer' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, stderr: r.stderr?.toString() ?? '' };
}

function must(cmd: string[], input?: Buffer): void {
  const r = run(cmd, input);
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
}

/** Runs a command and returns its stdout; throws unless it exits 0. */
function output(cmd: string[]): string {
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { env, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** One shell word. */
function quote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs `cmd` `n` times, at most 4 at a time (xargs), with its output discarded; the fast way to
 * fill a store with containers on a 2-core machine.
 */
function repeat(cmd: string[], n: number): void {
  if (n <= 0) return;
  const r = spawnSync('sh', ['-c', `seq ${n} | xargs -P 4 -I{} ${cmd.map(quote).join(' ')} >/dev/null`], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${n} x ${cmd.join(' ')} failed (${r.status}): ${r.stderr.trim().slice(0, 2000)}`);
}

function selected(name: string): boolean {
  return !filter || name.includes(filter);
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
  /** Run before every run of `a` / `b`, untimed (e.g. create the container `a` starts). */
  aSetup?: string[];
  bSetup?: string[];
  /** Timed runs for a slow row (default: --runs). */
  runs?: number;
}

/** Milliseconds that `cmd` took, after its untimed `setup`; a failed run throws. */
function timed(cmd: string[], setup?: string[]): number {
  if (setup) must(setup);
  const r = run(cmd);
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.ms;
}

function bench(row: Row): void {
  const timeA = () => timed(row.a, row.aSetup);
  const timeB = () => timed(row.b, row.bSetup);
  for (let i = 0; i < 2; i++) {
    timeA();
    timeB();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < (row.runs ?? runs); i++) {
    // Alternate the order so drift on a noisy machine hits both sides alike.
    if (i % 2 === 0) {
      ta.push(timeA());
      tb.push(timeB());
    } else {
      tb.push(timeB());
      ta.push(timeA());
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

  const pullRow = 'pull (cold, 2 layers, ~130 MB, registry on 127.0.0.1)';
  if (selected(pullRow)) benchPull(pullRow);

  if (!args.includes('--images-only')) {
    // Containers: both engines with --network none unless the row is about networking.
    const sh = (cmd: string[]) => ['sh', '-c', `${cmd.map(quote).join(' ')} >/dev/null`];
    must([...skiff, 'run', '-d', '--name', 'bench-sleeper', '--network', 'none', 'bench1', 'sleep', '600']);
    must([...podman, 'run', '-d', '--name', 'bench-sleeper', '--network', 'none', 'bench1', 'sleep', '600']);
    let containers = 1;
    /** Fills both stores with created `true` containers up to `n` in all. */
    const ensureContainers = (n: number) => {
      if (containers >= n) return;
      const took = [skiff, podman].map((e) => {
        const t0 = Date.now();
        repeat([...e, 'create', '--network', 'none', 'bench1', 'true'], n - containers);
        return `${e === skiff ? 'skiff' : 'podman'} ${((Date.now() - t0) / 1000).toFixed(0)} s`;
      });
      console.error(`(created ${n - containers} containers in each store: ${took.join(', ')})`);
      for (const e of [skiff, podman]) {
        const count = output([...e, 'ps', '-a', '-q']).trim().split('\n').length;
        if (count !== n) throw new Error(`${e[0]} has ${count} containers, not ${n}`);
      }
      containers = n;
    };
    const startRow = 'start -a (created container, true)';
    const ctrRows: Row[] = [
      { name: 'run --rm --network none true', a: [...skiff, 'run', '--rm', '--network', 'none', 'bench1', 'true'], b: [...podman, 'run', '--rm', '--network', 'none', 'bench1', 'true'] },
      {
        name: 'create + rm',
        a: ['sh', '-c', `${sh([...skiff, 'create', '--name', 'bench-c', '--network', 'none', 'bench1', 'true'])[2]} && ${sh([...skiff, 'rm', 'bench-c'])[2]}`],
        b: ['sh', '-c', `${sh([...podman, 'create', '--name', 'bench-c', '--network', 'none', 'bench1', 'true'])[2]} && ${sh([...podman, 'rm', 'bench-c'])[2]}`],
      },
      { name: 'run --rm true (default bridge network)', a: [...skiff, 'run', '--rm', 'bench1', 'true'], b: [...podman, 'run', '--rm', 'bench1', 'true'] },
      { name: 'exec true', a: [...skiff, 'exec', 'bench-sleeper', 'true'], b: [...podman, 'exec', 'bench-sleeper', 'true'] },
      { name: 'ps -a (1 container)', a: [...skiff, 'ps', '-a'], b: [...podman, 'ps', '-a'] },
      { name: 'inspect (container)', a: [...skiff, 'inspect', 'bench-sleeper'], b: [...podman, 'inspect', 'bench-sleeper'] },
      {
        name: startRow,
        // A fresh created container for every run, made untimed.
        aSetup: ['sh', '-c', `${sh([...skiff, 'rm', '-f', 'bench-start'])[2]}; ${sh([...skiff, 'create', '--name', 'bench-start', '--network', 'none', 'bench1', 'true'])[2]}`],
        bSetup: ['sh', '-c', `${sh([...podman, 'rm', '-f', 'bench-start'])[2]}; ${sh([...podman, 'create', '--name', 'bench-start', '--network', 'none', 'bench1', 'true'])[2]}`],
        a: [...skiff, 'start', '-a', 'bench-start'],
        b: [...podman, 'start', '-a', 'bench-start'],
      },
    ];
    for (const row of ctrRows) if (selected(row.name)) bench(row);
    if (selected(startRow)) {
      must([...skiff, 'rm', '-f', 'bench-start']);
      must([...podman, 'rm', '-f', 'bench-start']);
    }

    const throughput = 'published port: GET 256 MiB from 127.0.0.1';
    if (selected(throughput)) benchThroughput(throughput);

    const ps50 = 'ps -a (50 containers)';
    if (selected(ps50)) {
      ensureContainers(50);
      bench({ name: ps50, a: [...skiff, 'ps', '-a'], b: [...podman, 'ps', '-a'] });
    }
    const memoryRow = 'memory: RSS and PSS per detached container (50 running sleep)';
    if (selected(memoryRow)) memory(memoryRow, 50);
    const ps1000 = 'ps -a (1000 containers)';
    if (selected(ps1000)) {
      ensureContainers(1000);
      bench({ name: ps1000, a: [...skiff, 'ps', '-a'], b: [...podman, 'ps', '-a'] });
    }
    must([...skiff, 'rm', '-a', '-f', '-t', '0']);
    must([...podman, 'rm', '-a', '-f', '-t', '0']);
  }
} finally {
  // Whatever still runs (after a failure) stops here: no conmon outlives the bench.
  spawnSync(skiff[0] as string, [...skiff.slice(1), 'rm', '-a', '-f', '-t', '0'], { env, stdio: 'ignore' });
  spawnSync(podman[0] as string, [...podman.slice(1), 'system', 'reset', '-f'], { env, stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}

/**
 * A cold pull of a two-layer image of about 130 MB (compressed) from Debian's docker-registry on
 * 127.0.0.1, the image removed from both stores before every run (untimed). The layers are files of half
 * random, half repeated text, so they compress about as real images do.
 */
function benchPull(name: string): void {
  const regDir = join(work, 'registry');
  mkdirSync(join(regDir, 'storage'), { recursive: true });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const host = `127.0.0.1:${port}`;
  writeFileSync(join(regDir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(regDir, 'storage')}\nhttp:\n  addr: ${host}\n`);
  const registry = spawn('/usr/bin/docker-registry', ['serve', join(regDir, 'config.yml')], { stdio: 'ignore' });
  try {
    const layout = join(work, 'layout');
    buildLayout(layout, [130, 130]);
    for (let i = 0; ; i++) {
      if (spawnSync('curl', ['-sf', `http://${host}/v2/`], { stdio: 'ignore' }).status === 0) break;
      if (i > 100) throw new Error('the registry did not start');
      spawnSync('sleep', ['0.1']);
    }
    must(['skopeo', 'copy', '-q', '--insecure-policy', '--dest-tls-verify=false', `oci:${layout}:big`, `docker://${host}/bench/big:1`]);
    const image = `${host}/bench/big:1`;
    bench({
      name,
      a: [...skiff, 'pull', '-q', '--tls-verify=false', image],
      b: [...podman, 'pull', '-q', '--tls-verify=false', image],
      // Only the pulled image goes before each run (its layers are its own): the rows after this
      // one still find the seeded images.
      aSetup: ['sh', '-c', `${[...skiff, 'rmi', '-f', image].map(quote).join(' ')} >/dev/null 2>&1 || true`],
      bSetup: ['sh', '-c', `${[...podman, 'rmi', '-f', image].map(quote).join(' ')} >/dev/null 2>&1 || true`],
      runs: Math.min(runs, 7),
    });
  } finally {
    registry.kill();
  }
}

/** An OCI layout with one gzip layer per entry of `mib` (MiB of files in the layer). */
function buildLayout(dir: string, mib: number[]): void {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer): { digest: string; size: number } => {
    const hex = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const layers: { digest: string; size: number }[] = [];
  const diffIds: string[] = [];
  mib.forEach((size, n) => {
    const src = join(work, `layer-src-${n}`);
    mkdirSync(join(src, `usr/lib/bench${n}`), { recursive: true });
    const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(3000));
    for (let f = 0; f < size * 4; f++) {
      // 256 KiB a file: 128 KiB random, 128 KiB text.
      writeFileSync(join(src, `usr/lib/bench${n}`, `file${f}`), Buffer.concat([randomBytes(128 * 1024), text.subarray(0, 128 * 1024)]));
    }
    const tar = spawnSync('tar', ['-C', src, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', '-', '.'], { maxBuffer: 1 << 30 }).stdout;
    diffIds.push(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    layers.push(put(gzipSync(tar)));
    rmSync(src, { recursive: true, force: true });
  });
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })),
  })));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'big' } }] }));
  const total = layers.reduce((n, l) => n + l.size, 0);
  console.error(`(pull image: ${layers.length} layers, ${(total / 1048576).toFixed(0)} MiB compressed)`);
}

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly cmdline: string;
  /** In this machine's PID namespace, i.e. not a process inside a container. */
  readonly onHost: boolean;
}

function processTable(): Map<number, Proc> {
  const hostNs = readlinkSync('/proc/self/ns/pid');
  const table = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm is in parentheses and may hold spaces; the fields after the last ')' are fixed.
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      table.set(Number(name), { pid: Number(name), ppid, comm: stat.slice(stat.indexOf('(') + 1, close), cmdline, onHost: readlinkSync(`/proc/${name}/ns/pid`) === hostNs });
    } catch {
      // it exited while the table was read
    }
  }
  return table;
}

/** Rss and Pss of one process, in KiB (smaps_rollup). */
function memoryOf(pid: number): { rss: number; pss: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? Number.NaN);
  return { rss: field('Rss'), pss: field('Pss') };
}

interface EngineMemory {
  readonly rss: number;
  readonly pss: number;
  /** The per-container processes outside the containers, by name: how many. */
  readonly kinds: Map<string, number>;
  readonly pids: Set<number>;
  /** Host processes of the same store that belong to none of the measured containers. */
  readonly storeOthers: readonly Proc[];
}

/**
 * The per-container processes of one engine outside its containers: each container's conmon
 * (from inspect, checked against its command line), every other host process that names one of
 * the containers, and every host-side child of a conmon. Sums their smaps_rollup Rss and Pss.
 * Other host processes that name the store (another container's conmon) are listed apart.
 */
function engineMemory(engine: string[], names: string[], table: Map<number, Proc>): EngineMemory {
  const rows = output([...engine, 'inspect', '--format', '{{.Id}} {{.State.ConmonPid}}', ...names]).trim().split('\n');
  const ids: string[] = [];
  const pids = new Set<number>();
  for (const row of rows) {
    const [id = '', pid = ''] = row.split(' ');
    const p = table.get(Number(pid));
    if (!p || p.comm !== 'conmon' || !p.cmdline.includes(`-c ${id}`)) throw new Error(`${engine[0]}: conmon pid ${pid} of ${id} is not its conmon: ${p?.cmdline ?? 'no such process'}`);
    ids.push(id);
    pids.add(p.pid);
  }
  const store = engine[engine.indexOf('--root') + 1] as string;
  const conmons = new Set(pids);
  const storeOthers: Proc[] = [];
  for (const p of table.values()) {
    if (!p.onHost || p.pid === process.pid) continue;
    if (conmons.has(p.ppid) || ids.some((id) => p.cmdline.includes(id))) pids.add(p.pid);
    else if (p.cmdline.includes(store)) storeOthers.push(p);
  }
  const kinds = new Map<string, number>();
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    const p = table.get(pid) as Proc;
    kinds.set(p.comm, (kinds.get(p.comm) ?? 0) + 1);
    const m = memoryOf(pid);
    rss += m.rss;
    pss += m.pss;
  }
  return { rss: rss / names.length, pss: pss / names.length, kinds, pids, storeOthers };
}

/**
 * Memory per detached container: `n` running `sleep` containers in each store at once (so
 * shared pages are split across both engines' processes alike), measured from
 * /proc/PID/smaps_rollup of every per-container process outside the container.
 */
function memory(title: string, n: number): void {
  const before = processTable();
  const names = Array.from({ length: n }, (_, i) => `bench-mem-${i + 1}`);
  for (const e of [skiff, podman]) repeat([...e, 'run', '-d', '--name', 'bench-mem-{}', '--network', 'none', 'bench1', 'sleep', '3600'], n);
  // Let every conmon finish its start-up allocations.
  spawnSync('sleep', ['2']);
  const table = processTable();
  const s = engineMemory(skiff, names, table);
  const p = engineMemory(podman, names, table);
  const others = new Map<string, number>();
  for (const proc of table.values()) {
    if (proc.onHost && !before.has(proc.pid) && !s.pids.has(proc.pid) && !p.pids.has(proc.pid) && proc.pid !== process.pid) others.set(proc.comm, (others.get(proc.comm) ?? 0) + 1);
  }
  for (const e of [skiff, podman]) must([...e, 'rm', '-f', '-t', '0', ...names]);

  const kinds = (m: EngineMemory) => [...m.kinds].map(([comm, count]) => `${count} ${comm}`).join(', ');
  const mib = (kib: number) => `${(kib / 1024).toFixed(2)} MiB`;
  console.log(`\n${title}`);
  console.log(`  per-container processes outside the containers: skiff ${kinds(s)}; podman ${kinds(p)}`);
  for (const [label, m] of [['skiff', s], ['podman', p]] as const) {
    if (m.storeOthers.length > 0) console.log(`  ${label}: not counted, of other containers in the store: ${m.storeOthers.map((o) => `${o.comm} ${o.pid}`).join(', ')}`);
  }
  if (others.size > 0) console.log(`  other new host processes, not counted (other users of this machine?): ${[...others].map(([c, k]) => `${k} ${c}`).join(', ')}`);
  console.log(`  ${'per container'.padEnd(14)} ${'skiff'.padStart(10)} ${'podman'.padStart(10)}   ratio`);
  console.log(`  ${'RSS'.padEnd(14)} ${mib(s.rss).padStart(10)} ${mib(p.rss).padStart(10)}   ${(s.rss / p.rss).toFixed(2)}`);
  console.log(`  ${'PSS'.padEnd(14)} ${mib(s.pss).padStart(10)} ${mib(p.pss).padStart(10)}   ${(s.pss / p.pss).toFixed(2)}`);
  console.log('');
}

/**
 * Loopback throughput through a published port: busybox httpd in a container on the default
 * bridge network serves a 256 MiB file; curl on the host fetches it from 127.0.0.1. Both engines
 * forward with netavark's firewall rules in the kernel, so the ratio shows that nothing of
 * skiff's sits in the data path.
 */
function benchThroughput(name: string): void {
  const dir = join(work, 'www');
  mkdirSync(dir, { recursive: true });
  const big = join(dir, 'big');
  const fd = spawnSync('dd', ['if=/dev/zero', `of=${big}`, 'bs=1M', 'count=256', 'status=none']);
  if (fd.status !== 0) throw new Error('dd failed');
  const ports = { skiff: 48321, podman: 48322 };
  for (const [engine, cmd] of [['skiff', skiff], ['podman', podman]] as const) {
    must([...cmd, 'run', '-d', '--name', 'bench-www', '-p', `127.0.0.1:${ports[engine]}:80`, '-v', `${dir}:/www:ro`, 'bench1', 'httpd', '-f', '-p', '80', '-h', '/www']);
  }
  // Until both answer (bounded: 5 s).
  for (const port of Object.values(ports)) {
    for (let i = 0; i < 50 && spawnSync('curl', ['-s', '-o', '/dev/null', '-r', '0-0', `http://127.0.0.1:${port}/big`]).status !== 0; i++) spawnSync('sleep', ['0.1']);
  }
  try {
    bench({
      name,
      a: ['curl', '-s', '-f', '-o', '/dev/null', `http://127.0.0.1:${ports.skiff}/big`],
      b: ['curl', '-s', '-f', '-o', '/dev/null', `http://127.0.0.1:${ports.podman}/big`],
      runs: Math.min(runs, 9),
    });
  } finally {
    for (const cmd of [skiff, podman]) spawnSync(cmd[0] as string, [...cmd.slice(1), 'rm', '-f', '-t', '0', 'bench-www'], { env, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}
