import { systemInfo } from '../../engine/info.ts';
import { goJson } from '../../util/gojson.ts';
import type { CommandSpec } from '../command.ts';
import { isJsonFormat, renderOne } from '../format/report.ts';
import { toYaml } from '../format/yaml.ts';

export const command: CommandSpec = {
  use: 'info [options]',
  long: 'Display information pertaining to the host, current storage stats, and build of skiff.\n\n  Useful for the user and when reporting issues.',
  args: { kind: 'none' },
  flags: [{ name: 'format', short: 'f', type: 'string', usage: 'Change the output format to JSON or a Go template' }],
  async run(ctx) {
    const engine = await ctx.engine();
    const info = systemInfo(engine);
    const format = ctx.flags.format as string;
    if (isJsonFormat(format)) ctx.out(`${goJson(info, '  ')}\n`);
    else if (format) ctx.out(renderOne(format, goFieldNames(info), 'info'));
    else ctx.out(toYaml(info));
  },
};

/** Templates address Podman's info by Go field names (`{{.Store.GraphRoot}}`), JSON by its tags. */
function goFieldNames(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(goFieldNames);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [GO_NAMES[k] ?? k[0].toUpperCase() + k.slice(1), goFieldNames(x)]));
}

/** Go names that are not the JSON tag with a capital first letter. */
const GO_NAMES: Record<string, string> = {
  idMappings: 'IDMappings',
  uidmap: 'UIDMap',
  gidmap: 'GIDMap',
  container_id: 'ContainerID',
  host_id: 'HostID',
  ociRuntime: 'OCIRuntime',
  cpus: 'CPUs',
};
