import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'disconnect [options] NETWORK CONTAINER',
  long: 'Disconnects a container from a network, at once when it runs.',
  examples: ['skiff network disconnect mynet ctr'],
  args: { kind: 'exact', n: 2 },
  flags: [{ name: 'force', short: 'f', type: 'bool', usage: 'force removal of container from network' }],
  async run(ctx) {
    const [netName, ctrName] = ctx.args as [string, string];
    const engine = await ctx.engine();
    const networks = await engine.networks();
    // The container first: Podman names a missing container before a missing network.
    const c = engine.containers.resolve(ctrName);
    const net = networks.resolve(netName);
    await engine.containers.lock(c.id).with(async () => {
      const cur = engine.containers.sync(engine.containers.records.get(c.id) ?? c);
      await networks.disconnect(cur, net);
    });
  },
};
