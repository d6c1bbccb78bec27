/**
 * Go's encoding/json over the value model of value.ts, for the template `json` function and
 * `--format json`. Differences from JSON.stringify that show in Podman's output: Maps become
 * objects with sorted keys (Go sorts map keys; plain objects keep their order, like struct
 * fields), Dates become RFC 3339 strings with nanosecond trimming, control characters other
 * than \n \r \t are \u00XX (Go 1.19 has no \b or \f), U+2028/U+2029 are always escaped, and
 * `<`, `>`, `&` only when escapeHTML is set (json.Marshal sets it; Podman's `json` template
 * function does not).
 */
import { SkiffError } from '../../util/errors.ts';
import { rfc3339Nano } from '../../util/time.ts';
import { kindOf } from './value.ts';

export interface JsonOptions {
  /** Indent per level, as json.MarshalIndent's indent; none for compact output. */
  readonly indent?: string;
  readonly escapeHTML?: boolean;
}

export function marshalJson(value: unknown, opts: JsonOptions = {}): string {
  return encode(value, opts, '', 0);
}

function encode(v: unknown, opts: JsonOptions, prefix: string, depth: number): string {
  if (depth > 1000) throw new SkiffError('invalid-argument', 'json: unsupported value: encountered a cycle');
  if (v !== null && typeof v === 'object' && !(v instanceof Map) && !(v instanceof Date) && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(): unknown }).toJSON();
  }
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
    case 'func':
      return 'null';
    case 'bool':
      return String(v);
    case 'int':
      return typeof v === 'bigint' ? v.toString() : String(v);
    case 'float': {
      const x = v as number;
      if (!Number.isFinite(x)) throw new SkiffError('invalid-argument', `json: unsupported value: ${Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf'}`);
      // JS and Go agree: shortest digits, exponent form below 1e-6 and from 1e21.
      return String(x);
    }
    case 'string':
      return quoteJson(String(v), opts.escapeHTML ?? false);
    case 'time':
      return `"${rfc3339Nano((v as Date).getTime())}"`;
    case 'slice': {
      const items = v as unknown[];
      if (items.length === 0) return '[]';
      return wrap('[', ']', items.map((x) => encode(x, opts, prefix + (opts.indent ?? ''), depth + 1)), opts, prefix);
    }
    case 'map':
    case 'object':
    case 'struct': {
      let entries: [string, unknown][] = v instanceof Map ? [...v].map(([k, x]) => [String(k), x]) : Object.entries(v as object);
      if (v instanceof Map) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      entries = entries.filter(([, x]) => x !== undefined && typeof x !== 'function');
      if (entries.length === 0) return '{}';
      const sep = opts.indent === undefined ? ':' : ': ';
      const inner = prefix + (opts.indent ?? '');
      return wrap('{', '}', entries.map(([k, x]) => quoteJson(k, opts.escapeHTML ?? false) + sep + encode(x, opts, inner, depth + 1)), opts, prefix);
    }
  }
}

function wrap(open: string, close: string, parts: string[], opts: JsonOptions, prefix: string): string {
  if (opts.indent === undefined) return open + parts.join(',') + close;
  const inner = prefix + opts.indent;
  return `${open}\n${inner}${parts.join(`,\n${inner}`)}\n${prefix}${close}`;
}

const HTML_CHARS: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026' };

export function quoteJson(s: string, escapeHTML: boolean): string {
  // eslint-disable-next-line no-control-regex
  const re = escapeHTML ? /["\\\u0000-\u001f\u2028\u2029<>&\ud800-\udfff]/gu : /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/gu;
  return `"${s.replace(re, (c) => {
    switch (c) {
      case '"':
        return '\\"';
      case '\\':
        return '\\\\';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
    }
    if (c in HTML_CHARS) return HTML_CHARS[c];
    const cp = c.codePointAt(0)!;
    // A lone surrogate is invalid UTF-8 to Go, which writes the replacement character.
    if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
    return `\\u${cp.toString(16).padStart(4, '0')}`;
  })}"`;
}
