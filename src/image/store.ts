/**
 * The image store: image records and names in the state DB, configs and manifests in the
 * blob store, files in the layer store. Names are canonical (`docker.io/library/busybox:latest`,
 * `localhost/x:1`); turning user input into them is the resolver's job, not the store's.
 *
 * Mutations are called with the store lock held (see Store in engine/store.ts).
 */
import type { StateDb } from '../state/db.ts';
import type { LayerStore } from '../storage/layers.ts';
import { SkiffError } from '../util/errors.ts';
import type { BlobStore } from './blobs.ts';
import { type ImageConfig, type Manifest, validateConfig, validateManifest, parseJson } from './types.ts';

export interface ImageRecord {
  /** Hex of the config digest. */
  readonly id: string;
  readonly topLayer: string | null;
  readonly manifestDigest: string;
  readonly manifestMediaType: string;
  /** Podman's Digest: the manifest list's when pulled through one, else the manifest's. */
  readonly digest: string;
  /** From the config's "created", ms since the epoch. */
  readonly created: number;
  readonly stored: number;
  readonly size: number;
  /** Canonical names, oldest first. */
  readonly names: readonly string[];
  /** Every manifest digest the image is known by. */
  readonly digests: readonly string[];
  /** Names it has had, newest first. */
  readonly namesHistory: readonly string[];
}

interface ImageRow {
  id: string;
  top_layer: string | null;
  manifest_digest: string;
  manifest_media_type: string;
  list_digest: string | null;
  created: number;
  stored: number;
  size: number;
}

export interface NewImage {
  readonly config: Buffer;
  readonly manifest: Buffer;
  readonly manifestMediaType: string;
  readonly topLayer: string | null;
  readonly names: readonly string[];
  /** Extra manifest digests the image is known by (e.g. the digest it had in a registry). */
  readonly extraDigests?: readonly string[];
  /** The manifest list it was pulled through, which becomes its Digest. */
  readonly listDigest?: string;
}

export class ImageStore {
  readonly #db: StateDb;
  readonly #blobs: BlobStore;
  readonly #layers: LayerStore;

  constructor(db: StateDb, blobs: BlobStore, layers: LayerStore) {
    this.#db = db;
    this.#blobs = blobs;
    this.#layers = layers;
  }

  list(): ImageRecord[] {
    const rows = this.#db.all<ImageRow>('SELECT * FROM images ORDER BY created, stored');
    const names = groupBy(this.#db.all<{ image_id: string; name: string }>('SELECT image_id, name FROM image_names ORDER BY added, rowid'));
    const digests = groupBy(this.#db.all<{ image_id: string; name: string }>('SELECT image_id, digest AS name FROM image_digests ORDER BY rowid'));
    const history = groupBy(
      this.#db.all<{ image_id: string; name: string }>('SELECT image_id, name FROM image_name_history ORDER BY added DESC, rowid DESC'),
    );
    return rows.map((r) => toRecord(r, names.get(r.id) ?? [], digests.get(r.id) ?? [], history.get(r.id) ?? []));
  }

  get(id: string): ImageRecord | undefined {
    const r = this.#db.get<ImageRow>('SELECT * FROM images WHERE id = ?', id);
    if (!r) return undefined;
    const names = this.#db.all<{ name: string }>('SELECT name FROM image_names WHERE image_id = ? ORDER BY added, rowid', id).map((x) => x.name);
    const digests = this.#db.all<{ digest: string }>('SELECT digest FROM image_digests WHERE image_id = ? ORDER BY rowid', id).map((x) => x.digest);
    const history = this.#db
      .all<{ name: string }>('SELECT name FROM image_name_history WHERE image_id = ? ORDER BY added DESC, rowid DESC', id)
      .map((x) => x.name);
    return toRecord(r, names, digests, history);
  }

  byName(name: string): ImageRecord | undefined {
    const r = this.#db.get<{ image_id: string }>('SELECT image_id FROM image_names WHERE name = ?', name);
    return r ? this.get(r.image_id) : undefined;
  }

  byDigest(digest: string): ImageRecord[] {
    return this.#db
      .all<{ image_id: string }>('SELECT image_id FROM image_digests WHERE digest = ?', digest)
      .map((r) => this.get(r.image_id))
      .filter((x): x is ImageRecord => x !== undefined);
  }

  /** IDs starting with a hex prefix. */
  idsWithPrefix(prefix: string): string[] {
    return this.#db.all<{ id: string }>("SELECT id FROM images WHERE id >= ? AND id < ? || 'g'", prefix, prefix).map((r) => r.id);
  }

  /** All names ending with the given suffix (for short-name lookups such as `/busybox:latest`). */
  namesEndingWith(suffix: string): { name: string; imageId: string }[] {
    return this.#db
      .all<{ name: string; image_id: string }>('SELECT name, image_id FROM image_names ORDER BY added, rowid')
      .filter((r) => r.name.endsWith(suffix))
      .map((r) => ({ name: r.name, imageId: r.image_id }));
  }

  config(image: ImageRecord): ImageConfig {
    return validateConfig(parseJson(this.#blobs.get(`sha256:${image.id}`), 'image config'));
  }

  configBytes(image: ImageRecord): Buffer {
    return this.#blobs.get(`sha256:${image.id}`);
  }

  manifestBytes(image: ImageRecord): Buffer {
    return this.#blobs.get(image.manifestDigest);
  }

  manifest(image: ImageRecord): Manifest {
    return validateManifest(parseJson(this.manifestBytes(image), 'manifest'));
  }

  /**
   * Records an image whose layers are already in the layer store. If the image exists, it
   * gains the names and digests, and the new manifest becomes its own; names move from any
   * image that had them (like `tag`).
   */
  add(img: NewImage): ImageRecord {
    const configDigest = this.#blobs.put(img.config);
    const manifestDigest = this.#blobs.put(img.manifest);
    const id = configDigest.slice('sha256:'.length);
    const config = validateConfig(parseJson(img.config, 'image config'));
    const created = config.created ? Date.parse(config.created) : 0;
    const layerBytes = this.#layers.chain(img.topLayer).reduce((n, l) => n + l.diffSize, 0);
    // Podman's image size: the layers' tar sizes plus the stored config and manifest
    // (kept twice by containers/storage: under "manifest" and "manifest-<digest>").
    const size = layerBytes + img.config.length + 2 * img.manifest.length;
    const now = Date.now();
    this.#db.write(() => {
      if (!this.#db.get('SELECT id FROM images WHERE id = ?', id)) {
        this.#db.run(
          'INSERT INTO images (id, top_layer, manifest_digest, manifest_media_type, list_digest, created, stored, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          id,
          img.topLayer,
          manifestDigest,
          img.manifestMediaType,
          img.listDigest ?? null,
          Number.isFinite(created) ? created : 0,
          now,
          size,
        );
      } else {
        // As containers/storage: the manifest written last is the image's manifest (its Digest).
        this.#db.run('UPDATE images SET manifest_digest = ?, manifest_media_type = ?, list_digest = ? WHERE id = ?', manifestDigest, img.manifestMediaType, img.listDigest ?? null, id);
      }
      // Podman lists the manifest list's digest first when the image came through one.
      for (const d of [...(img.listDigest ? [img.listDigest] : []), manifestDigest, ...(img.extraDigests ?? [])]) {
        this.#db.run('INSERT OR IGNORE INTO image_digests (image_id, digest) VALUES (?, ?)', id, d);
      }
      for (const name of img.names) this.#addName(id, name, now);
    });
    const rec = this.get(id);
    if (!rec) throw new SkiffError('internal', `image ${id} vanished after it was stored`);
    return rec;
  }

  #addName(id: string, name: string, now: number): void {
    this.#db.run('DELETE FROM image_names WHERE name = ? AND image_id != ?', name, id);
    this.#db.run('INSERT OR IGNORE INTO image_names (name, image_id, added) VALUES (?, ?, ?)', name, id, now);
    this.#db.run('INSERT OR REPLACE INTO image_name_history (image_id, name, added) VALUES (?, ?, ?)', id, name, now);
  }

