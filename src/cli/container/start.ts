import type { CommandSpec } from '../command.ts';
import { runAttached } from './attach-run.ts';
import { checkTargets, forEachContainer } from './each.ts';
import { SkiffError } from '../../util/errors.ts';

export const command: CommandSpec = {
  use: 'start [options] CONTAINER [CONTAINER...]',
  long: 'Starts one or more containers.  The container name or ID can be used.',
  examples: ['skiff start 860a4b231279 5421ab43b45', 'skiff start --interactive --attach imageID'],
  args: { kind: 'any' },
  flags: [
    { name: 'all', type: 'bool', usage: 'Start all containers regardless of their state or configuration' },
    { name: 'attach', short: 'a', type: 'bool', usage: 'Attach container\'s STDOUT and STDERR' },
    { name: 'detach-keys', type: 'string', usage: 'Select the key sequence for detaching a container. Format is a single character [a-Z] or a comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-cf`, `@`, `^`, `[`, `\\`, `]`, `^` or `_`', default: 'ctrl-p,ctrl-q', valueName: '[a-Z]' },
    { name: 'interactive', short: 'i', type: 'bool', usage: 'Keep STDIN open even if not attached' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'sig-proxy', type: 'bool', usage: 'Proxy received signals to the process (default true if attaching, false otherwise)' },
  ],
  async run(ctx) {
    const targets = {
      all: ctx.flags.all as boolean,
      latest: ctx.flags.latest as boolean,
      noTargets: 'start requires at least one argument',
      allWithNames: 'either start all containers or the container(s) provided in the arguments',
    };
    checkTargets(ctx, targets);
    const engine = await ctx.engine();
    if (ctx.flags.attach) {
      if (ctx.args.length > 1) throw new SkiffError('invalid-argument', 'you cannot start and attach multiple containers at once');
      const c = ctx.flags.latest ? engine.containers.latest() : engine.containers.resolve(ctx.args[0] ?? '');
      return runAttached(ctx, engine, c, {
        stdin: ctx.flags.interactive as boolean,
        detachKeys: ctx.flags['detach-keys'] as string,
        sigProxy: ctx.changed.has('sig-proxy') ? (ctx.flags['sig-proxy'] as boolean) : true,
        startError: 125,
      });
    }
    return forEachContainer(ctx, targets, async (c, input) => {
      // Podman leaves a running container alone and says nothing about it.
      if (c.state.status === 'running') return undefined;
      try {
        await engine.containers.start(c);
      } catch (e) {
        if (e instanceof SkiffError && e.code.startsWith('oci-')) {
          throw new SkiffError(e.code, `unable to start container "${c.id}": ${e.message}`, { exitCode: 125 });
        }
        throw e;
      }
      return input;
    });
  },
};
