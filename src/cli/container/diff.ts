import { diffContainer } from '../../engine/container-fs.ts';
import { goJson } from '../../util/gojson.ts';
import type { CommandSpec } from '../command.ts';
import { isJsonFormat } from '../format/report.ts';

export const command: CommandSpec = {
  use: 'diff [options] CONTAINER',
  long: 'Displays changes on a container\'s filesystem.  The container will be compared to its parent layer.',
  args: { kind: 'range', min: 1, max: 2 },
  flags: [
    { name: 'format', type: 'string', usage: 'Change the output format (json)' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const c = ctx.flags.latest ? engine.containers.latest() : engine.containers.resolve(ctx.args[0]);
    const changes = await diffContainer(engine, c);
    if (isJsonFormat((ctx.flags.format as string) ?? '')) {
      const by = (k: string) => changes.filter((x) => x.kind === k).map((x) => x.path);
      ctx.out(`${goJson({ changed: by('C'), added: by('A'), deleted: by('D') }, '    ')}\n`);
      return;
    }
    for (const ch of changes) ctx.out(`${ch.kind} ${ch.path}\n`);
  },
};
