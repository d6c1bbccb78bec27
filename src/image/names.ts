/**
 * How user input becomes stored names and lookup candidates, following Podman (libimage):
 * - a new name (import, tag, load) that has no registry goes under `localhost/`, and gets
 *   `:latest` when it has neither tag nor digest;
 * - a lookup of a short name tries `localhost/NAME`, then the unqualified-search registries,
 *   then any stored name whose repository ends in `/NAME` with the same tag.
 */
import { type RegistriesConfig, resolveShortName } from '../config/registries.ts';
import { SkiffError } from '../util/errors.ts';
import { formatReference, isRegistryDomain, normalizeLocalName, normalizeName, parseReference, type ImageReference } from './reference.ts';

export type LookupCandidate =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'digest'; readonly repo: string; readonly digest: string }
  | { readonly kind: 'suffix'; readonly suffix: string };

/** The stored form of a name the user gives a new image. Throws Podman's error when invalid. */
export function localName(input: string): string {
  return formatReference(normalizeLocalName(input));
}

function candidate(ref: ImageReference): LookupCandidate {
  if (ref.digest) return { kind: 'digest', repo: `${ref.domain}/${ref.path}`, digest: ref.digest };
  return { kind: 'name', name: formatReference(ref) };
}

/**
 * Candidate stored names for a lookup, in the order Podman (libimage) tries them: a fully
 * qualified name alone; a short name's alias, then `localhost/NAME`, then each
 * unqualified-search registry, then the docker.io form, then any stored name ending in
 * `/NAME:TAG`. The registries configuration is loaded only for short names. Input that is not
 * a valid reference has no candidates (the lookup then reports the image as not known).
 */
export function lookupCandidates(input: string, registries: () => RegistriesConfig): LookupCandidate[] {
  let parsed: ImageReference;
  try {
    parsed = parseReference(input);
  } catch {
    return [];
  }
  try {
    if (isRegistryDomain(parsed.domain)) return [candidate(normalizeName(input))];
    const out = resolveShortName(input, { config: registries(), localLookup: true }).candidates.map(candidate);
    if (parsed.digest) out.push({ kind: 'digest', repo: '', digest: parsed.digest });
    else out.push({ kind: 'suffix', suffix: `/${parsed.domain ? `${parsed.domain}/` : ''}${parsed.path}:${parsed.tag ?? 'latest'}` });
    return out;
  } catch (e) {
    if (e instanceof SkiffError && e.code === 'invalid-reference') return [];
    throw e;
  }
}
