import type { ContainerRecord } from '../../state/containers.ts';
import { SkiffError } from '../../util/errors.ts';
import { goJson } from '../../util/gojson.ts';
import type { CommandSpec } from '../command.ts';
import { isJsonFormat, renderList } from '../format/report.ts';
import { humanDuration, humanSizeCompact } from '../format/units.ts';

const HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedHuman: 'CREATED',
  Created: 'CREATED',
  Status: 'STATUS',
  Ports: 'PORTS',
  Names: 'NAMES',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  State: 'STATE',
};

const DEFAULT_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

function commandOf(entrypoint: readonly string[], cmd: readonly string[]): string {
  return [...entrypoint, ...cmd].join(' ');
}

/** Podman's ps STATUS column. */
export function statusText(c: ContainerRecord, now: number): string {
  const s = c.state;
  switch (s.status) {
    case 'running':
      return `Up ${humanDuration(now - s.startedAt)} ago`;
    case 'paused':
      return 'Paused';
    case 'exited':
    case 'stopped':
      return `Exited (${s.exitCode ?? 0}) ${humanDuration(now - s.finishedAt)} ago`;
    case 'configured':
      return 'Created';
    case 'created':
      return 'Initialized';
    case 'removing':
      return 'Removing';
  }
}

function matches(c: ContainerRecord, key: string, value: string, resolveTime: (s: string) => number): boolean {
  switch (key) {
    case 'id':
      return c.id.startsWith(value);
    case 'name':
      return new RegExp(value).test(c.name);
    case 'status': {
      const st = c.state.status === 'configured' ? 'created' : c.state.status;
      return st === value || (value === 'exited' && c.state.status === 'stopped');
    }
    case 'label': {
      const eq = value.indexOf('=');
      return eq < 0 ? value in c.spec.labels : c.spec.labels[value.slice(0, eq)] === value.slice(eq + 1);
    }
    case 'ancestor':
      return c.spec.imageName === value || c.imageId.startsWith(value) || c.spec.imageName.endsWith(`/${value}`) || c.spec.imageName.split(':')[0] === value;
    case 'exited':
      return (c.state.status === 'exited' || c.state.status === 'stopped') && String(c.state.exitCode) === value;
    case 'before':
      return c.created < resolveTime(value);
    case 'since':
      return c.created > resolveTime(value);
    case 'volume': {
      // Podman: a bind mount's source or a volume's name, optionally with `:DESTINATION`.
      const colon = value.indexOf(':');
      const source = colon < 0 ? value : value.slice(0, colon);
      const dest = colon < 0 ? undefined : value.slice(colon + 1);
      return c.spec.mounts.some((m) => (m.type === 'bind' || m.type === 'volume') && m.source === source && (dest === undefined || m.destination === dest));
    }
    default:
      throw new SkiffError('invalid-argument', `${key} is an invalid filter`);
  }
}

