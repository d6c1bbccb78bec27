/**
 * Runs a verb on several containers the way Podman's batch commands do: each one on its own,
 * the argument echoed on success, every error reported at the end. `--all` and `--latest`
 * select the targets instead of arguments.
 */
import type { ContainerRecord } from '../../state/containers.ts';
import { isSkiffError, SkiffError } from '../../util/errors.ts';
import type { CommandContext } from '../command.ts';

export interface EachOptions {
  readonly all?: boolean;
  readonly latest?: boolean;
  readonly ignore?: boolean;
  /** Exit code when a container is not found (rm: 1, most others: 125). */
  readonly notFoundCode?: number;
  readonly filter?: (c: ContainerRecord) => boolean;
  /** The error when no names are given and neither --all nor --latest (Podman words it per verb). */
  readonly noTargets?: string;
  /** The error when --all comes with names. */
  readonly allWithNames?: string;
}

/** Podman's checks of names against --all and --latest (CheckAllLatestAndIDs), in its order. */
export function checkTargets(ctx: CommandContext, opts: EachOptions): void {
  const names = ctx.args.length > 0;
  if (!opts.all && !opts.latest && !names) throw new SkiffError('bad-arguments', opts.noTargets ?? 'you must provide at least one name or id');
  if (opts.all && opts.latest) throw new SkiffError('bad-arguments', '--all and --latest cannot be used together');
  if (opts.all && names) throw new SkiffError('bad-arguments', opts.allWithNames ?? 'no arguments are needed with --all');
  if (opts.latest && names) throw new SkiffError('bad-arguments', '--latest and containers cannot be used together');
}

export async function forEachContainer(
  ctx: CommandContext,
  opts: EachOptions,
  fn: (c: ContainerRecord, input: string) => Promise<string | undefined>,
): Promise<number> {
  checkTargets(ctx, opts);
  const engine = await ctx.engine();
  const svc = engine.containers;
  const targets: { c?: ContainerRecord; input: string }[] = opts.all
    ? svc.list().filter((c) => opts.filter?.(c) ?? true).map((c) => ({ c, input: c.id }))
    : opts.latest
      ? [{ c: svc.latest(), input: '' }]
      : ctx.args.map((input) => ({ c: svc.find(input), input }));
  const errors: SkiffError[] = [];
  for (const t of targets) {
    try {
      if (!t.c) {
        if (opts.ignore) continue;
        throw new SkiffError('no-such-object', `no container with name or ID "${t.input}" found: no such container`, { exitCode: opts.notFoundCode ?? 125 });
      }
      const out = await fn(svc.sync(t.c), t.input || t.c.id);
      if (out !== undefined) ctx.out(`${out}\n`);
    } catch (e) {
      if (!isSkiffError(e)) throw e;
      errors.push(e);
    }
  }
  if (errors.length === 0) return 0;
  for (const e of errors) ctx.err(`Error: ${e.message}\n`);
  return errors.at(-1)?.exitCode ?? 125;
}
