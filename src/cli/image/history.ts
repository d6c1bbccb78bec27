import { goJson } from '../../util/gojson.ts';
import type { CommandSpec } from '../command.ts';
import { isJsonFormat, renderList } from '../format/report.ts';
import { humanDuration, humanSize } from '../format/units.ts';
import { rfc3339Nano } from '../../util/time.ts';

const HEADERS = { ID: 'ID', Created: 'CREATED', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT', CreatedAt: 'CREATED AT', Tags: 'TAGS' };

/** Podman cuts CREATED BY to 45 characters, ending in "...". */
function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}

export const command: CommandSpec = {
  use: 'history [options] IMAGE',
  long: 'Displays the history of an image.\n\n  The information can be printed out in an easy to read, or user specified format, and can be truncated.',
  args: { kind: 'exact', n: 1 },
  flags: [
    { name: 'format', type: 'string', usage: 'Change the output to JSON or a Go template' },
    { name: 'human', short: 'H', type: 'bool', usage: 'Display sizes and dates in human readable format', default: true },
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate the output' },
    { name: 'notruncate', type: 'bool', usage: 'Do not truncate the output', hidden: true },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Display the numeric IDs only' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const list = engine.images.history(ctx.args[0]);
    const noTrunc = (ctx.flags['no-trunc'] || ctx.flags.notruncate) as boolean;
    const human = ctx.flags.human as boolean;
    const format = ctx.flags.format as string;
    if (isJsonFormat(format)) {
      const out = list.map((h) => ({
        id: h.id,
        created: rfc3339Nano(h.created),
        CreatedBy: h.createdBy,
        size: h.size,
        comment: h.comment,
        Created: rfc3339Nano(h.created),
      }));
      ctx.out(`${goJson(out)}\n`);
      return;
    }
    if (ctx.flags.quiet) {
      for (const h of list) ctx.out(`${noTrunc || h.id === '<missing>' ? h.id : h.id.slice(0, 12)}\n`);
      return;
    }
    const now = Date.now();
    const rows = list.map((h) => ({
      ID: noTrunc || h.id === '<missing>' ? h.id : h.id.slice(0, 12),
      Created: human ? `${humanDuration(now - h.created)} ago` : rfc3339Nano(h.created),
      CreatedAt: rfc3339Nano(h.created),
      CreatedBy: noTrunc ? h.createdBy : truncate(h.createdBy, 45),
      Size: human ? humanSize(h.size) : String(h.size),
      Comment: h.comment,
      Tags: h.tags,
    }));
    ctx.out(renderList({ format, defaultFormat: 'table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}', rows, headers: HEADERS, name: 'history' }));
  },
};
