import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'exists SECRET',
  long: 'If the named secret exists in local storage, skiff secret exists exits with 0, otherwise the exit code will be 1.',
  examples: ['skiff secret exists ID', 'skiff secret exists SECRET || skiff secret create SECRET <secret source>'],
  args: { kind: 'exact', n: 1 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    return (await engine.secrets()).find(ctx.args[0]) ? 0 : 1;
  },
};
