import type { CommandSpec } from '../command.ts';
import { forEachContainer } from './each.ts';

export const mountCommand: CommandSpec = {
  use: 'mount [options] [CONTAINER...]',
  long: 'Mounts the specified containers\' root file system in a location which can be accessed from the host, and returns its location.',
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Mount all containers' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate output' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    if (ctx.args.length === 0 && !ctx.flags.all && !ctx.flags.latest) {
      for (const c of engine.containers.list().filter((x) => x.state.mounted)) ctx.out(`${c.id.slice(0, 12)}  ${engine.store.rootfs.mountPoint(c.id)}\n`);
      return 0;
    }
    return forEachContainer(ctx, { all: ctx.flags.all as boolean, latest: ctx.flags.latest as boolean }, async (c) => {
      const image = engine.store.images.get(c.imageId);
      const path = await engine.store.rootfs.mount(c.id, image?.topLayer ?? null);
      engine.containers.records.update(c.id, () => ({ mounted: true }));
      return path;
    });
  },
};

export const unmountCommand: CommandSpec = {
  use: 'unmount [options] CONTAINER [CONTAINER...]',
  long: 'Container storage increments a mount counter each time a container is mounted. This command unmounts a stopped container\'s root file system.',
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Unmount all of the currently mounted containers' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Force the complete unmount of the specified mounted containers' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    return forEachContainer(ctx, { all: ctx.flags.all as boolean, latest: ctx.flags.latest as boolean }, async (c) => {
      if (c.state.status === 'running' || c.state.status === 'paused') return c.id; // in use: stays mounted
      await engine.store.rootfs.unmount(c.id);
      engine.containers.records.update(c.id, () => ({ mounted: false }));
      return c.id;
    });
  },
};
