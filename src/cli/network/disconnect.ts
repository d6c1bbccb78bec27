import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'disconnect [options] NETWORK CONTAINER',
  long: 'Disconnects a container from a network, at once when it runs.',
  examples: ['skiff network disconnect mynet ctr'],
  args: { kind: 'exact', n: 2 },
  flags: [{ name: 'force', short: 'f', type: 'bool', usage: 'force removal of container from network' }],
  async run(ctx) {
    const [netName, ctrName] = ctx.args as [string, string];
    const networks = await (await ctx.engine()).networks();
    await networks.withContainer(ctrName, netName, (c, net) => networks.disconnect(c, net));
  },
};
