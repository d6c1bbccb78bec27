import { isSkiffError, SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'rm [options] VOLUME [VOLUME...]',
  long: 'Remove one or more existing volumes.\n\n  By default only volumes that are not being used by any containers will be removed. To remove the volumes anyways, use the --force flag.',
  examples: ['skiff volume rm myvol1 myvol2', 'skiff volume rm --all', 'skiff volume rm --force myvol'],
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all volumes' },
    { name: 'force', short: 'f', type: 'bool', usage: 'Remove a volume by force, even if it is being used by a container' },
    { name: 'time', short: 't', type: 'uint', usage: 'Seconds to wait for running containers to stop before killing the container', default: 10 },
  ],
  async run(ctx) {
    const all = ctx.flags.all as boolean;
    if (all === ctx.args.length > 0) throw new SkiffError('invalid-argument', 'choose either one or more volumes or all');
    const engine = await ctx.engine();
    const svc = engine.volumes;
    const force = ctx.flags.force as boolean;
    const timeout = ctx.flags.time as number;
    const names = all ? svc.list().map((v) => v.name) : ctx.args;
    // Podman: a missing volume exits 1, one in use 2, anything else 125; the rest still go.
    let exit = 0;
    for (const name of names) {
      try {
        const v = svc.find(name);
        if (!v) {
          if (force) continue;
          throw new SkiffError('no-such-object', `no volume with name "${name}" found: no such volume`, { exitCode: 1 });
        }
        await svc.remove(v, { force, timeout });
        ctx.out(`${name}\n`);
      } catch (e) {
        if (!isSkiffError(e)) throw e;
        ctx.err(`Error: ${e.message}\n`);
        exit = exit || (e.code === 'no-such-object' ? 1 : e.code === 'in-use' ? 2 : 125);
      }
    }
    return exit;
  },
};
