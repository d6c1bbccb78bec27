/**
 * `pull` and `push` with the local transports, named as containers/image names them:
 * `oci:DIR[:REF]`, `oci-archive:FILE[:REF]`, `docker-archive:FILE[:REF]`, `dir:DIR`.
 * Reading reuses the archive readers of `load`; writing reuses the writers of `save`.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { localName } from '../image/names.ts';
import type { ImageRecord } from '../image/store.ts';
import { openArchiveSource } from '../image/transport/archive.ts';
import type { ArchiveFormat, SourceImage } from '../image/transport/types.ts';
import { SkiffError } from '../util/errors.ts';
import type { Engine } from './engine.ts';
import type { CopyReporter } from './pull.ts';
import { saveImages, storeSourceImage } from './transfer.ts';
import { Trust } from './trust.ts';

export interface TransportRef {
  readonly transport: 'oci' | 'oci-archive' | 'docker-archive' | 'dir';
  readonly path: string;
  /** The image within (an OCI ref name, a docker-archive RepoTag); '' for the only one. */
  readonly ref: string;
}

export function parseTransportRef(input: string): TransportRef {
  const colon = input.indexOf(':');
  const transport = input.slice(0, colon) as TransportRef['transport'];
  const rest = input.slice(colon + 1);
  if (rest === '') throw new SkiffError('invalid-reference', `Invalid image name "${input}": ${transport}: invalid reference: empty path`);
  if (transport === 'dir') return { transport, path: rest, ref: '' };
  // PATH[:REF]: a path may not contain ':' here, as in containers/image.
  const at = rest.indexOf(':');
  return at < 0 ? { transport, path: rest, ref: '' } : { transport, path: rest.slice(0, at), ref: rest.slice(at + 1) };
}

/** The stored name containers/image gives an image copied from a local transport. */
function namesFor(t: TransportRef, src: SourceImage): string[] {
  if (t.transport === 'oci' && t.ref === '' && src.names.length === 0) {
    // libimage names an unnamed layout after its directory.
    return [localName(t.path.replace(/^\/+/, '').replace(/\/+$/, ''))];
  }
  return src.names.flatMap((n) => {
    try {
      return [localName(n)];
    } catch {
      return [];
    }
  });
}

function pick(t: TransportRef, images: SourceImage[], input: string): SourceImage {
  if (images.length === 0) throw new SkiffError('bad-archive', `${input}: no image in it`);
  if (t.ref === '') {
    if (images.length > 1) throw new SkiffError('invalid-argument', `${input}: more than one image in it; name the one to use as ${t.transport}:${t.path}:REF`);
    return images[0];
  }
  const match = images.find((i) => i.refName === t.ref || i.names.some((n) => n === t.ref || safeLocal(n) === safeLocal(t.ref)));
  if (!match) throw new SkiffError('manifest-unknown', `${input}: no image named ${JSON.stringify(t.ref)} in it`);
  return match;
}

function safeLocal(n: string): string | undefined {
  try {
    return localName(n);
  } catch {
    return undefined;
  }
}

export async function copyFromTransport(engine: Engine, input: string, opts: { reporter?: CopyReporter; signaturePolicy?: string }): Promise<ImageRecord> {
  const t = parseTransportRef(input);
  const trust = Trust.load(opts.signaturePolicy);
  const store = engine.store;
  const scratch = store.scratchDir();
  try {
    const reader = await openArchiveSource(t.path, scratch);
    try {
      const src = pick(t, await reader.images(), input);
      await trust.checkPath(t.transport, resolve(t.path), t.ref, src.manifestBytes);
      opts.reporter?.line('Getting image source signatures');
      for (const l of src.manifest.layers) opts.reporter?.blob('blob', l.digest, l.size).done();
      opts.reporter?.blob('config', src.manifest.config.digest, src.manifest.config.size).done();
      const rec = await store.write(() => storeSourceImage(engine.images, src, namesFor(t, src)));
      opts.reporter?.line('Writing manifest to image destination');
      opts.reporter?.line('Storing signatures');
      return rec;
    } finally {
      await reader.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `push IMAGE oci:DIR[:REF]` and friends: `save` to the transport's format. */
export async function copyToTransport(engine: Engine, image: string, destination: string, opts: { compress?: boolean } = {}): Promise<void> {
  const t = parseTransportRef(destination);
  const format: ArchiveFormat = t.transport === 'oci' ? 'oci-dir' : t.transport === 'dir' ? 'docker-dir' : t.transport;
  // The reference is recorded as given: an OCI layout's ref name is often a bare tag.
  if (opts.compress && format !== 'docker-dir' && format !== 'oci-dir') throw new SkiffError('invalid-argument', '--compress can only be used with the dir and oci transports');
  await saveImages(engine.images, [image], { output: t.path, format, multiImage: false, names: t.ref ? [t.ref] : undefined, compress: opts.compress });
}
