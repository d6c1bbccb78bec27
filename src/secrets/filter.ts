/**
 * `secret ls --filter`: Podman's keys `name` and `id` (any case), each value a regular
 * expression matched anywhere in the name or ID. Several values of one key match when any
 * does. Different keys must all match: Podman 4.3 keeps only the last key's verdict, and
 * which key is last depends on Go's random map order.
 */
import { SkiffError } from '../util/errors.ts';
import type { SecretRecord } from './store.ts';

export type SecretFilter = (s: SecretRecord) => boolean;

export function secretFilter(specs: readonly string[]): SecretFilter {
  const byKey = new Map<string, RegExp[]>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq < 0) throw new SkiffError('invalid-argument', `filter input must be in the form of filter=value: ${spec} is invalid`);
    const key = spec.slice(0, eq).toLowerCase();
    if (key !== 'name' && key !== 'id') throw new SkiffError('invalid-argument', `invalid filter "${spec.slice(0, eq)}"`);
    let re: RegExp | undefined;
    try {
      re = new RegExp(spec.slice(eq + 1));
    } catch {
      // Go's StringMatchRegexSlice counts a pattern that does not compile as no match.
      re = undefined;
    }
    const list = byKey.get(key) ?? [];
    if (re) list.push(re);
    byKey.set(key, list);
  }
  return (s) => [...byKey].every(([key, res]) => res.some((re) => re.test(key === 'name' ? s.name : s.id)));
}
