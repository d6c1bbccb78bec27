import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { printInspect } from '../inspect.ts';

export const command: CommandSpec = {
  use: 'inspect [options] VOLUME [VOLUME...]',
  long: 'Display detailed information on one or more volumes.\n\n  Use a Go template to change the format from JSON.',
  examples: ['skiff volume inspect myvol', 'skiff volume inspect --all', 'skiff volume inspect --format "{{.Driver}} {{.Scope}}" myvol'],
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Inspect all volumes' },
    { name: 'format', short: 'f', type: 'string', usage: 'Format volume output using Go template', default: 'json' },
  ],
  async run(ctx) {
    const all = ctx.flags.all as boolean;
    if (all === ctx.args.length > 0) throw new SkiffError('invalid-argument', 'provide one or more volume names or use --all');
    const engine = await ctx.engine();
    const svc = engine.volumes;
    const names = all ? svc.list().map((v) => v.name) : ctx.args;
    return printInspect(
      ctx,
      names,
      ctx.flags.format as string,
      (name) => svc.inspect(svc.resolve(name)),
      (name) => `inspecting object: no such volume ${name}`,
    );
  },
};
