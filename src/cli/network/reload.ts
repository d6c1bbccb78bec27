import { isSkiffError, SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'reload [options] [CONTAINER...]',
  long: "Sets the networks of running containers up again, with their addresses and ports: for after the host's firewall rules were flushed or reloaded.",
  examples: ['skiff network reload web', 'skiff network reload --all'],
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Reload network configuration of all containers' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
  ],
  async run(ctx) {
    const all = ctx.flags.all as boolean;
    const latest = ctx.flags.latest as boolean;
    if (!all && !latest && ctx.args.length === 0) throw new SkiffError('bad-arguments', 'you must provide at least one name or id');
    const engine = await ctx.engine();
    const svc = engine.containers;
    const networks = await engine.networks();
    const targets = all ? svc.records.list().map((c) => c.id) : latest ? [svc.latest().id] : ctx.args;
    let exit = 0;
    for (const name of targets) {
      try {
        const c = svc.resolve(name);
        await svc.lock(c.id).with(async () => {
          const cur = svc.sync(svc.records.get(c.id) ?? c);
          if (cur.state.status !== 'running' || cur.spec.network.mode !== 'bridge') {
            if (all) return;
            throw new SkiffError('invalid-argument', `container ${cur.id} is not running with a bridge network: nothing to reload`);
          }
          await networks.reload(cur);
          ctx.out(`${cur.id}\n`);
        });
      } catch (e) {
        if (!isSkiffError(e)) throw e;
        ctx.err(`Error: ${e.message}\n`);
        exit = 125;
      }
    }
    return exit;
  },
};
