import { versionInfo } from '../../engine/info.ts';
import { goJson } from '../../util/gojson.ts';
import type { CommandSpec } from '../command.ts';
import { isJsonFormat, renderOne } from '../format/report.ts';

export const command: CommandSpec = {
  use: 'version [options]',
  long: 'Display the skiff version information',
  args: { kind: 'none' },
  flags: [{ name: 'format', short: 'f', type: 'string', usage: 'Change the output format to JSON or a Go template' }],
  async run(ctx) {
    const client = versionInfo();
    const data = { Client: client };
    const format = ctx.flags.format as string;
    if (isJsonFormat(format)) {
      ctx.out(`${goJson(data)}\n`);
      return;
    }
    if (format) {
      ctx.out(renderOne(format, data, 'version'));
      return;
    }
    const rows: [string, unknown][] = [
      ['Client:', 'skiff engine'],
      ['Version:', client.Version],
      ['API Version:', client.APIVersion],
      ['Node Version:', client.NodeVersion],
      ['OS/Arch:', client.OsArch],
    ];
    ctx.out(`${rows.map(([k, v]) => `${k.padEnd(14)}${v}`).join('\n')}\n`);
  },
};
