/**
 * Go's `fmt` as templates reach it (`print`, `println`, `printf`, and printing an action's value),
 * over the value model of value.ts. Floats are rounded from their exact binary value with ties
 * to even, as strconv does (`%.2f` of 0.125 is `0.12`, where JS's toFixed says `0.13`).
 * Not supported: argument indexes (`%[1]d`) and hex floats (`%x` of a float64).
 */
import { goTimeString } from '../../util/time.ts';
import { kindOf, sortedEntries, typeName } from './value.ts';

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
  /** %+v: struct fields printed with their names. */
  plusV?: boolean;
}

const PLAIN: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };

/** fmt.Sprint: operands joined, with a space between two operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg, 'v', PLAIN);
  });
  return out;
}

/** fmt.Sprintln: operands always space-separated, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map((a) => formatValue(a, 'v', PLAIN)).join(' ')}\n`;
}

/** fmt.Sprintf, including Go's in-band error notes (`%!d(string=x)`, `%!v(MISSING)`, `%!(EXTRA int=1)`). */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { ...PLAIN };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '#') spec.sharp = true;
      else if (c === '0') spec.zero = !spec.minus;
      else if (c === '+') spec.plus = true;
      else if (c === '-') {
        spec.minus = true;
        spec.zero = false;
      } else if (c === ' ') spec.space = true;
      else break;
    }
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (kindOf(w) !== 'int') out += '%!(BADWIDTH)';
      else {
        spec.width = Math.abs(Number(w));
        if (Number(w) < 0) {
          spec.minus = true;
          spec.zero = false;
        }
      }
    } else {
      const start = i;
      while (i < n && format[i] >= '0' && format[i] <= '9') i++;
      if (i > start) spec.width = Number(format.slice(start, i));
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (kindOf(p) !== 'int' || Number(p) < 0) out += '%!(BADPREC)';
        else spec.prec = Number(p);
      } else {
        const start = i;
        while (i < n && format[i] >= '0' && format[i] <= '9') i++;
        spec.prec = Number(format.slice(start, i) || '0');
      }
    }
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') out += '%';
    else if (argNum >= args.length) out += `%!${verb}(MISSING)`;
    else out += formatValue(args[argNum++], verb, spec);
  }
  if (argNum < args.length) {
    const extra = args.slice(argNum).map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${formatValue(a, 'v', PLAIN)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

/** One operand under one verb, as fmt's printArg does. */
export function formatValue(v: unknown, verb: string, spec: Spec = PLAIN, depth = 0): string {
  if (depth > 64) return '...';
  if (verb === 'T') return pad(typeName(v), spec);
  if (verb === 'v' && spec.sharp) return goSyntax(v, depth);
  // %+v means field names, not signs.
  if (verb === 'v' && spec.plus) spec = { ...spec, plus: false, plusV: true };
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return verb === 'v' ? pad('<nil>', spec) : `%!${verb}(<nil>)`;
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(v), spec) : badVerb(v, verb);
    case 'int':
      // JS has one number type, so a float-valued field may arrive integral: float verbs take ints.
      if ('eEfFgG'.includes(verb)) return formatFloatVerb(Number(v), verb, spec) ?? badVerb(v, verb);
      return formatInt(typeof v === 'bigint' ? v : BigInt(v as number), verb, spec) ?? badVerb(v, verb);
    case 'float':
      return formatFloatVerb(v as number, verb, spec) ?? badVerb(v, verb);
    case 'string':
      return formatString(String(v), verb, spec) ?? badVerb(v, verb);
    case 'time':
      return formatString(goTimeString((v as Date).getTime()), verb === 'v' ? 's' : verb, spec) ?? badVerb(v, verb);
    case 'func':
      return verb === 'v' || verb === 'p' ? pad('0x0', spec) : badVerb(v, verb);
    case 'slice':
      return `[${(v as unknown[]).map((x) => formatValue(x, verb, spec, depth + 1)).join(' ')}]`;
    case 'map':
    case 'object':
      return `map[${sortedEntries(v as object)
        .map(([k, x]) => `${formatValue(k, verb, spec, depth + 1)}:${formatValue(x, verb, spec, depth + 1)}`)
        .join(' ')}]`;
    case 'struct':
      return `{${Object.entries(v as object)
        .map(([k, x]) => (spec.plusV ? `${k}:` : '') + formatValue(x, verb, spec, depth + 1))
        .join(' ')}}`;
  }
}

