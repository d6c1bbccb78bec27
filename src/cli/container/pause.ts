import type { CommandSpec } from '../command.ts';
import { forEachContainer } from './each.ts';

function verb(pause: boolean): CommandSpec {
  return {
    use: `${pause ? 'pause' : 'unpause'} [options] CONTAINER [CONTAINER...]`,
    long: pause ? 'Pauses one or more running containers.  The container name or ID can be used.' : 'Unpauses one or more previously paused containers.  The container name or ID can be used.',
    args: { kind: 'any' },
    flags: [
      { name: 'all', short: 'a', type: 'bool', usage: pause ? 'Pause all running containers' : 'Unpause all paused containers' },
      { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    ],
    async run(ctx) {
      const engine = await ctx.engine();
      return forEachContainer(
        ctx,
        { all: ctx.flags.all as boolean, latest: ctx.flags.latest as boolean, filter: (c) => c.state.status === (pause ? 'running' : 'paused') },
        async (c, input) => {
          if (pause) await engine.containers.pause(c);
          else await engine.containers.unpause(c);
          return input;
        },
      );
    },
  };
}

export const pauseCommand = verb(true);
export const unpauseCommand = verb(false);
