import { parseIP } from '../../network/ip.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { parseLabels } from '../labels.ts';

export const command: CommandSpec = {
  use: 'create [options] [NETWORK]',
  long: 'Creates a network for containers to join. Without --subnet, the first free subnet of the configured pools is used.',
  examples: ['skiff network create', 'skiff network create --subnet 192.168.44.0/24 --gateway 192.168.44.1 mynet', 'skiff network create -d macvlan -o parent=eth0 --subnet 192.168.55.0/24 lan'],
  args: { kind: 'max', n: 1 },
  flags: [
    { name: 'disable-dns', type: 'bool', usage: 'disable dns plugin' },
    { name: 'driver', short: 'd', type: 'string', usage: 'driver to manage the network', default: 'bridge' },
    { name: 'gateway', type: 'stringSlice', usage: 'IPv4 or IPv6 gateway for the subnet', valueName: 'ipSlice' },
    { name: 'internal', type: 'bool', usage: 'restrict external access from this network' },
    { name: 'ip-range', type: 'stringArray', usage: 'allocate container IP from range' },
    { name: 'ipam-driver', type: 'string', usage: 'IP Address Management Driver' },
    { name: 'ipv6', type: 'bool', usage: 'enable IPv6 networking' },
    { name: 'label', type: 'stringArray', usage: 'set metadata on a network' },
    { name: 'opt', short: 'o', type: 'stringArray', usage: 'Set driver specific options (default [])' },
    { name: 'subnet', type: 'stringArray', usage: 'subnets in CIDR format' },
  ],
  async run(ctx) {
    const gateways = ctx.flags.gateway as string[];
    for (const g of gateways) {
      if (!parseIP(g)) throw new SkiffError('usage', `invalid argument "${g}" for "--gateway" flag: invalid string being converted to IP address: ${g}`);
    }
    const engine = await ctx.engine();
    const networks = await engine.networks();
    const net = await networks.create({
      ...(ctx.args[0] === undefined ? {} : { name: ctx.args[0] }),
      driver: ctx.flags.driver as string,
      subnets: ctx.flags.subnet as string[],
      gateways,
      ipRanges: ctx.flags['ip-range'] as string[],
      internal: ctx.flags.internal as boolean,
      disableDns: ctx.flags['disable-dns'] as boolean,
      ipv6: ctx.flags.ipv6 as boolean,
      labels: parseLabels(ctx.flags.label as string[]),
      options: ctx.flags.opt as string[],
      ...(ctx.changed.has('ipam-driver') ? { ipamDriver: ctx.flags['ipam-driver'] as string } : {}),
    });
    ctx.out(`${net.name}\n`);
  },
};
