/**
 * The library facade (like libpod's Runtime): one object per command invocation, opened from
 * the global options. Every CLI command and API route is a thin call into it. The store is
 * opened on first use so that commands such as `version` never touch the disk.
 */
import { type Config, resolveConfig } from '../config/config.ts';
import { ImageService } from './images.ts';
import type { GlobalOptions } from './options.ts';
import { Store } from './store.ts';

export class Engine {
  readonly config: Config;
  #store: Store | undefined;
  #images: ImageService | undefined;

  private constructor(config: Config) {
    this.config = config;
  }

  static open(global: GlobalOptions): Engine {
    return new Engine(resolveConfig(global));
  }

  static fromConfig(config: Config): Engine {
    return new Engine(config);
  }

  get store(): Store {
    this.#store ??= new Store(this.config);
    return this.#store;
  }

  get images(): ImageService {
    this.#images ??= new ImageService(this.store);
    return this.#images;
  }

  close(): void {
    this.#store?.close();
    this.#store = undefined;
  }
}
