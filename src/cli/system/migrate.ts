/**
 * `system migrate`: stops every running container and, rootless, ends the pause process, so
 * that the next command builds its user namespace from the current /etc/subuid and
 * /etc/subgid (what an administrator's new range needs).
 */
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'migrate [options]',
  long: 'skiff system migrate\n\n        Migrate existing containers to a new version of skiff.\n',
  args: { kind: 'none' },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    const { stopAllContainers, stopRootless } = await import('../../engine/system-reset.ts');
    await stopAllContainers(engine, (id) => ctx.out(`stopped ${id}\n`), ctx.warn);
    await stopRootless(engine);
  },
};