export const command: CommandSpec = {
  use: 'ps [options]',
  long: 'Prints out information about the containers',
  examples: ['skiff ps -a', 'skiff ps -a --format "{{.ID}}  {{.Image}}  {{.Labels}}  {{.Mounts}}"', 'skiff ps --size --sort names'],
  args: { kind: 'none' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Show all the containers, default is only running containers' },
    { name: 'filter', short: 'f', type: 'stringSlice', usage: 'Filter output based on conditions given' },
    { name: 'format', type: 'string', usage: 'Pretty-print containers to JSON or using a Go template' },
    { name: 'last', short: 'n', type: 'int', usage: 'Print the n last created containers (all states)', default: -1 },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'no-trunc', type: 'bool', usage: 'Display the extended information' },
    { name: 'noheading', type: 'bool', usage: 'Do not print headers' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Print the numeric IDs of the containers only' },
    { name: 'size', short: 's', type: 'bool', usage: 'Display the total file sizes' },
    { name: 'sort', type: 'string', usage: 'Sort output by: command, created, id, image, names, runningfor, size, status', default: 'created', valueName: 'choice' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const svc = engine.containers;
    const f = ctx.flags;
    let list = svc.list();
    const filters = (f.filter as string[]).map((spec) => {
      const eq = spec.indexOf('=');
      if (eq <= 0) throw new SkiffError('invalid-argument', `invalid filter "${spec}"`);
      return { key: spec.slice(0, eq), value: spec.slice(eq + 1) };
    });
    const resolveTime = (s: string) => svc.resolve(s).created;
    const all = (f.all as boolean) || filters.length > 0 || (f.last as number) >= 0 || (f.latest as boolean);
    // Podman lists only running containers by default: not paused ones.
    if (!all) list = list.filter((c) => c.state.status === 'running');
    // Filters with the same key are ORed, different keys ANDed (Podman's rule).
    const byKey = new Map<string, string[]>();
    for (const { key, value } of filters) byKey.set(key, [...(byKey.get(key) ?? []), value]);
    list = list.filter((c) => [...byKey].every(([k, vs]) => vs.some((v) => matches(c, k, v, resolveTime))));
    if (f.latest) list = list.slice(-1);
    if ((f.last as number) >= 0) list = list.slice(Math.max(0, list.length - (f.last as number)));
    const noTrunc = f['no-trunc'] as boolean;
    if (f.quiet) {
      for (const c of list) ctx.out(`${noTrunc ? c.id : c.id.slice(0, 12)}\n`);
      return;
    }
    const now = Date.now();
    const format = f.format as string;
    const sortKey = f.sort as string;
    // Sizes walk every container's files: only when they are shown or sorted on.
    const wantSize = (f.size as boolean) || sortKey === 'size' || /\.Size\b/.test(format);
    const sizeOf = wantSize ? (await import('../../engine/container-fs.ts')).containerSizes : undefined;
    const rows = list.map((c) => {
      const sizes = sizeOf?.(engine, c);
      const image = engine.store.images.get(c.imageId);
      const cfg = image ? engine.images.config(image).config : undefined;
      const entrypoint = c.spec.entrypoint ?? cfg?.Entrypoint ?? [];
      const cmd = c.spec.command ?? (c.spec.entrypoint !== undefined ? [] : (cfg?.Cmd ?? []));
      const command = commandOf(entrypoint, cmd);
      const imageName = image?.names.find((n) => n === c.spec.imageName) ?? image?.names[0] ?? c.spec.imageName;
      return {
        ID: noTrunc ? c.id : c.id.slice(0, 12),
        Image: imageName,
        ImageID: c.imageId,
        Command: noTrunc || command.length <= 20 ? command : `${command.slice(0, 17)}...`,
        CreatedHuman: `${humanDuration(now - c.created)} ago`,
        Created: Math.floor(c.created / 1000),
        CreatedAt: new Date(c.created).toISOString(),
        Status: statusText(c, now),
        State: c.state.status === 'configured' ? 'created' : c.state.status,
        Ports: '',
        Names: c.name,
        Labels: new Map(Object.entries(c.spec.labels)),
        Mounts: c.spec.mounts.map((m) => m.destination).join(','),
        Pid: c.state.pid,
        ExitCode: c.state.exitCode ?? 0,
        Size: sizes ? `${humanSizeCompact(sizes.rw, 3)} (virtual ${humanSizeCompact(sizes.rootFs, 3)})` : '',
        _size: sizes?.rw ?? 0,
        _sortStatus: c.state.status,
        _created: c.created,
      };
    });
    const sorters: Record<string, (r: (typeof rows)[number]) => string | number> = {
      command: (r) => r.Command,
      created: (r) => r._created,
      id: (r) => r.ID,
      image: (r) => r.Image,
      names: (r) => r.Names,
      runningfor: (r) => -r._created,
      size: (r) => r._size,
      status: (r) => r.Status,
    };
    const sorter = sorters[sortKey];
    if (!sorter) throw new SkiffError('invalid-argument', `invalid option for --sort, options are: command, created, id, image, names, runningfor, size, status`);
    rows.sort((a, b) => {
      const x = sorter(a);
      const y = sorter(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    if (isJsonFormat(format)) {
      const json = rows.map((r) => ({
        AutoRemove: false,
        Command: r.Command.split(' '),
        CreatedAt: r.CreatedHuman,
        Exited: r._sortStatus === 'exited',
        ExitCode: r.ExitCode,
        Id: list.find((c) => c.id.startsWith(r.ID))?.id ?? r.ID,
        Image: r.Image,
        ImageID: r.ImageID,
        Labels: Object.fromEntries(r.Labels),
        Names: [r.Names],
        Pid: r.Pid,
        State: r.State,
        Status: r.Status,
        Created: r.Created,
      }));
      ctx.out(`${goJson(json, '    ')}\n`);
      return;
    }
    ctx.out(renderList({ format, defaultFormat: f.size ? `${DEFAULT_FORMAT}\t{{.Size}}` : DEFAULT_FORMAT, rows, headers: HEADERS, noHeading: f.noheading as boolean, name: 'ps' }));
  },
};
