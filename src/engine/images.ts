/**
 * Image operations on the local store: lookup by Podman's rules, list, inspect, history,
 * tag/untag, remove, prune, tree. Transfers (import/load/save) live in transfer.ts.
 */
import { join } from 'node:path';
import { loadRegistriesConfig, type RegistriesConfig } from '../config/registries.ts';
import { localName, lookupCandidates } from '../image/names.ts';
import { formatReference, parseLookupName, parseTagName } from '../image/reference.ts';
import type { ImageRecord } from '../image/store.ts';
import type { HistoryEntry, ImageConfig } from '../image/types.ts';
import { SkiffError } from '../util/errors.ts';
import { parseUntil } from '../util/time.ts';
import type { Store } from './store.ts';

const HEX_PREFIX = /^[0-9a-f]{1,64}$/;

export function notKnown(input: string): SkiffError {
  return new SkiffError('image-not-known', `${input}: image not known`);
}

export interface ImageListOptions {
  readonly all?: boolean;
  readonly filters?: readonly string[];
}

export interface RemoveReport {
  readonly untagged: string[];
  readonly deleted: string[];
  readonly errors: SkiffError[];
}

export class ImageService {
  readonly store: Store;

  readonly #usersOf: (imageId: string) => string[];

  constructor(store: Store, usersOf: (imageId: string) => string[] = () => []) {
    this.store = store;
    this.#usersOf = usersOf;
  }

  /**
   * Finds an image by ID, ID prefix, name or name@digest, with Podman's short-name rules.
   * Input that is not a valid reference throws Podman's grammar error.
   */
  find(input: string): ImageRecord | undefined {
    const images = this.store.images;
    const look = parseLookupName(input);
    if (look.kind === 'full-id') return images.get(look.id);
    const exact = images.byName(look.name);
    if (exact) return exact;
    for (const c of lookupCandidates(look.name, () => this.registries())) {
      if (c.kind === 'name') {
        const img = images.byName(c.name);
        if (img) return img;
      } else if (c.kind === 'digest') {
        // Prefer an image named in the same repository; a digest alone identifies the content.
        const hits = images.byDigest(c.digest);
        const found = hits.find((img) => img.names.some((n) => repoOf(n) === c.repo)) ?? hits[0];
        if (found) return found;
      } else {
        const hits = images.namesEndingWith(c.suffix);
        if (hits.length > 0) return images.get(hits[0].imageId);
      }
    }
    if (look.idPrefix) {
      const ids = images.idsWithPrefix(look.name);
      // An ambiguous prefix matches nothing: Podman reports it as not known.
      if (ids.length === 1) return images.get(ids[0]);
    }
    return undefined;
  }

  #registries: RegistriesConfig | undefined;

  /** registries.conf and its drop-ins, loaded on the first short-name lookup. */
  registries(): RegistriesConfig {
    this.#registries ??= loadRegistriesConfig();
    return this.#registries;
  }

  resolve(input: string): ImageRecord {
    const img = this.find(input);
    if (!img) throw notKnown(input);
    return img;
  }

  list(opts: ImageListOptions = {}): ImageRecord[] {
    const all = this.store.images.list();
    const parents = this.#parentIds(all);
    const filters = parseFilters(opts.filters ?? []);
    const out = all.filter((img) => {
      // Hidden without --all: untagged images that are parents of other images (intermediate).
      if (!opts.all && img.names.length === 0 && parents.has(img.id)) return false;
      return filters.every((f) => f(img, { parents, resolve: (s) => this.resolve(s), config: (i) => this.config(i) }));
    });
    return out;
  }

  config(img: ImageRecord): ImageConfig {
    return this.store.images.config(img);
  }

  /** The parent/child relations among all images (built per call; cheap for local stores). */
  relations(all: readonly ImageRecord[] = this.store.images.list()): ImageTree {
    return new ImageTree(all, (id) => this.store.layers.get(id)?.parent ?? null, (img) => this.config(img).history ?? []);
  }

