import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'rm [options] SECRET [SECRET...]',
  long: 'Remove one or more secrets',
  examples: ['skiff secret rm mysecret1 mysecret2'],
  args: { kind: 'any' },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Remove all secrets' },
    { name: 'ignore', short: 'i', type: 'bool', usage: 'Ignore errors when a specified secret is missing' },
  ],
  async run(ctx) {
    const all = ctx.flags.all as boolean;
    if (all === ctx.args.length > 0) throw new SkiffError('bad-arguments', `\`${ctx.path}\` requires one argument, or the --all flag`);
    const engine = await ctx.engine();
    const svc = await engine.secrets();
    const { validateSecretName } = await import('../../secrets/options.ts');
    const inputs = all ? svc.list().map((s) => s.id) : ctx.args;
    // Podman prints every ID it removed, then one line per missing secret (exit 125); any
    // other error (a bad name, an ambiguous prefix) stops the command at once.
    const missing: string[] = [];
    for (const input of inputs) {
      validateSecretName(input);
      const rec = svc.find(input);
      if (!rec) {
        if (!ctx.flags.ignore) missing.push(input);
        continue;
      }
      await svc.remove(rec);
      ctx.out(`${rec.id}\n`);
    }
    if (missing.length === 0) return 0;
    const { noSuchSecret } = await import('../../engine/secrets.ts');
    for (const m of missing.slice(0, -1)) ctx.err(`Error: ${noSuchSecret(m).message}\n`);
    throw noSuchSecret(missing[missing.length - 1]);
  },
};
