import { isSkiffError, SkiffError } from '../util/errors.ts';
import { goJson } from '../util/gojson.ts';
import type { CommandContext, CommandSpec } from './command.ts';
import { isJsonFormat, renderEach } from './format/report.ts';
import type { Network } from '../network/types.ts';

/**
 * Prints inspect data as Podman does: a JSON array with five-space indentation, or the
 * template once per object. Objects that are found are printed even when others are not;
 * the first error is then reported with exit code 125.
 */
export async function printInspect(
  ctx: CommandContext,
  names: readonly string[],
  format: string,
  lookup: (name: string) => unknown,
  describe: (name: string, e: SkiffError) => string,
  /** What a template sees of an object, where it differs from its JSON (networks: Go field names). */
  view: (obj: unknown) => unknown = (obj) => obj,
): Promise<number> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(lookup(n));
    } catch (e) {
      if (isSkiffError(e) && (e.code === 'image-not-known' || e.code === 'no-such-object' || e.code === 'invalid-reference')) errors.push(describe(n, e));
      else throw e;
    }
  }
  if (format === '' || isJsonFormat(format)) {
    ctx.out(`${goJson(found, '     ')}\n`);
  } else {
    // Podman's inspect structs name the ID field ID (JSON key Id); both spellings work.
    ctx.out(renderEach(format.replace(/\.ID\b/g, '.Id'), found.map(view), 'inspect'));
  }
  if (errors.length > 0) {
    ctx.err(`Error: ${errors[0]}\n`);
    return 125;
  }
  return 0;
}

export const command: CommandSpec = {
  use: 'inspect [options] {CONTAINER|IMAGE|POD|NETWORK|VOLUME} [...]',
  long: 'Displays the low-level information on an object identified by name or ID.',
  examples: ['skiff inspect fedora', 'skiff inspect --type image fedora', 'skiff inspect --format "imageId: {{.Id}} size: {{.Size}}" fedora'],
  args: { kind: 'any' },
  flags: [
    { name: 'format', short: 'f', type: 'string', usage: 'Format the output to a Go template or json', default: 'json' },
    { name: 'type', short: 't', type: 'string', usage: 'Specify inspect-object type ("image", "container", "volume", "network" or "all")', default: 'all' },
    { name: 'size', short: 's', type: 'bool', usage: 'Display total file size' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const type = ctx.flags.type as string;
    if (!['all', 'image', 'container', 'volume', 'network'].includes(type)) {
      throw new SkiffError('invalid-argument', `invalid type "${type}": must be "image", "container", "pod", "network", "volume", or "all"`);
    }
    const { inspectContainer } = await import('../engine/container-inspect.ts');
    const size = ctx.flags.size as boolean;
    const names = ctx.flags.latest ? [engine.containers.latest().id] : ctx.args;
    if (names.length === 0) throw new SkiffError('bad-arguments', 'no names or ids specified');
    // Networks are looked for only when some name is nothing else: their code loads then.
    const other = (n: string) => engine.containers.find(n) || engine.images.find(n) || engine.volumes.records.get(n);
    const wantNetworks = type === 'network' || (type === 'all' && names.some((n) => !other(n)));
    const networks = wantNetworks ? await engine.networks() : undefined;
    const { templateView } = wantNetworks ? await import('./network/view.ts') : { templateView: (n: Network) => n };
    const networkIds = new Set<unknown>(networks?.list() ?? []);
    return printInspect(
      ctx,
      names,
      ctx.flags.format as string,
      (name) => {
        if (type === 'container' || type === 'all') {
          const c = engine.containers.find(name);
          if (c) return inspectContainer(engine, engine.containers.sync(c), { size });
          if (type === 'container') throw new SkiffError('no-such-object', `no such container ${name}`);
        }
        if (type === 'image' || (type === 'all' && engine.images.find(name))) return engine.images.inspect(name);
        // Podman looks for a volume, then a network, and a volume only by its full name.
        if (type === 'volume' || type === 'all') {
          const v = engine.volumes.records.get(name);
          if (v) return engine.volumes.inspect(v);
        }
        if (networks && (type === 'network' || type === 'all')) {
          const n = networks.configs.find(name);
          if (n) return n;
        }
        throw new SkiffError('no-such-object', `no such object: "${name}"`);
      },
      (name, e) =>
        type === 'image'
          ? `inspecting object: ${e.message}`
          : type === 'container'
            ? `inspecting object: no such container "${name}"`
            : type === 'volume'
              ? `inspecting object: no such volume ${name}`
              : `inspecting object: no such object: "${name}"`,
      (obj) => (networkIds.has(obj) ? templateView(obj as Network) : obj),
    );
  },
};
