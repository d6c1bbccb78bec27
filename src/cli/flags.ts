/**
 * A command-line parser with the semantics of Go's pflag, which Podman uses, so that every
 * argv a Podman user types means the same here:
 * - `--name=value`, `--name value`; booleans take a value only with `=` (`--rm=false`) and
 *   never eat the next word;
 * - short flags group (`-it`), take an attached value (`-p8080:80`, `-p=8080:80`) or the next word;
 * - `--` ends the flags; with `interspersed: false` the first positional ends them too
 *   (`run IMAGE CMD --flag`: the flag belongs to CMD);
 * - errors word for word as pflag's.
 */
import { SkiffError } from '../util/errors.ts';

export type FlagType = 'bool' | 'string' | 'int' | 'uint' | 'stringArray' | 'stringSlice' | 'count';

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: FlagType;
  readonly usage: string;
  /** Shown as `(default …)` in help and used when the flag is absent. */
  readonly default?: string | number | boolean | readonly string[];
  /** For `string` flags: the word shown in help instead of the type (`--format string`). */
  readonly valueName?: string;
  readonly hidden?: boolean;
  /** The value a bare `--flag` gives a non-bool flag (pflag's NoOptDefVal). */
  readonly noOptDefault?: string;
}

export type FlagValue = string | number | boolean | string[];
export type FlagValues = Record<string, FlagValue | undefined>;

export interface ParseResult {
  /** Values by flag name; absent flags hold their defaults. */
  readonly values: FlagValues;
  /** The names of the flags the user set, in first-seen order. */
  readonly changed: ReadonlySet<string>;
  readonly args: string[];
}

