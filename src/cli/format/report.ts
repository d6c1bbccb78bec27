/**
 * Podman's `--format` handling (containers/common pkg/report, v0.50 as in Podman 4.3.1) for
 * list and single-object commands.
 *
 * A list format goes one of three ways, as Podman's Formatter.Parse decides:
 * - `json` (also `{{json .}}`, `{{ json }}`): the rows as an indented JSON array;
 * - `table …`: "table " removed wherever it occurs, `\t` and `\n` typed as two characters become
 *   tab and newline, every space becomes a tab, the body runs once per row inside
 *   `{{range .}}…{{end -}}`, a header line comes first, and the output goes through the
 *   tabwriter (minwidth 12, padding 2);
 * - anything else: `\t` and `\n` unescaped, a newline appended when missing, the body wrapped in
 *   `{{range .}}…{{end -}}` unless it already ranges over `.`, no header, no tabwriter.
 * The header line is the same template run over one map from field names to header texts,
 * so `{{.Size}}` becomes `SIZE` and a field with no header becomes `<no value>`, as in Podman.
 */
import { marshalJson } from './json.ts';
import { tabwrite } from './tabwriter.ts';
import { TemplateError, parseTemplate } from './template.ts';
import type { TemplateFuncs } from './template.ts';

export interface ListFormatOptions {
  /** The user's --format; empty or undefined means defaultFormat. */
  readonly format?: string | undefined;
  readonly rows: readonly object[];
  /** Header text by field name, e.g. `{ ID: 'IMAGE ID' }`; other fields get their name split at case changes and upper-cased. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The command's own format, used without the user's: always a table. */
  readonly defaultFormat?: string;
  /** --noheading. */
  readonly noHeading?: boolean;
  /** The template name in error messages: Podman's command name (`images`, `ps`, `list`). */
  readonly name?: string;
  /** What a JSON format prints, when it is not the rows themselves. */
  readonly json?: unknown;
  readonly funcs?: TemplateFuncs;
}

/**
 * Renders a list as Podman does. Throws TemplateError (code invalid-argument) with `partial`
 * set to the output Podman would have printed before the error.
 */
export function renderList(opts: ListFormatOptions): string {
  const user = opts.format !== undefined && opts.format !== '';
  const format = user ? (opts.format as string) : (opts.defaultFormat ?? '');
  if (user && isJsonFormat(format)) return `${marshalJson(opts.json ?? opts.rows, { indent: '    ', escapeHTML: true })}\n`;

  let text: string;
  const table = isTableFormat(format);
  if (table) text = `{{range .}}${normalizeFormat(format)}{{end -}}`;
  else if (user) text = enforceRange(normalizeFormat(format));
  else text = normalizeFormat(format);
  // Podman's own formats always go through the tabwriter and get headers; users' only with "table".
  const tabular = table || !user;

  const tmpl = parseTemplate(opts.name ?? 'list', text, opts.funcs);
  let out = '';
  try {
    if (tabular && !opts.noHeading) out += tmpl.execute([headerRow(opts.rows, opts.headers ?? {}, format)]);
    out += tmpl.execute(opts.rows);
  } catch (err) {
    if (err instanceof TemplateError) {
      const partial = out + err.partial;
      throw new TemplateError(err.message, tabular ? tabwrite(partial) : partial);
    }
    throw err;
  }
  return tabular ? tabwrite(out) : out;
}

/**
 * Renders one object with a user template, as `podman version` and `podman info` do: escapes
 * unescaped, a newline appended when missing, executed once over the value.
 */
export function renderOne(format: string, value: unknown, name = 'template', funcs?: TemplateFuncs): string {
  return parseTemplate(name, normalizeFormat(format), funcs).execute(value);
}

/**
 * Renders each item with one template, as `podman inspect --format` does: the template is
 * ranged over the items, so error positions match Podman's (`inspect:1:13`).
 */
export function renderEach(format: string, items: readonly unknown[], name = 'inspect', funcs?: TemplateFuncs): string {
  return parseTemplate(name, enforceRange(normalizeFormat(format)), funcs).execute(items);
}

/** report.IsJSON: `json`, `{{json}}` or `{{json .}}`, with any spacing. */
export function isJsonFormat(format: string): boolean {
  return /^\s*(json|\{\{\s*json\s*(\.\s*)?\}\})\s*$/.test(format);
}

export function isTableFormat(format: string): boolean {
  return format.startsWith('table ');
}

/** report.NormalizeFormat. */
export function normalizeFormat(format: string): string {
  const f = isTableFormat(format)
    ? replaceAll(format, [['table ', ''], ['\\t', '\t'], [' ', '\t'], ['\\n', '\n']])
    : replaceAll(format, [['\\t', '\t'], ['\\n', '\n']]);
  return f.endsWith('\n') ? f : `${f}\n`;
}

/** report.EnforceRange: wraps the format in `{{range .}}…{{end -}}` unless it ranges over `.` already. */
export function enforceRange(format: string): string {
  return /\{\{\s*range\s*\.\s*\}\}[\s\S]*\{\{\s*end\s*-?\s*\}\}/.test(format) ? format : `{{range .}}${format}{{end -}}`;
}

/** Go's strings.Replacer: left to right, at each position the first pair (in order) that matches. */
function replaceAll(s: string, pairs: readonly (readonly [string, string])[]): string {
  let out = '';
  let i = 0;
  outer: while (i < s.length) {
    for (const [from, to] of pairs) {
      if (s.startsWith(from, i)) {
        out += to;
        i += from.length;
        continue outer;
      }
    }
    out += s[i++];
  }
  return out;
}

/**
 * The header row: every field of the rows (and of `headers`) mapped to its header text. It
 * is a Map, as Podman's is a Go map, so a field it lacks prints `<no value>`. Podman knows
 * the fields from the Go type even when the list is empty; we take them from the template then.
 */
function headerRow(rows: readonly object[], headers: Readonly<Record<string, string>>, format: string): Map<string, string> {
  const row = new Map<string, string>();
  for (const r of rows) for (const k of Object.keys(r)) row.set(k, headerText(k));
  if (rows.length === 0) for (const m of format.matchAll(/(?<![\p{L}\p{Nd}_$)\]])\.([\p{L}_][\p{L}\p{Nd}_]*)/gu)) row.set(m[1], headerText(m[1]));
  for (const [k, v] of Object.entries(headers)) row.set(k, v.toUpperCase());
  return row;
}

function headerText(field: string): string {
  return splitCamelCase(field).join(' ').toUpperCase();
}

/**
 * Podman's camelcase.Split: runs of lower-case letters, upper-case letters, digits and other
 * characters, where an upper-case run followed by a lower-case run gives its last letter to it
 * (`PDFLoader` → `PDF Loader`, `CreatedAt` → `Created At`, `GL11Version` → `GL 11 Version`).
 */
export function splitCamelCase(s: string): string[] {
  const classOf = (ch: string): number => (/\p{Ll}/u.test(ch) ? 1 : /\p{Lu}/u.test(ch) ? 2 : /\p{Nd}/u.test(ch) ? 3 : 4);
  const runs: string[][] = [];
  let last = 0;
  for (const ch of s) {
    const c = classOf(ch);
    if (c === last) runs[runs.length - 1].push(ch);
    else runs.push([ch]);
    last = c;
  }
  for (let i = 0; i + 1 < runs.length; i++) {
    if (classOf(runs[i][0]) === 2 && classOf(runs[i + 1][0]) === 1) runs[i + 1].unshift(runs[i].pop() as string);
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}
