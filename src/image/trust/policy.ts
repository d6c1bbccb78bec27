/**
 * containers-policy.json(5): which images may be used, as containers/image 5.23 (Podman 4.3.1)
 * decides it. The file is read strictly: an unknown key, a wrong type or a missing default
 * makes the whole file invalid, and an invalid file rejects every image (fail closed) with
 * the file and the reason, in Podman's words.
 *
 * Scopes of the docker transport go from the most specific (`host:port/ns/repo:tag`, or
 * `…@digest`) through the repository, each namespace and the host, to `*.domain` wildcards
 * (the longest first), then the transport's "" scope, then the global default. Other
 * transports use their path (and its parent directories) as scopes.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SkiffError, errnoCode } from '../../util/errors.ts';
import { duplicateKey } from '../../util/strictjson.ts';

export type SignedIdentity =
  | { readonly type: 'matchExact' }
  | { readonly type: 'matchRepoDigestOrExact' }
  | { readonly type: 'matchRepository' }
  | { readonly type: 'exactReference'; readonly dockerReference: string }
  | { readonly type: 'exactRepository'; readonly dockerRepository: string }
  | { readonly type: 'remapIdentity'; readonly prefix: string; readonly signedPrefix: string };

export type Requirement =
  | { readonly type: 'insecureAcceptAnything' }
  | { readonly type: 'reject' }
  | {
      readonly type: 'signedBy';
      readonly keyType: string;
      readonly keyPath?: string;
      readonly keyPaths?: readonly string[];
      readonly keyData?: string;
      readonly signedIdentity: SignedIdentity;
    }
  | {
      readonly type: 'sigstoreSigned';
      readonly keyPath?: string;
      readonly keyData?: string;
      readonly fulcio?: FulcioRule;
      readonly rekorPublicKeyPath?: string;
      readonly rekorPublicKeyData?: string;
      readonly signedIdentity: SignedIdentity;
    }
  | { readonly type: 'signedBaseLayer'; readonly baseLayerIdentity: Record<string, unknown> };

/** sigstoreSigned's `fulcio`: which CA certifies the signer, and whom the certificate must name. */
export interface FulcioRule {
  readonly caPath?: string;
  readonly caData?: string;
  readonly oidcIssuer: string;
  readonly subjectEmail: string;
}

export interface Policy {
  readonly path: string;
  readonly default: readonly Requirement[];
  /** transport → scope → requirements, in file order. */
  readonly transports: ReadonlyMap<string, ReadonlyMap<string, readonly Requirement[]>>;
}

/** The transports containers/image knows; a policy naming another is invalid. */
export const TRANSPORTS = ['atomic', 'containers-storage', 'dir', 'docker', 'docker-archive', 'docker-daemon', 'oci', 'oci-archive', 'ostree', 'sif', 'tarball'];

/**
 * The policy in force, as containers/image finds it: --signature-policy, else
 * $HOME/.config/containers/policy.json when it exists (for root too), else /etc's. A user file
 * that exists but cannot be read is an error, never a reason to use another one.
 */
export function policyPath(explicit: string | undefined, opts: { env?: NodeJS.ProcessEnv } = {}): string {
  if (explicit) return explicit;
  const env = opts.env ?? process.env;
  const user = join(env.HOME || homedir(), '.config', 'containers', 'policy.json');
  try {
    statSync(user);
    return user;
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT' && errnoCode(e) !== 'ENOTDIR') return user;
    return '/etc/containers/policy.json';
  }
}

export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = errnoCode(e) === 'ENOENT' ? 'no such file or directory' : errnoCode(e) === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new SkiffError('config', `open ${path}: ${reason}`);
  }
  return parsePolicy(text, path);
}

class Invalid extends Error {}

function fail(message: string): never {
  throw new Invalid(message);
}

export function parsePolicy(text: string, path: string): Policy {
  try {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      fail(jsonError(e as Error, text));
    }
    const dup = duplicateKey(text);
    if (dup !== undefined) fail(`Duplicate key ${JSON.stringify(dup)}`);
    const top = object(doc, 'policy');
    knownKeys(top, ['default', 'transports']);
    if (!('default' in top)) fail('Default policy is missing');
    const def = requirements(top.default);
    const transports = new Map<string, Map<string, Requirement[]>>();
    if ('transports' in top && top.transports !== null) {
      for (const [name, scopes] of Object.entries(object(top.transports, 'transports'))) {
        if (!TRANSPORTS.includes(name)) fail(`Unknown transport "${name}"`);
        const byScope = new Map<string, Requirement[]>();
        for (const [scope, reqs] of Object.entries(object(scopes, `transport ${name}`))) {
          if (scope !== '') validateScope(name, scope);
          byScope.set(scope, requirements(reqs));
        }
        transports.set(name, byScope);
      }
    }
    return { path, default: def, transports };
  } catch (e) {
    if (e instanceof Invalid) throw new SkiffError('config', `invalid policy in "${path}": ${e.message}`);
    throw e;
  }
}

