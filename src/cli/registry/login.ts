import { SkiffError, isSkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { readLine, readSecret } from '../prompt.ts';

/** The auth-file key a login argument names: `host[:port][/repo…]`, without a scheme. */
export function loginKey(input: string): string {
  let key = input.replace(/^https?:\/\//, '');
  // A URL's path (`https://host/v1/`) is no repository; a bare `host/ns/repo` is.
  if (input !== key) key = key.split('/')[0] ?? key;
  key = key.replace(/\/+$/, '');
  if (key === '') throw new SkiffError('invalid-argument', 'please provide a registry to log in to');
  return key;
}

export const command: CommandSpec = {
  use: 'login [options] [REGISTRY]',
  long: 'Login to a container registry on a specified server.',
  examples: ['skiff login quay.io', 'skiff login --username ... --password ... quay.io', 'skiff login --authfile authdir/myauths.json quay.io'],
  args: { kind: 'max', n: 1 },
  flags: [
    { name: 'authfile', type: 'string', usage: 'path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
    { name: 'cert-dir', type: 'string', usage: 'use certificates at the specified path to access the registry' },
    { name: 'get-login', type: 'bool', usage: 'Return the current login user for the registry' },
    { name: 'password', short: 'p', type: 'string', usage: 'Password for registry' },
    { name: 'password-stdin', type: 'bool', usage: 'Take the password from stdin' },
    { name: 'tls-verify', type: 'bool', usage: 'Require HTTPS and verify certificates when contacting registries', default: true },
    { name: 'username', short: 'u', type: 'string', usage: 'Username for registry' },
    { name: 'verbose', short: 'v', type: 'bool', usage: 'Write more detailed information to stdout' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const auth = await import('../../config/auth.ts');
    const engine = await ctx.engine();
    let target = ctx.args[0];
    if (!target) {
      target = engine.images.registries().unqualifiedSearchRegistries[0];
      if (!target) throw new SkiffError('invalid-argument', 'please provide a registry to log in to');
    }
    const key = loginKey(target);
    const registry = key.split('/')[0];
    const repository = key.includes('/') ? key.slice(registry.length + 1) : undefined;
    const authfile = (f.authfile as string) || undefined;
    if (f['get-login']) {
      const creds = auth.lookupCredentials(registry, repository, { authfile });
      if (!creds) throw new SkiffError('invalid-argument', `not logged into ${key}`);
      ctx.out(`${creds.username}\n`);
      return;
    }
    if (f['password-stdin'] && ctx.changed.has('password')) throw new SkiffError('invalid-argument', 'can\'t specify both --password-stdin and --password');
    if (f['password-stdin'] && !f.username) throw new SkiffError('invalid-argument', 'must provide --username with --password-stdin');
    const { openClient } = await import('../../engine/registry-access.ts');
    const verify = async (username: string, password: string): Promise<void> => {
      const client = openClient({
        registry,
        repository: repository ?? '',
        access: { tlsVerify: ctx.changed.has('tls-verify') ? (f['tls-verify'] as boolean) : undefined, certDir: (f['cert-dir'] as string) || undefined, credentials: { username, password } },
        registries: engine.images.registries(),
        rootless: engine.config.rootless,
        actions: 'pull',
      });
      try {
        await client.checkLogin();
      } catch (e) {
        if (isSkiffError(e, 'unauthorized')) throw new SkiffError('unauthorized', `logging into ${JSON.stringify(key)}: invalid username/password`);
        if (isSkiffError(e, 'registry-unreachable') || isSkiffError(e, 'registry')) {
          throw new SkiffError(e.code, `authenticating creds for ${JSON.stringify(key)}: pinging container registry ${registry}: ${e.message}`);
        }
        throw e;
      } finally {
        client.close();
      }
    };
    let username = f.username as string;
    let password = f.password as string;
    if (!username && !ctx.changed.has('password') && !f['password-stdin']) {
      // Already logged in: Podman checks the stored credentials before asking for new ones.
      const stored = auth.lookupCredentials(registry, repository, { authfile });
      if (stored) {
        ctx.out(`Authenticating with existing credentials for ${key}\n`);
        try {
          await verify(stored.username, stored.password);
          ctx.out(`Existing credentials are valid. Already logged in to ${key}\n`);
          return;
        } catch (e) {
          if (!isSkiffError(e, 'unauthorized')) throw e;
          ctx.out('Existing credentials are invalid, please enter valid username and password\n');
        }
      }
    }
    if (f['password-stdin']) {
      let text = '';
      for await (const chunk of ctx.stdin) text += (chunk as Buffer).toString('utf8');
      password = text.replace(/\r?\n$/, '');
    }
    if (!username) username = await readLine(ctx, 'Username: ');
    if (!username) throw new SkiffError('invalid-argument', 'getting username and password: username can\'t be empty');
    if (!ctx.changed.has('password') && !f['password-stdin']) password = await readSecret(ctx, 'Password: ');
    if (!password) throw new SkiffError('invalid-argument', 'getting username and password: password can\'t be empty');
    await verify(username, password);
    const path = auth.storeCredentials(key, { username, password }, { authfile });
    if (f.verbose) ctx.out(`Used: ${path}\n`);
    ctx.out('Login Succeeded!\n');
  },
};
