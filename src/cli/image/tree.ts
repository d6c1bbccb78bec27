import type { CommandSpec } from '../command.ts';
import { humanSizeCompact } from '../format/units.ts';

export const command: CommandSpec = {
  use: 'tree [options] IMAGE',
  long: 'Prints layer hierarchy of an image in a tree format',
  examples: ['skiff image tree alpine:latest', 'skiff image tree --whatrequires alpine:latest'],
  args: { kind: 'exact', n: 1 },
  flags: [{ name: 'whatrequires', type: 'bool', usage: 'Show all child images and layers of the specified image' }],
  async run(ctx) {
    const engine = await ctx.engine();
    const t = engine.images.tree(ctx.args[0], { whatRequires: ctx.flags.whatrequires as boolean });
    const lines = [`Image ID: ${t.id.slice(0, 12)}`, `Tags:     [${t.names.join(' ')}]`, `Size:     ${humanSizeCompact(t.size, 4)}`, 'Image Layers'];
    t.layers.forEach((l, i) => {
      const branch = i === t.layers.length - 1 ? '└──' : '├──';
      const top = l.topOf.length > 0 ? ` Top Layer of: [${l.topOf.join(' ')}]` : '';
      // Podman pads the layer size to seven columns (%7v).
      lines.push(`${branch} ID: ${l.id.slice(0, 12)} Size: ${humanSizeCompact(l.size, 4).padStart(7)}${top}`);
    });
    if (ctx.flags.whatrequires) for (const c of t.children) lines.push(`    └── Image: ${c.id.slice(0, 12)} [${c.names.join(' ')}]`);
    // Podman's tree printer ends with an empty line.
    ctx.out(`${lines.join('\n')}\n\n`);
  },
};
