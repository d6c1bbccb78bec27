import { existsSync } from 'node:fs';
import type { CommandSpec } from '../command.ts';

/** Run by conmon when a container exits (its --exit-command); also usable by hand. */
export const command: CommandSpec = {
  use: 'cleanup [options] CONTAINER [CONTAINER...]',
  long: 'Cleans up mount points and network stacks on one or more containers from the host. The container name or ID can be used. This command is used internally when running containers, but can also be used if container networking or storage has failed and needs cleanup.',
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Cleans up all containers' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'rm', type: 'bool', usage: 'After cleanup, remove the container entirely' },
    { name: 'exec', type: 'string', usage: 'Clean up the given exec session instead of the container' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    // conmon may run this after the whole store was deleted: then there is nothing to clean,
    // and opening the store would only create it again.
    if (!existsSync(engine.config.graphRoot)) return 0;
    const svc = engine.containers;
    const targets = ctx.flags.all ? svc.list() : ctx.flags.latest ? [svc.latest()] : ctx.args.map((a) => svc.find(a));
    for (const found of targets) {
      if (!found) continue; // already removed: nothing to clean
      // Re-read the state from the exit file: conmon runs this before anyone has recorded the exit.
      const c = svc.sync(found);
      if (ctx.flags.exec) continue; // exec sessions clean up after themselves
      if (c.state.status === 'running' || c.state.status === 'paused') continue;
      await svc.cleanup(c, { remove: ctx.flags.rm as boolean, volumes: ctx.flags.rm as boolean });
      if (!ctx.flags.rm) {
        await svc.restartByPolicy(c);
        ctx.out(`${c.id}\n`);
      }
    }
    return 0;
  },
};
