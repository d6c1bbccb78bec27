import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'exists IMAGE',
  long: 'If the named image exists in local storage, skiff image exists exits with 0, otherwise the exit code will be 1.',
  examples: ['skiff image exists ID', 'skiff image exists IMAGE && skiff pull IMAGE'],
  args: { kind: 'exact', n: 1 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    return engine.images.find(ctx.args[0]) ? 0 : 1;
  },
};
