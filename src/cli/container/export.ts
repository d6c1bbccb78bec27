import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exportContainer } from '../../engine/container-fs.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'export [options] CONTAINER',
  long: 'Exports container\'s filesystem contents as a tar archive and saves it on the local machine.',
  examples: ['skiff export ctrID > myCtr.tar', 'skiff export --output="myCtr.tar" ctrID'],
  args: { kind: 'exact', n: 1 },
  flags: [{ name: 'output', short: 'o', type: 'string', usage: 'Write to a specified file (default: stdout, which must be redirected)' }],
  async run(ctx) {
    const engine = await ctx.engine();
    const output = ctx.flags.output as string;
    if (!output && (ctx.stdout as { isTTY?: boolean }).isTTY) throw new SkiffError('invalid-argument', 'refusing to export to terminal. Use -o flag or redirect');
    const c = engine.containers.resolve(ctx.args[0]);
    await exportContainer(engine, c, (chunks) => pipeline(Readable.from(chunks), output ? createWriteStream(output) : ctx.stdout, { end: Boolean(output) }));
  },
};
