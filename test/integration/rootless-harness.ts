/**
 * Rootless harness: runs skiff (and podman) as the unprivileged test users that
 * scripts/test-users.sh makes (skiff-rl1 and skiff-rl2 with subordinate IDs, skiff-rl0 with
 * none), through runuser with a login-like environment of their own, in their default stores.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxTar, type Result, SKIFF } from './harness.ts';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** The first subordinate range (undefined for a user without one). */
  readonly subuid: { start: number; count: number } | undefined;
  readonly subgid: { start: number; count: number } | undefined;

  constructor(name: string) {
    const entry = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    if (!entry) throw new Error(`test user ${name} is missing: run scripts/test-users.sh as root`);
    const f = entry.split(':');
    this.name = name;
    this.uid = Number(f[2]);
    this.gid = Number(f[3]);
    this.home = f[5] as string;
    const range = (file: string) => {
      const line = readFileSync(file, 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name}:`));
      return line ? { start: Number(line.split(':')[1]), count: Number(line.split(':')[2]) } : undefined;
    };
    this.subuid = range('/etc/subuid');
    this.subgid = range('/etc/subgid');
    // The checkout must be reachable by other users for these tests to mean anything.
    const probe = spawnSync('runuser', ['-u', name, '--', 'test', '-x', SKIFF], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`${SKIFF} is not executable by ${name}: the rootless tests need a checkout other users can read`);
  }

  /** The environment a login would give (no XDG_RUNTIME_DIR: no login session here). */
  env(extra: Record<string, string> = {}): string[] {
    return Object.entries({ HOME: this.home, USER: this.name, LOGNAME: this.name, PATH, LANG: 'C.UTF-8', ...extra }).map(([k, v]) => `${k}=${v}`);
  }

  /**
   * Runs a command as the user, from their home. `loginuid`: the login UID the kernel's audit
   * records would name (as a login session sets it), set before runuser.
   */
  run(cmd: string, args: readonly string[], opts: { env?: Record<string, string>; input?: string; loginuid?: boolean; timeout?: number } = {}): Result {
    const inner = ['runuser', '-u', this.name, '--', 'env', '-i', ...this.env(opts.env), cmd, ...args];
    const argv = opts.loginuid ? ['sh', '-c', `echo ${this.uid} >/proc/self/loginuid && exec "$@"`, 'sh', ...inner] : inner;
    const r = spawnSync(argv[0] as string, argv.slice(1), { cwd: this.home, input: opts.input, encoding: 'utf8', maxBuffer: 1 << 26, timeout: opts.timeout ?? 120_000 });
    if (r.error) throw r.error;
    return { code: r.status ?? 128 + 9, stdout: r.stdout, stderr: r.stderr };
  }

  skiff(args: readonly string[], opts: { env?: Record<string, string>; input?: string; loginuid?: boolean } = {}): Result {
    return this.run(SKIFF, args, opts);
  }

  ok(args: readonly string[], opts: { env?: Record<string, string>; input?: string } = {}): string {
    const r = this.skiff(args, opts);
    if (r.code !== 0) throw new Error(`skiff ${args.join(' ')} as ${this.name} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** Real podman as this user, in its default rootless store, with the rlimits these machines need. */
  podman(args: readonly string[], opts: { input?: string } = {}): Result {
    const conf = join(this.home, 'podman-test.conf');
    writeFileSync(conf, readFileSync('/usr/share/containers/containers.conf', 'utf8').replace(/^\[containers\]$/m, '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]'));
    return this.run('podman', args, { ...opts, env: { CONTAINERS_CONF: conf } });
  }

  /** Writes the busybox rootfs tarball into the user's home and imports it as localhost/busybox (skiff, and podman too). */
  importBusybox(podmanToo = false): void {
    const tar = join(this.home, 'busybox-rootfs.tar');
    writeFileSync(tar, busyboxTar());
    chownSync(tar, this.uid, this.gid);
    this.ok(['import', '-q', '--change', 'CMD ["/bin/sh"]', tar, 'localhost/busybox']);
    if (podmanToo) {
      const r = this.podman(['import', '-q', '--change', 'CMD ["/bin/sh"]', tar, 'localhost/busybox']);
      if (r.code !== 0) throw new Error(`podman import as ${this.name}: ${r.stderr}`);
    }
  }

  /** Everything of the user's: skiff's store, the pause process, podman's store. */
  reset(): void {
    this.skiff(['system', 'reset', '-f']);
    this.podman(['system', 'reset', '-f']);
  }
}

/** The lines of a /proc/PID/uid_map as number triples. */
export function mapLines(text: string): number[][] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/).map(Number));
}
