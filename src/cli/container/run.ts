import type { CommandContext, CommandSpec } from '../command.ts';
import { CREATE_FLAGS, createFromArgs, RUN_ONLY_FLAGS } from './create-flags.ts';
import { asRunStartError, runAttached } from './attach-run.ts';

export const command: CommandSpec = {
  use: 'run [options] IMAGE [COMMAND [ARG...]]',
  long: 'Runs a command in a new container from the given image',
  examples: [
    'skiff run imageID ls -alF /etc',
    'skiff run --network=host imageID dnf -y install java',
    'skiff run --volume /var/hostdir:/var/ctrdir -i -t fedora /bin/bash',
  ],
  args: { kind: 'min', n: 1 },
  interspersed: false,
  flags: [...CREATE_FLAGS, ...RUN_ONLY_FLAGS],
  async run(ctx: CommandContext) {
    if (ctx.flags.tty && ctx.flags.interactive && !ctx.stdin.isTTY) {
      ctx.warn('The input device is not a TTY. The --tty and --interactive flags might not work properly');
    }
    const { engine, container: c, flags } = await createFromArgs(ctx);
    if (ctx.flags.detach) {
      try {
        await engine.containers.start(c);
      } catch (e) {
        if (c.spec.remove) await engine.containers.remove(c, { force: true, volumes: true }).catch(() => {});
        throw await asRunStartError(e);
      }
      ctx.out(`${c.id}\n`);
      return 0;
    }
    return runAttached(ctx, engine, c, { stdin: flags.interactive, detachKeys: ctx.flags['detach-keys'] as string, sigProxy: ctx.flags['sig-proxy'] as boolean });
  },
};