  #parentIds(all: readonly ImageRecord[]): Set<string> {
    const t = this.relations(all);
    return new Set(all.filter((img) => t.children(img).length > 0).map((img) => img.id));
  }

  /** Podman's "Parent": the image this one was built on (same layers plus more, same history plus more). */
  parentOf(img: ImageRecord): ImageRecord | undefined {
    return this.relations().parent(img);
  }

  inspect(input: string): ImageInspect {
    const img = this.resolve(input);
    const config = this.config(img);
    const manifest = this.store.images.manifest(img);
    const layers = this.store.layers.chain(img.topLayer);
    const repoTags = img.names.filter((n) => !n.includes('@'));
    const history: HistoryEntry[] = config.history ?? [];
    const comment = typeof config.comment === 'string' ? config.comment : (history.at(-1)?.comment ?? '');
    const top = layers[0];
    let graphData: Record<string, string> | null = null;
    if (top && this.store.driver === 'overlay') {
      const home = this.store.layers.home;
      graphData = {};
      if (layers.length > 1) graphData.LowerDir = layers.slice(1).map((l) => join(home, l.id, 'diff')).join(':');
      graphData.UpperDir = join(home, top.id, 'diff');
      graphData.WorkDir = join(home, top.id, 'work');
    }
    return {
      Id: img.id,
      Digest: img.digest,
      RepoTags: repoTags,
      RepoDigests: repoDigests(img),
      Parent: this.parentOf(img)?.id ?? '',
      Comment: comment,
      Created: config.created ?? '0001-01-01T00:00:00Z',
      Config: config.config ?? {},
      Version: typeof config.docker_version === 'string' ? config.docker_version : '',
      Author: config.author ?? '',
      Architecture: config.architecture ?? '',
      Os: config.os ?? '',
      Size: img.size,
      VirtualSize: img.size,
      GraphDriver: { Name: this.store.driver, Data: graphData },
      RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
      Labels: config.config?.Labels && Object.keys(config.config.Labels).length > 0 ? config.config.Labels : null,
      Annotations: manifest.annotations ?? {},
      ManifestType: img.manifestMediaType,
      User: config.config?.User ?? '',
      History: history,
      NamesHistory: img.namesHistory,
    };
  }

  history(input: string): HistoryRow[] {
    const img = this.resolve(input);
    const config = this.config(img);
    const layers = this.store.layers.chain(img.topLayer).reverse();
    const entries = config.history ?? [];
    const rows: HistoryRow[] = [];
    let layerIndex = 0;
    for (const h of entries) {
      let size = 0;
      if (!h.empty_layer) {
        size = layers[layerIndex]?.diffSize ?? 0;
        layerIndex++;
      }
      rows.push({ id: '<missing>', created: h.created ? Date.parse(h.created) : 0, createdBy: h.created_by ?? '', size, comment: h.comment ?? '', tags: [] });
    }
    rows.reverse();
    if (rows.length > 0) rows[0] = { ...rows[0], id: img.id, tags: img.names.slice() };
    else rows.push({ id: img.id, created: img.created, createdBy: '', size: img.size, comment: '', tags: img.names.slice() });
    return rows;
  }

  async tag(input: string, targets: readonly string[]): Promise<void> {
    const names = targets.map((t) => formatReference(parseTagName(t, 'tag')));
    await this.store.write(async () => {
      const img = this.resolve(input);
      this.store.images.tag(img.id, names);
    });
  }

  /** Removes the given names (all names when none are given). */
  async untag(input: string, targets: readonly string[]): Promise<void> {
    await this.store.write(async () => {
      const img = this.resolve(input);
      if (targets.length === 0) {
        this.store.images.untag(img.id);
        return;
      }
      for (const t of targets) {
        const name = formatReference(parseTagName(t, 'untag'));
        const removed = this.store.images.untag(img.id, [name]);
        if (removed.length === 0) throw new SkiffError('image-not-known', `${name}: tag not known`);
      }
    });
  }

  /**
   * Podman's rmi (libimage): by name, an image with several names loses that name only; by
   * ID, an image with several names is refused unless forced. An image that others are built
   * on is only untagged. Deleting an image also deletes parents it leaves dangling (unless
   * noPrune). Each input is handled on its own and errors collected, so one bad name does not
   * stop the others.
   */
  async remove(inputs: readonly string[], opts: { force?: boolean; all?: boolean; noPrune?: boolean; inUse?: (id: string) => string[] } = {}): Promise<RemoveReport> {
    const report: RemoveReport = { untagged: [], deleted: [], errors: [] };
    await this.store.write(async () => {
      if (opts.all) {
        this.#removeAll(report, opts);
        return;
      }
      for (const input of inputs) {
        try {
          this.#removeOne(input, report, opts);
        } catch (e) {
          if (e instanceof SkiffError) report.errors.push(e);
          else throw e;
        }
      }
    });
    return report;
  }

  #checkUsers(img: ImageRecord, opts: { force?: boolean; inUse?: (id: string) => string[] }): void {
    const users = (opts.inUse ?? this.#usersOf)(img.id);
    if (users.length > 0 && !opts.force) {
      throw new SkiffError('image-in-use', `image used by ${users[0]}: image is in use by a container: consider listing external containers and force-removing image`, {
        exitCode: 2,
      });
    }
  }

  #removeOne(input: string, report: RemoveReport, opts: { force?: boolean; noPrune?: boolean; inUse?: (id: string) => string[] }): void {
    const img = this.resolve(input);
    this.#checkUsers(img, opts);
    if (isIdInput(input, img.id)) {
      if (img.names.length > 1 && !opts.force) {
        throw new SkiffError('invalid-argument', `unable to delete image "${img.id}" by ID with more than one tag ([${img.names.join(' ')}]): please force removal`);
      }
      if (this.relations().children(img).length > 0) {
        throw new SkiffError('image-in-use', `image has dependent child images`, { exitCode: 2 });
      }
      this.#delete(img, report, opts.noPrune);
      return;
    }
    const name = this.#matchingName(img, input);
    if (!name) throw new SkiffError('invalid-argument', `${safeNormalized(input)}: tag not known`);
    if (img.names.length > 1) {
      this.store.images.untag(img.id, [name]);
      report.untagged.push(name);
      return;
    }
    if (this.relations().children(img).length > 0) {
      // Others are built on it: Podman untags it and drops the record, reporting only the
      // untag; the layers stay, since the children use them.
      report.untagged.push(name);
      this.store.images.remove(img.id);
      return;
    }
    this.#delete(img, report, opts.noPrune);
  }

  /** Deletes an image, then (unless noPrune) each parent this leaves dangling. */
  #delete(img: ImageRecord, report: RemoveReport, noPrune?: boolean): void {
    const parent = noPrune ? undefined : this.relations().parent(img);
    report.untagged.push(...img.names);
    this.store.images.remove(img.id);
    report.deleted.push(img.id);
    if (!parent) return;
    const fresh = this.store.images.get(parent.id);
    if (fresh && fresh.names.length === 0 && this.relations().children(fresh).length === 0) this.#delete(fresh, report, noPrune);
  }

  /** rmi --all: children before parents, until nothing is left or only refusals remain. */
  #removeAll(report: RemoveReport, opts: { force?: boolean; inUse?: (id: string) => string[] }): void {
    for (let round = 0; round < 10_000; round++) {
      const all = this.store.images.list();
      if (all.length === 0) return;
      const tree = this.relations(all);
      const leaves = all.filter((img) => tree.children(img).length === 0);
      let progress = false;
      for (const img of leaves) {
        try {
          this.#checkUsers(img, opts);
          report.untagged.push(...img.names);
          this.store.images.remove(img.id);
          report.deleted.push(img.id);
          progress = true;
        } catch (e) {
          if (e instanceof SkiffError) report.errors.push(e);
          else throw e;
        }
      }
      if (!progress) return;
    }
  }

  #matchingName(img: ImageRecord, input: string): string | undefined {
    if (img.names.includes(input)) return input;
    for (const c of lookupCandidates(input, () => this.registries())) {
      if (c.kind === 'name' && img.names.includes(c.name)) return c.name;
      if (c.kind === 'suffix') {
        const n = img.names.find((x) => x.endsWith(c.suffix));
        if (n) return n;
      }
      // A name@digest names the image only through a name in that repository.
      if (c.kind === 'digest' && img.digests.includes(c.digest)) {
        const n = img.names.find((x) => repoOf(x) === c.repo);
        if (n) return n;
        if (img.names.length <= 1 && c.repo !== '') return img.names[0] ?? '';
      }
    }
    return undefined;
  }

  /** Removes dangling images (all unused images with `all`), repeating while removals expose more. */
  async prune(opts: { all?: boolean; filters?: readonly string[]; inUse?: (id: string) => string[] } = {}): Promise<string[]> {
    const removed: string[] = [];
    await this.store.write(async () => {
      const filters = parseFilters(opts.filters ?? []);
      for (let round = 0; round < 1000; round++) {
        const all = this.store.images.list();
        const parents = this.#parentIds(all);
        const victims = all.filter(
          (img) =>
            (opts.all ? true : img.names.length === 0) &&
            !parents.has(img.id) &&
            (opts.inUse ?? this.#usersOf)(img.id).length === 0 &&
            filters.every((f) => f(img, { parents, resolve: (s) => this.resolve(s), config: (i) => this.config(i) })),
        );
        if (victims.length === 0) break;
        for (const v of victims) {
          this.store.images.remove(v.id);
          removed.push(v.id);
        }
      }
    });
    return removed;
  }

  tree(input: string, opts: { whatRequires?: boolean } = {}): TreeData {
    const img = this.resolve(input);
    const layers = this.store.layers.chain(img.topLayer).reverse();
    const all = this.store.images.list();
    const topOf = new Map<string, string[]>();
    for (const other of all) {
      if (!other.topLayer) continue;
      const tags = other.names.length > 0 ? other.names : [];
      topOf.set(other.topLayer, [...(topOf.get(other.topLayer) ?? []), ...tags]);
    }
    const children = opts.whatRequires ? all.filter((o) => o.id !== img.id && this.store.layers.chain(o.topLayer).some((l) => l.id === img.topLayer)) : [];
    return {
      id: img.id,
      names: img.names,
      size: img.size,
      layers: layers.map((l) => ({ id: l.id, size: l.diffSize, topOf: topOf.get(l.id) ?? [] })),
      children: children.map((c) => ({ id: c.id, names: c.names })),
    };
  }
}

