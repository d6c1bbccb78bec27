import type { CommandSpec } from '../command.ts';
import { COMMANDS, findCommand } from '../commands.ts';
import { commandHelp, groupHelp } from '../main.ts';
import { SkiffError } from '../../util/errors.ts';

export const command: CommandSpec = {
  use: 'help [command]',
  long: 'Help provides help for any command in the application.',
  args: { kind: 'any' },
  flags: [],
  async run(ctx) {
    let path = 'skiff';
    let entries = COMMANDS;
    let entry: (typeof COMMANDS)[number] | undefined;
    for (const word of ctx.args) {
      entry = findCommand(entries, word);
      if (!entry) throw new SkiffError('usage', `unknown help topic \`${ctx.args.join(' ')}\``);
      path = `${path} ${entry.name}`;
      entries = entry.subcommands ?? [];
    }
    if (!entry) {
      ctx.out(groupHelp('skiff', { short: 'Manage pods, containers and images', subcommands: COMMANDS }, true));
      return;
    }
    if (entry.subcommands) ctx.out(groupHelp(path, entry));
    else if (entry.load) ctx.out(commandHelp(path, entry, await entry.load()));
  },
};
