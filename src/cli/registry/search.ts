/**
 * `search TERM`: repositories in registries' v2 catalogs, or with --list-tags the tags of one
 * repository, printed as Podman 4.3.1 prints them. Nothing at all is printed (not even headers
 * or `[]`) when nothing was found.
 *
 * Flags against Podman 4.3.1: every one of its flags matches. `--cert-dir` and `--creds` are
 * later Podman's (4.3.1 refuses them). `--no-trunc` only affects descriptions, which v2
 * catalogs never have.
 */
import { statSync } from 'node:fs';
import type { SearchResult } from '../../engine/search.ts';
import { errnoCode, SkiffError } from '../../util/errors.ts';
import { goQuote } from '../../util/goquote.ts';
import type { CommandContext, CommandSpec } from '../command.ts';
import { marshalJson } from '../format/json.ts';
import { isJsonFormat, renderList } from '../format/report.ts';
import { GO_TYPE } from '../format/value.ts';
import { REGISTRY_FLAGS, registryAccess } from '../image/pull.ts';

/** A result as Podman's templates see it: an entities.ImageSearchReport. */
interface SearchRow {
  readonly [GO_TYPE]: string;
  readonly Index: string;
  readonly Name: string;
  readonly Description: string;
  readonly Stars: number;
  readonly Official: string;
  readonly Automated: string;
  readonly Tag: string;
}

function row(r: SearchResult): SearchRow {
  return {
    [GO_TYPE]: 'entities.ImageSearchReport',
    Index: r.index,
    Name: r.name,
    Description: r.description,
    Stars: r.stars,
    Official: r.official,
    Automated: r.automated,
    Tag: r.tag,
  };
}

/** `--list-tags --format json`: one entry per repository, its tags in the registry's order. */
function tagsJson(results: readonly SearchResult[]): { Name: string; Tags: string[] }[] {
  const entries: { Name: string; Tags: string[] }[] = [];
  for (const r of results) {
    const entry = entries.find((e) => e.Name === r.name);
    if (entry) entry.Tags.push(r.tag);
    else entries.push({ Name: r.name, Tags: [r.tag] });
  }
  return entries;
}

/** Podman stats the auth file (the flag, else REGISTRY_AUTH_FILE, its default) before searching. */
function checkAuthfile(ctx: CommandContext): void {
  const path = ctx.changed.has('authfile') ? (ctx.flags.authfile as string) : (process.env.REGISTRY_AUTH_FILE ?? '');
  if (!path) return;
  try {
    statSync(path);
  } catch (e) {
    const reasons: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', ENOTDIR: 'not a directory' };
    const code = errnoCode(e) ?? '';
    throw new SkiffError('invalid-argument', `stat ${path}: ${reasons[code] ?? (e as Error).message}`);
  }
}

/** logrus's error line, unless --log-level asks for fatal errors only. */
function errorLogger(ctx: CommandContext, level: string): ((message: string) => void) | undefined {
  if (level === 'fatal' || level === 'panic') return undefined;
  return (m) => ctx.err(`time="${new Date().toISOString().slice(0, 19)}Z" level=error msg=${goQuote(m)}\n`);
}

export const command: CommandSpec = {
  use: 'search [options] TERM',
  long: 'Search registries for a given image. Can search all the default registries or a specific registry.\n\n\tUsers can limit the number of results, and filter the output based on certain conditions.',
  examples: [
    'skiff search --filter=is-official --limit 3 alpine',
    'skiff search registry.fedoraproject.org/  # only works with v2 registries',
    'skiff search --format "table {{.Index}} {{.Name}}" registry.fedoraproject.org/fedora',
  ],
  args: { kind: 'exact', n: 1 },
  flags: [
    ...REGISTRY_FLAGS,
    { name: 'compatible', type: 'bool', usage: 'List stars, official and automated columns (Docker compatibility)' },
    { name: 'filter', short: 'f', type: 'stringSlice', usage: 'Filter output based on conditions provided' },
    { name: 'format', type: 'string', usage: 'Change the output format to JSON or a Go template' },
    { name: 'limit', type: 'int', usage: 'Limit the number of results' },
    { name: 'list-tags', type: 'bool', usage: 'List the tags of the input registry' },
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate the output' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const filters = f.filter as string[];
    const listTags = f['list-tags'] as boolean;
    if (listTags && filters.length > 0) throw new SkiffError('invalid-argument', 'filters are not applicable to list tags result');
    checkAuthfile(ctx);
    const access = await registryAccess(ctx);
    const { parseSearchFilters, searchImages } = await import('../../engine/search.ts');
    const filter = parseSearchFilters(filters);
    const engine = await ctx.engine();
    const results = await searchImages(engine, ctx.args[0], {
      ...access,
      limit: f.limit as number,
      listTags,
      filter,
      logError: errorLogger(ctx, engine.config.logLevel),
    });
    if (results.length === 0) return;
    const format = f.format as string;
    const json = isJsonFormat(format);
    if (json) {
      // json.MarshalIndent, as Podman prints both JSON forms.
      const value = listTags ? tagsJson(results) : results.map(row);
      ctx.out(`${marshalJson(value, { indent: '    ', escapeHTML: true })}\n`);
      return;
    }
    const rows = results.map(row);
    if (listTags) {
      // A --format other than JSON is ignored for tags, as in Podman.
      ctx.out(renderList({ rows, defaultFormat: 'table {{.Name}}\t{{.Tag}}', name: 'search' }));
      return;
    }
    if (ctx.changed.has('format')) {
      // An explicitly empty template prints an empty line per result, as Podman does.
      ctx.out(format === '' ? '\n'.repeat(rows.length) : renderList({ format, rows, name: 'search' }));
      return;
    }
    const defaultFormat = f.compatible ? 'table {{.Name}}\t{{.Description}}\t{{.Stars}}\t{{.Official}}\t{{.Automated}}' : 'table {{.Name}}\t{{.Description}}';
    ctx.out(renderList({ rows, defaultFormat, name: 'search' }));
  },
};
