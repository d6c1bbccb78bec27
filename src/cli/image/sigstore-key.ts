/**
 * `image generate-sigstore-key`: a key pair for `push --sign-by-sigstore-private-key` and
 * `sigstoreSigned` policies, in cosign's formats (as skopeo's command of the same name writes
 * them): PREFIX.private (encrypted) and PREFIX.pub.
 */
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'generate-sigstore-key [options] --output-prefix PREFIX',
  long: 'Generate a sigstore public/private key pair: PREFIX.pub and PREFIX.private, the private key encrypted with a passphrase.',
  examples: ['skiff image generate-sigstore-key --output-prefix mykey --passphrase-file passphrase.txt'],
  args: { kind: 'none' },
  flags: [
    { name: 'output-prefix', type: 'string', usage: 'Write the keys to PREFIX.pub and PREFIX.private' },
    { name: 'passphrase-file', type: 'string', usage: 'Read a passphrase for the private key from PATH' },
  ],
  async run(ctx) {
    const prefix = ctx.flags['output-prefix'] as string;
    if (!prefix) throw new SkiffError('invalid-argument', '--output-prefix must be specified');
    const { existsSync, readFileSync, writeFileSync } = await import('node:fs');
    for (const p of [`${prefix}.pub`, `${prefix}.private`]) if (existsSync(p)) throw new SkiffError('already-exists', `refusing to overwrite existing ${p}`);
    let passphrase: string;
    const file = ctx.flags['passphrase-file'] as string;
    if (file) passphrase = readFileSync(file, 'utf8').split('\n')[0] ?? '';
    else {
      const { readSecret } = await import('../prompt.ts');
      passphrase = await readSecret(ctx, 'Passphrase for the private key: ');
    }
    const { generateKeyPair } = await import('../../image/trust/sigstore.ts');
    const keys = await generateKeyPair(passphrase);
    // 'wx': never over a file (or a symlink) that appeared since the check above.
    writeFileSync(`${prefix}.private`, keys.privatePem, { mode: 0o600, flag: 'wx' });
    writeFileSync(`${prefix}.pub`, keys.publicPem, { mode: 0o644, flag: 'wx' });
    ctx.out(`Key written to "${prefix}.private" and "${prefix}.pub"\n`);
  },
};
