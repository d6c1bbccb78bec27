/**
 * The functions templates can call: Go's text/template built-ins and Podman's report.DefaultFuncs,
 * with the argument types Go would check (a literal of the wrong kind is a "found" error, a
 * value of the wrong type a "wrong type for value" error).
 */
import { formatValue, sprint, sprintf, sprintln } from './fmt.ts';
import { marshalJson } from './json.ts';
import { isTrue, kindOf, typeName, zeroOfElements } from './value.ts';

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

export type ParamType = 'any' | 'string' | 'int' | 'bool' | '[]string' | 'func';

export interface FuncDef {
  readonly params?: readonly ParamType[];
  readonly variadic?: ParamType;
  /** and/or: evaluate arguments lazily. */
  readonly lazy?: 'and' | 'or';
  call(args: unknown[]): unknown;
}

function basicKind(v: unknown): 'bool' | 'num' | 'string' | 'nil' | 'other' {
  switch (kindOf(v)) {
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'num';
    case 'string':
      return 'string';
    case 'invalid':
    case 'nil':
      return 'nil';
    default:
      return 'other';
  }
}

function eq(a: unknown, ...bs: unknown[]): boolean {
  if (bs.length === 0) throw new Error('missing argument for comparison');
  const ka = basicKind(a);
  for (const b of bs) {
    const kb = basicKind(b);
    let truth: boolean;
    if (ka === 'nil' || kb === 'nil') truth = ka === kb;
    else if (ka !== kb) throw new Error('incompatible types for comparison');
    else if (ka === 'other') throw new Error(`non-comparable type ${formatValue(a, 'v')}: ${typeName(a)}`);
    else truth = ka === 'num' ? (a as number) == (b as number) : a === b;
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'bool' || ka === 'nil' || ka === 'other' || kb === 'bool' || kb === 'nil' || kb === 'other') {
    throw new Error('invalid type for comparison');
  }
  if (ka !== kb) throw new Error('incompatible types for comparison');
  return (a as number | string) < (b as number | string);
}

function goLen(v: unknown): number {
  switch (kindOf(v)) {
    case 'string':
      return Buffer.byteLength(v as string, 'utf8');
    case 'slice':
      return (v as unknown[]).length;
    case 'map':
      return (v as Map<unknown, unknown>).size;
    case 'object':
      return Object.keys(v as object).length;
    case 'invalid':
    case 'nil':
      throw new Error('len of nil pointer');
    default:
      throw new Error(`len of type ${typeName(v)}`);
  }
}

