import { createInterface } from 'node:readline/promises';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'prune [options]',
  long: 'Removes all non running containers',
  examples: ['skiff container prune'],
  args: { kind: 'none' },
  flags: [
    { name: 'filter', type: 'stringArray', usage: "Provide filter values (e.g. 'label=<key>=<value>')" },
    { name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation.  The default is false' },
  ],
  async run(ctx) {
    if (!ctx.flags.force) {
      ctx.out('WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ');
      const rl = createInterface({ input: ctx.stdin });
      const answer = await rl.question('').catch(() => '');
      rl.close();
      if (answer.trim().toLowerCase() !== 'y') return 0;
    }
    const engine = await ctx.engine();
    for (const c of engine.containers.list()) {
      if (c.state.status === 'running' || c.state.status === 'paused') continue;
      await engine.containers.remove(c);
      ctx.out(`${c.id}\n`);
    }
    return 0;
  },
};
