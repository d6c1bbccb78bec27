import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'tag IMAGE TARGET_NAME [TARGET_NAME...]',
  long: 'Adds one or more additional names to locally-stored image.',
  examples: ['skiff tag 0e3bbc2 fedora:latest', 'skiff tag imageID:latest myNewImage:newTag', 'skiff tag httpd myregistryhost:5000/fedora/httpd:v2'],
  args: { kind: 'min', n: 2 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    await engine.images.tag(ctx.args[0], ctx.args.slice(1));
  },
};
