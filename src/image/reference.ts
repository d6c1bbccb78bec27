/**
 * Image references in the Docker grammar (`[domain/]path[:tag][@digest]`) and the ways Podman
 * normalises them. Error messages are Podman 4.3.1's (docker/distribution's and libimage's),
 * because scripts match on them; the CLI prefixes them with `Error: `.
 *
 * Grammar (docker/distribution `reference`, plus bracketed IPv6 hosts):
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain "/"] path                      (at most 255 characters)
 *   domain           := host [ ":" port ]
 *   host             := domain-component ("." domain-component)* | "[" ipv6 "]"
 *   domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   path             := path-component ("/" path-component)*
 *   path-component   := [a-z0-9]+ (separator [a-z0-9]+)*
 *   separator        := "." | "_" | "__" | "-"+
 *   tag              := [\w][\w.-]{0,127}
 *   digest           := algorithm ":" [0-9a-fA-F]{32,}, algorithm components [A-Za-z][A-Za-z0-9]*
 *                       joined by "-", "_", "+" or "."
 */
import { SkiffError } from '../util/errors.ts';
import { digestProblem, isFullImageId, isImageIdPrefix, parseImageIdDigest } from './digest.ts';
import { goQuote } from '../util/goquote.ts';

export interface ImageReference {
  /**
   * What the grammar puts before the first `/` when it can be a host: a registry after
   * normalisation, but in a raw parse (`parseReference`) possibly just a namespace
   * (`library/x` has domain `library`). Empty when the name has a single component.
   */
  readonly domain: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

export const REFERENCE_INVALID_FORMAT = 'invalid reference format';
export const REFERENCE_UPPERCASE = 'repository name must be lowercase';
export const REFERENCE_EMPTY = 'repository name must have at least one component';
export const REFERENCE_TOO_LONG = 'repository name must not be more than 255 characters';
/** What normalisation says when the repository part (after the domain) has upper case. */
export const REFERENCE_NORMALIZED_UPPERCASE = `${REFERENCE_INVALID_FORMAT}: ${REFERENCE_UPPERCASE}`;

export const NAME_MAX_LENGTH = 255;
export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_NAMESPACE = 'library';
export const DEFAULT_TAG = 'latest';
export const LOCAL_DOMAIN = 'localhost';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^\w[\w.-]{0,127}$/;
const REFERENCE_DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const FULL_ID_RE = /^[a-f0-9]{64}$/;

function fail(message: string): never {
  throw new SkiffError('invalid-reference', message);
}

/** True when `s` is `host[:port]` in the reference grammar (used for registries.conf entries too). */
export function isDomain(s: string): boolean {
  return DOMAIN_RE.test(s);
}

export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}

function isPath(s: string): boolean {
  return s.split('/').every((c) => PATH_COMPONENT_RE.test(c));
}

interface Match {
  readonly name: string;
  readonly domain: string;
  readonly path: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/**
 * Splits `s` by the grammar, or returns undefined when it does not match. Names and tags hold no
 * `@`, so the digest starts at the first one; path components hold no `:`, so a tag starts at the
 * first `:` after the last `/`. A first component that can be a host is taken as the domain when
 * the rest is a valid path, as the grammar's optional domain group prefers.
 */
function match(s: string): Match | undefined {
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!REFERENCE_DIGEST_RE.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.indexOf(':', rest.lastIndexOf('/') + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) return undefined;
  }
  const name = rest;
  const slash = name.indexOf('/');
  if (slash > 0 && DOMAIN_RE.test(name.slice(0, slash)) && isPath(name.slice(slash + 1))) {
    return { name, domain: name.slice(0, slash), path: name.slice(slash + 1), tag, digest };
  }
  if (isPath(name)) return { name, domain: '', path: name, tag, digest };
  return undefined;
}

