/**
 * `search`: repositories of registries that speak the Distribution API v2, found in their
 * `/v2/_catalog`, and the tags of one repository (`--list-tags`), as Podman 4.3.1 (libimage of
 * containers/common 0.50 over containers/image 5.23) finds and words them.
 *
 * A term `HOST/REST` searches HOST alone for REST; a term without `/` searches every
 * unqualified-search registry of registries.conf, all at once. A registry that fails does not
 * fail the search when another one gave results; when none gave any, every failure is reported
 * in one error, in registry order. Docker Hub's v1 search API is not spoken: every registry is
 * asked for its catalog.
 */
import { STATUS_CODES } from 'node:http';
import { lookupCredentials } from '../config/auth.ts';
import { blockedText, findRegistry } from '../config/registries.ts';
import { normalizeName } from '../image/reference.ts';
import { RegistryResponseError } from '../image/transport/registry/client.ts';
import type { RegistryClient } from '../image/transport/registry/client.ts';
import { type ErrorCode, SkiffError, isSkiffError } from '../util/errors.ts';
import type { Engine } from './engine.ts';
import { openClient, type RegistryAccess } from './registry-access.ts';

/** libimage's searchMaxQueries: what one registry gives when no --limit is set. */
const DEFAULT_LIMIT = 25;

/** The transports containers/image 5.23 knows besides `docker`, for the --list-tags reference check. */
const OTHER_TRANSPORTS = ['containers-storage', 'dir', 'docker-archive', 'docker-daemon', 'oci', 'oci-archive', 'sif', 'tarball'];

/** One result, with the fields of Podman's entities.ImageSearchReport. */
export interface SearchResult {
  /** The registry searched (empty for tags). */
  readonly index: string;
  /** `registry/repository`. */
  readonly name: string;
  /** Always empty: a v2 catalog has no descriptions. */
  readonly description: string;
  readonly stars: number;
  /** `[OK]` or empty. */
  readonly official: string;
  readonly automated: string;
  /** Set by --list-tags only. */
  readonly tag: string;
}

/** --filter: a result must have at least `stars`, and be official/automated when those are set. */
export interface SearchFilter {
  readonly stars: number;
  readonly isOfficial?: boolean;
  readonly isAutomated?: boolean;
}

export interface SearchOptions extends RegistryAccess {
  /** --limit: 0 for the default (25 per registry); a negative limit gives nothing. */
  readonly limit?: number;
  readonly listTags?: boolean;
  readonly filter?: SearchFilter;
  /** Podman logs (at level error) a registry that answers its catalog request with an error status. */
  readonly logError?: (message: string) => void;
}

/** libimage's ParseSearchFilter, with its errors. */
export function parseSearchFilters(filters: readonly string[]): SearchFilter {
  let stars = 0;
  let isOfficial: boolean | undefined;
  let isAutomated: boolean | undefined;
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? undefined : f.slice(eq + 1);
    switch (key) {
      case 'stars':
        if (value === undefined) throw new SkiffError('invalid-argument', `invalid filter [${JSON.stringify(key)}], should be stars=<value>`);
        stars = goAtoi(value, 'incorrect value type for stars filter');
        break;
      // Anything but an explicit `false` asks for official (automated) images, as in Podman.
      case 'is-official':
        isOfficial = value !== 'false';
        break;
      case 'is-automated':
        isAutomated = value !== 'false';
        break;
      default:
        throw new SkiffError('invalid-argument', `invalid filter type ${JSON.stringify(f)}`);
    }
  }
  return { stars, isOfficial, isAutomated };
}

