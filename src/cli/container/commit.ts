import { commitContainer } from '../../engine/container-fs.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'commit [options] CONTAINER [IMAGE]',
  long: 'Create an image from a container\'s changes. Optionally tag the image created, set the author with the --author flag, set the commit message with the --message flag, and make changes to the instructions with the --change flag.',
  examples: ['skiff commit -q --message "committing container to image" reverent_golick image-committed', 'skiff commit -q --author "firstName lastName" reverent_golick image-committed'],
  args: { kind: 'range', min: 1, max: 2 },
  flags: [
    { name: 'author', short: 'a', type: 'string', usage: 'Set the author for the image committed' },
    { name: 'change', short: 'c', type: 'stringArray', usage: 'Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR' },
    { name: 'format', short: 'f', type: 'string', usage: '`format` of the image manifest and metadata', default: 'oci' },
    { name: 'message', short: 'm', type: 'string', usage: 'Set commit message for imported image' },
    { name: 'pause', short: 'p', type: 'bool', usage: 'Pause container during commit' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress output' },
    { name: 'squash', type: 'bool', usage: 'squash newly built layers into a single new layer' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const format = ctx.flags.format as string;
    if (format !== 'oci' && format !== 'docker') throw new SkiffError('invalid-argument', `unrecognized image type "${format}"`);
    // An OCI config has no field for it, so Podman refuses rather than drop it.
    if (ctx.flags.message && format !== 'docker') throw new SkiffError('invalid-argument', 'messages are only compatible with the docker image format (-f docker)');
    const c = engine.containers.resolve(ctx.args[0]);
    const img = await commitContainer(engine, c, {
      name: ctx.args[1],
      changes: ctx.flags.change as string[],
      message: (ctx.flags.message as string) || undefined,
      author: (ctx.flags.author as string) || undefined,
      pause: ctx.flags.pause as boolean,
      format,
      squash: ctx.flags.squash as boolean,
    });
    ctx.out(`${img.id}\n`);
  },
};
