/**
 * containers-registries.d(5): where an image's simple signatures live (a "lookaside" store,
 * `file://` or `http(s)://`) and where new ones are written (`lookaside-staging`), per
 * registry scope, from the YAML files of /etc/containers/registries.d (and the user's
 * ~/.config/containers/registries.d, which replaces it when it exists).
 *
 * A scope is `host[:port][/ns…][/repo]`; the most specific one that is a prefix of the
 * repository at path-component boundaries applies, else `default-docker`. `sigstore` and
 * `sigstore-staging` are the old names of the lookaside keys and mean the same.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SkiffError, errnoCode } from '../../util/errors.ts';
import { callerUid } from '../../rootless/userns.ts';

export interface LookasideConfig {
  readonly lookaside?: string;
  readonly lookasideStaging?: string;
  readonly useSigstoreAttachments?: boolean;
}

export interface RegistriesD {
  readonly defaultDocker: LookasideConfig | undefined;
  readonly docker: ReadonlyMap<string, LookasideConfig>;
}

export function registriesDDir(explicit: string | undefined, opts: { env?: NodeJS.ProcessEnv } = {}): string {
  if (explicit) return explicit;
  const env = opts.env ?? process.env;
  const user = join(env.HOME || homedir(), '.config', 'containers', 'registries.d');
  try {
    readdirSync(user);
    return user;
  } catch {
    return '/etc/containers/registries.d';
  }
}

export async function loadRegistriesD(dir: string): Promise<RegistriesD> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { defaultDocker: undefined, docker: new Map() };
    throw new SkiffError('config', `reading registries.d directory ${dir}: ${(e as Error).message}`);
  }
  const { parseYaml: parse } = await import('../../util/yaml.ts');
  let defaultDocker: LookasideConfig | undefined;
  let defaultFrom = '';
  const docker = new Map<string, LookasideConfig>();
  const scopeFrom = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, name);
    let doc: unknown;
    try {
      doc = parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new SkiffError('config', `parsing ${path}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (doc === null || doc === undefined) continue;
    const o = asObject(doc, path, 'the file');
    for (const key of Object.keys(o)) {
      if (key !== 'default-docker' && key !== 'docker') throw new SkiffError('config', `parsing ${path}: unknown key ${JSON.stringify(key)}`);
    }
    if (o['default-docker'] !== undefined && o['default-docker'] !== null) {
      if (defaultDocker) throw new SkiffError('config', `Error parsing signature storage configuration: "default-docker" defined both in "${defaultFrom}" and "${path}"`);
      defaultDocker = lookaside(o['default-docker'], path);
      defaultFrom = path;
    }
    if (o.docker !== undefined && o.docker !== null) {
      for (const [scope, v] of Object.entries(asObject(o.docker, path, '"docker"'))) {
        const prior = scopeFrom.get(scope);
        if (prior) throw new SkiffError('config', `Error parsing signature storage configuration: "docker" namespace "${scope}" defined both in "${prior}" and "${path}"`);
        docker.set(scope, lookaside(v, path));
        scopeFrom.set(scope, path);
      }
    }
  }
  return { defaultDocker, docker };
}

function asObject(v: unknown, path: string, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SkiffError('config', `parsing ${path}: ${what} is not a mapping`);
  return v as Record<string, unknown>;
}

function lookaside(v: unknown, path: string): LookasideConfig {
  if (v === null) return {};
  const o = asObject(v, path, 'a namespace entry');
  const known = ['lookaside', 'lookaside-staging', 'sigstore', 'sigstore-staging', 'use-sigstore-attachments'];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new SkiffError('config', `parsing ${path}: unknown key ${JSON.stringify(k)}`);
  const url = (k: string): string | undefined => {
    const x = o[k];
    if (x === undefined || x === null) return undefined;
    if (typeof x !== 'string') throw new SkiffError('config', `parsing ${path}: ${k} is not a string`);
    try {
      const u = new URL(x);
      if (!['file:', 'http:', 'https:'].includes(u.protocol)) throw new Error(`unsupported scheme ${u.protocol}`);
    } catch (e) {
      throw new SkiffError('config', `parsing ${path}: invalid signature storage URL ${JSON.stringify(x)}: ${(e as Error).message}`);
    }
    return x.replace(/\/+$/, '');
  };
  const attachments = o['use-sigstore-attachments'];
  if (attachments !== undefined && typeof attachments !== 'boolean') throw new SkiffError('config', `parsing ${path}: use-sigstore-attachments is not a boolean`);
  return {
    lookaside: url('lookaside') ?? url('sigstore'),
    lookasideStaging: url('lookaside-staging') ?? url('sigstore-staging'),
    useSigstoreAttachments: attachments as boolean | undefined,
  };
}

/**
 * The configuration for a repository (`host/ns/repo`), field by field as containers/image
 * reads it: from the longest scope that contains the repository and sets the field, then from
 * `default-docker`, then (for the lookaside) containers/image's own default store:
 * /var/lib/containers/sigstore for root, ~/.local/share/containers/sigstore otherwise.
 */
export function lookasideFor(config: RegistriesD, repository: string, opts: { uid?: number; home?: string; builtinDefault?: boolean } = {}): LookasideConfig {
  const matching = [...config.docker]
    .filter(([scope]) => repository === scope || repository.startsWith(`${scope}/`))
    .sort(([a], [b]) => b.length - a.length)
    .map(([, c]) => c);
  const layers = [...matching, ...(config.defaultDocker ? [config.defaultDocker] : [])];
  const first = <K extends keyof LookasideConfig>(k: K): LookasideConfig[K] => layers.find((c) => c[k] !== undefined)?.[k];
  const uid = opts.uid ?? callerUid();
  const builtin = uid === 0 ? 'file:///var/lib/containers/sigstore' : `file://${join(opts.home ?? (process.env.HOME || homedir()), '.local', 'share', 'containers', 'sigstore')}`;
  const lookaside = first('lookaside') ?? (opts.builtinDefault === false ? undefined : builtin);
  return { lookaside, lookasideStaging: first('lookasideStaging') ?? lookaside, useSigstoreAttachments: first('useSigstoreAttachments') };
}

/** `BASE/ns/repo@sha256=HEX/signature-N` (N from 1), as containers/image names signatures. */
export function signatureUrl(base: string, repoPath: string, manifestDigest: string, n: number): URL {
  const [algo, hex] = manifestDigest.split(':');
  // Through the URL's path: a base with a query or fragment keeps it, not the repository.
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${repoPath}@${algo}=${hex}/signature-${n}`;
  return url;
}
