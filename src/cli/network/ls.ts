import { networkFilter } from '../../network/filter.ts';
import type { Network } from '../../network/types.ts';
import { goJson } from '../../util/gojson.ts';
import type { CommandSpec } from '../command.ts';
import { isJsonFormat, renderList } from '../format/report.ts';
import { templateView } from './view.ts';

const DEFAULT_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}';
const HEADERS: Record<string, string> = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Labels: 'LABELS', Created: 'CREATED', Internal: 'INTERNAL', DNSEnabled: 'DNS ENABLED', IPv6Enabled: 'IPV6 ENABLED', NetworkInterface: 'NETWORK INTERFACE', Subnets: 'SUBNETS', Options: 'OPTIONS', IPAMOptions: 'IPAM OPTIONS' };

export const command: CommandSpec = {
  use: 'ls [options]',
  long: 'List the networks skiff knows, the default network included.',
  examples: ['skiff network ls', 'skiff network ls --filter driver=bridge', 'skiff network ls --format "{{.Name}} {{.NetworkInterface}}"'],
  args: { kind: 'none' },
  flags: [
    { name: 'filter', short: 'f', type: 'stringArray', usage: "Provide filter values (e.g. 'name=podman')" },
    { name: 'format', type: 'string', usage: 'Pretty-print networks to JSON or using a Go template' },
    { name: 'no-trunc', type: 'bool', usage: 'Do not truncate the network ID' },
    { name: 'noheading', type: 'bool', usage: 'Do not print headers' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'display only names' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const networks = await engine.networks();
    const keep = networkFilter(ctx.flags.filter as string[], { defaultName: networks.configs.defaultName });
    const used = networks.state.usedNetworks();
    const list: Network[] = networks.list().filter((n) => keep(n, used));
    if (ctx.flags.quiet) {
      for (const n of list) ctx.out(`${n.name}\n`);
      return;
    }
    const format = (ctx.flags.format as string | undefined) ?? '';
    if (isJsonFormat(format)) {
      ctx.out(`${goJson(list, '  ')}\n`);
      return;
    }
    const trunc = !ctx.flags['no-trunc'];
    const rows = list.map((n) => ({ ...templateView(n), ID: trunc ? n.id.slice(0, 12) : n.id, Labels: Object.entries(n.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') }));
    ctx.out(renderList({ format, defaultFormat: DEFAULT_FORMAT, rows, headers: HEADERS, noHeading: ctx.flags.noheading as boolean, name: 'ls' }));
  },
};
