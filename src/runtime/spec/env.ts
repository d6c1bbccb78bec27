/**
 * The container's environment as Podman builds it: its defaults, then the image's Env, then
 * --env-merge expressions expanded against those, then the user's --env; HOME and HOSTNAME
 * are added later by the caller when still missing.
 */
import { SkiffError } from '../../util/errors.ts';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface EnvInput {
  readonly imageEnv: readonly string[];
  readonly envMerge: readonly string[];
  readonly userEnv: Readonly<Record<string, string>>;
}

/**
 * Variables in insertion order; a later source replaces a value but keeps its place.
 *
 * --env-merge differs from 4.3.1 in one way, on purpose: 4.3.1 silently drops a merge whose
 * name is not already set (`--env-merge NEW=x` does nothing), where later Podman and skiff
 * set it. Expressions for existing names give the same result.
 */
export function buildEnv(input: EnvInput): Map<string, string> {
  const env = new Map<string, string>([
    ['PATH', DEFAULT_PATH],
    ['TERM', 'xterm'],
    ['container', 'podman'],
  ]);
  for (const entry of input.imageEnv) {
    const eq = entry.indexOf('=');
    // An entry without `=` would mean "copy from the caller's environment": never from an image.
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const expr of input.envMerge) {
    let word: string;
    try {
      word = expandWord(expr, env);
    } catch (err) {
      throw new SkiffError('invalid-argument', `unable to process variables for --env-merge ${expr}: ${(err as Error).message}`);
    }
    const eq = word.indexOf('=');
    if (eq < 0) throw new SkiffError('invalid-argument', `missing \`=\` for --env-merge substitution ${expr}`);
    env.set(word.slice(0, eq), word.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(input.userEnv)) env.set(k, v);
  return env;
}

/**
 * One word with Dockerfile-style expansion (what Podman runs --env-merge through):
 * `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:+alternative}`, backslash escapes, and
 * quotes, which are removed. Unset names expand to ''.
 */
export function expandWord(word: string, env: ReadonlyMap<string, string>): string {
  const chars = [...word];
  let pos = 0;
  const peek = (): string | undefined => chars[pos];

  const lookup = (name: string): string => env.get(name) ?? '';

  const processName = (): string => {
    let name = '';
    while (pos < chars.length) {
      const ch = chars[pos]!;
      if (name === '' && /\p{Nd}/u.test(ch)) {
        pos++;
        return ch;
      }
      if (!/[\p{L}\p{Nd}_]/u.test(ch)) break;
      name += ch;
      pos++;
    }
    return name;
  };

  const processDollar = (): string => {
    pos++; // the $
    if (peek() !== '{') {
      const name = processName();
      return name === '' ? '$' : lookup(name);
    }
    pos++; // the {
    const name = processName();
    const ch = peek();
    if (ch === '}') {
      pos++;
      return lookup(name);
    }
    if (ch === ':') {
      pos++;
      const modifier = peek();
      pos++;
      const alt = processUntil('}');
      if (alt === undefined) throw new Error(`Missing '}' in substitution: ${word}`);
      const value = lookup(name);
      if (modifier === '-') return value === '' ? alt : value;
      if (modifier === '+') return value === '' ? '' : alt;
      throw new Error(`Unsupported modifier (${modifier ?? ''}) in substitution: ${word}`);
    }
    throw new Error(`Missing ':' in substitution: ${word}`);
  };

  const processSingleQuote = (): string => {
    pos++;
    let out = '';
    while (pos < chars.length) {
      const ch = chars[pos++]!;
      if (ch === "'") return out;
      out += ch;
    }
    throw new Error('unexpected end of statement while looking for matching single-quote');
  };

  const processDoubleQuote = (): string => {
    pos++;
    let out = '';
    while (pos < chars.length) {
      const ch = chars[pos]!;
      if (ch === '"') {
        pos++;
        return out;
      }
      if (ch === '$') {
        out += processDollar();
        continue;
      }
      pos++;
      if (ch === '\\' && (peek() === '"' || peek() === '$' || peek() === '\\')) out += chars[pos++]!;
      else out += ch;
    }
    throw new Error('unexpected end of statement while looking for matching double-quote');
  };

  /** Until `stop` (consumed; undefined if never found) or the end of the word. */
  const processUntil = (stop: string | undefined): string | undefined => {
    let out = '';
    while (pos < chars.length) {
      const ch = chars[pos]!;
      if (stop !== undefined && ch === stop) {
        pos++;
        return out;
      }
      if (ch === "'") out += processSingleQuote();
      else if (ch === '"') out += processDoubleQuote();
      else if (ch === '$') out += processDollar();
      else {
        pos++;
        if (ch === '\\') {
          if (pos >= chars.length) break;
          out += chars[pos++]!;
        } else out += ch;
      }
    }
    return stop === undefined ? out : undefined;
  };

  return processUntil(undefined)!;
}

/** `NAME=value` lines from the map, in its order. */
export function envList(env: ReadonlyMap<string, string>): string[] {
  return [...env].map(([k, v]) => `${k}=${v}`);
}
