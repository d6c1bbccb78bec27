import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'exists NETWORK',
  long: 'Exits 0 when the network exists, 1 when it does not.',
  examples: ['skiff network exists mynet'],
  args: { kind: 'exact', n: 1 },
  flags: [],
  async run(ctx) {
    const networks = await (await ctx.engine()).networks();
    return networks.configs.find(ctx.args[0] as string) ? 0 : 1;
  },
};
