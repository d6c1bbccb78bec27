import type { Readable, Writable } from 'node:stream';
import { execInContainer } from '../../engine/exec.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'exec [options] CONTAINER [COMMAND [ARG...]]',
  long: 'Execute the specified command inside a running container.',
  examples: ['skiff exec -it ctrID ls', 'skiff exec -it -w /tmp myCtr pwd', 'skiff exec --user root ctrID ls'],
  args: { kind: 'min', n: 1 },
  interspersed: false,
  flags: [
    { name: 'detach', short: 'd', type: 'bool', usage: 'Run the exec session in detached mode (backgrounded)' },
    { name: 'detach-keys', type: 'string', usage: 'Select the key sequence for detaching a container. Format is a single character [a-Z] or ctrl-<value> where <value> is one of: a-z, @, ^, [, , or _', default: 'ctrl-p,ctrl-q' },
    { name: 'env', short: 'e', type: 'stringArray', usage: 'Set environment variables' },
    { name: 'env-file', type: 'stringSlice', usage: 'Read in a file of environment variables' },
    { name: 'interactive', short: 'i', type: 'bool', usage: 'Keep STDIN open even if not attached' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'privileged', type: 'bool', usage: 'Give the process extended Linux capabilities inside the container.  The default is false' },
    { name: 'tty', short: 't', type: 'bool', usage: 'Allocate a pseudo-TTY. The default is false' },
    { name: 'user', short: 'u', type: 'string', usage: 'Sets the username or UID used and optionally the groupname or GID for the specified command' },
    { name: 'workdir', short: 'w', type: 'string', usage: 'Working directory inside the container' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const latest = ctx.flags.latest as boolean;
    const c = latest ? engine.containers.latest() : engine.containers.find(ctx.args[0]);
    if (!c) throw new SkiffError('no-such-object', `no container with name or ID "${ctx.args[0]}" found: no such container`);
    const command = latest ? ctx.args : ctx.args.slice(1);
    const res = await execInContainer(
      engine,
      c,
      {
        command,
        env: ctx.flags.env as string[],
        envFiles: ctx.flags['env-file'] as string[],
        user: (ctx.flags.user as string) || undefined,
        workdir: (ctx.flags.workdir as string) || undefined,
        tty: ctx.flags.tty as boolean,
        interactive: ctx.flags.interactive as boolean,
        privileged: ctx.flags.privileged as boolean,
        detach: ctx.flags.detach as boolean,
        detachKeys: ctx.flags['detach-keys'] as string,
      },
      { stdin: ctx.stdin as Readable, stdout: ctx.stdout as Writable, stderr: ctx.stderr as Writable },
    );
    if (ctx.flags.detach) {
      ctx.out(`${res.sessionId}\n`);
      return 0;
    }
    return res.exitCode ?? 0;
  },
};
