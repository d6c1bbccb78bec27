import { createInterface } from 'node:readline/promises';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'prune [options]',
  long: 'Removes dangling or unused images from local storage.',
  examples: ['skiff image prune'],
  args: { kind: 'none' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all images not in use by containers, not just dangling ones' },
    { name: 'external', type: 'bool', usage: 'Remove images even when they are used by external containers (e.g., by build containers)' },
    { name: 'filter', type: 'stringArray', usage: "Provide filter values (e.g. 'label=<key>=<value>')" },
    { name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation' },
  ],
  async run(ctx) {
    const all = ctx.flags.all as boolean;
    if (!ctx.flags.force) {
      ctx.out(
        all
          ? 'WARNING! This command removes all images without at least one container associated with them.\nAre you sure you want to continue? [y/N] '
          : 'WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] ',
      );
      const rl = createInterface({ input: ctx.stdin });
      const answer = await rl.question('').catch(() => '');
      rl.close();
      if (answer.trim().toLowerCase() !== 'y') return 0;
    }
    const engine = await ctx.engine();
    const removed = await engine.images.prune({ all, filters: ctx.flags.filter as string[] });
    for (const id of removed) ctx.out(`${id}\n`);
    return 0;
  },
};
