import { portsColumn, sortedPorts } from '../../network/ports.ts';
import { NetworkState } from '../../network/state.ts';
import { type ContainerRecord, parseStatusName } from '../../state/containers.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { marshalJson } from '../format/json.ts';
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

/** Go's zero time.Time as Unix seconds: Podman's StartedAt and ExitedAt before they happen. */
const ZERO_UNIX = -62135596800;

/** Podman's COMMAND: the command without the entrypoint, cut past 17 characters. */
function commandText(cmd: readonly string[], noTrunc: boolean): string {
  const text = cmd.join(' ');
  return noTrunc || text.length <= 17 ? text : `${text.slice(0, 17)}...`;
}

/** Podman's MOUNTS: the destinations of the user's binds and tmpfs, then of the volumes. */
function mountsOf(c: ContainerRecord): string[] {
  const user = c.spec.mounts.filter((m) => !m.fromImage);
  return [
    ...user.filter((m) => m.type === 'bind' || m.type === 'tmpfs').map((m) => m.destination),
    ...Object.keys(c.spec.tmpfs),
    ...user.filter((m) => m.type === 'volume').map((m) => m.destination),
  ];
}

/** ps keeps Podman's user-facing names: a container never started is "created", a stopped one "exited". */
function userStatus(c: ContainerRecord): string {
  const s = c.state.status;
  return s === 'configured' ? 'created' : s === 'stopped' ? 'exited' : s;
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

interface NetworkLookup {
  /** The networks a container joins, by name. */
  of(c: ContainerRecord): readonly string[];
  /** A network's ID by its name ('' when not known). */
  id(name: string): string;
}

function matches(c: ContainerRecord, key: string, value: string, resolveTime: (s: string) => number, nets: NetworkLookup): boolean {
  switch (key) {
    case 'id':
      return c.id.startsWith(value);
    case 'name':
      return new RegExp(value).test(c.name);
    case 'status':
      return userStatus(c) === (value === 'stopped' ? 'exited' : value);
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
    case 'network':
      // By name, or by network ID when it names one of the container's networks.
      return nets.of(c).some((n) => n === value || nets.id(n).startsWith(value));
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
      const filter = { key: spec.slice(0, eq), value: spec.slice(eq + 1) };
      if (filter.key === 'status') parseStatusName(filter.value);
      return filter;
    });
    const resolveTime = (s: string) => svc.resolve(s).created;
    const joined = new NetworkState(engine.store.db).allAttachments();
    const networksOf = (c: ContainerRecord): readonly string[] => joined.get(c.id) ?? [];
    // Network IDs only for a network filter: reading the definitions costs the other uses nothing.
    const ids = new Map<string, string>();
    if ((f.filter as string[]).some((spec) => spec.startsWith('network='))) for (const n of (await engine.networks()).list()) ids.set(n.name, n.id);
    const nets: NetworkLookup = { of: networksOf, id: (name) => ids.get(name) ?? '' };
    // A status filter asks for states beyond running: Podman lists all then, and for no other filter.
    const all = (f.all as boolean) || filters.some((x) => x.key === 'status') || (f.last as number) >= 0 || (f.latest as boolean);
    // Podman lists only running containers by default: not paused ones.
    if (!all) list = list.filter((c) => c.state.status === 'running');
    // Filters with the same key are ORed, different keys ANDed (Podman's rule).
    const byKey = new Map<string, string[]>();
    for (const { key, value } of filters) byKey.set(key, [...(byKey.get(key) ?? []), value]);
    list = list.filter((c) => [...byKey].every(([k, vs]) => vs.some((v) => matches(c, k, v, resolveTime, nets))));
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
      // An --entrypoint drops the image's Cmd, as in Podman's specgen.
      const cmd = c.spec.command ?? (c.spec.entrypoint !== undefined ? [] : (cfg?.Cmd ?? []));
      const exited = c.state.status === 'exited' || c.state.status === 'stopped';
      const live = c.state.status === 'running' || c.state.status === 'paused';
      const imageName = image?.names.find((n) => n === c.spec.imageName) ?? image?.names[0] ?? c.spec.imageName;
      return {
        ID: noTrunc ? c.id : c.id.slice(0, 12),
        Image: imageName,
        ImageID: c.imageId,
        Command: commandText(cmd, noTrunc),
        CreatedHuman: `${humanDuration(now - c.created)} ago`,
        Created: Math.floor(c.created / 1000),
        CreatedAt: new Date(c.created).toISOString(),
        Status: statusText(c, now),
        State: c.state.status === 'configured' ? 'created' : c.state.status,
        Ports: portsColumn(c.spec.ports ?? []),
        _ports: c.spec.ports ?? [],
        // Podman's template sees the names joined by commas; its JSON the list.
        Networks: networksOf(c).join(','),
        _networks: [...networksOf(c)],
        Names: c.name,
        Labels: new Map(Object.entries(c.spec.labels)),
        Mounts: mountsOf(c),
        Pid: live ? c.state.pid : 0,
        AutoRemove: c.spec.remove,
        Exited: exited,
        ExitCode: c.state.exitCode ?? 0,
        StartedAt: c.state.startedAt ? Math.floor(c.state.startedAt / 1000) : ZERO_UNIX,
        ExitedAt: c.state.finishedAt ? Math.floor(c.state.finishedAt / 1000) : ZERO_UNIX,
        IsInfra: false,
        Pod: '',
        PodName: '',
        Size: sizes ? `${humanSizeCompact(sizes.rw, 3)} (virtual ${humanSizeCompact(sizes.rootFs, 3)})` : '',
        _size: sizes?.rw ?? 0,
        _sizes: sizes,
        _id: c.id,
        _command: cmd,
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
      // Podman 4.3.1's field set and order; pods are not skiff's yet, so they hold what Podman
      // shows for a container without one.
      const json = rows.map((r) => ({
        AutoRemove: r.AutoRemove,
        Command: r._command.length > 0 ? r._command : null,
        CreatedAt: r.CreatedHuman,
        Exited: r.Exited,
        ExitedAt: r.ExitedAt,
        ExitCode: r.ExitCode,
        Id: r._id,
        Image: r.Image,
        ImageID: r.ImageID,
        IsInfra: r.IsInfra,
        Labels: r.Labels.size > 0 ? r.Labels : null,
        Mounts: r.Mounts,
        Names: [r.Names],
        Namespaces: {},
        Networks: r._networks,
        Pid: r.Pid,
        Pod: r.Pod,
        PodName: r.PodName,
        Ports: r._ports.length > 0 ? sortedPorts(r._ports).map((p) => ({ host_ip: p.hostIP, container_port: p.containerPort, host_port: p.hostPort, range: p.range, protocol: p.protocol })) : null,
        Size: r._sizes ? { rootFsSize: r._sizes.rootFs, rwSize: r._sizes.rw } : null,
        StartedAt: r.StartedAt,
        State: r.State,
        Status: r.Status,
        Created: r.Created,
      }));
      // Podman's encoder (json-iterator) writes an empty struct as an opened, blank block.
      const text = marshalJson(json, { indent: '  ', escapeHTML: true }).replace(/^( *)"Namespaces": \{\}/gm, (_, pad: string) => `${pad}"Namespaces": {\n${pad}  \n${pad}}`);
      ctx.out(`${text}\n`);
      return;
    }
    ctx.out(renderList({ format, defaultFormat: f.size ? `${DEFAULT_FORMAT}\t{{.Size}}` : DEFAULT_FORMAT, rows, headers: HEADERS, noHeading: f.noheading as boolean, name: 'ps' }));
  },
};
