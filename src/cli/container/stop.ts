import type { CommandSpec } from '../command.ts';
import { forEachContainer } from './each.ts';

export const command: CommandSpec = {
  use: 'stop [options] CONTAINER [CONTAINER...]',
  long: 'Stops one or more running containers.  The container name or ID can be used.\n\n  A timeout to forcibly stop the container can also be set but defaults to 10 seconds otherwise.',
  examples: ['skiff stop ctrID', 'skiff stop --time 2 mywebserver 6e534f14da9d'],
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Stop all running containers' },
    { name: 'ignore', short: 'i', type: 'bool', usage: 'Ignore errors when a specified container is missing' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'time', short: 't', type: 'uint', usage: 'Seconds to wait for stop before killing the container', default: 10 },
    { name: 'cidfile', type: 'stringArray', usage: 'Read the container ID from the file' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const time = ctx.changed.has('time') ? (ctx.flags.time as number) : undefined;
    return forEachContainer(ctx, { all: ctx.flags.all as boolean, latest: ctx.flags.latest as boolean, ignore: ctx.flags.ignore as boolean }, async (c, input) => {
      const warning = await engine.containers.stop(c, time);
      if (warning) ctx.warn(warning);
      return input;
    });
  },
};
