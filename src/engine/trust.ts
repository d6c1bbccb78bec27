/**
 * The trust policy as pull applies it: policy.json (or --signature-policy) read once per
 * command, fail closed when it is broken, and simple signatures fetched from the lookaside
 * store registries.d names for the repository (`file://` read directly, `http(s)://` fetched,
 * signature-1, signature-2, … until the first that does not exist).
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import { formatReference, type ImageReference } from '../image/reference.ts';
import { checkImage, type Decision } from '../image/trust/evaluate.ts';
import { loadPolicy, type Policy, policyPath } from '../image/trust/policy.ts';
import { loadRegistriesD, lookasideFor, registriesDDir, signatureUrl } from '../image/trust/registries-d.ts';
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
  static load(config: Config, explicit: string | undefined): Trust {
    return new Trust(loadPolicy(policyPath(explicit, { rootless: config.rootless })));
  }

  /** Checks an image pulled by name from a registry, given its top-level manifest. */
  async checkDocker(ref: ImageReference, manifest: Buffer, manifestDigest: string): Promise<Decision> {
    const reference = formatReference(ref);
    return checkImage(this.policy, {
      transport: 'docker',
      reference,
      display: `docker://${reference}`,
      manifest,
      signatures: () => lookasideSignatures(`${ref.domain}/${ref.path}`, ref.path, manifestDigest),
    });
  }

  /**
   * Checks an image from a local transport (`oci:`, `docker-archive:`, …) by its path. Named as
   * containers/image names it: an OCI reference always carries its `:REF`, even empty.
   */
  async checkPath(transport: string, path: string, ref: string, manifest: Buffer): Promise<Decision> {
    const within = transport === 'oci' || transport === 'oci-archive' || ref ? `${path}:${ref}` : path;
    return checkImage(this.policy, { transport, reference: path, display: `${transport}:${within}`, manifest, signatures: async () => [] });
  }
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