/** %#v, for the kinds where Go syntax is plain: quoted strings, typed slice and map literals. */
function goSyntax(v: unknown, depth: number): string {
  switch (kindOf(v)) {
    case 'string':
      return quote(String(v));
    case 'slice':
      return `${typeName(v)}{${(v as unknown[]).map((x) => goSyntax(x, depth + 1)).join(', ')}}`;
    case 'map':
    case 'object':
      return `${typeName(v)}{${sortedEntries(v as object)
        .map(([k, x]) => `${quote(k)}:${goSyntax(x, depth + 1)}`)
        .join(', ')}}`;
    default:
      return formatValue(v, 'v', PLAIN, depth + 1);
  }
}

function badVerb(v: unknown, verb: string): string {
  return `%!${verb}(${typeName(v)}=${formatValue(v, 'v')})`;
}

/** Pads to the width in runes: spaces on the left, on the right with `-`, zeros with `0` (after the sign for numbers). */
function pad(s: string, spec: Spec, numeric = false): string {
  const width = spec.width ?? 0;
  const len = runeCount(s);
  if (len >= width) return s;
  const fill = width - len;
  if (spec.minus) return s + ' '.repeat(fill);
  if (!spec.zero) return ' '.repeat(fill) + s;
  const sign = numeric && (s[0] === '-' || s[0] === '+' || s[0] === ' ') ? s[0] : '';
  return sign + '0'.repeat(fill) + s.slice(sign.length);
}

export function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function signOf(neg: boolean, spec: Spec): string {
  return neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
}

function formatInt(n: bigint, verb: string, spec: Spec): string | undefined {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
      digits = abs.toString(8);
      if (spec.sharp) prefix = '0';
      break;
    case 'O':
      digits = abs.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(runeString(n), spec);
    case 'q':
      return pad(quoteRune(n, spec.plus), spec);
    case 'U': {
      const u = `U+${abs.toString(16).toUpperCase().padStart(4, '0')}`;
      return pad(spec.sharp ? `${u} '${runeString(n)}'` : u, spec);
    }
    default:
      return undefined;
  }
  if (spec.prec !== undefined) {
    digits = spec.prec === 0 && abs === 0n ? '' : digits.padStart(spec.prec, '0');
    return pad(signOf(neg, spec) + prefix + digits, { ...spec, zero: false });
  }
  const body = prefix + digits;
  if (spec.zero && !spec.minus && spec.width !== undefined) {
    const sign = signOf(neg, spec);
    return sign + body.padStart(spec.width - sign.length, '0');
  }
  return pad(signOf(neg, spec) + body, spec);
}

function runeString(n: bigint): string {
  return n >= 0n && n <= 0x10ffffn && !(n >= 0xd800n && n <= 0xdfffn) ? String.fromCodePoint(Number(n)) : '\ufffd';
}

function formatString(s: string, verb: string, spec: Spec): string | undefined {
  switch (verb) {
    case 'v':
    case 's':
      return pad(spec.prec === undefined ? s : [...s].slice(0, spec.prec).join(''), spec);
    case 'q': {
      const t = spec.prec === undefined ? s : [...s].slice(0, spec.prec).join('');
      return pad(spec.sharp && canBackquote(t) ? `\`${t}\`` : quote(t, spec.plus), spec);
    }
    case 'x':
    case 'X': {
      let bytes = Buffer.from(s, 'utf8');
      if (spec.prec !== undefined) bytes = bytes.subarray(0, spec.prec);
      const parts = [...bytes].map((b) => b.toString(16).padStart(2, '0'));
      const pre = spec.sharp ? '0x' : '';
      let hex = spec.space ? parts.map((p) => pre + p).join(' ') : pre + parts.join('');
      if (verb === 'X') hex = hex.toUpperCase();
      return pad(hex, spec);
    }
    default:
      return undefined;
  }
}

function formatFloatVerb(x: number, verb: string, spec: Spec): string | undefined {
  let s: string;
  switch (verb) {
    case 'v':
      s = formatFloat(x, 'g', spec.prec ?? -1);
      break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
      s = formatFloat(x, verb, spec.prec ?? 6);
      break;
    case 'g':
    case 'G':
      s = formatFloat(x, verb, spec.prec ?? -1);
      break;
    default:
      return undefined;
  }
  if (!Number.isFinite(x)) {
    if (Number.isNaN(x)) s = spec.plus ? '+NaN' : spec.space ? ' NaN' : 'NaN';
    else if (x > 0) s = spec.plus ? '+Inf' : spec.space ? ' Inf' : '+Inf';
    return pad(s, { ...spec, zero: false });
  }
  if (s[0] !== '-') s = signOf(false, spec) + s;
  return pad(s, spec, true);
}

interface Decimal {
  /** Significant digits, no leading or trailing zeros; '' for zero. */
  d: string;
  /** Position of the decimal point: the value is 0.d × 10^dp. */
  dp: number;
}

