/** `system check`: the preflight of src/engine/system-check.ts, as a table or JSON; exit 1 when a check fails. */
import type { CommandSpec } from '../command.ts';
import { SkiffError } from '../../util/errors.ts';

export const command: CommandSpec = {
  use: 'check [options]',
  long: 'Check that this host and user can run containers (for an unprivileged user: subordinate IDs, newuidmap/newgidmap, user namespaces, XDG_RUNTIME_DIR, /dev/net/tun, /dev/fuse, overlay, cgroups, a network helper), and print the command that fixes each problem.',
  args: { kind: 'none' },
  flags: [{ name: 'format', type: 'string', usage: 'Print the results as json' }],
  async run(ctx) {
    const format = ctx.flags.format as string;
    if (format && format !== 'json') throw new SkiffError('invalid-argument', `unknown --format argument: ${format}`);
    const { currentContext, runChecks } = await import('../../engine/system-check.ts');
    const results = runChecks(currentContext());
    if (format === 'json') ctx.out(`${JSON.stringify(results, null, 2)}\n`);
    else {
      const width = Math.max(...results.map((r) => r.check.length));
      for (const r of results) {
        ctx.out(`${r.check.padEnd(width)}  ${r.status.padEnd(7)}  ${r.detail}\n`);
        if (r.fix) ctx.out(`${' '.repeat(width)}  fix:     ${r.fix}\n`);
      }
    }
    return results.some((r) => r.status === 'failed') ? 1 : 0;
  },
};