  tag(id: string, names: readonly string[]): void {
    const now = Date.now();
    this.#db.write(() => {
      for (const n of names) this.#addName(id, n, now);
    });
  }

  /** Removes names from an image; returns the names that were removed. */
  untag(id: string, names?: readonly string[]): string[] {
    return this.#db.write(() => {
      const current = this.#db.all<{ name: string }>('SELECT name FROM image_names WHERE image_id = ?', id).map((r) => r.name);
      const gone = names ? current.filter((n) => names.includes(n)) : current;
      for (const n of gone) this.#db.run('DELETE FROM image_names WHERE name = ?', n);
      return gone;
    });
  }

  /**
   * Deletes an image record, then the layers and blobs no other image uses. DB first, files
   * after: a crash in between leaves only unowned files, which recovery removes.
   */
  remove(id: string): void {
    const image = this.get(id);
    if (!image) return;
    this.#db.write(() => {
      this.#db.run('DELETE FROM images WHERE id = ?', id);
    });
    for (const layer of this.#layers.chain(image.topLayer)) {
      const users = this.#db.get<{ n: number }>(
        'SELECT (SELECT count(*) FROM images WHERE top_layer = ?1) + (SELECT count(*) FROM layers WHERE parent = ?1) AS n',
        layer.id,
      );
      if ((users?.n ?? 0) > 0) break;
      this.#layers.remove(layer.id);
    }
    this.#blobs.remove(`sha256:${id}`);
    const stillUsed = this.#db.get('SELECT 1 FROM images WHERE manifest_digest = ?', image.manifestDigest);
    if (!stillUsed) this.#blobs.remove(image.manifestDigest);
  }

  /** Blobs the DB owns (for recovery). */
  ownedBlobs(): Set<string> {
    const out = new Set<string>();
    for (const r of this.#db.all<{ id: string; manifest_digest: string }>('SELECT id, manifest_digest FROM images')) {
      out.add(`sha256:${r.id}`);
      out.add(r.manifest_digest);
    }
    // Every manifest an image has been stored with stays: `name@digest` of an earlier one still
    // names the image, and `save` of it may want those bytes.
    for (const r of this.#db.all<{ digest: string }>('SELECT digest FROM image_digests')) out.add(r.digest);
    return out;
  }
}

function groupBy(rows: { image_id: string; name: string }[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of rows) {
    const list = m.get(r.image_id);
    if (list) list.push(r.name);
    else m.set(r.image_id, [r.name]);
  }
  return m;
}

function toRecord(r: ImageRow, names: string[], digests: string[], history: string[]): ImageRecord {
  return {
    id: r.id,
    topLayer: r.top_layer,
    manifestDigest: r.manifest_digest,
    manifestMediaType: r.manifest_media_type,
    digest: r.list_digest ?? r.manifest_digest,
    created: r.created,
    stored: r.stored,
    size: r.size,
    names,
    digests,
    namesHistory: history,
  };
}
