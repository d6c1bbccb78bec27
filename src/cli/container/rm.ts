import type { CommandSpec } from '../command.ts';
import { forEachContainer } from './each.ts';

export const command: CommandSpec = {
  use: 'rm [options] CONTAINER [CONTAINER...]',
  long: 'Removes one or more containers from the host. The container name or ID can be used.\n\n  Command does not remove images. Running or unusable containers will not be removed without the -f option.',
  examples: ['skiff rm imageID', 'skiff rm mywebserver myflaskserver 860a4b23', 'skiff rm --force --all'],
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all containers' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Force removal of a running or unusable container' },
    { name: 'ignore', short: 'i', type: 'bool', usage: 'Ignore errors when a specified container is missing' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'time', short: 't', type: 'uint', usage: 'Seconds to wait for stop before killing the container', default: 10 },
    { name: 'volumes', short: 'v', type: 'bool', usage: 'Remove anonymous volumes associated with the container' },
    { name: 'depend', type: 'bool', usage: 'Remove container and all containers that depend on the selected container' },
    { name: 'cidfile', type: 'stringArray', usage: 'Read the container ID from the file' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const force = ctx.flags.force as boolean;
    // Without -t, a running container gets its own stop timeout before SIGKILL, as in Podman.
    const time = ctx.changed.has('time') ? (ctx.flags.time as number) : undefined;
    const volumes = ctx.flags.volumes as boolean;
    // Podman: rm -f of a missing container is not an error; rm of one exits 1.
    return forEachContainer(
      ctx,
      { all: ctx.flags.all as boolean, latest: ctx.flags.latest as boolean, ignore: (ctx.flags.ignore as boolean) || force, notFoundCode: 1 },
      async (c, input) => {
        await engine.containers.remove(c, { force, timeout: time, volumes, warn: (m) => ctx.warn(m) });
        return input;
      },
    );
  },
};
