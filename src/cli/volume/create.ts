import type { CommandSpec } from '../command.ts';
import { parseLabels } from '../labels.ts';

export const command: CommandSpec = {
  use: 'create [options] [NAME]',
  long: 'Creates a new volume. If using the default driver, "local", the volume will be created on the host in the volumes directory under container storage.',
  examples: ['skiff volume create myvol', 'skiff volume create', 'skiff volume create --label foo=bar myvol'],
  args: { kind: 'max', n: 1 },
  flags: [
    { name: 'driver', type: 'string', usage: 'Specify volume driver name', default: 'local' },
    { name: 'label', short: 'l', type: 'stringSlice', usage: 'Set metadata for a volume (default [])' },
    { name: 'opt', short: 'o', type: 'stringArray', usage: 'Set driver specific options (default [])' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const v = await engine.volumes.create({
      ...(ctx.args[0] === undefined ? {} : { name: ctx.args[0] }),
      driver: ctx.flags.driver as string,
      labels: parseLabels(ctx.flags.label as string[]),
      options: ctx.flags.opt as string[],
    });
    ctx.out(`${v.name}\n`);
  },
};
