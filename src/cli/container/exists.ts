import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'exists [options] CONTAINER',
  long: 'Check if a container exists in local storage. If the container exists, skiff container exists exits with 0, otherwise the exit code will be 1.',
  args: { kind: 'exact', n: 1 },
  flags: [{ name: 'external', type: 'bool', usage: 'Check external storage containers as well as skiff containers' }],
  async run(ctx) {
    const engine = await ctx.engine();
    return engine.containers.find(ctx.args[0]) ? 0 : 1;
  },
};
