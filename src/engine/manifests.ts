/**
 * Manifest lists (`manifest create/add/annotate/inspect/push/rm/exists`), as Podman keeps them:
 * a named list of instance descriptors, each with a platform and annotations, and with where
 * its blobs come from when the list is pushed. Adding a registry image records its manifest
 * only; nothing is pulled. Pushing copies every instance to the destination repository
 * (stored images are pushed, registry images copied across), then writes the list itself.
 *
 * Lists live in their own table: `images` does not show them, unlike Podman, which stores a
 * list as an image without layers.
 */
import { localName } from '../image/names.ts';
import { normalizeName } from '../image/reference.ts';
import type { RegistryClient } from '../image/transport/registry/client.ts';
import { MEDIA, parseJson, validateConfig, validateIndex, validateManifest } from '../image/types.ts';
import { SkiffError } from '../util/errors.ts';
import { randomHex } from '../util/random.ts';
import { sha256 } from '../util/stream.ts';
import type { Engine } from './engine.ts';
import { choosePlatform, type CopyReporter, SILENT } from './pull.ts';
import { openClient, type RegistryAccess } from './registry-access.ts';

export interface OciPlatform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
  features?: string[];
}

export interface Instance {
  readonly mediaType: string;
  readonly size: number;
  readonly digest: string;
  platform: OciPlatform;
  annotations?: Record<string, string>;
  /** Where the blobs are: `docker://HOST/REPO` or `containers-storage:IMAGEID`. */
  readonly source: string;
}

export interface ManifestList {
  readonly id: string;
  readonly name: string;
  readonly created: number;
  readonly instances: Instance[];
}

interface ListRow {
  id: string;
  name: string;
  instances: string;
  created: number;
}

/** The flags of `manifest add` and `manifest annotate` that change a descriptor. */
export interface InstanceOverrides {
  readonly arch?: string;
  readonly os?: string;
  readonly variant?: string;
  readonly osVersion?: string;
  readonly features?: readonly string[];
  readonly osFeatures?: readonly string[];
  /** `key=value` each. */
  readonly annotations?: readonly string[];
}

