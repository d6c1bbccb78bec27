import { containerTop, topDescriptorNames } from '../../engine/top.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { tabwrite } from '../format/tabwriter.ts';

export const command: CommandSpec = {
  use: 'top [options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]',
  long: [
    'Display the running processes of a container.',
    '',
    '  The top command extends the ps(1) compatible AIX descriptors with container-specific ones as shown below.  In the presence of ps(1) specific flags (e.g, -eo), skiff will execute ps(1) inside the container.',
    '',
    '',
    '  Format Descriptors:',
    `    ${topDescriptorNames().join(',')}`,
  ].join('\n'),
  examples: ['skiff top ctrID', 'skiff top --latest', 'skiff top ctrID pid seccomp args %C', 'skiff top ctrID -eo user,pid,comm'],
  args: { kind: 'any' },
  interspersed: false,
  flags: [
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'list-descriptors', type: 'bool', usage: 'List the supported format descriptors', hidden: true },
  ],
  async run(ctx) {
    if (ctx.flags['list-descriptors']) {
      ctx.out(`${topDescriptorNames().join('\n')}\n`);
      return 0;
    }
    const latest = ctx.flags.latest as boolean;
    if (!latest && ctx.args.length === 0) throw new SkiffError('invalid-argument', 'you must provide the name or id of a running container');
    const engine = await ctx.engine();
    const lines = await containerTop(engine, latest ? { latest, descriptors: ctx.args } : { container: ctx.args[0], descriptors: ctx.args.slice(1) });
    ctx.out(tabwrite(lines.map((l) => `${l}\n`).join('')));
    return 0;
  },
};
