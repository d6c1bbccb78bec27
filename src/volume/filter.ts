/**
 * `volume ls --filter` and `volume prune --filter`: Podman's filter keys. Different keys must
 * all match (Podman 4.3 ORed them, a bug later fixed upstream); several values of one key
 * match when any does, except `label`, where every label given must be present.
 */
import { SkiffError } from '../util/errors.ts';
import { labelMatches, nameRegexps } from '../util/filters.ts';
import { parseUntil } from '../util/time.ts';
import type { VolumeRecord } from './store.ts';

export type VolumeFilter = (v: VolumeRecord, used: ReadonlySet<string>) => boolean;

/** Builds one predicate from `KEY=VALUE` strings; `keys` limits the keys allowed (prune takes fewer). */
export function volumeFilter(specs: readonly string[], keys: readonly string[] = ['name', 'driver', 'scope', 'label', 'opt', 'until', 'dangling']): VolumeFilter {
  const byKey = new Map<string, string[]>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (eq < 0 || !keys.includes(key)) throw new SkiffError('invalid-argument', `"${key}" is an invalid volume filter`);
    byKey.set(key, [...(byKey.get(key) ?? []), spec.slice(eq + 1)]);
  }
  const tests: VolumeFilter[] = [];
  for (const [key, values] of byKey) {
    switch (key) {
      case 'name': {
        const res = nameRegexps(values);
        tests.push((v) => res.some((re) => re.test(v.name)));
        break;
      }
      case 'driver':
        tests.push((v) => values.includes(v.driver));
        break;
      case 'scope':
        tests.push(() => values.includes('local'));
        break;
      case 'label':
        tests.push((v) => values.every((want) => labelMatches(v.labels, want)));
        break;
      case 'opt':
        tests.push((v) =>
          values.some((want) => {
            const eq = want.indexOf('=');
            return eq < 0 ? want in v.options : v.options[want.slice(0, eq)] === want.slice(eq + 1);
          }),
        );
        break;
      case 'until': {
        const limits = values.map((val) => parseUntil(val));
        tests.push((v) => limits.some((t) => v.created < t));
        break;
      }
      case 'dangling': {
        const wants = values.map((val) => {
          if (val !== 'true' && val !== 'false') throw new SkiffError('invalid-argument', `"${val}" is not a valid value for the "dangling" filter - must be true or false`);
          return val === 'true';
        });
        tests.push((v, used) => wants.some((w) => w === !used.has(v.name)));
        break;
      }
    }
  }
  return (v, used) => tests.every((t) => t(v, used));
}
