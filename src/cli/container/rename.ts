import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'rename CONTAINER NAME',
  long: 'The container to rename can be referred to by ID or name.',
  args: { kind: 'exact', n: 2 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    await engine.containers.rename(engine.containers.resolve(ctx.args[0]), ctx.args[1]);
  },
};