/** JSON.parse's complaint in Go's words, with the line and column (DESIGN: file, line, reason). */
function jsonError(e: Error, text: string): string {
  const pos = /position (\d+)/.exec(e.message);
  const at = pos ? Number(pos[1]) : text.length;
  if (/Unexpected end of JSON input/i.test(e.message) || at >= text.trimEnd().length) return 'unexpected end of JSON input';
  const before = text.slice(0, at).split('\n');
  return `invalid character '${text[at]}' at line ${before.length}, column ${(before.at(-1) ?? '').length + 1}`;
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function knownKeys(o: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`Unknown key "${k}"`);
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`"${key}" is not a string`);
  return v;
}

function requirements(v: unknown): Requirement[] {
  if (!Array.isArray(v)) fail('Policy requirements is not a JSON array');
  if (v.length === 0) fail('List of verification policy requirements must not be empty');
  return v.map(requirement);
}

function requirement(v: unknown): Requirement {
  const o = object(v, 'policy requirement');
  if (!('type' in o)) fail('Policy requirement type is missing');
  const type = o.type;
  switch (type) {
    case 'insecureAcceptAnything':
    case 'reject':
      knownKeys(o, ['type']);
      return { type };
    case 'signedBy': {
      knownKeys(o, ['type', 'keyType', 'keyPath', 'keyPaths', 'keyData', 'signedIdentity']);
      if (!('keyType' in o)) fail('keyType field missing in signedBy');
      const keyType = str(o, 'keyType');
      if (keyType !== 'GPGKeys') fail(`Unknown key type "${keyType}"`);
      const sources = ['keyPath', 'keyPaths', 'keyData'].filter((k) => k in o);
      if (sources.length !== 1) fail('exactly one of keyPath, keyPaths and keyData must be specified');
      const keyPaths = 'keyPaths' in o ? stringList(o.keyPaths, 'keyPaths') : undefined;
      return {
        type,
        keyType,
        keyPath: 'keyPath' in o ? str(o, 'keyPath') : undefined,
        keyPaths,
        keyData: 'keyData' in o ? base64(str(o, 'keyData'), 'keyData') : undefined,
        signedIdentity: 'signedIdentity' in o ? identity(o.signedIdentity) : { type: 'matchRepoDigestOrExact' },
      };
    }
    case 'sigstoreSigned': {
      knownKeys(o, ['type', 'keyPath', 'keyData', 'fulcio', 'rekorPublicKeyPath', 'rekorPublicKeyData', 'signedIdentity']);
      const sources = ['keyPath', 'keyData', 'fulcio'].filter((k) => k in o);
      if (sources.length !== 1) fail('exactly one of keyPath, keyData and fulcio must be specified');
      if (!('signedIdentity' in o)) fail('signedIdentity field missing in sigstoreSigned');
      return {
        type,
        keyPath: 'keyPath' in o ? str(o, 'keyPath') : undefined,
        keyData: 'keyData' in o ? base64(str(o, 'keyData'), 'keyData') : undefined,
        fulcio: 'fulcio' in o ? fulcio(o.fulcio, o) : undefined,
        rekorPublicKeyPath: 'rekorPublicKeyPath' in o ? str(o, 'rekorPublicKeyPath') : undefined,
        rekorPublicKeyData: 'rekorPublicKeyData' in o ? base64(str(o, 'rekorPublicKeyData'), 'rekorPublicKeyData') : undefined,
        signedIdentity: identity(o.signedIdentity),
      };
    }
    case 'signedBaseLayer':
      knownKeys(o, ['type', 'baseLayerIdentity']);
      return { type, baseLayerIdentity: object(o.baseLayerIdentity, 'baseLayerIdentity') };
    default:
      fail(`Unknown policy requirement type "${String(type)}"`);
  }
}

