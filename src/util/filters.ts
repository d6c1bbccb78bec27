/** Pieces that Podman's `--filter` keys share across object kinds (volumes, networks). */
import { SkiffError } from './errors.ts';

/** `label=KEY` (present) or `label=KEY=VALUE` (present with that value). */
export function labelMatches(labels: Readonly<Record<string, string>>, want: string): boolean {
  const eq = want.indexOf('=');
  if (eq < 0) return want in labels;
  const key = want.slice(0, eq);
  return key in labels && labels[key] === want.slice(eq + 1);
}

/** `name=` values as regular expressions, each checked now with Podman's error. */
export function nameRegexps(values: readonly string[]): RegExp[] {
  return values.map((v) => {
    try {
      return new RegExp(v);
    } catch {
      throw new SkiffError('invalid-argument', `invalid name filter "${v}": not a valid regular expression`);
    }
  });
}
