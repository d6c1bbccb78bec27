import { volumeFilter } from '../../volume/filter.ts';
import type { CommandSpec } from '../command.ts';
import { isJsonFormat, renderList } from '../format/report.ts';
import { goJson } from '../../util/gojson.ts';

const DEFAULT_FORMAT = 'table {{.Driver}}\t{{.Name}}';
const HEADERS: Record<string, string> = { Name: 'VOLUME NAME', Driver: 'DRIVER', Mountpoint: 'MOUNTPOINT', CreatedAt: 'CREATED AT', Labels: 'LABELS', Scope: 'SCOPE', Options: 'OPTIONS', MountCount: 'MOUNT COUNT' };

export const command: CommandSpec = {
  use: 'ls [options]',
  long: 'List all available volumes. The output of the volumes can be filtered and the output format can be changed to JSON or a user specified Go template.',
  args: { kind: 'none' },
  flags: [
    { name: 'filter', short: 'f', type: 'stringSlice', usage: 'Filter volume output' },
    { name: 'format', type: 'string', usage: 'Format volume output using Go template', default: '{{range .}}{{.Driver}}\t{{.Name}}\n{{end -}}' },
    { name: 'noheading', type: 'bool', usage: 'Do not print headers' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Print volume output in quiet mode' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const svc = engine.volumes;
    const keep = volumeFilter(ctx.flags.filter as string[]);
    const used = svc.records.usedNames();
    const list = svc.list().filter((v) => keep(v, used));
    if (ctx.flags.quiet) {
      for (const v of list) ctx.out(`${v.name}\n`);
      return;
    }
    const format = ctx.changed.has('format') ? (ctx.flags.format as string) : '';
    const reports = list.map((v) => svc.inspect(v));
    if (isJsonFormat(format)) {
      // Podman writes this list with a JSON encoder that spreads an empty object over three lines.
      ctx.out(`${goJson(reports, '  ').replace(/^( *)("[^"]*": )\{\}/gm, '$1$2{\n$1  \n$1}')}\n`);
      return;
    }
    const rows = reports.map((r) => ({ ...r, CreatedAt: new Date(r.CreatedAt as string), Labels: new Map(Object.entries(r.Labels as object)), Options: new Map(Object.entries(r.Options as object)) }));
    ctx.out(renderList({ format, defaultFormat: DEFAULT_FORMAT, rows, headers: HEADERS, noHeading: ctx.flags.noheading as boolean, name: 'ls' }));
  },
};
