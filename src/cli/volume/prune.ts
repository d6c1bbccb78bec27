import { createInterface } from 'node:readline/promises';
import { volumeFilter } from '../../volume/filter.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'prune [options]',
  long: 'Volumes that are not currently owned by a container will be removed.\n\n  The command prompts for confirmation which can be overridden with the --force flag.\n  Note all data will be destroyed.',
  args: { kind: 'none' },
  flags: [
    { name: 'filter', type: 'stringArray', usage: "Provide filter values (e.g. 'label=<key>=<value>')" },
    { name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation' },
  ],
  async run(ctx) {
    const keep = volumeFilter(ctx.flags.filter as string[]);
    const engine = await ctx.engine();
    const svc = engine.volumes;
    // Only unused volumes are candidates, so each is dangling.
    const select = (v: Parameters<typeof keep>[0]) => keep(v, new Set());
    if (!ctx.flags.force) {
      const candidates = svc.unused().filter(select);
      if (candidates.length === 0) return 0;
      ctx.out('WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n');
      for (const v of candidates) ctx.out(`${v.name}\n`);
      ctx.out('Are you sure you want to continue? [y/N] ');
      const rl = createInterface({ input: ctx.stdin });
      const answer = await rl.question('').catch(() => '');
      rl.close();
      if (answer.trim().toLowerCase() !== 'y') return 0;
    }
    for (const name of await svc.prune(select)) ctx.out(`${name}\n`);
    return 0;
  },
};
