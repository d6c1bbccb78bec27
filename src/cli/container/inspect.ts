import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { printInspect } from '../inspect.ts';

export const command: CommandSpec = {
  use: 'inspect [options] CONTAINER [CONTAINER...]',
  long: 'Displays the configuration of a container, identified by name or ID.',
  examples: ['skiff container inspect myCtr', 'skiff container inspect -l --format \'{{.Id}} {{.Config.Labels}}\''],
  args: { kind: 'any' },
  flags: [
    { name: 'format', short: 'f', type: 'string', usage: 'Format the output to a Go template or json', default: 'json' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'size', short: 's', type: 'bool', usage: 'Display total file size' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const { inspectContainer } = await import('../../engine/container-inspect.ts');
    const names = ctx.flags.latest ? [engine.containers.latest().id] : ctx.args;
    if (names.length === 0) throw new SkiffError('bad-arguments', 'no names or ids specified');
    return printInspect(
      ctx,
      names,
      ctx.flags.format as string,
      (name) => inspectContainer(engine, engine.containers.resolve(name), { size: ctx.flags.size as boolean }),
      (name) => `inspecting object: no such container "${name}"`,
    );
  },
};
