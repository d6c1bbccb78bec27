import { isSkiffError } from '../../util/errors.ts';
import { goJson } from '../../util/gojson.ts';
import type { CommandSpec } from '../command.ts';
import { isJsonFormat, renderEach } from '../format/report.ts';
import type { Network } from '../../network/types.ts';
import { templateView } from './view.ts';

export const command: CommandSpec = {
  use: 'inspect [options] NETWORK [NETWORK...]',
  long: "Displays a network's definition, as JSON or through a Go template.",
  examples: ['skiff network inspect podman', 'skiff network inspect --format "{{.Name}} {{.Driver}}" mynet'],
  args: { kind: 'min', n: 1 },
  flags: [{ name: 'format', short: 'f', type: 'string', usage: 'Pretty-print network to JSON or using a Go template' }],
  async run(ctx) {
    const engine = await ctx.engine();
    const networks = await engine.networks();
    const found: Network[] = [];
    let error: string | undefined;
    for (const name of ctx.args) {
      try {
        found.push(networks.resolve(name));
      } catch (e) {
        if (!isSkiffError(e)) throw e;
        error ??= `inspecting object: network ${name}: ${e.message}`;
      }
    }
    const format = (ctx.flags.format as string | undefined) ?? '';
    if (format === '' || isJsonFormat(format)) ctx.out(`${goJson(found, '     ')}\n`);
    else ctx.out(renderEach(format, found.map(templateView), 'inspect'));
    if (error) {
      ctx.err(`Error: ${error}\n`);
      return 125;
    }
    return 0;
  },
};
