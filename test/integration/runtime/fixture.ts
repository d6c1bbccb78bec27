/**
 * Hand-built OCI bundles for driving real conmon and crun: a busybox rootfs shared read-only by
 * every container of the test run, and per container a bundle dir, a rundir and an exit dir.
 * Every container gets a random 64-hex ID and is removed with `crun delete --force` by
 * `Fixture.cleanup()`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createContainer, type CreateContainerOptions, type CreatedContainer } from '../../../src/runtime/conmon.ts';
import type { OciRuntime } from '../../../src/runtime/oci.ts';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
export const CONMON = '/usr/bin/conmon';
export const CRUN = '/usr/bin/crun';
export const RUNTIME: OciRuntime = { path: CRUN };

const CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
];

/** A minimal rootful config.json; rlimits stay within this host's hard limits (DESIGN §6a). */
export function ociConfig(rootfs: string, args: readonly string[], terminal: boolean): object {
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal,
      user: { uid: 0, gid: 0 },
      args,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm', 'HOME=/root'],
      cwd: '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    },
    root: { path: rootfs, readonly: true },
    hostname: 'skifftest',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/sys/firmware'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

export interface TestContainer {
  readonly id: string;
  readonly name: string;
  readonly bundle: string;
  readonly rundir: string;
  readonly exitDir: string;
  readonly logPath: string;
}

export class Fixture {
  readonly dir: string;
  readonly rootfs: string;
  readonly #ids: string[] = [];

  constructor() {
    // host-prep does what a distribution would (crun refuses hybrid cgroups otherwise); idempotent.
    spawnSync('bash', [join(REPO, 'scripts', 'host-prep.sh')], { stdio: 'ignore' });
    this.dir = mkdtempSync(join(tmpdir(), 'skiff-runtime-'));
    this.rootfs = join(this.dir, 'rootfs');
    mkdirSync(this.rootfs);
    const tar = execFileSync('bash', [join(REPO, 'scripts', 'busybox-rootfs.sh')], { maxBuffer: 1 << 28 });
    execFileSync('tar', ['-x', '-C', this.rootfs], { input: tar });
    mkdirSync(join(this.dir, 'exits'));
  }

  /** A fresh bundle for `args`; nothing is started. */
  bundle(args: readonly string[], o: { terminal?: boolean; longPath?: boolean } = {}): TestContainer {
    const id = randomBytes(32).toString('hex');
    this.#ids.push(id);
    // longPath: like Podman's `<graphroot>/overlay-containers/<64 hex>/userdata`, past sun_path's 107 bytes.
    const bundle = o.longPath ? join(this.dir, 'overlay-containers', id, 'userdata') : join(this.dir, `b-${id.slice(0, 12)}`);
    const rundir = join(this.dir, `r-${id.slice(0, 12)}`);
    mkdirSync(bundle, { recursive: true });
    mkdirSync(rundir);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(ociConfig(this.rootfs, args, o.terminal === true)));
    return { id, name: `t-${id.slice(0, 8)}`, bundle, rundir, exitDir: join(this.dir, 'exits'), logPath: join(bundle, 'ctr.log') };
  }

  /** createContainer with this fixture's paths and a k8s-file log. */
  create(c: TestContainer, extra: Partial<CreateContainerOptions> = {}): Promise<CreatedContainer> {
    return createContainer({
      conmonPath: CONMON,
      runtimePath: CRUN,
      id: c.id,
      name: c.name,
      bundle: c.bundle,
      rundir: c.rundir,
      exitDir: c.exitDir,
      log: { driver: 'k8s-file', path: c.logPath },
      syncTimeoutMs: 20_000,
      ...extra,
    });
  }

  cleanup(): void {
    for (const id of this.#ids) spawnSync(CRUN, ['delete', '--force', id], { stdio: 'ignore', timeout: 10_000 });
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Collects what is written to it. */
export class Sink {
  readonly chunks: Buffer[] = [];
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** A Writable that collects into a Sink. */
export async function sinkStream(): Promise<{ stream: import('node:stream').Writable; sink: Sink }> {
  const { Writable } = await import('node:stream');
  const sink = new Sink();
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      sink.chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, sink };
}

/** Rejects when `p` takes longer than `ms`. */
export function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out after ${ms}ms: ${what}`)), ms);
    }),
  ]);
}