function safeNormalized(input: string): string {
  try {
    return localName(input);
  } catch {
    return input;
  }
}

/** Histories are equal entry by entry (created, created_by, author, comment, empty_layer). */
function historyPrefix(prefix: readonly HistoryEntry[], full: readonly HistoryEntry[]): boolean {
  if (prefix.length >= full.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const a = prefix[i];
    const b = full[i];
    if (a.created !== b.created || a.created_by !== b.created_by || a.author !== b.author || a.comment !== b.comment || !a.empty_layer !== !b.empty_layer) return false;
  }
  return true;
}

/**
 * Parent and child images as libimage's layer tree defines them: P is C's parent when P's
 * history is a strict prefix of C's and C's top layer is P's top layer (an empty-layer step)
 * or a child of it. Images that merely share a top layer are not related.
 */
export class ImageTree {
  readonly #all: readonly ImageRecord[];
  readonly #parentLayer: (id: string) => string | null;
  readonly #history: (img: ImageRecord) => readonly HistoryEntry[];
  readonly #histories = new Map<string, readonly HistoryEntry[]>();

  constructor(all: readonly ImageRecord[], parentLayer: (id: string) => string | null, history: (img: ImageRecord) => readonly HistoryEntry[]) {
    this.#all = all;
    this.#parentLayer = parentLayer;
    this.#history = history;
  }

