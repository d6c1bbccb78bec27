import { parseStatusName } from '../../state/containers.ts';
import type { CommandSpec } from '../command.ts';
import { checkTargets, forEachContainer } from './each.ts';

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
    const targets = {
      latest: ctx.flags.latest as boolean,
      ignore: ctx.flags.ignore as boolean,
      noTargets: `"${ctx.path}" requires a name, id, or the "--latest" flag`,
    };
    // Podman checks the names first, then the conditions (a comma list, as pflag's strings),
    // and only then looks containers up.
    checkTargets(ctx, targets);
    const conditions = (ctx.flags.condition as string[]).flatMap((x) => x.split(',')).filter((x) => x !== '').map(parseStatusName);
    const engine = await ctx.engine();
    return forEachContainer(ctx, targets, async (c) => {
      if (conditions.length > 0 && !conditions.some((x) => x === 'stopped' || x === 'exited')) {
        // running / created conditions: wait until the state matches.
        for (;;) {
          const cur = engine.containers.sync(engine.containers.records.get(c.id) ?? c);
          const st = cur.state.status === 'configured' ? 'created' : cur.state.status;
          if (conditions.some((x) => x === st)) return '-1';
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      return String(await engine.containers.wait(c));
    });
  },
};
