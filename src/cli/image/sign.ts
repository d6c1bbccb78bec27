import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { registryAccess } from './pull.ts';

export const command: CommandSpec = {
  use: 'sign [options] IMAGE [IMAGE...]',
  long: 'Create a signature file that can be used later to verify the image.',
  examples: ['skiff image sign --sign-by mykey imageID', 'skiff image sign --sign-by mykey --directory ./mykeydir imageID'],
  args: { kind: 'min', n: 1 },
  flags: [
    { name: 'all', short: 'a', type: 'bool', usage: 'Sign all the manifests of the multi-architecture image' },
    { name: 'authfile', type: 'string', usage: 'Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
    { name: 'cert-dir', type: 'string', valueName: 'Pathname', usage: 'Pathname of a directory containing TLS certificates and keys' },
    { name: 'directory', short: 'd', type: 'string', usage: 'Define an alternate directory to store signatures' },
    { name: 'sign-by', type: 'string', usage: 'Name of the signing key' },
    { name: 'sign-passphrase-file', type: 'string', valueName: 'PATH', usage: 'Read a passphrase for signing an image from PATH' },
    { name: 'tls-verify', type: 'bool', usage: 'Require HTTPS and verify certificates when contacting registries', default: true },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const signBy = f['sign-by'] as string;
    if (!signBy) throw new SkiffError('invalid-argument', 'please provide an identity');
    const engine = await ctx.engine();
    const { normalizeName } = await import('../../image/reference.ts');
    const { openClient } = await import('../../engine/registry-access.ts');
    const { signAndStore } = await import('../../engine/sign.ts');
    const access = await registryAccess(ctx);
    for (const input of ctx.args) {
      if (!input.startsWith('docker://')) {
        const colon = input.indexOf(':');
        throw new SkiffError('invalid-reference', colon < 0 ? `parsing image name: Invalid image name "${input}", expected colon-separated transport:reference` : `parsing image name: Invalid image name "${input}", unknown transport "${input.slice(0, colon)}"`);
      }
      const ref = normalizeName(input.slice('docker://'.length));
      const client = openClient({ registry: ref.domain, repository: ref.path, access, registries: engine.images.registries(), rootless: engine.config.rootless, actions: 'pull' });
      try {
        const top = await client.manifest(ref.digest ?? ref.tag ?? 'latest').catch((e: unknown) => {
          throw new SkiffError((e as SkiffError).code ?? 'registry', `getting image source: ${(e as Error).message}`);
        });
        const opts = { signBy, passphraseFile: (f['sign-passphrase-file'] as string) || undefined, directory: (f.directory as string) || undefined };
        await signAndStore(ref, top.digest, opts);
        if (f.all && (top.mediaType.endsWith('index.v1+json') || top.mediaType.endsWith('list.v2+json'))) {
          const { parseJson, validateIndex } = await import('../../image/types.ts');
          for (const m of validateIndex(parseJson(top.bytes, 'manifest list')).manifests) await signAndStore(ref, m.digest, opts);
        }
      } finally {
        client.close();
      }
    }
  },
};
