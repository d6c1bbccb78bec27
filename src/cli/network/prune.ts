import { createInterface } from 'node:readline/promises';
import { networkFilter } from '../../network/filter.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'prune [options]',
  long: 'Removes every network no container uses, except the default network.',
  examples: ['skiff network prune', 'skiff network prune -f --filter label=temp'],
  args: { kind: 'none' },
  flags: [
    { name: 'filter', type: 'stringArray', usage: "Provide filter values (e.g. 'label=<key>=<value>')" },
    { name: 'force', short: 'f', type: 'bool', usage: 'do not prompt for confirmation' },
  ],
  async run(ctx) {
    const networks = await (await ctx.engine()).networks();
    const keep = networkFilter(ctx.flags.filter as string[], { keys: ['label', 'label!', 'until'], defaultName: networks.configs.defaultName });
    if (!ctx.flags.force) {
      ctx.out('WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue? [y/N] ');
      const rl = createInterface({ input: ctx.stdin });
      const answer = await rl.question('').catch(() => '');
      rl.close();
      if (answer.trim().toLowerCase() !== 'y') return 0;
    }
    const used = networks.state.usedNetworks();
    for (const net of networks.list()) {
      if (net.name === networks.configs.defaultName || used.has(net.name) || !keep(net, used)) continue;
      await networks.remove(net, { force: false, timeout: 10 });
      ctx.out(`${net.name}\n`);
    }
    return 0;
  },
};
