import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'rmi [options] IMAGE [IMAGE...]',
  long: 'Removes one or more previously pulled or locally created images.',
  examples: ['skiff rmi imageID', 'skiff rmi --force alpine', 'skiff rmi c4dfb1609ee2 93fd78260bd1 c0ed59d05ff7'],
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all images' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Force Removal of the image' },
    { name: 'ignore', short: 'i', type: 'bool', usage: 'Ignore errors if a specified image does not exist' },
    { name: 'no-prune', type: 'bool', usage: 'Do not remove dangling images' },
  ],
  async run(ctx) {
    const all = ctx.flags.all as boolean;
    if (ctx.args.length === 0 && !all) throw new SkiffError('invalid-argument', 'image name or ID must be specified');
    if (ctx.args.length > 0 && all) throw new SkiffError('invalid-argument', 'when using the --all switch, you may not pass any images names or IDs');
    const engine = await ctx.engine();
    const report = await engine.images.remove(ctx.args, { force: ctx.flags.force as boolean, all, noPrune: ctx.flags['no-prune'] as boolean });
    for (const u of report.untagged) ctx.out(`Untagged: ${u}\n`);
    for (const d of report.deleted) ctx.out(`Deleted: ${d}\n`);
    const errors = ctx.flags.ignore ? report.errors.filter((e) => e.code !== 'image-not-known') : report.errors;
    if (errors.length === 0) return 0;
    if (errors.length === 1) ctx.err(`Error: ${errors[0].message}\n`);
    else ctx.err(`Error: ${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e.message}`).join('\n')}\n`);
    // Podman: 1 when an image is not known, 2 when one is in use, else 125.
    return errors.some((e) => e.code === 'image-in-use') ? 2 : errors.every((e) => e.code === 'image-not-known') ? 1 : 125;
  },
};
