import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'untag IMAGE [IMAGE...]',
  long: 'Remove one or more names from a locally-stored image.',
  examples: ['skiff untag 0e3bbc2', 'skiff untag imageID:latest otherImageName:latest', 'skiff untag httpd myregistryhost:5000/fedora/httpd:v2'],
  args: { kind: 'min', n: 1 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    await engine.images.untag(ctx.args[0], ctx.args.slice(1));
  },
};
