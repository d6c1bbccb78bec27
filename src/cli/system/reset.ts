/**
 * `system reset [-f]`: removes every container, image, volume and secret of this user and the
 * store's directories, after Podman's confirmation prompt unless --force.
 */
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'reset [options]',
  long: 'Reset skiff storage back to default state"\n\n  All containers will be stopped and removed, and all images, volumes and container content will be removed.\n',
  args: { kind: 'none' },
  flags: [{ name: 'force', short: 'f', type: 'bool', usage: 'Do not prompt for confirmation' }],
  async run(ctx) {
    const engine = await ctx.engine();
    const { resetStore, resetTargets } = await import('../../engine/system-reset.ts');
    if (!ctx.flags.force) {
      const { graphRoot, runRoot } = resetTargets(engine);
      ctx.out(
        'WARNING! This will remove:\n' +
          ['all containers', 'all images', 'all volumes', 'all secrets', `the graphRoot directory: "${graphRoot}"`, `the runRoot directory: "${runRoot}"`]
            .map((l) => `        - ${l}\n`)
            .join('') +
          'Are you sure you want to continue? [y/N] ',
      );
      const { readLine } = await import('../prompt.ts');
      const answer = await readLine({ ...ctx, out: () => {} }, '').catch(() => '');
      if (!/^y(es)?$/i.test(answer.trim())) return 0;
    }
    await resetStore(engine, ctx.warn);
    return 0;
  },
};