/** Go's strconv.Atoi on a 64-bit machine, with its error wording after `what`. */
function goAtoi(s: string, what: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new SkiffError('invalid-argument', `${what}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw new SkiffError('invalid-argument', `${what}: strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(n);
}

/** Searches as `podman search TERM` does; the results of each registry in registry order. */
export async function searchImages(engine: Engine, term: string, opts: SearchOptions): Promise<SearchResult[]> {
  const wanted = opts.filter ?? { stars: 0 };
  // Everything before the first `/` is the registry: the term may hold anything (wildcards,
  // partial names), so it is not parsed as a reference.
  const slash = term.indexOf('/');
  const registries = slash >= 0 ? [term.slice(0, slash)] : engine.images.registries().unqualifiedSearchRegistries;
  const rest = slash >= 0 ? term.slice(slash + 1) : term;
  const outcomes = await Promise.all(
    registries.map(async (registry) => {
      try {
        return { results: opts.listTags ? await searchTags(engine, registry, rest, opts) : await searchCatalog(engine, registry, rest, wanted, opts) };
      } catch (e) {
        return { error: e };
      }
    }),
  );
  const results = outcomes.flatMap((o) => o.results ?? []);
  // One registry with results is taken to hold what the user looks for: the others' failures go unsaid.
  if (results.length > 0) return results;
  const errors = outcomes.flatMap((o) => ('error' in o ? [o.error] : []));
  if (errors.length === 0) return results;
  for (const e of errors) if (!isSkiffError(e)) throw e;
  const failures = errors as SkiffError[];
  const code: ErrorCode = failures.every((e) => e.code === failures[0].code) ? failures[0].code : 'registry';
  throw new SkiffError(code, multiError(failures.map((e) => e.message)), { cause: failures[0] });
}

/** hashicorp/go-multierror's text, which Podman prints after `Error: `. */
function multiError(messages: readonly string[]): string {
  if (messages.length === 1) return `1 error occurred:\n\t* ${messages[0]}\n\n`;
  return `${messages.length} errors occurred:\n\t${messages.map((m) => `* ${m}`).join('\n\t')}\n\n`;
}

/** The output limit libimage applies to what one registry gave. */
function outputLimit(found: number, limit: number): number {
  if (limit === 0) return Math.min(found, DEFAULT_LIMIT);
  return Math.min(found, limit);
}

async function searchCatalog(engine: Engine, registry: string, term: string, filter: SearchFilter, opts: SearchOptions): Promise<SearchResult[]> {
  const limit = opts.limit ?? 0;
  const config = engine.images.registries();
  // registries.conf applies to the registry as a whole here: a [[registry]] entry for a
  // namespace of it does not.
  const entry = findRegistry(config, registry);
  if (entry?.blocked) throw new SkiffError('blocked', `creating new docker client: ${blockedText(entry.prefix)}`);
  // The whole registry is searched: only credentials for the registry itself apply.
  const access = withCredentials(opts, registry, undefined, 'getting username and password');
  let client: RegistryClient;
  try {
    client = openClient({ registry, repository: '', access, registries: config, rootless: engine.config.rootless, actions: 'pull', insecure: entry?.insecure ?? false });
  } catch (e) {
    throw wrap(e, 'creating new docker client');
  }
  const couldNot = `couldn't search registry ${JSON.stringify(registry)}`;
  let repositories: string[];
  try {
    try {
      await client.ping();
    } catch (e) {
      throw wrap(e, `pinging container registry ${hostOf(registry)}`);
    }
    try {
      repositories = await client.catalog();
    } catch (e) {
      if (!(e instanceof RegistryResponseError)) throw e;
      const text = statusText(e, '');
      opts.logError?.(`error getting search results from v2 endpoint ${JSON.stringify(registry)}: ${text}`);
      throw new SkiffError(e.code, text, { cause: e });
    }
  } catch (e) {
    throw wrap(e, couldNot);
  } finally {
    client.close();
  }
  const matches = matchRepositories(repositories, term, limit > 0 ? limit : DEFAULT_LIMIT);
  const dockerHub = searchIndex(registry) === 'docker.io';
  const out: SearchResult[] = [];
  for (const repo of matches.slice(0, Math.max(0, outputLimit(matches.length, limit)))) {
    const result: SearchResult = {
      index: registry,
      name: dockerHub && !repo.includes('/') ? `docker.io/library/${repo}` : `${registry}/${repo}`,
      description: '',
      stars: 0,
      official: '',
      automated: '',
      tag: '',
    };
    // The limit counts before the filter, as in Podman.
    if (matchesFilter(result, filter)) out.push(result);
  }
  return out;
}

/**
 * The catalog's repositories that contain the term, at most `max` of them, in catalog order
 * except that a repository equal to the term comes first (containers/image's SearchRegistry).
 */
export function matchRepositories(repositories: readonly string[], term: string, max: number): string[] {
  const out: string[] = [];
  for (const repo of repositories) {
    if (out.length === max) break;
    if (!repo.includes(term)) continue;
    if (repo === term) out.unshift(repo);
    else out.push(repo);
  }
  return out;
}

function matchesFilter(r: SearchResult, f: SearchFilter): boolean {
  if (f.isAutomated !== undefined && (r.automated !== '') !== f.isAutomated) return false;
  if (f.isOfficial !== undefined && (r.official !== '') !== f.isOfficial) return false;
  return r.stars >= f.stars;
}

/** libimage's "index" of a registry: its last two dot-separated labels (docker.io for registry-1.docker.io). */
function searchIndex(registry: string): string {
  const labels = registry.split('.');
  return labels.length > 2 ? labels.slice(-2).join('.') : registry;
}

async function searchTags(engine: Engine, registry: string, term: string, opts: SearchOptions): Promise<SearchResult[]> {
  const ref = tagsReference(`${registry}/${term}`, term);
  const config = engine.images.registries();
  const name = `${ref.domain}/${ref.path}`;
  const entry = findRegistry(config, name);
  const prefix = 'getting repository tags';
  if (entry?.blocked) throw new SkiffError('blocked', `${prefix}: failed to create client: ${blockedText(entry.prefix)}`);
  const access = withCredentials(opts, ref.domain, ref.path, `${prefix}: failed to create client: getting username and password`);
  let client: RegistryClient;
  try {
    client = openClient({ registry: ref.domain, repository: ref.path, access, registries: config, rootless: engine.config.rootless, actions: 'pull' });
  } catch (e) {
    throw wrap(e, `${prefix}: failed to create client`);
  }
  let tags: string[];
  try {
    try {
      await client.ping();
    } catch (e) {
      throw wrap(e, `pinging container registry ${hostOf(ref.domain)}`);
    }
    try {
      tags = await client.tags();
    } catch (e) {
      if (!(e instanceof RegistryResponseError)) throw e;
      throw new SkiffError(e.code, statusText(e, 'fetching tags list'), { cause: e });
    }
  } catch (e) {
    throw wrap(e, prefix);
  } finally {
    client.close();
  }
  const limit = opts.limit ?? 0;
  return tags.slice(0, Math.max(0, outputLimit(tags.length, limit))).map((tag) => ({ index: '', name, description: '', stars: 0, official: '', automated: '', tag }));
}

/**
 * The repository --list-tags lists: `REGISTRY/TERM` read as containers/image reads an image
 * name, a transport first (only `docker` will do), else as a `docker://` reference, whose tag
 * or digest is ignored.
 */
function tagsReference(full: string, term: string): { domain: string; path: string } {
  const refused = (): SkiffError => new SkiffError('invalid-reference', `reference ${JSON.stringify(term)} must be a docker reference`);
  const colon = full.indexOf(':');
  const transport = colon < 0 ? '' : full.slice(0, colon);
  if (OTHER_TRANSPORTS.includes(transport)) throw refused();
  // `docker:` is the docker transport only when `//` follows; else it is a host named docker.
  const name = transport === 'docker' && full.startsWith('docker://') ? full.slice('docker://'.length) : full;
  try {
    const ref = normalizeName(name, { defaultTag: false });
    return { domain: ref.domain, path: ref.path };
  } catch {
    throw refused();
  }
}

/**
 * The access with its credentials looked up now (--creds, else the auth files), as
 * containers/image looks them up before it opens a client, with its wording of a failure.
 */
function withCredentials(access: RegistryAccess, registry: string, repository: string | undefined, context: string): RegistryAccess {
  if (access.credentials) return access;
  try {
    return { ...access, credentials: lookupCredentials(registry, repository, { authfile: access.authfile }) };
  } catch (e) {
    throw wrap(e, context);
  }
}

/** The host a registry is reached at, as ping errors name it. */
function hostOf(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** containers/image's httpResponseToError: an error status in Go's words. */
function statusText(e: RegistryResponseError, context: string): string {
  if (e.status === 401) return `unable to retrieve auth token: invalid username/password: ${e.detail}`;
  if (e.status === 429) return 'too many requests to registry';
  return `${context ? `${context}: ` : ''}invalid status code from registry ${e.status} (${STATUS_CODES[e.status] ?? ''})`;
}


/** `context: message`, keeping the error's code; anything but a SkiffError is a registry error. */
function wrap(e: unknown, context: string): SkiffError {
  if (isSkiffError(e)) return new SkiffError(e.code, `${context}: ${e.message}`, { cause: e });
  return new SkiffError('registry', `${context}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
