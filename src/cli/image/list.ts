import { repoOf, tagOf } from '../../engine/images.ts';
import type { ImageRecord } from '../../image/store.ts';
import type { CommandSpec } from '../command.ts';
import { isJsonFormat, renderList } from '../format/report.ts';
import { humanDuration, humanSize } from '../format/units.ts';
import { goJson } from '../../util/gojson.ts';
import { SkiffError } from '../../util/errors.ts';

const SORT_KEYS = ['created', 'id', 'repository', 'size', 'tag'];

const HEADERS: Record<string, string> = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  Created: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedSince: 'CREATED',
  Size: 'SIZE',
  VirtualSize: 'VIRTUAL SIZE',
  SharedSize: 'SHARED SIZE',
  Containers: 'CONTAINERS',
  ReadOnly: 'R/O',
  History: 'HISTORY',
  Names: 'NAMES',
  Labels: 'LABELS',
};

/** One row of `images`: an image under one of its names (or <none>). */
function rows(img: ImageRecord, labels: Record<string, string> | null, noTrunc: boolean, now: number): Record<string, unknown>[] {
  const names = img.names.length > 0 ? [...img.names].sort() : [''];
  return names.map((n) => {
    const repo = n ? repoOf(n) : '<none>';
    const tag = n ? (tagOf(n) ?? '<none>') : '<none>';
    const created = Math.floor(img.created / 1000);
    return {
      ID: noTrunc ? `sha256:${img.id}` : img.id.slice(0, 12),
      Id: img.id,
      Repository: repo,
      Tag: tag,
      Digest: img.digest,
      Created: `${humanDuration(now - img.created)} ago`,
      CreatedSince: `${humanDuration(now - img.created)} ago`,
      CreatedAt: new Date(created * 1000).toISOString().replace('.000Z', 'Z').replace('T', ' ').replace('Z', ' +0000 UTC'),
      CreatedTime: created,
      Size: humanSize(img.size),
      VirtualSize: img.size,
      SharedSize: 0,
      Containers: 0,
      ReadOnly: false,
      Dangling: img.names.length === 0,
      History: img.namesHistory.join(', '),
      Names: img.names,
      // A Map, so a missing label prints <no value> as in Go.
      Labels: new Map(Object.entries(labels ?? {})),
    };
  });
}

function sortImages(list: ImageRecord[], key: string): ImageRecord[] {
  const by = (f: (i: ImageRecord) => string | number, desc = false) =>
    [...list].sort((a, b) => {
      const x = f(a);
      const y = f(b);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return desc ? -c : c;
    });
  switch (key) {
    case 'created':
      return by((i) => i.created, true);
    case 'id':
      return by((i) => i.id);
    case 'repository':
      return by((i) => (i.names[0] ? repoOf(i.names[0]) : '<none>'));
    case 'tag':
      return by((i) => (i.names[0] ? (tagOf(i.names[0]) ?? '') : '<none>'));
    case 'size':
      return by((i) => i.size);
    default:
      throw new SkiffError('usage', `invalid option for --sort, options are: ${SORT_KEYS.join(', ')}`);
  }
}

/** Podman's JSON listing: one object per image (RepoTags is null there, Names has the names). */
function jsonEntry(img: ImageRecord, labels: Record<string, string> | null): Record<string, unknown> {
  const repos = [...new Set(img.names.map(repoOf))];
  return {
    Id: img.id,
    ParentId: '',
    RepoTags: null,
    RepoDigests: repos.flatMap((r) => img.digests.map((d) => `${r}@${d}`)),
    Size: img.size,
    SharedSize: 0,
    VirtualSize: img.size,
    Labels: labels,
    Containers: 0,
    ...(img.names.length > 0 ? { Names: img.names } : {}),
    Digest: img.digest,
    History: img.namesHistory.length > 0 ? img.namesHistory : null,
    Created: Math.floor(img.created / 1000),
    CreatedAt: new Date(Math.floor(img.created / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
  };
}

export const command: CommandSpec = {
  use: 'images [options] [IMAGE]',
  long: 'Lists images previously pulled to the system or created on the system.',
  examples: [
    'skiff images --format json',
    'skiff images --sort repository --format "table {{.ID}} {{.Repository}} {{.Tag}}"',
    'skiff images --filter dangling=true',
  ],
  args: { kind: 'max', n: 1 },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Show all images (default hides intermediate images)' },
    { name: 'digests', type: 'bool', usage: 'Show digests' },
    { name: 'filter', short: 'f', type: 'stringSlice', usage: 'Filter output based on conditions provided' },
    { name: 'format', type: 'string', usage: 'Change the output format to JSON or a Go template' },
    { name: 'history', type: 'bool', usage: 'Display the image name history' },
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate output' },
    { name: 'noheading', short: 'n', type: 'bool', usage: 'Do not print column headings' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Display only image IDs' },
    { name: 'sort', type: 'string', usage: 'Sort by created, id, repository, size, tag', default: 'created' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const engine = await ctx.engine();
    const filters = [...(f.filter as string[])];
    if (ctx.args[0]) filters.push(`reference=${ctx.args[0]}`);
    const sortKey = f.sort as string;
    if (!SORT_KEYS.includes(sortKey)) throw new SkiffError('usage', `invalid option for --sort, options are: ${SORT_KEYS.join(', ')}`);
    const list = sortImages(engine.images.list({ all: f.all as boolean, filters }), sortKey);
    const labelsOf = (img: ImageRecord) => {
      const l = engine.images.config(img).config?.Labels;
      return l && Object.keys(l).length > 0 ? l : null;
    };
    const format = f.format as string;
    if (isJsonFormat(format)) {
      // Podman repeats an image's entry once per name, as it does for table rows.
      ctx.out(`${goJson(list.flatMap((img) => Array.from({ length: Math.max(1, img.names.length) }, () => jsonEntry(img, labelsOf(img)))), '    ')}\n`);
      return;
    }
    if (f.quiet) {
      const seen = new Set<string>();
      for (const img of list) {
        const id = f['no-trunc'] ? `sha256:${img.id}` : img.id.slice(0, 12);
        if (!seen.has(id)) ctx.out(`${id}\n`);
        seen.add(id);
      }
      return;
    }
    if (format === '' && ctx.changed.has('format')) {
      // An explicitly empty template prints an empty line per row, as Podman does.
      ctx.out('\n'.repeat(list.reduce((n, img) => n + Math.max(1, img.names.length), 0)));
      return;
    }
    const now = Date.now();
    const allRows = list.flatMap((img) => rows(img, labelsOf(img), f['no-trunc'] as boolean, now));
    // Within an image, names sort by repository then tag, as Podman prints them.
    const defaultFormat = f.digests
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}'
      : f.history
        ? 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}\t{{.History}}'
        : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}';
    ctx.out(renderList({ format, defaultFormat, rows: allRows, headers: HEADERS, noHeading: f.noheading as boolean, name: 'images' }));
  },
};