/** The exact decimal expansion of a finite non-negative double. */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  let exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  const e2 = exp - 1075;
  let digits: string;
  let dp: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    dp = digits.length;
  } else {
    // mant / 2^k = mant·5^k / 10^k
    digits = (mant * 5n ** BigInt(-e2)).toString();
    dp = digits.length + e2;
  }
  return trimDecimal({ d: digits, dp });
}

/** The shortest digits that round-trip (what JS and Go both print for %v). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential())!;
  return trimDecimal({ d: m[1] + (m[2] ?? ''), dp: Number(m[3]) + 1 });
}

function trimDecimal(dec: Decimal): Decimal {
  const d = dec.d.replace(/0+$/, '');
  return d === '' ? { d: '', dp: 0 } : { d, dp: dec.dp };
}

/** Rounds to nd significant digits, ties to even (strconv's decimal.Round). */
function roundDecimal(dec: Decimal, nd: number): Decimal {
  const { d } = dec;
  if (nd < 0 || nd >= d.length) return dec;
  const up = d[nd] === '5' && nd + 1 === d.length ? nd > 0 && (d.charCodeAt(nd - 1) - 48) % 2 === 1 : d[nd] >= '5';
  if (!up) return trimDecimal({ d: d.slice(0, nd), dp: dec.dp });
  let i = nd - 1;
  while (i >= 0 && d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: dec.dp + 1 };
  return { d: d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1), dp: dec.dp };
}

/** strconv.FormatFloat(x, verb, prec, 64); prec −1 means the shortest representation. */
export function formatFloat(x: number, verb: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  const lower = verb.toLowerCase();
  const shortest = prec < 0;
  let dec: Decimal;
  if (shortest) {
    dec = shortestDecimal(a);
    prec = lower === 'e' ? Math.max(dec.d.length - 1, 0) : lower === 'f' ? Math.max(dec.d.length - dec.dp, 0) : dec.d.length;
  } else {
    const exact = exactDecimal(a);
    if (lower === 'e') dec = roundDecimal(exact, prec + 1);
    else if (lower === 'f') dec = roundDecimal(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      dec = roundDecimal(exact, prec);
    }
  }
  const sign = neg ? '-' : '';
  const eChar = verb === 'E' || verb === 'G' ? 'E' : 'e';
  if (lower === 'e') return sign + fmtE(dec, prec, eChar);
  if (lower === 'f') return sign + fmtF(dec, prec);
  const eprec = shortest ? 6 : prec;
  const exp = dec.dp - 1;
  if (exp < -4 || exp >= eprec) return sign + fmtE(dec, Math.min(prec, dec.d.length) - 1, eChar);
  return sign + fmtF(dec, Math.max((prec > dec.dp ? dec.d.length : prec) - dec.dp, 0));
}

function fmtE(dec: Decimal, prec: number, eChar: string): string {
  let s = dec.d[0] ?? '0';
  if (prec > 0) s += `.${dec.d.slice(1, prec + 1).padEnd(prec, '0')}`;
  const exp = dec.d === '' ? 0 : dec.dp - 1;
  const abs = Math.abs(exp);
  return `${s}${eChar}${exp < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
}

function fmtF(dec: Decimal, prec: number): string {
  let s = dec.dp > 0 ? dec.d.slice(0, dec.dp).padEnd(dec.dp, '0') : '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = dec.dp + i - 1;
      s += j >= 0 && j < dec.d.length ? dec.d[j] : '0';
    }
  }
  return s;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote (or QuoteToASCII): Go's double-quoted literal. */
export function quote(s: string, ascii = false): string {
  return `"${escapeRunes(s, '"', ascii)}"`;
}

function quoteRune(n: bigint, ascii: boolean): string {
  return `'${escapeRunes(runeString(n), "'", ascii)}'`;
}

function escapeRunes(s: string, q: string, ascii: boolean): string {
  let out = '';
  for (let ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) ch = '\ufffd';
    if (ch === q || ch === '\\') {
      out += `\\${ch}`;
      continue;
    }
    if (ascii ? cp < 0x80 && PRINTABLE.test(ch) : PRINTABLE.test(ch)) {
      out += ch;
      continue;
    }
    switch (ch) {
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      default: {
        const c = ch.codePointAt(0)!;
        if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
        else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, '0')}`;
        else out += `\\U${c.toString(16).padStart(8, '0')}`;
      }
    }
  }
  return out;
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    if (ch === '`' || ch === '\ufeff') return false;
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 && ch !== '\t') || c === 0x7f) return false;
  }
  return true;
}
