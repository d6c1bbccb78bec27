/**
 * `network ls --filter` and `network prune --filter`: Podman's keys (name as a regular
 * expression, id by prefix, driver, label and label!, dangling, until). Different keys must
 * all match; several values of one key match when any does, except labels, which must all.
 */
import { SkiffError } from '../util/errors.ts';
import { labelMatches, nameRegexps } from '../util/filters.ts';
import { parseUntil } from '../util/time.ts';
import type { Network } from './types.ts';

export type NetworkFilter = (n: Network, used: ReadonlySet<string>) => boolean;

function createdMs(n: Network): number {
  const t = Date.parse(n.created);
  return Number.isNaN(t) ? 0 : t;
}

/** One predicate from `KEY=VALUE` strings; `keys` limits the keys allowed (prune takes fewer). */
export function networkFilter(specs: readonly string[], opts: { keys?: readonly string[]; defaultName: string }): NetworkFilter {
  const keys = opts.keys ?? ['name', 'id', 'driver', 'label', 'label!', 'dangling', 'until'];
  const byKey = new Map<string, string[]>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (eq < 0) throw new SkiffError('invalid-argument', `invalid filter "${spec}"`);
    if (!keys.includes(key)) throw new SkiffError('invalid-argument', `invalid filter "${key}"`);
    byKey.set(key, [...(byKey.get(key) ?? []), spec.slice(eq + 1)]);
  }
  const tests: NetworkFilter[] = [];
  for (const [key, values] of byKey) {
    switch (key) {
      case 'name': {
        const res = nameRegexps(values);
        tests.push((n) => res.some((re) => re.test(n.name)));
        break;
      }
      case 'id':
        tests.push((n) => values.some((v) => n.id.startsWith(v)));
        break;
      case 'driver':
        tests.push((n) => values.includes(n.driver));
        break;
      case 'label':
        tests.push((n) => values.every((want) => labelMatches(n.labels ?? {}, want)));
        break;
      case 'label!':
        tests.push((n) => values.every((want) => !labelMatches(n.labels ?? {}, want)));
        break;
      case 'until': {
        const limits = values.map((v) => parseUntil(v));
        tests.push((n) => limits.some((t) => createdMs(n) < t));
        break;
      }
      case 'dangling': {
        const wants = values.map((v) => {
          if (v !== 'true' && v !== 'false') throw new SkiffError('invalid-argument', `invalid dangling filter value "${v}"`);
          return v === 'true';
        });
        // The default network is never dangling.
        tests.push((n, used) => wants.some((w) => w === (n.name !== opts.defaultName && !used.has(n.name))));
        break;
      }
    }
  }
  return (n, used) => tests.every((t) => t(n, used));
}
