/**
 * The library facade (like libpod's Runtime): one object per command invocation, opened from
 * the global options. Every CLI command and API route is a thin call into it. The store is
 * opened on first use so that commands such as `version` never touch the disk.
 */
import { type Config, resolveConfig } from '../config/config.ts';
import { SkiffError } from '../util/errors.ts';
import { selfCommand } from '../util/self.ts';
import { ContainerService } from './containers.ts';
import { findExecutable } from '../util/which.ts';
import { ImageService } from './images.ts';
import type { GlobalOptions } from './options.ts';
import type { SecretService } from './secrets.ts';
import type { NetworkService } from './networks.ts';
import { VolumeService } from './volumes.ts';
import { Store } from './store.ts';

export class Engine {
  readonly config: Config;
  #store: Store | undefined;
  #images: ImageService | undefined;
  #containers: ContainerService | undefined;
  #volumes: VolumeService | undefined;
  #secrets: SecretService | undefined;
  #networks: NetworkService | undefined;
  readonly #global: GlobalOptions;

  private constructor(config: Config, global: GlobalOptions) {
    this.config = config;
    this.#global = global;
  }

  static open(global: GlobalOptions): Engine {
    return new Engine(resolveConfig(global), global);
  }

  get store(): Store {
    this.#store ??= new Store(this.config);
    return this.#store;
  }

  get images(): ImageService {
    this.#images ??= new ImageService(this.store, (id) => this.containers.usersOf(id));
    return this.#images;
  }

  get containers(): ContainerService {
    this.#containers ??= new ContainerService(this);
    return this.#containers;
  }

  get volumes(): VolumeService {
    this.#volumes ??= new VolumeService(this);
    return this.#volumes;
  }

  /** Loaded on first use: only commands that touch secrets pay for their code. */
  async secrets(): Promise<SecretService> {
    if (!this.#secrets) {
      const { SecretService } = await import('./secrets.ts');
      this.#secrets ??= new SecretService(this);
    }
    return this.#secrets;
  }

  /** Loaded on first use: bridge networking's code is only for the commands that use it. */
  async networks(): Promise<NetworkService> {
    if (!this.#networks) {
      const [{ NetworkService }, { warning }] = await Promise.all([import('./networks.ts'), import('../util/log.ts')]);
      this.#networks ??= new NetworkService(this, warning);
    }
    return this.#networks;
  }

  /**
   * Whether containers get cgroups (and so resource limits). Root's do. A rootless user would
   * need a delegated cgroup v2 subtree, which skiff does not manage yet: rootless containers
   * run without a cgroup of their own, and their resource flags are dropped with a warning at
   * create and recorded as not applied.
   */
  containerCgroups(): boolean {
    return !this.config.rootless;
  }

  /** The OCI runtime binary: --runtime or containers.conf's, found on PATH. */
  runtimePath(): string {
    const path = findExecutable(this.config.runtime);
    if (!path) throw new SkiffError('config', `could not find a working binary for OCI runtime "${this.config.runtime}"`);
    return path;
  }

  /** What the runtime driver needs to call crun/runc directly. */
  ociRuntime(): { path: string; args: readonly string[]; runtimeDir: string } {
    return { path: this.runtimePath(), args: this.config.runtimeFlags.map((f) => (f.startsWith('-') ? f : `--${f}`)), runtimeDir: this.config.rootless ? (process.env.XDG_RUNTIME_DIR ?? '') : '' };
  }

  /** What the conmon driver needs (containers and exec sessions alike). */
  conmonRuntime(): { conmonPath: string; runtimePath: string; runtimeArgs: readonly string[]; runtimeDir: string; systemdCgroup: boolean } {
    const rt = this.ociRuntime();
    return { conmonPath: this.conmonPath(), runtimePath: rt.path, runtimeArgs: rt.args, runtimeDir: rt.runtimeDir, systemdCgroup: this.config.cgroupManager === 'systemd' };
  }

  conmonPath(): string {
    const path = this.config.conmon ?? findExecutable('conmon');
    if (!path) throw new SkiffError('config', 'could not find a working conmon binary (install the conmon package)');
    return path;
  }

  /**
   * The argv conmon runs when a container exits: this very skiff (absolute paths, since conmon
   * execv()s without a PATH search) with the global options that select this store.
   */
  exitCommand(args: readonly string[]): string[] {
    const g = this.#global;
    const globals = ['--root', this.config.graphRoot, '--runroot', this.config.runRoot, '--runtime', this.config.runtime];
    if (g.storageDriver) globals.push('--storage-driver', g.storageDriver);
    for (const o of g.storageOpts ?? []) globals.push('--storage-opt', o);
    if (g.conmon) globals.push('--conmon', g.conmon);
    for (const f of g.runtimeFlags ?? []) globals.push('--runtime-flag', f);
    globals.push('--cgroup-manager', this.config.cgroupManager, '--events-backend', this.config.eventsBackend);
    return selfCommand([...globals, ...args]);
  }

  close(): void {
    this.#store?.close();
    this.#store = undefined;
  }
}
