/**
 * Integration harness: runs the built skiff (bin/skiff) and real podman/skopeo as separate
 * processes, each skiff test in a private store (--root/--runroot under a temp dir).
 */
import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const SKIFF = join(REPO, 'bin', 'skiff');

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Result {
  const r = spawnSync(cmd, args, {
    input: opts.input,
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? 128 + 9, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs a command without blocking this process: for tests whose servers (a token server, a
 * hostile registry, a lookaside) live in it, which a spawnSync would stall.
 */
export function runAsync(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: { ...process.env, ...opts.env }, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 128) : 0;
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** A private skiff store for one test file. */
export class Sandbox {
  readonly dir: string;
  readonly root: string;
  readonly runroot: string;

  constructor(name = 'skiff-it') {
    this.dir = mkdtempSync(join(tmpdir(), `${name}-`));
    this.root = join(this.dir, 'root');
    this.runroot = join(this.dir, 'run');
    mkdirSync(this.root);
  }

  /** skiff's arguments for this store, for tests that spawn SKIFF themselves. */
  args(args: readonly string[] = []): string[] {
    return ['--root', this.root, '--runroot', this.runroot, ...args];
  }

  skiff(args: readonly string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Result {
    return run(SKIFF, this.args(args), opts);
  }

  /** Runs skiff and fails with its stderr unless it exits 0. */
  ok(args: readonly string[], opts: { input?: string | Buffer } = {}): string {
    const r = this.skiff(args, opts);
    if (r.code !== 0) throw new Error(`skiff ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** A listing of every path under the store, for "the store is unchanged" checks. */
  snapshot(): string[] {
    const out: string[] = [];
    const walk = (d: string, rel: string): void => {
      for (const name of readdirSync(d).sort()) {
        if (name === 'storage.lock' || name.startsWith('skiff.db')) continue;
        const p = join(d, name);
        const st = statSync(p, { throwIfNoEntry: false });
        out.push(`${rel}${name}`);
        if (st?.isDirectory()) walk(p, `${rel}${name}/`);
      }
    };
    walk(this.root, '');
    return out;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let rootfsCache: Buffer | undefined;
/** The reproducible busybox rootfs tarball that setup imports as localhost/busybox. */
export function busyboxTar(): Buffer {
  if (!rootfsCache) {
    const r = spawnSync('bash', [join(REPO, 'scripts', 'busybox-rootfs.sh')], { maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`busybox-rootfs.sh failed: ${r.stderr}`);
    rootfsCache = r.stdout;
  }
  return rootfsCache;
}

/**
 * Imports the busybox rootfs as `name` into both stores, with the same `--change`s and the same
 * tarball (mtime 0, so the two images' layers are alike).
 */
export function importBusybox(sb: Sandbox, podman: Podman, changes: readonly string[] = ['CMD ["/bin/sh"]'], name = 'localhost/busybox:latest'): void {
  const tar = join(sb.dir, 'rootfs.tar');
  if (!existsSync(tar)) {
    writeFileSync(tar, busyboxTar());
    utimesSync(tar, 0, 0);
  }
  const flags = changes.flatMap((c) => ['--change', c]);
  sb.ok(['import', ...flags, tar, name]);
  podman.ok(['import', '-q', ...flags, tar, name]);
}

/** Real podman with a private store, configured as these machines need (REFERENCE, DESIGN §6a). */
export class Podman {
  readonly dir: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'podman-it-'));
    // Podman's containers fail here unless its default rlimits fit under the host's hard
    // limits (DESIGN §6a): give it the containers.conf a distribution would need.
    const conf = join(this.dir, 'containers.conf');
    writeFileSync(conf, readFileSync('/usr/share/containers/containers.conf', 'utf8').replace(/^\[containers\]$/m, '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]'));
    this.#env = { CONTAINERS_CONF: conf };
  }

  /**
   * The command line of podman on this store, for tests that spawn it themselves (with `env`).
   * A private --tmpdir too: libpod's default (/run/libpod) is shared by every podman, and one
   * store's `system reset` there makes the others believe the host rebooted. A private
   * network directory too: the networks a test makes are its own.
   */
  argv(args: readonly string[] = []): string[] {
    return ['podman', '--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--tmpdir', join(this.dir, 'tmp'), '--network-config-dir', join(this.dir, 'networks'), ...args];
  }

  /** The environment podman needs here, on top of the test's own. */
  get env(): NodeJS.ProcessEnv {
    return this.#env;
  }

  run(args: readonly string[], opts: { input?: string | Buffer } = {}): Result {
    const [cmd, ...argv] = this.argv(args);
    return run(cmd as string, argv, { ...opts, env: this.#env });
  }

  ok(args: readonly string[], opts: { input?: string | Buffer } = {}): string {
    const r = this.run(args, opts);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  cleanup(): void {
    this.run(['system', 'reset', '-f']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TCP port free on 127.0.0.1 now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** GETs a URL, retrying while the server inside a container starts (bounded: 5 s). */
export async function fetchText(url: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await (await fetch(url)).text();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
