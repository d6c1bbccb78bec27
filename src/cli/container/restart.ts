import type { CommandSpec } from '../command.ts';
import { forEachContainer } from './each.ts';

export const command: CommandSpec = {
  use: 'restart [options] CONTAINER [CONTAINER...]',
  long: 'Restarts one or more running containers. The container ID or name can be used.\n\n  A timeout before forcibly stopping can be set, but defaults to 10 seconds.',
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Restart all non-running containers' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'running', type: 'bool', usage: 'Restart only running containers when --all is used' },
    { name: 'time', short: 't', type: 'uint', usage: 'Seconds to wait for stop before killing the container', default: 10 },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const time = ctx.changed.has('time') ? (ctx.flags.time as number) : undefined;
    return forEachContainer(
      ctx,
      { all: ctx.flags.all as boolean, latest: ctx.flags.latest as boolean, filter: (c) => !ctx.flags.running || c.state.status === 'running' },
      async (c, input) => {
        await engine.containers.stop(c, time);
        await engine.containers.start(engine.containers.records.get(c.id) ?? c);
        return input;
      },
    );
  },
};
