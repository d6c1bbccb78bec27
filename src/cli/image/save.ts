import { saveImages } from '../../engine/transfer.ts';
import { ARCHIVE_FORMATS, type ArchiveFormat } from '../../image/transport/types.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'save [options] IMAGE [IMAGE...]',
  long: 'Save an image to docker-archive or oci-archive on the local machine. Default is docker-archive.',
  examples: [
    'skiff save --quiet -o myimage.tar imageID',
    'skiff save --format docker-dir -o ubuntu-dir ubuntu',
    'skiff save > alpine-all.tar alpine:latest',
  ],
  args: { kind: 'min', n: 1 },
  flags: [
    { name: 'compress', type: 'bool', usage: "Compress tarball image layers when saving to a directory using the 'dir' transport. (default is same compression type as source)" },
    {
      name: 'format',
      type: 'string',
      usage: 'Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive, docker-dir (directory with v2s2 manifest type)',
      default: 'docker-archive',
    },
    { name: 'multi-image-archive', short: 'm', type: 'bool', usage: 'Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)' },
    { name: 'output', short: 'o', type: 'string', usage: 'Write to a specified file (default: stdout, which must be redirected)' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress the output' },
    { name: 'signature-policy', type: 'string', usage: 'Path to a signature-policy file', hidden: true },
    { name: 'uncompressed', type: 'bool', usage: 'Accept uncompressed layers when copying OCI images' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const format = f.format as string;
    if (!(ARCHIVE_FORMATS as readonly string[]).includes(format)) {
      throw new SkiffError('invalid-argument', 'format value must be one of oci-dir oci-archive docker-dir docker-archive');
    }
    const multi = f['multi-image-archive'] as boolean;
    if (multi && format !== 'docker-archive') {
      throw new SkiffError('invalid-argument', `unsupported format "${format}" for saving multiple images (only docker-archive)`);
    }
    if (f.compress && format !== 'docker-dir' && format !== 'oci-dir') {
      throw new SkiffError('invalid-argument', '--compress can only be set when --format is either \'oci-dir\' or \'docker-dir\'');
    }
    let output = f.output as string;
    if (!output) {
      if (format.endsWith('-dir')) throw new SkiffError('invalid-argument', `--output is required for format ${format}`);
      if ((ctx.stdout as { isTTY?: boolean }).isTTY) {
        throw new SkiffError('invalid-argument', 'refusing to save to terminal. Use -o flag or redirect');
      }
      output = '/dev/stdout';
    }
    const engine = await ctx.engine();
    // What leaves the store passes the trust policy first, as in Podman.
    const { Trust } = await import('../../engine/trust.ts');
    const trust = Trust.load((f['signature-policy'] as string) || undefined);
    for (const name of ctx.args) await trust.checkStored(engine, name, engine.images.resolve(name));
    await saveImages(engine.images, ctx.args, { output, format: format as ArchiveFormat, multiImage: multi, compress: f.compress as boolean });
  },
};
