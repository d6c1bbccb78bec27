import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { loadImages } from '../../engine/transfer.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'load [options]',
  long: 'Loads an image from a locally stored archive (tar file) into container storage.',
  args: { kind: 'none' },
  flags: [
    { name: 'input', short: 'i', type: 'string', usage: 'Read from specified archive file (default: stdin)' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress the output' },
    { name: 'signature-policy', type: 'string', usage: 'Pathname of signature policy file', hidden: true },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    let input = ctx.flags.input as string;
    let tmp: string | undefined;
    try {
      if (!input) {
        if (ctx.stdin.isTTY) throw new SkiffError('invalid-argument', 'cannot read from terminal, use command-line redirection or the --input flag');
        // Archives need random access: spool stdin to a private temp file first.
        tmp = engine.store.scratchDir();
        input = join(tmp, 'archive');
        await pipeline(ctx.stdin, createWriteStream(input, { mode: 0o600 }));
      }
      const { Trust } = await import('../../engine/trust.ts');
      const trust = Trust.load((ctx.flags['signature-policy'] as string) || undefined);
      const names = await loadImages(engine.images, input, trust);
      ctx.out(`Loaded image: ${names.join('\nLoaded image: ')}\n`);
    } finally {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  },
};
