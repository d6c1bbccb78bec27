import { secretFilter } from '../../secrets/filter.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { isTableFormat, renderEach, renderList } from '../format/report.ts';
import { humanDuration } from '../format/units.ts';
import { GO_TYPE } from '../format/value.ts';

const DEFAULT_FORMAT = '{{range .}}{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}\n{{end -}}';
const HEADERS: Record<string, string> = { CreatedAt: 'CREATED', UpdatedAt: 'UPDATED' };

export const command: CommandSpec = {
  use: 'ls [options]',
  long: '',
  examples: ['skiff secret ls'],
  args: { kind: 'any' },
  flags: [
    { name: 'filter', short: 'f', type: 'stringSlice', usage: 'Filter secret output' },
    // Shown escaped, as pflag quotes it; the value itself is DEFAULT_FORMAT.
    { name: 'format', type: 'string', usage: 'Format volume output using Go template', default: DEFAULT_FORMAT.replaceAll('\t', '\\t').replaceAll('\n', '\\n') },
    { name: 'noheading', type: 'bool', usage: 'Do not print headers' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Print secret IDs only' },
  ],
  async run(ctx) {
    if (ctx.args.length > 0) throw new SkiffError('bad-arguments', `\`${ctx.path}\` takes no arguments`);
    const keep = secretFilter(ctx.flags.filter as string[]);
    const engine = await ctx.engine();
    const now = Date.now();
    // entities.SecretListReport: its times as ages, already text.
    const rows = (await engine.secrets())
      .list()
      .filter(keep)
      .map((s) => ({
        [GO_TYPE]: '*entities.SecretListReport',
        ID: s.id,
        Name: s.name,
        Driver: s.driver,
        CreatedAt: `${humanDuration(now - s.created)} ago`,
        UpdatedAt: `${humanDuration(now - s.updated)} ago`,
      }));
    const userFormat = ctx.changed.has('format');
    if (ctx.flags.quiet && !userFormat) {
      for (const r of rows) ctx.out(`${r.ID}\n`);
      return;
    }
    const format = ctx.flags.format as string;
    // A user's format that is not a table runs once per row, untabulated and headerless; Podman
    // gives `json` no meaning here (it prints the word for each secret).
    if (userFormat && !isTableFormat(format)) {
      ctx.out(renderEach(format, rows, 'ls'));
      return;
    }
    ctx.out(renderList({ format: userFormat ? format : '', defaultFormat: DEFAULT_FORMAT, rows, headers: HEADERS, noHeading: ctx.flags.noheading as boolean, name: 'ls' }));
  },
};
