/**
 * `port [CONTAINER [PORT[/PROTO]]]`: the published ports of running containers, as Podman
 * lists them (`80/tcp -> 0.0.0.0:8080`), or the host address of one container port.
 */
import { expandPorts } from '../../network/ports.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'port [options] CONTAINER [PORT]',
  long: 'List port mappings for the CONTAINER, or look up the public-facing port that is NAT-ed to the PRIVATE_PORT',
  examples: ['skiff port --all', 'skiff port ctrID 80/tcp', 'skiff port --latest 80'],
  args: { kind: 'max', n: 2 },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Display port information for all containers' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
  ],
  async run(ctx) {
    const all = ctx.flags.all as boolean;
    const latest = ctx.flags.latest as boolean;
    if (all && latest) throw new SkiffError('invalid-argument', '--all and --latest cannot be used together');
    if (!all && !latest && ctx.args.length === 0) throw new SkiffError('invalid-argument', 'you must supply a running container name or id');
    const portArg = all || latest ? ctx.args[0] : ctx.args[1];
    if ((all || latest) && ctx.args.length > 1) throw new SkiffError('invalid-argument', 'the given arguments are not valid');
    let userPort = 0;
    let userProto = 'tcp';
    if (portArg !== undefined) {
      const [num, proto] = portArg.split('/');
      if (!/^\d+$/.test(num ?? '') || Number(num) > 65535) throw new SkiffError('invalid-argument', `strconv.ParseUint: parsing ${JSON.stringify(num)}: invalid syntax`);
      userPort = Number(num);
      if (proto !== undefined) userProto = proto;
    }
    const engine = await ctx.engine();
    const svc = engine.containers;
    const targets = all ? svc.list() : [latest ? svc.latest() : svc.resolve(ctx.args[0] as string)];
    for (const rec of targets) {
      const c = svc.sync(rec);
      if (c.state.status !== 'running') continue;
      const prefix = all ? `${c.id.slice(0, 12)}\t` : '';
      const ports = expandPorts(c.spec.ports ?? []);
      const address = (p: { hostIP: string; hostPort: number }) => `${p.hostIP === '' ? '0.0.0.0' : p.hostIP}:${p.hostPort}`;
      if (portArg === undefined) {
        for (const p of ports) ctx.out(`${prefix}${p.key} -> ${address(p)}\n`);
        continue;
      }
      const found = ports.find((p) => p.key === `${userPort}/${userProto}`);
      if (found) ctx.out(`${prefix}${address(found)}\n`);
    }
    return 0;
  },
};
