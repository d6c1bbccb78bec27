import { writeFileSync } from 'node:fs';
import type { CommandSpec } from '../command.ts';
import { CREATE_FLAGS, createFlags } from './create-flags.ts';

export const command: CommandSpec = {
  use: 'create [options] IMAGE [COMMAND [ARG...]]',
  long: 'Creates a new container from the given image or storage and prepares it for running the specified command.\n\n  The container ID is then printed to stdout. You can then start it at any time with the skiff start <container_id> command. The container will be created with the initial state \'created\'.',
  examples: ['skiff create alpine ls', 'skiff create --annotation HELLO=WORLD alpine ls', 'skiff create -t -i --name myctr alpine ls'],
  args: { kind: 'min', n: 1 },
  interspersed: false,
  flags: CREATE_FLAGS,
  async run(ctx) {
    const engine = await ctx.engine();
    const flags = createFlags(ctx.flags, ctx.changed);
    const image = engine.images.resolve(ctx.args[0]);
    const c = await engine.containers.create(flags, image, ctx.args[0], ctx.args.slice(1));
    const cidfile = ctx.flags.cidfile as string;
    if (cidfile) writeFileSync(cidfile, c.id, { flag: 'wx' });
    ctx.out(`${c.id}\n`);
  },
};
