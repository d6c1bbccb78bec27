import { parseSignal } from '../../engine/specgen.ts';
import type { CommandSpec } from '../command.ts';
import { forEachContainer } from './each.ts';

export const command: CommandSpec = {
  use: 'kill [options] CONTAINER [CONTAINER...]',
  long: 'The main process inside each container specified will be sent SIGKILL, or any signal specified with option --signal.',
  examples: ['skiff kill mywebserver', 'skiff kill 860a4b23', 'skiff kill --signal TERM ctrID'],
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Signal all running containers' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'signal', short: 's', type: 'string', usage: 'Signal to send to the container', default: 'KILL' },
    { name: 'cidfile', type: 'stringArray', usage: 'Read the container ID from the file' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const signal = parseSignal(ctx.flags.signal as string);
    return forEachContainer(
      ctx,
      { all: ctx.flags.all as boolean, latest: ctx.flags.latest as boolean, filter: (c) => c.state.status === 'running' },
      async (c, input) => {
        await engine.containers.kill(c, signal);
        return input;
      },
    );
  },
};
