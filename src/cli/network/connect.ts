import { parseIP } from '../../network/ip.ts';
import { parseMac } from '../../network/flags.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'connect [options] NETWORK CONTAINER',
  long: 'Connects a container to a network. A running container gets its interface at once; a stopped one at its next start.',
  examples: ['skiff network connect mynet ctr', 'skiff network connect --ip 10.89.0.50 --alias web mynet ctr'],
  args: { kind: 'exact', n: 2 },
  flags: [
    { name: 'alias', type: 'stringSlice', usage: 'network scoped alias for container' },
    { name: 'ip', type: 'string', usage: 'set a static ipv4 address for this container network', valueName: 'ip' },
    { name: 'ip6', type: 'string', usage: 'set a static ipv6 address for this container network', valueName: 'ip' },
    { name: 'mac-address', type: 'string', usage: 'set a static mac address for this container network' },
  ],
  async run(ctx) {
    const [netName, ctrName] = ctx.args as [string, string];
    const ips: string[] = [];
    for (const flag of ['ip', 'ip6']) {
      if (!ctx.changed.has(flag)) continue;
      const v = ctx.flags[flag] as string;
      if (!parseIP(v)) throw new SkiffError('usage', `invalid argument "${v}" for "--${flag}" flag: invalid string being converted to IP address: ${v}`);
      ips.push(v);
    }
    const mac = ctx.changed.has('mac-address') ? parseMac(ctx.flags['mac-address'] as string) : undefined;
    const networks = await (await ctx.engine()).networks();
    const aliases = ctx.flags.alias as string[];
    await networks.withContainer(ctrName, netName, (c, net) => networks.connect(c, net, { name: net.name, aliases, staticIPs: ips, ...(mac ? { staticMac: mac } : {}) }));
  },
};
