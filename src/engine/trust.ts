/**
 * The trust policy as pull applies it: policy.json (or --signature-policy) read once per
 * command, fail closed when it is broken, and simple signatures fetched from the lookaside
 * store registries.d names for the repository (`file://` read directly, `http(s)://` fetched,
 * signature-1, signature-2, … until the first that does not exist).
 */
import { readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { formatReference, type ImageReference } from '../image/reference.ts';
import { checkImage, type Decision, type ImageUnderPolicy } from '../image/trust/evaluate.ts';
import type { ImageRecord } from '../image/store.ts';
import type { Engine } from './engine.ts';
import { loadPolicy, parsePolicy, type Policy, policyPath } from '../image/trust/policy.ts';
import { loadRegistriesD, lookasideFor, registriesDDir, signatureUrl } from '../image/trust/registries-d.ts';
import { checkSignatureFormat } from '../image/trust/simple.ts';
import type { RegistryClient } from '../image/transport/registry/client.ts';
import { SkiffError, errnoCode } from '../util/errors.ts';

/** More signatures than this for one manifest is a lookaside gone wrong. */
const MAX_SIGNATURES = 128;
const MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;

export class Trust {
  readonly policy: Policy;

  private constructor(policy: Policy) {
    this.policy = policy;
  }

  /** Reads the policy; a missing or broken file is an error here, before anything is pulled. */
  static load(explicit: string | undefined): Trust {
    return new Trust(loadPolicy(policyPath(explicit)));
  }

  /**
   * Checks an image pulled by name from a registry, given its top-level manifest and a client
   * of the repository it came from (for sigstore attachments).
   */
  async checkDocker(ref: ImageReference, manifest: Buffer, manifestDigest: string, client?: RegistryClient): Promise<Decision> {
    return checkImage(this.policy, dockerImage(ref, manifest, manifestDigest, client));
  }

  /** Checks a stored image about to leave the store (push, save), as Podman checks what leaves its store. */
  async checkStored(engine: Engine, name: string, image: ImageRecord): Promise<Decision> {
    const c = engine.config;
    const store = `[${engine.store.layers.driver}@${c.graphRoot}+${c.runRoot}]`;
    return this.checkStorage(store, image.names.find((n) => n === name) ?? image.names[0] ?? image.id, engine.store.images.manifestBytes(image));
  }

  /**
   * Checks a stored image about to be copied out (push, save): containers-storage has no
   * scopes here, so its transport default or the global default decides, as for Podman.
   */
  async checkStorage(store: string, name: string, manifest: Buffer): Promise<Decision> {
    return checkImage(this.policy, { transport: 'containers-storage', reference: '', display: `containers-storage:${store}${name}`, manifest, signatures: async () => [] });
  }

  /**
   * Checks an image from a local transport (`oci:`, `docker-archive:`, …) by its path. Named as
   * containers/image names it: an OCI reference always carries its `:REF`, even empty.
   */
  async checkPath(transport: string, path: string, ref: string, manifest: Buffer): Promise<Decision> {
    const within = transport === 'oci' || transport === 'oci-archive' || ref ? `${path}:${ref}` : path;
    // Scopes are the real path: a symlink must not lead around a directory's rule.
    let real = path;
    try {
      real = realpathSync(path);
    } catch {
      // a path that cannot be resolved keeps its name; reading it fails later anyway
    }
    return checkImage(this.policy, { transport, reference: real, display: `${transport}:${within}`, manifest, signatures: async () => [] });
  }
}

/**
 * An image named in a registry, as the policy sees it: its simple signatures from the
 * lookaside, its sigstore signatures from the registry where registries.d enables them.
 */
export function dockerImage(ref: ImageReference, manifest: Buffer, manifestDigest: string, client?: RegistryClient): ImageUnderPolicy {
  const reference = formatReference(ref);
  return {
    transport: 'docker',
    reference,
    display: `docker://${reference}`,
    manifest,
    signatures: () => lookasideSignatures(`${ref.domain}/${ref.path}`, ref.path, manifestDigest),
    sigstoreSignatures: async () => {
      const config = lookasideFor(await loadRegistriesD(registriesDDir(undefined)), `${ref.domain}/${ref.path}`);
      if (!config.useSigstoreAttachments || !client) return [];
      const { readAttachments } = await import('./sigstore-attachments.ts');
      return readAttachments(client, manifestDigest);
    },
  };
}

/** The signatures registries.d's lookaside holds for a repository's manifest, in order. */
export async function lookasideSignatures(repository: string, repoPath: string, manifestDigest: string): Promise<Buffer[]> {
  const config = lookasideFor(await loadRegistriesD(registriesDDir(undefined)), repository);
  if (!config.lookaside) return [];
  const out: Buffer[] = [];
  for (let n = 1; n <= MAX_SIGNATURES; n++) {
    const url = signatureUrl(config.lookaside, repoPath, manifestDigest, n);
    const blob = await fetchSignature(url);
    if (!blob) break;
    checkSignatureFormat(blob, url.protocol === 'file:' ? url.pathname : url.href);
    out.push(blob);
  }
  return out;
}

async function fetchSignature(url: URL): Promise<Buffer | undefined> {
  if (url.protocol === 'file:') {
    try {
      return readFileSync(url);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw new SkiffError('io', `reading signature from ${url.pathname}: ${(e as Error).message}`);
    }
  }
  const { HttpSession } = await import('../image/transport/registry/http.ts');
  const { readLimited } = await import('../image/transport/registry/client.ts');
  const http = new HttpSession({ verify: true });
  try {
    const res = await http.request(url, { followRedirects: true });
    if (res.status === 404) {
      res.body.resume();
      return undefined;
    }
    if (res.status !== 200) {
      res.body.resume();
      throw new SkiffError('registry', `reading signature from ${url.href}: status ${res.status} (${(await import('node:http')).STATUS_CODES[res.status] ?? ''})`);
    }
    return await readLimited(res.body, MAX_SIGNATURE_BYTES, () => new SkiffError('registry', `reading signature from ${url.href}: more than ${MAX_SIGNATURE_BYTES} bytes`));
  } finally {
    http.close();
  }
}

/**
 * `image trust set -t TYPE`: the requirements written for each type, as Podman writes them:
 * one per key, so that every key given must have signed (not any one of them).
 */
export function requirementsForTrustType(type: string, keys: readonly string[]): Record<string, unknown>[] {
  switch (type) {
    case 'accept':
      return [{ type: 'insecureAcceptAnything' }];
    case 'reject':
      return [{ type: 'reject' }];
    case 'signedBy':
    case 'sigstoreSigned': {
      if (keys.length === 0) throw new SkiffError('invalid-argument', `at least one public key must be defined for type '${type}'`);
      for (const k of keys) {
        try {
          readFileSync(k);
        } catch (e) {
          throw new SkiffError('invalid-argument', `reading public key ${k}: ${errnoCode(e) === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
        }
      }
      return keys.map((keyPath) => (type === 'signedBy' ? { type, keyType: 'GPGKeys', keyPath } : { type, keyPath, signedIdentity: { type: 'matchRepoDigestOrExact' } }));
    }
    default:
      throw new SkiffError('invalid-argument', `invalid choice: ${type} (choose from 'accept', 'reject', 'signedBy', 'sigstoreSigned')`);
  }
}

/**
 * Writes one scope's requirement (or the default's) into a policy file, keeping the rest of it.
 * The file is validated after the change and replaced in one rename; a file that does not
 * parse is left alone and reported.
 */
export function setTrust(path: string, scope: string, requirements: Record<string, unknown>[]): void {
  let doc: Record<string, unknown> = { default: [{ type: 'insecureAcceptAnything' }] };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw new SkiffError('config', `invalid policy in "${path}": ${(e as Error).message}`);
  }
  if (scope === 'default') {
    doc.default = requirements;
  } else {
    const transports = (doc.transports ?? {}) as Record<string, Record<string, unknown>>;
    const docker = { ...(transports.docker ?? {}), [scope]: requirements };
    doc.transports = { ...transports, docker: Object.fromEntries(Object.keys(docker).sort().map((k) => [k, docker[k]])) };
  }
  const text = JSON.stringify(doc, null, 4);
  // What is written must be a policy skiff (and Podman) can read.
  parsePolicy(text, path);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
}

export interface TrustRow {
  readonly transport: string;
  readonly name: string;
  readonly repoName: string;
  readonly type: string;
  readonly gpgId: string;
  readonly sigstore: string;
}

/** `image trust show`: the default, then each scope of each transport, with key IDs and stores. */
export async function trustRows(policy: Policy): Promise<TrustRow[]> {
  const typeOf = (reqs: readonly { type: string }[]): string => {
    const t = reqs[0]?.type;
    return t === 'insecureAcceptAnything' ? 'accept' : t === 'signedBy' ? 'signed' : (t ?? '');
  };
  const rows: TrustRow[] = [{ transport: 'all', name: '* (default)', repoName: 'default', type: typeOf(policy.default), gpgId: '', sigstore: '' }];
  const registriesD = await loadRegistriesD(registriesDDir(undefined));
  for (const [transport, scopes] of policy.transports) {
    for (const [scope, reqs] of scopes) {
      const ids: string[] = [];
      for (const r of reqs) if (r.type === 'signedBy') ids.push(...(await keyUserIds(r)));
      // What registries.d says; containers/image's built-in default store is not shown, as in Podman.
      const store = transport === 'docker' ? (lookasideFor(registriesD, scope, { builtinDefault: false }).lookaside ?? '') : '';
      rows.push({ transport: transport === 'docker' ? 'repository' : transport, name: scope, repoName: scope, type: typeOf(reqs), gpgId: ids.join(', '), sigstore: store });
    }
  }
  return rows;
}

async function keyUserIds(req: Extract<import('../image/trust/policy.ts').Requirement, { type: 'signedBy' }>): Promise<string[]> {
  const { readKeys } = await import('../image/trust/simple.ts');
  const out: string[] = [];
  for (const path of req.keyPaths ?? (req.keyPath ? [req.keyPath] : [])) {
    try {
      for (const key of await readKeys(readFileSync(path), path)) out.push(...key.getUserIDs());
    } catch {
      // A key file that cannot be read shows no ID here; pulls report it.
    }
  }
  return out;
}