function indexArg(index: unknown, cap: number): number {
  const k = kindOf(index);
  if (k === 'invalid' || k === 'nil') throw new Error('cannot index slice/array with nil');
  if (k !== 'int') throw new Error(`cannot index slice/array with type ${typeName(index)}`);
  const x = Number(index);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function goIndex(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined) throw new Error('index of untyped nil');
  for (const index of indexes) {
    if (item === null) throw new Error('index of nil pointer');
    const k = kindOf(item);
    if (k === 'slice' || k === 'string') {
      const seq = k === 'string' ? Buffer.from(item as string, 'utf8') : (item as unknown[]);
      const x = indexArg(index, seq.length);
      if (x === seq.length) throw new Error(`reflect: ${k === 'string' ? 'string' : 'slice'} index out of range`);
      item = seq[x];
    } else if (k === 'map' || k === 'object') {
      if (typeof index !== 'string') throw new Error(`value has type ${typeName(index)}; should be string`);
      if (item instanceof Map) item = item.has(index) ? item.get(index) : zeroOfElements(item.values());
      else {
        const obj = item as Record<string, unknown>;
        item = Object.hasOwn(obj, index) ? obj[index] : zeroOfElements(Object.values(obj));
      }
    } else {
      throw new Error(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function goSlice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const k = kindOf(item);
  let len: number;
  if (k === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = Buffer.byteLength(item as string, 'utf8');
  } else if (k === 'slice') len = (item as unknown[]).length;
  else throw new Error(`can't slice item of type ${typeName(item)}`);
  const idx = [0, len, len];
  indexes.forEach((ix, i) => (idx[i] = indexArg(ix, len)));
  if (idx[0] > idx[1]) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1] > idx[2]) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (k === 'string') return Buffer.from(item as string, 'utf8').subarray(idx[0], idx[1]).toString('utf8');
  return (item as unknown[]).slice(idx[0], idx[1]);
}

/** The text/template evalArgs: a lone string as is, anything else through fmt.Sprint. */
function argsText(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

const HTML_ESCAPES: Record<string, string> = { '\0': '\ufffd', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' };

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) {
      switch (ch) {
        case '\\':
          out += '\\\\';
          break;
        case "'":
          out += "\\'";
          break;
        case '"':
          out += '\\"';
          break;
        case '<':
          out += '\\u003C';
          break;
        case '>':
          out += '\\u003E';
          break;
        case '&':
          out += '\\u0026';
          break;
        case '=':
          out += '\\u003D';
          break;
        default:
          out += c < 0x20 ? `\\u00${c.toString(16).toUpperCase().padStart(2, '0')}` : ch;
      }
    } else {
      out += PRINTABLE.test(ch) ? ch : `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
  return out;
}

/** url.QueryEscape. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's simple (one-to-one) case mapping: a character whose JS mapping is longer stays as it is. */
function mapCase(s: string, upper: boolean): string {
  let out = '';
  for (const ch of s) {
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

/** strings.Title: upper-cases the first letter of each word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isTitleSeparator(prev) ? mapCase(ch, true) : ch;
    prev = ch;
  }
  return out;
}

function isTitleSeparator(ch: string): boolean {
  if ((ch.codePointAt(0) ?? 0) < 0x80) return !/[0-9A-Za-z_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

export const BUILTINS: ReadonlyMap<string, FuncDef> = new Map<string, FuncDef>([
  ['and', { params: ['any'], variadic: 'any', lazy: 'and', call: () => undefined }],
  ['or', { params: ['any'], variadic: 'any', lazy: 'or', call: () => undefined }],
  ['not', { params: ['any'], call: ([v]) => !isTrue(v) }],
  ['len', { params: ['any'], call: ([v]) => goLen(v) }],
  ['index', { params: ['any'], variadic: 'any', call: ([item, ...ix]) => goIndex(item, ...ix) }],
  ['slice', { params: ['any'], variadic: 'any', call: ([item, ...ix]) => goSlice(item, ...ix) }],
  ['eq', { params: ['any'], variadic: 'any', call: ([a, ...bs]) => eq(a, ...bs) }],
  ['ne', { params: ['any', 'any'], call: ([a, b]) => !eq(a, b) }],
  ['lt', { params: ['any', 'any'], call: ([a, b]) => lt(a, b) }],
  ['le', { params: ['any', 'any'], call: ([a, b]) => lt(a, b) || eq(a, b) }],
  ['gt', { params: ['any', 'any'], call: ([a, b]) => !(lt(a, b) || eq(a, b)) }],
  ['ge', { params: ['any', 'any'], call: ([a, b]) => !lt(a, b) }],
  ['print', { variadic: 'any', call: (args) => sprint(args) }],
  ['println', { variadic: 'any', call: (args) => sprintln(args) }],
  ['printf', { params: ['string'], variadic: 'any', call: ([f, ...args]) => sprintf(f as string, args) }],
  ['html', { variadic: 'any', call: (args) => argsText(args).replace(/[\0"'&<>]/g, (c) => HTML_ESCAPES[c]) }],
  ['js', { variadic: 'any', call: (args) => jsEscape(argsText(args)) }],
  ['urlquery', { variadic: 'any', call: (args) => queryEscape(argsText(args)) }],
  [
    'call',
    {
      params: ['func'],
      variadic: 'any',
      call: ([fn, ...args]) => {
        if (fn === undefined || fn === null) throw new Error('call of nil');
        if (typeof fn !== 'function') throw new Error(`non-function of type ${typeName(fn)}`);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    },
  ],
]);

/** Podman's report.DefaultFuncs (containers/common v0.50). */
export const PODMAN_FUNCS: Record<string, FuncDef> = {
  join: { params: ['[]string', 'string'], call: ([a, sep]) => (a as string[]).join(sep as string) },
  json: { params: ['any'], call: ([v]) => marshalJson(v) },
  lower: { params: ['string'], call: ([s]) => mapCase(s as string, false) },
  upper: { params: ['string'], call: ([s]) => mapCase(s as string, true) },
  title: { params: ['string'], call: ([s]) => title(s as string) },
  pad: {
    params: ['string', 'int', 'int'],
    call: ([s, l, r]) => (s === '' ? '' : ' '.repeat(Math.max(Number(l), 0)) + (s as string) + ' '.repeat(Math.max(Number(r), 0))),
  },
  split: { params: ['string', 'string'], call: ([s, sep]) => (sep === '' ? [...(s as string)] : (s as string).split(sep as string)) },
  truncate: {
    params: ['string', 'int'],
    call: ([s, n]) => {
      const bytes = Buffer.from(s as string, 'utf8');
      const len = Number(n);
      if (bytes.length < len) return s;
      if (len < 0) throw new Error(`runtime error: slice bounds out of range [:${len}]`);
      return bytes.subarray(0, len).toString('utf8');
    },
  },
};
