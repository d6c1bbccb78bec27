/** `image mount` and `image unmount`, with Podman's output. */
import type { ImageRecord } from '../../image/store.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandContext, CommandSpec } from '../command.ts';

async function targets(ctx: CommandContext, all: boolean): Promise<ImageRecord[]> {
  const engine = await ctx.engine();
  if (all) return engine.images.list();
  return ctx.args.map((a) => engine.images.resolve(a));
}

/** The first name, as Podman lists a mounted image (its ID when it has none). */
function nameOf(img: ImageRecord): string {
  return img.names[0] ?? img.id;
}

export const mountCommand: CommandSpec = {
  use: 'mount [options] [IMAGE...]',
  long: 'Mount an image\'s root filesystem, read-only, where it can be read from the host. Without arguments, list the mounted images.',
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Mount all images' },
    { name: 'format', type: 'string', usage: 'Print the mounted images in specified format (json)' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const { mountImage, mountedImages } = await import('../../engine/image-mount.ts');
    const format = ctx.flags.format as string;
    if (format && format !== 'json') throw new SkiffError('invalid-argument', `unknown --format argument: ${format}`);
    const all = ctx.flags.all as boolean;
    if (ctx.args.length > 0 && all) throw new SkiffError('invalid-argument', 'when using the --all switch, you may not pass any image names or IDs');
    if (ctx.args.length === 1 && !all && !format) {
      ctx.out(`${await mountImage(engine, engine.images.resolve(ctx.args[0]))}\n`);
      return;
    }
    for (const img of await targets(ctx, all)) await mountImage(engine, img);
    const mounted = mountedImages(engine).filter(({ img }) => ctx.args.length === 0 || ctx.args.some((a) => engine.images.find(a)?.id === img.id));
    if (format === 'json') {
      const rows = mounted.map(({ img, path }) => ({ id: img.id, Names: img.digests, Repositories: img.names, mountpoint: path }));
      ctx.out(`${JSON.stringify(rows, null, 1)}\n`);
      return;
    }
    const width = Math.max(0, ...mounted.map(({ img }) => nameOf(img).length));
    for (const { img, path } of mounted) ctx.out(`${nameOf(img).padEnd(width)}  ${path}\n`);
  },
};

export const unmountCommand: CommandSpec = {
  use: 'unmount [options] IMAGE [IMAGE...]',
  long: 'Image storage increments a mount counter each time an image is mounted. This command decrements it, and unmounts the image when it reaches zero.',
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Unmount all of the currently mounted images' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Force the complete unmount of the specified mounted images' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const { mountedImages, unmountImage } = await import('../../engine/image-mount.ts');
    const all = ctx.flags.all as boolean;
    if (ctx.args.length === 0 && !all) throw new SkiffError('invalid-argument', 'image name or ID must be specified');
    const images = all ? mountedImages(engine).map((m) => m.img) : ctx.args.map((a) => engine.images.resolve(a));
    for (const img of images) {
      await unmountImage(engine, img, (ctx.flags.force as boolean) || all);
      ctx.out(`${img.id}\n`);
    }
  },
};
