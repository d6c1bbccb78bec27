/**
 * What a command file exports and what it is given. A command parses nothing itself and holds
 * no business logic: it receives parsed flags, calls the engine and prints reports.
 */
import type { Engine } from '../engine/engine.ts';
import type { GlobalOptions } from '../engine/options.ts';
import type { FlagSpec, FlagValues } from './flags.ts';

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface CommandContext extends Io {
  readonly flags: FlagValues;
  readonly changed: ReadonlySet<string>;
  readonly args: string[];
  /** The command as cobra's CommandPath names it, e.g. `skiff container wait`. */
  readonly path: string;
  readonly global: GlobalOptions;
  /** Opens the engine on first use, so commands that need no store never open it. */
  engine(): Promise<Engine>;
  /** Writes to stdout. */
  out(text: string): void;
  /** Writes to stderr. */
  err(text: string): void;
  /** A warning on stderr in Podman's logrus form: `time="…" level=warning msg="…"`. */
  warn(message: string): void;
}

/** Positional argument rules, with cobra's error texts (printed without a See line, as cobra's). */
export type ArgsRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'none' }
  | { readonly kind: 'exact'; readonly n: number }
  | { readonly kind: 'min'; readonly n: number }
  | { readonly kind: 'max'; readonly n: number }
  | { readonly kind: 'range'; readonly min: number; readonly max: number };

export interface CommandSpec {
  /** The usage line after `skiff `, e.g. `images [options] [IMAGE]`. */
  readonly use: string;
  readonly long?: string;
  readonly examples?: readonly string[];
  readonly flags: readonly FlagSpec[];
  readonly interspersed?: boolean;
  readonly args: ArgsRule;
  /** Returns the exit code (0 when void). */
  run(ctx: CommandContext): Promise<number | void>;
}

export interface CommandEntry {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly short: string;
  readonly hidden?: boolean;
  /**
   * Rootless, where the command runs: by default in the user's namespace (joined, or made);
   * 'host' stays outside it; 'unshare' runs only when the caller is already inside
   * (`skiff unshare`), as Podman's mount commands.
   */
  readonly userns?: 'host' | 'unshare';
  readonly load?: () => Promise<CommandSpec>;
  readonly subcommands?: readonly CommandEntry[];
}