/** The message Podman gives for `s`, or the parsed reference. */
function parseOrProblem(s: string): ImageReference | string {
  const m = match(s);
  if (m === undefined) {
    if (s === '') return REFERENCE_EMPTY;
    if (match(s.toLowerCase()) !== undefined) return REFERENCE_UPPERCASE;
    return REFERENCE_INVALID_FORMAT;
  }
  if (m.name.length > NAME_MAX_LENGTH) return REFERENCE_TOO_LONG;
  if (m.digest !== undefined) {
    const problem = digestProblem(m.digest);
    if (problem !== undefined) return problem;
  }
  return build(m.domain, m.path, m.tag, m.digest);
}

function build(domain: string, path: string, tag: string | undefined, digest: string | undefined): ImageReference {
  const ref: { domain: string; path: string; tag?: string; digest?: string } = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/**
 * Parses `s` by the grammar alone, without normalising (docker/distribution `Parse`). Throws
 * `invalid-reference` with Podman's message.
 */
export function parseReference(s: string): ImageReference {
  const r = parseOrProblem(s);
  return typeof r === 'string' ? fail(r) : r;
}

/** True when `s` parses by the grammar. */
export function isReference(s: string): boolean {
  return typeof parseOrProblem(s) !== 'string';
}

/** True when a domain names a registry: it has a `.` or `:`, or is `localhost`. */
export function isRegistryDomain(domain: string): boolean {
  return domain.includes('.') || domain.includes(':') || domain === LOCAL_DOMAIN;
}

/**
 * True when `s` names no registry (`busybox`, `library/busybox:1`, `a@sha256:…`), as
 * containers/image's short names. Input that does not parse is not a short name.
 */
export function isShortName(s: string): boolean {
  const r = parseOrProblem(s);
  return typeof r !== 'string' && !isRegistryDomain(r.domain);
}

export interface NormalizeOptions {
  /** Add `:latest` when the input has neither tag nor digest (default true). */
  readonly defaultTag?: boolean;
}

/**
 * Docker's normalisation (`ParseNormalizedNamed`, then `TagNameOnly`): a name whose first
 * component is not a registry goes to `docker.io`, `index.docker.io` becomes `docker.io`, a
 * single-component Docker Hub path gets `library/`, and `:latest` is added when there is neither
 * tag nor digest. A tag and a digest given together are both kept. This is what Podman does for
 * `docker://` references and for candidates built from search registries and aliases.
 */
export function normalizeName(s: string, opts: NormalizeOptions = {}): ImageReference {
  if (FULL_ID_RE.test(s)) fail(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  const slash = s.indexOf('/');
  let domain: string;
  let remainder: string;
  if (slash === -1 || !isRegistryDomain(s.slice(0, slash))) {
    domain = DEFAULT_DOMAIN;
    remainder = s;
  } else {
    domain = s.slice(0, slash);
    remainder = s.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = `${OFFICIAL_NAMESPACE}/${remainder}`;
  const colon = remainder.indexOf(':');
  const remoteName = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remoteName.toLowerCase() !== remoteName) fail(REFERENCE_NORMALIZED_UPPERCASE);
  const ref = parseReference(`${domain}/${remainder}`);
  return opts.defaultTag === false ? ref : withDefaultTag(ref);
}

/**
 * Podman's normalisation of a name for local storage (libimage `NormalizeName`, used by tag,
 * untag, commit, import, build -t …): a name without a registry goes to `localhost/`, not
 * `docker.io`; a tag is dropped when a digest is also given; `:latest` is added when there is
 * neither. Errors read as Podman's: a grammar error is wrapped in `normalizing name "<s>": `,
 * an error of the second, normalising parse is not.
 */
export function normalizeLocalName(s: string): ImageReference {
  const parsed = parseOrProblem(s);
  if (typeof parsed === 'string') fail(`normalizing name ${goQuote(s)}: ${parsed}`);
  const qualified = isRegistryDomain(parsed.domain) ? s : `${LOCAL_DOMAIN}/${s}`;
  const ref = normalizeName(qualified, { defaultTag: false });
  if (ref.tag !== undefined && ref.digest !== undefined) return withoutTag(ref);
  return withDefaultTag(ref);
}

/**
 * The input with the tag dropped when it has both a tag and a digest (Docker's rule, applied by
 * Podman before local lookups and pulls); otherwise unchanged. Throws the grammar's error, bare,
 * as `podman image exists` and `podman pull` print it.
 */
export function normalizeTaggedDigested(s: string): string {
  const ref = parseReference(s);
  return ref.tag !== undefined && ref.digest !== undefined ? formatReference(withoutTag(ref)) : s;
}

/**
 * The new name given to `podman tag` (or the name removed by `podman untag`), with libimage's
 * checks and wording: `sha256:…` is refused as ambiguous, the name is normalised for local
 * storage (`localhost/` default), and a tag target must not carry a digest.
 */
export function parseTagName(s: string, op: 'tag' | 'untag' = 'tag'): ImageReference {
  if (s.startsWith('sha256:')) fail(`${s}: ${op} by digest not supported`);
  let ref: ImageReference;
  try {
    ref = normalizeLocalName(s);
  } catch (err) {
    return fail(`normalizing name ${goQuote(s)}: ${(err as Error).message}`);
  }
  if (op === 'tag' && ref.digest !== undefined) fail(`${s}: tag by digest not supported`);
  return ref;
}

export type LookupName =
  /** `sha256:<64 hex>` or a bare 64-hex ID: only an image ID can match. */
  | { readonly kind: 'full-id'; readonly id: string }
  /**
   * A name to resolve (tag dropped when a digest is also given); when `idPrefix` is set it may
   * also be a short ID, which Podman tries only after every name candidate.
   */
  | { readonly kind: 'name'; readonly name: string; readonly idPrefix: boolean };

/**
 * Classifies what a user gave to find a local image (`image exists`, `rmi`, `inspect`, `save`,
 * …) as libimage's LookupImage does, with its errors: the grammar's, bare, then
 * `<input>: invalid format: no 64-byte hexadecimal value` for a `sha256:` that is not a full ID.
 */
export function parseLookupName(s: string): LookupName {
  const name = normalizeTaggedDigested(s);
  if (name.startsWith('sha256:')) return { kind: 'full-id', id: parseImageIdDigest(name) };
  if (isFullImageId(name)) return { kind: 'full-id', id: name };
  return { kind: 'name', name, idPrefix: isImageIdPrefix(name) };
}

/** Adds `:latest` when the reference has neither tag nor digest. */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

export function withTag(ref: ImageReference, tag: string): ImageReference {
  if (!TAG_RE.test(tag)) fail(REFERENCE_INVALID_FORMAT);
  return { ...ref, tag };
}

export function withDigest(ref: ImageReference, digest: string): ImageReference {
  if (!REFERENCE_DIGEST_RE.test(digest)) fail(REFERENCE_INVALID_FORMAT);
  const problem = digestProblem(digest);
  if (problem !== undefined) fail(problem);
  return { ...ref, digest };
}

export function withoutTag(ref: ImageReference): ImageReference {
  return build(ref.domain, ref.path, undefined, ref.digest);
}

/** Only the repository: no tag, no digest. */
export function repositoryOnly(ref: ImageReference): ImageReference {
  return build(ref.domain, ref.path, undefined, undefined);
}

/** `domain/path` (or `path` without a domain). */
export function repositoryName(ref: ImageReference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** The full string form, `domain/path[:tag][@digest]` (Go's `String()`). */
export function formatReference(ref: ImageReference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/**
 * The short form Docker shows: `docker.io/` is dropped and so is `library/` before a single
 * component (`docker.io/library/busybox:1` → `busybox:1`); other registries stay.
 */
export function familiarString(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return formatReference(ref);
  const parts = ref.path.split('/');
  const path = parts.length === 2 && parts[0] === OFFICIAL_NAMESPACE ? parts[1] : ref.path;
  return formatReference(build('', path, ref.tag, ref.digest));
}

