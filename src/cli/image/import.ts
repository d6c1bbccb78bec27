import { importTarball } from '../../engine/transfer.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'import [options] PATH [REFERENCE]',
  long: 'Create a container image from the contents of the specified tarball (.tar, .tar.gz, .tgz, .bzip, .tar.xz, .txz).\n\n  Note remote tar balls can be specified, via web address.\n  Optionally tag the image. You can specify the instructions using the --change option.',
  examples: [
    'skiff import https://example.com/ctr.tar url-image',
    'cat ctr.tar | skiff -q import --message "importing the ctr.tar tarball" - image-imported',
    'cat ctr.tar | skiff import -',
  ],
  args: { kind: 'range', min: 1, max: 2 },
  flags: [
    { name: 'arch', type: 'string', usage: 'Set the architecture of the imported image' },
    {
      name: 'change',
      short: 'c',
      type: 'stringArray',
      usage: 'Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR',
    },
    { name: 'message', short: 'm', type: 'string', usage: 'Set commit message for imported image' },
    { name: 'os', type: 'string', usage: 'Set the OS of the imported image' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress output' },
    { name: 'signature-policy', type: 'string', usage: 'Path to a signature-policy file', hidden: true },
    { name: 'variant', type: 'string', usage: 'Set the variant of the imported image' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const f = ctx.flags;
    // An import is a copy from the tarball transport: the trust policy decides first, as in Podman.
    const { Trust } = await import('../../engine/trust.ts');
    const { resolve } = await import('node:path');
    const source = ctx.args[0] === '-' ? '/dev/stdin' : resolve(ctx.args[0]);
    await Trust.load((f['signature-policy'] as string) || undefined).checkPath('tarball', source, '', Buffer.alloc(0));
    const img = await importTarball(engine.images, {
      source: ctx.args[0],
      stdin: ctx.stdin,
      reference: ctx.args[1],
      changes: f.change as string[],
      message: f.message as string,
      os: (f.os as string) || undefined,
      arch: (f.arch as string) || undefined,
      variant: (f.variant as string) || undefined,
    });
    ctx.out(`sha256:${img.id}\n`);
  },
};
