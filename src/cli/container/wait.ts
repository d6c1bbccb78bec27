import type { CommandSpec } from '../command.ts';
import { forEachContainer } from './each.ts';

export const command: CommandSpec = {
  use: 'wait [options] CONTAINER [CONTAINER...]',
  long: 'Block until one or more containers stop and then print their exit codes.',
  examples: ['skiff wait --interval 5s ctrID', 'skiff wait ctrID1 ctrID2'],
  args: { kind: 'any' },
  flags: [
    { name: 'condition', type: 'stringArray', usage: 'Condition to wait on', default: ['stopped'] },
    { name: 'interval', short: 'i', type: 'string', usage: 'Time Interval to wait before polling for completion', default: '250ms' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'ignore', type: 'bool', usage: 'Ignore if a container does not exist' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const conditions = ctx.flags.condition as string[];
    return forEachContainer(ctx, { latest: ctx.flags.latest as boolean, ignore: ctx.flags.ignore as boolean }, async (c) => {
      if (conditions.length > 0 && !conditions.some((x) => x === 'stopped' || x === 'exited')) {
        // running / created conditions: wait until the state matches.
        for (;;) {
          const cur = engine.containers.sync(engine.containers.records.get(c.id) ?? c);
          const st = cur.state.status === 'configured' ? 'created' : cur.state.status;
          if (conditions.includes(st)) return '-1';
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      return String(await engine.containers.wait(c));
    });
  },
};
