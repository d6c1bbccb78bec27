import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { loginKey } from './login.ts';

export const command: CommandSpec = {
  use: 'logout [options] [REGISTRY]',
  long: 'Remove the cached username and password for the registry.',
  examples: ['skiff logout quay.io', 'skiff logout --authfile authdir/myauths.json quay.io', 'skiff logout --all'],
  args: { kind: 'max', n: 1 },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove the cached credentials for all registries in the auth file' },
    { name: 'authfile', type: 'string', usage: 'path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
  ],
  async run(ctx) {
    const auth = await import('../../config/auth.ts');
    const authfile = (ctx.flags.authfile as string) || undefined;
    if (ctx.flags.all) {
      if (ctx.args.length > 0) throw new SkiffError('invalid-argument', '--all takes no arguments');
      auth.removeAllCredentials({ authfile });
      ctx.out('Removed login credentials for all registries\n');
      return;
    }
    let target = ctx.args[0];
    if (!target) {
      const engine = await ctx.engine();
      target = engine.images.registries().unqualifiedSearchRegistries[0];
      if (!target) throw new SkiffError('invalid-argument', 'please provide a registry to log out from');
    }
    const key = loginKey(target);
    if (auth.removeCredentials(key, { authfile })) {
      ctx.out(`Removed login credentials for ${key}\n`);
      return;
    }
    throw new SkiffError('invalid-argument', `not logged into ${key}`);
  },
};
