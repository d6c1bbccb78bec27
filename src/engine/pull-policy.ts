/**
 * Pull policies (`pull --policy`, `run/create --pull`), as Podman's libimage applies them:
 *  - always: pull, even when the image is stored;
 *  - missing: pull only when no stored image matches the name;
 *  - never: use the stored image or fail with "image not known";
 *  - newer: pull when the registry's manifest differs from the stored image's, and keep the
 *    stored image when the registry cannot be asked.
 * Non-registry transports (oci:, docker-archive:, …) always copy, whatever the policy.
 */
import type { ImageRecord } from '../image/store.ts';
import { SkiffError, isSkiffError } from '../util/errors.ts';
import type { Engine } from './engine.ts';
import { notKnown } from './images.ts';
import { type PullOptions, pullImage } from './pull.ts';

export type PullPolicy = 'always' | 'missing' | 'never' | 'newer';
const POLICIES: readonly string[] = ['always', 'missing', 'never', 'newer'];

export function parsePullPolicy(value: string): PullPolicy {
  const v = value.toLowerCase();
  if (v === 'true') return 'always';
  if (v === 'false') return 'missing';
  if (v === 'ifmissing') return 'missing';
  if (v === 'ifnewer') return 'newer';
  if (!POLICIES.includes(v)) throw new SkiffError('invalid-argument', `unsupported pull policy ${JSON.stringify(value)}`);
  return v as PullPolicy;
}

/** Transports other than the registry's: `transport:reference`. */
const OTHER_TRANSPORTS = ['oci:', 'oci-archive:', 'docker-archive:', 'dir:'];

export function isOtherTransport(input: string): boolean {
  return OTHER_TRANSPORTS.some((t) => input.startsWith(t));
}

/** Pulls per the policy; returns the image IDs. */
export async function pullImages(engine: Engine, input: string, policyValue: string, opts: PullOptions): Promise<string[]> {
  const policy = parsePullPolicy(policyValue);
  if (isOtherTransport(input)) {
    const { copyFromTransport } = await import('./transports.ts');
    return [(await copyFromTransport(engine, input, opts)).id];
  }
  const local = () => (input.startsWith('docker://') ? engine.images.find(input.slice('docker://'.length)) : engine.images.find(input));
  if (!opts.allTags) {
    if (policy === 'never') {
      const img = local();
      if (!img) throw notKnown(input);
      return [img.id];
    }
    if (policy === 'missing') {
      const img = local();
      if (img) return [img.id];
    }
    if (policy === 'newer') {
      const img = local();
      if (img) {
        const fresh = await pullIfNewer(engine, input, img, opts);
        return [fresh.id];
      }
    }
  }
  return (await pullImage(engine, input, opts)).map((r) => r.id);
}

/** The image to use for `run`/`create`: stored or pulled per `--pull`. */
export async function imageForContainer(engine: Engine, input: string, policy: string, opts: PullOptions): Promise<ImageRecord> {
  const [id] = await pullImages(engine, input, policy, opts);
  const img = engine.store.images.get(id);
  if (!img) throw notKnown(input);
  return img;
}

async function pullIfNewer(engine: Engine, input: string, stored: ImageRecord, opts: PullOptions): Promise<ImageRecord> {
  try {
    const pulled = await pullImage(engine, input, { ...opts, retry: 0, onlyIfDigestNot: stored.digests });
    return pulled[0] ?? stored;
  } catch (e) {
    if (isSkiffError(e, 'registry-unreachable')) {
      opts.warn?.(`checking whether ${input} is newer: ${e.message}; using the stored image`);
      return stored;
    }
    throw e;
  }
}