export class ManifestListService {
  readonly #engine: Engine;

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  #db() {
    return this.#engine.store.db;
  }

  find(input: string): ManifestList | undefined {
    let name: string | undefined;
    try {
      name = localName(input);
    } catch {
      name = undefined;
    }
    const db = this.#db();
    const row =
      (name ? db.get<ListRow>('SELECT * FROM manifest_lists WHERE name = ?', name) : undefined) ??
      db.get<ListRow>('SELECT * FROM manifest_lists WHERE name = ?', input) ??
      (/^[0-9a-f]{3,64}$/.test(input) ? this.#byIdPrefix(input) : undefined);
    return row ? fromRow(row) : undefined;
  }

  #byIdPrefix(prefix: string): ListRow | undefined {
    const rows = this.#db().all<ListRow>("SELECT * FROM manifest_lists WHERE id >= ? AND id < ? || 'g'", prefix, prefix);
    return rows.length === 1 ? rows[0] : undefined;
  }

  require(input: string): ManifestList {
    const list = this.find(input);
    if (!list) throw new SkiffError('image-not-known', `${input}: image not known`);
    return list;
  }

  async create(input: string, images: readonly string[], opts: AddOptions): Promise<string> {
    const name = localName(input);
    const taken = this.#engine.store.images.byName(name)?.id ?? this.#db().get<{ id: string }>('SELECT id FROM manifest_lists WHERE name = ?', name)?.id;
    if (taken) {
      throw new SkiffError('already-exists', `creating image to hold manifest list: image name ${JSON.stringify(name)} is already associated with image ${JSON.stringify(taken)}: that name is already in use`);
    }
    // Instances are resolved before anything is written: a bad image leaves no list behind.
    const instances: Instance[] = [];
    for (const image of images) instances.push(...(await this.#resolve(image, opts)));
    const id = sha256().update(randomHex(32)).digest('hex');
    const db = this.#db();
    db.write(() => {
      // Checked again in the transaction: another `manifest create` may have taken the name.
      const now = db.get<{ id: string }>('SELECT id FROM manifest_lists WHERE name = ?', name)?.id;
      if (now) throw new SkiffError('already-exists', `creating image to hold manifest list: image name ${JSON.stringify(name)} is already associated with image ${JSON.stringify(now)}: that name is already in use`);
      db.run('INSERT INTO manifest_lists (id, name, instances, created) VALUES (?, ?, ?, ?)', id, name, JSON.stringify(instances), Date.now());
    });
    return id;
  }

  async add(listInput: string, image: string, opts: AddOptions & InstanceOverrides): Promise<string> {
    const id = this.require(listInput).id;
    const added = await this.#resolve(image, opts);
    for (const inst of added) applyOverrides(inst, opts);
    // Read again inside the write: another `manifest add` may have changed the list meanwhile.
    this.#update(id, (instances) => [...instances.filter((i) => !added.some((a) => a.digest === i.digest)), ...added]);
    return id;
  }

  /** Podman accepts a digest that is not in the list and changes nothing; so does this. */
  annotate(listInput: string, digest: string, opts: InstanceOverrides): string {
    const list = this.require(listInput);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new SkiffError('invalid-argument', `invalid digest ${JSON.stringify(digest)}`);
    this.#update(list.id, (instances) => {
      const inst = instances.find((i) => i.digest === digest);
      if (inst) applyOverrides(inst, opts);
      return instances;
    });
    return list.id;
  }

  /** Removes lists; each report is podman's pair of lines. */
  remove(input: string): string[] {
    const list = this.require(input);
    this.#db().write(() => this.#db().run('DELETE FROM manifest_lists WHERE id = ?', list.id));
    return [`Untagged: ${list.name}`, `Deleted: ${list.id}`];
  }

  /** Changes a list's instances in one transaction, from what the database holds now. */
  #update(id: string, change: (instances: Instance[]) => Instance[]): void {
    const db = this.#db();
    db.write(() => {
      const row = db.get<ListRow>('SELECT * FROM manifest_lists WHERE id = ?', id);
      if (!row) throw new SkiffError('image-not-known', `${id}: image not known`);
      db.run('UPDATE manifest_lists SET instances = ? WHERE id = ?', JSON.stringify(change(fromRow(row).instances)), id);
    });
  }

  /** An image to add: `containers-storage:NAME` is a stored image, anything else a registry's. */
  async #resolve(input: string, opts: AddOptions): Promise<Instance[]> {
    if (input.startsWith('containers-storage:')) {
      const img = this.#engine.images.resolve(input.slice('containers-storage:'.length));
      const bytes = this.#engine.store.images.manifestBytes(img);
      const config = this.#engine.store.images.config(img);
      return [
        {
          mediaType: img.manifestMediaType,
          size: bytes.length,
          digest: img.manifestDigest,
          platform: platformOf(config),
          source: `containers-storage:${img.id}`,
        },
      ];
    }
    const name = input.startsWith('docker://') ? input.slice('docker://'.length) : input;
    const ref = normalizeName(name);
    const client = openClient({ registry: ref.domain, repository: ref.path, access: opts, registries: this.#engine.images.registries(), rootless: this.#engine.config.rootless, actions: 'pull' });
    const where = `docker://${ref.domain}/${ref.path}`;
    try {
      const top = await client.manifest(ref.digest ?? ref.tag ?? 'latest').catch((e: unknown) => {
        throw new SkiffError((e as SkiffError).code ?? 'registry', `setting up to read manifest and configuration from ${JSON.stringify(`docker://${name}`)}: ${(e as Error).message}`);
      });
      if (ref.digest && top.digest !== ref.digest) throw new SkiffError('digest-mismatch', `docker://${name}: the registry sent a manifest with digest ${top.digest}`);
      if (top.mediaType === MEDIA.ociIndex || top.mediaType === MEDIA.dockerList) {
        const index = validateIndex(parseJson(top.bytes, 'manifest list'), 'manifest list');
        const chosen = opts.all ? index.manifests : [choosePlatform(index, undefined, name)];
        return chosen.map((d) => ({
          mediaType: d.mediaType,
          size: d.size,
          digest: d.digest,
          platform: { architecture: d.platform?.architecture ?? '', os: d.platform?.os ?? '', ...(d.platform?.variant ? { variant: d.platform.variant } : {}) },
          source: where,
        }));
      }
      return [{ mediaType: top.mediaType, size: top.bytes.length, digest: top.digest, platform: await remotePlatform(client, top.bytes), source: where }];
    } finally {
      client.close();
    }
  }

  /** The list as `manifest inspect` prints it: Docker's list format, Go's 4-space indent. */
  inspectText(list: ManifestList): string {
    const manifests = list.instances.length === 0 ? null : list.instances.map((i) => ({
      mediaType: i.mediaType,
      size: i.size,
      digest: i.digest,
      platform: i.platform,
      ...(i.annotations && Object.keys(i.annotations).length > 0 ? { annotations: i.annotations } : {}),
    }));
    return `${JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerList, manifests }, null, 4)}\n`;
  }

  /**
   * Pushes every instance to the destination repository, then the list under the
   * destination's tag. Instances pushed from the store may get a new digest (their layers are
   * compressed again); the list then names the new one. Returns the list's digest.
   */
  async push(listInput: string, destination: string, opts: ListPushOptions): Promise<string> {
    const list = this.require(listInput);
    const reporter = opts.reporter ?? SILENT;
    const destName = destination.startsWith('docker://') ? destination.slice('docker://'.length) : destination;
    const dest = normalizeName(destName);
    const dst = openClient({ registry: dest.domain, repository: dest.path, access: opts, registries: this.#engine.images.registries(), rootless: this.#engine.config.rootless, actions: 'pull,push' });
    try {
      reporter.line('Getting image list signatures');
      const pushed: Instance[] = [];
      if (opts.all !== false) {
        reporter.line(`Copying ${list.instances.length} of ${list.instances.length} images in list`);
        const { pushImage, copyRemoteImage } = await import('./push.ts');
        for (const [n, inst] of list.instances.entries()) {
          reporter.line(`Copying image ${inst.digest} (${n + 1}/${list.instances.length})`);
          if (inst.source.startsWith('containers-storage:')) {
            const done = await pushImage(this.#engine, inst.source.slice('containers-storage:'.length), `${dest.domain}/${dest.path}`, { ...opts, reporter, byDigest: true, digestFile: undefined, signBy: undefined });
            pushed.push({ ...inst, digest: done.digest, size: done.size, mediaType: done.mediaType });
          } else {
            const ref = normalizeName(inst.source.slice('docker://'.length));
            const src = openClient({ registry: ref.domain, repository: ref.path, access: opts, registries: this.#engine.images.registries(), rootless: this.#engine.config.rootless, actions: 'pull' });
            try {
              const m = await src.manifest(inst.digest);
              if (m.digest !== inst.digest) throw new SkiffError('digest-mismatch', `${inst.source}@${inst.digest}: the registry sent a manifest with digest ${m.digest}`);
              await copyRemoteImage(src, dst, m.bytes, m.mediaType, reporter);
            } finally {
              src.close();
            }
            pushed.push(inst);
          }
        }
      } else {
        pushed.push(...list.instances);
      }
      const { bytes, mediaType } = listDocument(pushed, opts.format);
      reporter.line('Writing manifest list to image destination');
      await dst.putManifest(dest.digest ?? dest.tag ?? 'latest', bytes, mediaType);
      const digest = `sha256:${sha256().update(bytes).digest('hex')}`;
      if (opts.signBy) {
        // The list and every instance, each signed as the destination's name, as Podman signs them.
        reporter.line('Signing manifest using simple signing');
        const { signAndStore } = await import('./sign.ts');
        for (const d of [digest, ...pushed.map((i) => i.digest)]) await signAndStore(dest, d, { signBy: opts.signBy, passphraseFile: opts.signPassphraseFile });
      }
      reporter.line('Storing list signatures');
      if (opts.rm) this.remove(list.id);
      return digest;
    } finally {
      dst.close();
    }
  }
}

export interface AddOptions extends RegistryAccess {
  /** A registry list: add every instance, not the host platform's only. */
  readonly all?: boolean;
}

export interface ListPushOptions extends RegistryAccess {
  readonly all?: boolean;
  readonly format?: 'oci' | 'v2s2';
  readonly rm?: boolean;
  readonly compression?: 'gzip' | 'zstd';
  /** Sign the list, and each instance pushed, with this GPG key. */
  readonly signBy?: string;
  readonly signPassphraseFile?: string;
  readonly reporter?: CopyReporter;
}

function fromRow(r: ListRow): ManifestList {
  return { id: r.id, name: r.name, created: r.created, instances: JSON.parse(r.instances) as Instance[] };
}

function platformOf(config: { architecture: string; os: string; variant?: string; 'os.version'?: unknown; 'os.features'?: unknown }): OciPlatform {
  const p: OciPlatform = { architecture: config.architecture, os: config.os };
  if (config.variant) p.variant = config.variant;
  if (typeof config['os.version'] === 'string' && config['os.version']) p['os.version'] = config['os.version'];
  return p;
}

async function remotePlatform(client: RegistryClient, manifestBytes: Buffer): Promise<OciPlatform> {
  const { fetchConfig } = await import('./pull.ts');
  const m = validateManifest(parseJson(manifestBytes, 'manifest'));
  return platformOf(validateConfig(parseJson(await fetchConfig(client, m.config), 'image config')));
}

function applyOverrides(inst: Instance, o: InstanceOverrides): void {
  if (o.arch) inst.platform.architecture = o.arch;
  if (o.os) inst.platform.os = o.os;
  if (o.variant) inst.platform.variant = o.variant;
  if (o.osVersion) inst.platform['os.version'] = o.osVersion;
  if (o.features && o.features.length > 0) inst.platform.features = [...o.features];
  if (o.osFeatures && o.osFeatures.length > 0) inst.platform['os.features'] = [...o.osFeatures];
  for (const a of o.annotations ?? []) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new SkiffError('invalid-argument', `no value given for annotation ${JSON.stringify(a)}`);
    inst.annotations = { ...inst.annotations, [a.slice(0, eq)]: a.slice(eq + 1) };
  }
}

/**
 * The list as pushed: an OCI index unless every instance is a Docker manifest (or --format
 * says otherwise), compact JSON with the field order of containers/image's types.
 */
export function listDocument(instances: readonly Instance[], format: 'oci' | 'v2s2' | undefined): { bytes: Buffer; mediaType: string } {
  const oci = format ? format === 'oci' : !(instances.length > 0 && instances.every((i) => i.mediaType === MEDIA.dockerManifest));
  if (oci) {
    const manifests = instances.map((i) => ({
      mediaType: i.mediaType,
      digest: i.digest,
      size: i.size,
      ...(i.annotations && Object.keys(i.annotations).length > 0 ? { annotations: i.annotations } : {}),
      platform: i.platform,
    }));
    return { bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests })), mediaType: MEDIA.ociIndex };
  }
  const manifests = instances.map((i) => ({ mediaType: i.mediaType, size: i.size, digest: i.digest, platform: i.platform }));
  return { bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerList, manifests })), mediaType: MEDIA.dockerList };
}

