import type { CommandSpec } from '../command.ts';
import { printInspect } from '../inspect.ts';

export const command: CommandSpec = {
  use: 'inspect [options] IMAGE [IMAGE...]',
  long: 'Displays the low-level information of an image identified by name or ID.',
  examples: ['skiff image inspect alpine', 'skiff image inspect --format "imageId: {{.Id}} size: {{.Size}}" alpine'],
  args: { kind: 'min', n: 1 },
  flags: [{ name: 'format', short: 'f', type: 'string', usage: "Format the output to a Go template or json", default: 'json' }],
  async run(ctx) {
    const engine = await ctx.engine();
    return printInspect(ctx, ctx.args, ctx.flags.format as string, (name) => engine.images.inspect(name), (_name, e) => `inspecting object: ${e.message}`);
  },
};
