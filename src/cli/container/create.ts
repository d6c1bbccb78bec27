import type { CommandSpec } from '../command.ts';
import { CREATE_FLAGS, createFromArgs } from './create-flags.ts';

export const command: CommandSpec = {
  use: 'create [options] IMAGE [COMMAND [ARG...]]',
  long: 'Creates a new container from the given image or storage and prepares it for running the specified command.\n\n  The container ID is then printed to stdout. You can then start it at any time with the skiff start <container_id> command. The container will be created with the initial state \'created\'.',
  examples: ['skiff create alpine ls', 'skiff create --annotation HELLO=WORLD alpine ls', 'skiff create -t -i --name myctr alpine ls'],
  args: { kind: 'min', n: 1 },
  interspersed: false,
  flags: CREATE_FLAGS,
  async run(ctx) {
    const { container } = await createFromArgs(ctx);
    ctx.out(`${container.id}\n`);
  },
};