function fulcio(v: unknown, req: Record<string, unknown>): FulcioRule {
  const o = object(v, 'fulcio');
  knownKeys(o, ['caPath', 'caData', 'oidcIssuer', 'subjectEmail']);
  if (['caPath', 'caData'].filter((k) => k in o).length !== 1) fail('exactly one of caPath and caData must be specified');
  if (!('oidcIssuer' in o)) fail('oidcIssuer not specified');
  if (!('subjectEmail' in o)) fail('subjectEmail not specified');
  // A certificate says who signed, not when: only the log's timestamp proves it was valid then.
  if (!('rekorPublicKeyPath' in req) && !('rekorPublicKeyData' in req)) fail('With Fulcio, a rekor public key must be specified');
  return {
    caPath: 'caPath' in o ? str(o, 'caPath') : undefined,
    caData: 'caData' in o ? base64(str(o, 'caData'), 'caData') : undefined,
    oidcIssuer: str(o, 'oidcIssuer'),
    subjectEmail: str(o, 'subjectEmail'),
  };
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(`"${what}" is not an array of strings`);
  if (v.length === 0) fail(`"${what}" is empty`);
  return v as string[];
}

/** keyData is base64 in the file; kept decoded (as text: an armored or binary keyring in latin1). */
function base64(v: string, what: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) fail(`"${what}" is not valid base64`);
  return Buffer.from(v, 'base64').toString('latin1');
}

function identity(v: unknown): SignedIdentity {
  const o = object(v, 'signedIdentity');
  if (!('type' in o)) fail('Policy reference match type is missing');
  switch (o.type) {
    case 'matchExact':
    case 'matchRepoDigestOrExact':
    case 'matchRepository':
      knownKeys(o, ['type']);
      return { type: o.type };
    case 'exactReference':
      knownKeys(o, ['type', 'dockerReference']);
      return { type: o.type, dockerReference: str(o, 'dockerReference') };
    case 'exactRepository':
      knownKeys(o, ['type', 'dockerRepository']);
      return { type: o.type, dockerRepository: str(o, 'dockerRepository') };
    case 'remapIdentity':
      knownKeys(o, ['type', 'prefix', 'signedPrefix']);
      return { type: o.type, prefix: str(o, 'prefix'), signedPrefix: str(o, 'signedPrefix') };
    default:
      fail(`Unknown policy reference match type "${String(o.type)}"`);
  }
}

/**
 * containers/image's scope rules: docker scopes are not checked (any string; one that names
 * nothing never matches), path transports take absolute paths, and docker-archive has only its
 * default scope.
 */
function validateScope(transport: string, scope: string): void {
  if (transport === 'docker-archive') fail(`Invalid scope "${scope}": docker-archive takes no scopes, only ""`);
  if (['dir', 'oci', 'oci-archive'].includes(transport) && !scope.startsWith('/')) fail(`Invalid scope "${scope}": must be an absolute path`);
}

/** The scopes of a docker reference (`host/ns/repo:tag`), most specific first. */
export function dockerScopes(full: string): string[] {
  const out = [full];
  // The repository: the reference without its tag or digest.
  let repo = full;
  const at = repo.indexOf('@');
  if (at >= 0) repo = repo.slice(0, at);
  if (repo.lastIndexOf(':') > repo.lastIndexOf('/')) repo = repo.slice(0, repo.lastIndexOf(':'));
  if (repo !== full) out.push(repo);
  let cur = repo;
  while (cur.includes('/')) {
    cur = cur.slice(0, cur.lastIndexOf('/'));
    out.push(cur);
  }
  // `*.example.com` for host `a.b.example.com`: every parent domain, longest first; no ports.
  const labels = cur.replace(/:\d+$/, '').split('.');
  for (let i = 1; i < labels.length; i++) out.push(`*.${labels.slice(i).join('.')}`);
  return out;
}

/** The scopes of a path transport: the path, then each parent directory. */
export function pathScopes(path: string): string[] {
  const out = [path];
  let cur = path;
  while (cur !== '/' && cur !== '.') {
    cur = dirname(cur);
    out.push(cur);
  }
  return out;
}

/** The requirements for an image, with the scope that chose them (for `image trust explain`). */
export function requirementsFor(policy: Policy, transport: string, scopes: readonly string[]): { scope: string; requirements: readonly Requirement[] } {
  const byScope = policy.transports.get(transport);
  if (byScope) {
    for (const s of scopes) {
      const r = byScope.get(s);
      if (r) return { scope: s, requirements: r };
    }
    const def = byScope.get('');
    if (def) return { scope: '', requirements: def };
  }
  return { scope: 'default', requirements: policy.default };
}