  #hist(img: ImageRecord): readonly HistoryEntry[] {
    let h = this.#histories.get(img.id);
    if (!h) {
      h = this.#history(img);
      this.#histories.set(img.id, h);
    }
    return h;
  }

  #related(p: ImageRecord, c: ImageRecord): boolean {
    if (p.id === c.id || !c.topLayer || !p.topLayer) return false;
    if (p.topLayer !== c.topLayer && this.#parentLayer(c.topLayer) !== p.topLayer) return false;
    return historyPrefix(this.#hist(p), this.#hist(c));
  }

  parent(c: ImageRecord): ImageRecord | undefined {
    const candidates = this.#all.filter((p) => this.#related(p, c));
    // The closest ancestor: the one with the longest history.
    return candidates.sort((a, b) => this.#hist(b).length - this.#hist(a).length)[0];
  }

  children(p: ImageRecord): ImageRecord[] {
    return this.#all.filter((c) => this.#related(p, c) && this.parent(c)?.id === p.id);
  }
}

function isIdInput(input: string, id: string): boolean {
  const bare = input.startsWith('sha256:') ? input.slice(7) : input;
  return HEX_PREFIX.test(bare) && id.startsWith(bare);
}

export function repoOf(name: string): string {
  const at = name.indexOf('@');
  if (at >= 0) return name.slice(0, at);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}

export function tagOf(name: string): string | undefined {
  if (name.includes('@')) return undefined;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(colon + 1) : undefined;
}

/** `repo@digest` for every repository the image is named in, for every digest it is known by. */
export function repoDigests(img: ImageRecord): string[] {
  const repos = [...new Set(img.names.map(repoOf))];
  const out: string[] = [];
  for (const r of repos) for (const d of img.digests) out.push(`${r}@${d}`);
  return out;
}

interface FilterEnv {
  readonly parents: Set<string>;
  resolve(s: string): ImageRecord;
  config(img: ImageRecord): ImageConfig;
}
type ImageFilter = (img: ImageRecord, env: FilterEnv) => boolean;

/** Go's filepath.Match-style glob, as Podman uses for reference= filters. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseFilters(specs: readonly string[]): ImageFilter[] {
  const byKey = new Map<string, string[]>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new SkiffError('invalid-argument', `invalid image filter "${spec}": bad format, expected "key=value"`);
    const key = spec.slice(0, eq);
    byKey.set(key, [...(byKey.get(key) ?? []), spec.slice(eq + 1)]);
  }
  const out: ImageFilter[] = [];
  for (const [key, values] of byKey) {
    switch (key) {
      case 'reference':
        // Several reference filters: an image passes when any matches.
        out.push((img) =>
          values.some((v) => {
            const re = globToRegExp(v);
            return img.names.some((n) => {
              const repo = repoOf(n);
              const short = repo.replace(/^[^/]+\//, '');
              const tag = tagOf(n);
              return [n, repo, short, tag ? `${short}:${tag}` : short, repo.split('/').at(-1) ?? ''].some((c) => re.test(c)) || n.endsWith(`/${v}`);
            });
          }),
        );
        break;
      case 'dangling': {
        const want = values.at(-1);
        if (want !== 'true' && want !== 'false') throw new SkiffError('invalid-argument', `invalid dangling filter value "${want}"`);
        out.push((img, env) => (img.names.length === 0 && !env.parents.has(img.id)) === (want === 'true'));
        break;
      }
      case 'label':
        out.push((img, env) =>
          values.every((v) => {
            const labels = env.config(img).config?.Labels ?? {};
            const eq = v.indexOf('=');
            if (eq < 0) return v in labels;
            return labels[v.slice(0, eq)] === v.slice(eq + 1);
          }),
        );
        break;
      case 'before':
        out.push((img, env) => values.every((v) => img.created < env.resolve(v).created));
        break;
      case 'since':
      case 'after':
        out.push((img, env) => values.every((v) => img.created > env.resolve(v).created));
        break;
      case 'id':
        out.push((img) => values.some((v) => img.id.startsWith(v.replace(/^sha256:/, ''))));
        break;
      case 'until': {
        const limits = values.map((v) => parseUntil(v));
        out.push((img) => limits.every((t) => img.created < t));
        break;
      }
      case 'digest':
        out.push((img) => values.some((v) => img.digests.includes(v)));
        break;
      case 'intermediate': {
        const want = values.at(-1) === 'true';
        out.push((img, env) => (img.names.length === 0 && env.parents.has(img.id)) === want);
        break;
      }
      case 'readonly':
        out.push(() => values.at(-1) !== 'true');
        break;
      default:
        throw new SkiffError('invalid-argument', `unsupported image filter "${key}"`);
    }
  }
  return out;
}

export interface ImageInspect {
  Id: string;
  Digest: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Config: object;
  Version: string;
  Author: string;
  Architecture: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  RootFS: { Type: string; Layers: string[] };
  Labels: Record<string, string> | null;
  Annotations: Record<string, string>;
  ManifestType: string;
  User: string;
  History: HistoryEntry[];
  NamesHistory: readonly string[];
}

export interface HistoryRow {
  readonly id: string;
  readonly created: number;
  readonly createdBy: string;
  readonly size: number;
  readonly comment: string;
  readonly tags: string[];
}

export interface TreeData {
  readonly id: string;
  readonly names: readonly string[];
  readonly size: number;
  readonly layers: { id: string; size: number; topOf: string[] }[];
  readonly children: { id: string; names: readonly string[] }[];
}
