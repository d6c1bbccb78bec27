import { SkiffError } from '../../util/errors.ts';
import type { CommandContext, CommandSpec } from '../command.ts';
import { REGISTRY_FLAGS, registryAccess } from './pull.ts';

/** The sigstore private key, its passphrase from --sign-passphrase-file or the terminal. */
async function sigstoreKeyFlag(ctx: CommandContext): Promise<import('node:crypto').KeyObject> {
  const file = ctx.flags['sign-passphrase-file'] as string;
  let passphrase: string;
  if (file) {
    const { readFileSync } = await import('node:fs');
    passphrase = readFileSync(file, 'utf8').split('\n')[0] ?? '';
  } else {
    const { readSecret } = await import('../prompt.ts');
    passphrase = await readSecret(ctx, 'Key Passphrase: ');
  }
  const { loadSigstoreKey } = await import('../../engine/sign.ts');
  return loadSigstoreKey(ctx.flags['sign-by-sigstore-private-key'] as string, passphrase);
}

export const command: CommandSpec = {
  use: 'push [options] IMAGE [DESTINATION]',
  long: 'Pushes a source image to a specified destination.\n\n  The Image "DESTINATION" uses a "transport":"details" format. See skiff-push(1) section "DESTINATION" for the expected format.',
  examples: ['skiff push imageID docker://registry.example.com/repository:tag', 'skiff push imageID oci-archive:/path/to/layout:image:tag'],
  args: { kind: 'range', min: 1, max: 2 },
  flags: [
    ...REGISTRY_FLAGS,
    { name: 'compress', type: 'bool', usage: "Compress tarball image layers when pushing to a directory using the 'dir' transport. (default is same compression type as source)" },
    { name: 'compression-format', type: 'string', usage: 'compression format to use' },
    { name: 'compression-level', type: 'int', usage: 'compression level to use', default: -1 },
    { name: 'digestfile', type: 'string', usage: 'Write the digest of the pushed image to the specified file' },
    { name: 'disable-content-trust', type: 'bool', usage: 'This is a Docker specific option and is a NOOP' },
    { name: 'force-compression', type: 'bool', usage: 'Use the specified compression algorithm even if the destination contains a differently-compressed variant already' },
    { name: 'format', short: 'f', type: 'string', usage: 'Manifest type (oci, v2s2, or v2s1) to use in the destination (default is manifest type of source, with fallbacks)' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress output information when pushing images' },
    // Accepted for Podman's command lines: skiff keeps no signatures with stored images, so a push never copies any.
    { name: 'remove-signatures', type: 'bool', usage: 'Discard any pre-existing signatures in the image' },
    { name: 'signature-policy', type: 'string', usage: 'Path to a signature-policy file', hidden: true },
    { name: 'sign-by', type: 'string', usage: 'Add a signature at the destination using the specified key' },
    { name: 'sign-by-sigstore-private-key', type: 'string', valueName: 'PATH', usage: 'Sign the image using a sigstore private key at PATH' },
    { name: 'sign-passphrase-file', type: 'string', valueName: 'PATH', usage: 'Read a passphrase for signing an image from PATH' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const format = f.format as string;
    if (format && format !== 'oci' && format !== 'v2s2') {
      if (format === 'v2s1') throw new SkiffError('unsupported', 'Docker schema 1 manifests are not supported: use --format oci or v2s2');
      throw new SkiffError('invalid-argument', `unknown format ${JSON.stringify(format)}. Choose one of the supported formats: 'oci', 'v2s2', or 'v2s1'`);
    }
    const compression = f['compression-format'] as string;
    if (compression && compression !== 'gzip' && compression !== 'zstd') throw new SkiffError('invalid-argument', `unsupported compression format ${compression}`);
    const level = f['compression-level'] as number;
    if (f['sign-by'] && f['sign-by-sigstore-private-key']) throw new SkiffError('invalid-argument', 'only one of --sign-by and sign-by-sigstore-private-key can be used');
    if (f['sign-passphrase-file'] && !f['sign-by'] && !f['sign-by-sigstore-private-key']) throw new SkiffError('invalid-argument', 'a passphrase file was given without a key to sign with');
    const source = ctx.args[0];
    const destination = ctx.args[1] ?? source;
    const engine = await ctx.engine();
    const { isOtherTransport } = await import('../../engine/pull-policy.ts');
    const signaturePolicy = (f['signature-policy'] as string) || undefined;
    if (isOtherTransport(destination)) {
      const { Trust } = await import('../../engine/trust.ts');
      await Trust.load(signaturePolicy).checkStored(engine, source, engine.images.resolve(source));
      const { copyToTransport } = await import('../../engine/transports.ts');
      await copyToTransport(engine, source, destination, { compress: f.compress as boolean });
      return;
    }
    const { pushImage } = await import('../../engine/push.ts');
    const { copyReporter } = await import('../progress.ts');
    await pushImage(engine, source, destination, {
      ...(await registryAccess(ctx)),
      format: (format || undefined) as 'oci' | 'v2s2' | undefined,
      compression: (compression || undefined) as 'gzip' | 'zstd' | undefined,
      compressionLevel: level >= 0 ? level : undefined,
      forceCompression: f['force-compression'] as boolean,
      digestFile: (f.digestfile as string) || undefined,
      signBy: (f['sign-by'] as string) || undefined,
      signaturePolicy,
      sigstoreKey: f['sign-by-sigstore-private-key'] ? await sigstoreKeyFlag(ctx) : undefined,
      signPassphraseFile: (f['sign-passphrase-file'] as string) || undefined,
      reporter: copyReporter(ctx.stderr, { quiet: f.quiet as boolean }),
    });
  },
};