export interface ParseOptions {
  readonly interspersed?: boolean;
  /** Flags that may appear but belong to a parent (global flags), merged into the same result. */
  readonly inherited?: readonly FlagSpec[];
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool. */
export function parseGoBool(s: string): boolean | undefined {
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  return undefined;
}

function usageError(message: string): SkiffError {
  return new SkiffError('usage', message);
}

function flagLabel(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

/** Splits a stringSlice value the way pflag does (a CSV record). */
export function splitCsv(value: string): string[] {
  if (value === '') return [];
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '"' && value[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function defaultValue(spec: FlagSpec): FlagValue | undefined {
  const d = spec.default;
  if (d === undefined) {
    switch (spec.type) {
      case 'bool':
        return false;
      case 'count':
      case 'int':
      case 'uint':
        return 0;
      case 'stringArray':
      case 'stringSlice':
        return [];
      case 'string':
        return '';
    }
  }
  return Array.isArray(d) ? [...d] : (d as FlagValue);
}

export function parseArgs(argv: readonly string[], flags: readonly FlagSpec[], opts: ParseOptions = {}): ParseResult {
  const all = [...flags, ...(opts.inherited ?? [])];
  const byName = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const f of all) {
    if (!byName.has(f.name)) byName.set(f.name, f);
    if (f.short && !byShort.has(f.short)) byShort.set(f.short, f);
  }
  const values: FlagValues = {};
  for (const f of all) values[f.name] = defaultValue(f);
  const changed = new Set<string>();
  const args: string[] = [];
  const interspersed = opts.interspersed ?? true;

  const set = (spec: FlagSpec, raw: string): void => {
    const first = !changed.has(spec.name);
    changed.add(spec.name);
    switch (spec.type) {
      case 'bool': {
        const b = parseGoBool(raw);
        if (b === undefined) {
          throw usageError(`invalid argument "${raw}" for "${flagLabel(spec)}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`);
        }
        values[spec.name] = b;
        return;
      }
      case 'count': {
        const prev = first ? 0 : (values[spec.name] as number);
        values[spec.name] = raw === '+1' ? prev + 1 : Number.parseInt(raw, 10);
        return;
      }
      case 'int':
      case 'uint': {
        const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
        if (!Number.isSafeInteger(n) || (spec.type === 'uint' && n < 0)) {
          const fn = spec.type === 'int' ? 'ParseInt' : 'ParseUint';
          throw usageError(`invalid argument "${raw}" for "${flagLabel(spec)}" flag: strconv.${fn}: parsing "${raw}": invalid syntax`);
        }
        values[spec.name] = n;
        return;
      }
      case 'string':
        values[spec.name] = raw;
        return;
      case 'stringArray': {
        const prev = first ? [] : (values[spec.name] as string[]);
        values[spec.name] = [...prev, raw];
        return;
      }
      case 'stringSlice': {
        const prev = first ? [] : (values[spec.name] as string[]);
        values[spec.name] = [...prev, ...splitCsv(raw)];
        return;
      }
    }
  };
  const takesValue = (spec: FlagSpec): boolean => spec.type !== 'bool' && spec.type !== 'count' && spec.noOptDefault === undefined;

  let i = 0;
  while (i < argv.length) {
    const a = argv[i++];
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (name === '' || name.startsWith('-')) throw usageError(`bad flag syntax: ${a}`);
      const spec = byName.get(name);
      if (!spec) {
        if (name === 'help') throw new HelpRequested();
        throw usageError(`unknown flag: --${name}`);
      }
      if (eq >= 0) set(spec, a.slice(eq + 1));
      else if (spec.type === 'bool') set(spec, 'true');
      else if (spec.type === 'count') set(spec, '+1');
      else if (spec.noOptDefault !== undefined) set(spec, spec.noOptDefault);
      else if (i < argv.length) set(spec, argv[i++]);
      else throw usageError(`flag needs an argument: --${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      let j = 1;
      while (j < a.length) {
        const c = a[j];
        const spec = byShort.get(c);
        if (!spec) {
          if (c === 'h') throw new HelpRequested();
          throw usageError(`unknown shorthand flag: '${c}' in -${a.slice(j)}`);
        }
        const rest = a.slice(j + 1);
        if (rest.length > 1 && rest.startsWith('=')) {
          // pflag: `-n=value` sets value, for every flag type (a lone `=` is not this form).
          set(spec, rest.slice(1));
          break;
        }
        if (!takesValue(spec)) {
          set(spec, spec.type === 'bool' ? 'true' : spec.type === 'count' ? '+1' : (spec.noOptDefault as string));
          j++;
          continue;
        }
        if (rest !== '') set(spec, rest);
        else if (i < argv.length) set(spec, argv[i++]);
        else throw usageError(`flag needs an argument: '${c}' in -${c}`);
        break;
      }
      continue;
    }
    args.push(a);
    if (!interspersed) {
      args.push(...argv.slice(i));
      break;
    }
  }
  return { values, changed, args };
}

/** Thrown by the parser for `--help`/`-h` when the command defines no such flag itself. */
export class HelpRequested extends Error {
  constructor() {
    super('help requested');
  }
}

/** Renders the `Options:` block of help the way cobra/pflag print FlagUsages. */
export function formatFlagUsages(flags: readonly FlagSpec[]): string {
  const lines: { left: string; usage: string }[] = [];
  for (const f of [...flags].sort((a, b) => a.name.localeCompare(b.name))) {
    if (f.hidden) continue;
    let left = f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`;
    const typeName = f.valueName ?? (f.type === 'bool' || f.type === 'count' ? '' : f.type === 'stringSlice' ? 'strings' : f.type);
    if (typeName) left += ` ${typeName}`;
    let usage = f.usage;
    const d = f.default;
    if (d !== undefined && d !== '' && d !== false && d !== 0) {
      if (Array.isArray(d)) usage += ` (default [${d.join(',')}])`;
      else if (f.type === 'string') usage += ` (default "${d}")`;
      else usage += ` (default ${d})`;
    } else if (f.type === 'stringSlice' || f.type === 'stringArray') {
      if (f.type === 'stringSlice') usage += ' (default [])';
    }
    lines.push({ left, usage });
  }
  const width = Math.max(0, ...lines.map((l) => l.left.length));
  return lines.map((l) => `${l.left.padEnd(width)}   ${l.usage}`.trimEnd()).join('\n');
}
