import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'exists VOLUME',
  long: 'If the given volume exists, skiff volume exists exits with 0, otherwise the exit code will be 1.',
  examples: ['skiff volume exists myvol'],
  args: { kind: 'exact', n: 1 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    return engine.volumes.records.get(ctx.args[0]) ? 0 : 1;
  },
};
