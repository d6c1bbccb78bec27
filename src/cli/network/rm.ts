import { isSkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'rm [options] NETWORK [NETWORK...]',
  long: 'Removes networks. A network that containers use is refused unless --force, which removes those containers first.',
  examples: ['skiff network rm mynet', 'skiff network rm -f mynet'],
  args: { kind: 'min', n: 1 },
  flags: [
    { name: 'force', short: 'f', type: 'bool', usage: 'remove any containers using network' },
    { name: 'time', short: 't', type: 'uint', usage: 'Seconds to wait for running containers to stop before killing the container', default: 10 },
  ],
  async run(ctx) {
    const networks = await (await ctx.engine()).networks();
    // Podman: a missing network exits 1, one in use 2, anything else 125; the rest still go.
    let exit = 0;
    for (const name of ctx.args) {
      try {
        const net = networks.resolve(name);
        await networks.remove(net, { force: ctx.flags.force as boolean, timeout: ctx.flags.time as number });
        ctx.out(`${name}\n`);
      } catch (e) {
        if (!isSkiffError(e)) throw e;
        ctx.err(`Error: ${e.message}\n`);
        exit = e.code === 'no-such-object' ? 1 : e.code === 'in-use' ? 2 : 125;
      }
    }
    return exit;
  },
};
