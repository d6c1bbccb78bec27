/** `manifest create/add/annotate/inspect/push/rm/exists`, with Podman's flags and output. */
import type { Engine } from '../../engine/engine.ts';
import type { InstanceOverrides, ManifestListService } from '../../engine/manifests.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandContext, CommandSpec } from '../command.ts';
import type { FlagSpec } from '../flags.ts';
import { registryAccess } from '../image/pull.ts';

/** The registry flags as `manifest` spells them (its --creds takes [username[:password]]). */
const ACCESS_FLAGS: readonly FlagSpec[] = [
  { name: 'authfile', type: 'string', usage: 'path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
  { name: 'cert-dir', type: 'string', usage: 'use certificates at the specified path to access the registry' },
  { name: 'creds', type: 'string', valueName: '[username[:password]]', usage: 'use [username[:password]] for accessing the registry' },
  { name: 'tls-verify', type: 'bool', usage: 'require HTTPS and verify certificates when accessing the registry', default: true },
];

const DESCRIPTOR_FLAGS: readonly FlagSpec[] = [
  { name: 'annotation', type: 'stringArray', valueName: 'annotation', usage: 'set an annotation for the specified image' },
  { name: 'arch', type: 'string', valueName: 'architecture', usage: 'override the architecture of the specified image' },
  { name: 'features', type: 'stringSlice', valueName: 'features', usage: 'override the features of the specified image' },
  { name: 'os', type: 'string', valueName: 'OS', usage: 'override the OS of the specified image' },
  { name: 'os-features', type: 'stringSlice', valueName: 'features', usage: 'override the OS features of the specified image' },
  { name: 'os-version', type: 'string', valueName: 'version', usage: 'override the OS version of the specified image' },
  { name: 'variant', type: 'string', valueName: 'Variant', usage: 'override the Variant of the specified image' },
];

async function lists(ctx: CommandContext): Promise<{ engine: Engine; lists: ManifestListService }> {
  const engine = await ctx.engine();
  const { ManifestListService } = await import('../../engine/manifests.ts');
  return { engine, lists: new ManifestListService(engine) };
}

function overrides(ctx: CommandContext): InstanceOverrides {
  const f = ctx.flags;
  return {
    arch: (f.arch as string) || undefined,
    os: (f.os as string) || undefined,
    variant: (f.variant as string) || undefined,
    osVersion: (f['os-version'] as string) || undefined,
    features: f.features as string[] | undefined,
    osFeatures: f['os-features'] as string[] | undefined,
    annotations: f.annotation as string[] | undefined,
  };
}

export const createCommand: CommandSpec = {
  use: 'create [options] LIST [IMAGE...]',
  long: 'Creates manifest lists or image indexes.',
  examples: ['skiff manifest create mylist:v1.11', 'skiff manifest create mylist:v1.11 arch-specific-image-to-add', 'skiff manifest create --all mylist:v1.11 transport:tagged-image-to-add'],
  args: { kind: 'min', n: 1 },
  flags: [{ name: 'all', type: 'bool', usage: 'add all of the lists\' images if the images to add are lists' }, ...ACCESS_FLAGS],
  async run(ctx) {
    const { lists: svc } = await lists(ctx);
    const id = await svc.create(ctx.args[0], ctx.args.slice(1), { ...(await registryAccess(ctx)), all: ctx.flags.all as boolean });
    ctx.out(`${id}\n`);
  },
};

export const addCommand: CommandSpec = {
  use: 'add [options] LIST IMAGE',
  long: 'Adds an image to a manifest list or image index.',
  examples: ['skiff manifest add mylist:v1.11 image:v1.11-amd64', 'skiff manifest add mylist:v1.11 transport:imageName'],
  args: { kind: 'exact', n: 2 },
  flags: [{ name: 'all', type: 'bool', usage: 'add all of the list\'s images if the image is a list' }, ...ACCESS_FLAGS, ...DESCRIPTOR_FLAGS],
  async run(ctx) {
    const { lists: svc } = await lists(ctx);
    const id = await svc.add(ctx.args[0], ctx.args[1], { ...(await registryAccess(ctx)), all: ctx.flags.all as boolean, ...overrides(ctx) });
    ctx.out(`${id}\n`);
  },
};

export const annotateCommand: CommandSpec = {
  use: 'annotate [options] LIST IMAGE',
  long: 'Adds or updates information about an entry in a manifest list or image index.',
  examples: ['skiff manifest annotate --annotation left=right mylist:v1.11 sha256:15352d97781ffdf357bf3459c037be3efac4133dc9070c2dce7eca7c05c3e736'],
  args: { kind: 'exact', n: 2 },
  flags: DESCRIPTOR_FLAGS,
  async run(ctx) {
    const { lists: svc } = await lists(ctx);
    ctx.out(`${svc.annotate(ctx.args[0], ctx.args[1], overrides(ctx))}\n`);
  },
};

export const inspectCommand: CommandSpec = {
  use: 'inspect [options] IMAGE',
  long: 'Display the contents of a manifest list or image index.',
  examples: ['skiff manifest inspect localhost/list'],
  args: { kind: 'exact', n: 1 },
  flags: [
    { name: 'authfile', type: 'string', usage: 'path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
    { name: 'tls-verify', type: 'bool', usage: 'require HTTPS and verify certificates when accessing the registry', default: true },
  ],
  async run(ctx) {
    const { engine, lists: svc } = await lists(ctx);
    const list = svc.find(ctx.args[0]);
    if (list) {
      ctx.out(svc.inspectText(list));
      return;
    }
    // Not a local list: the registry's manifest, as Podman shows it.
    const { resolveShortName } = await import('../../config/registries.ts');
    const input = ctx.args[0].replace(/^docker:\/\//, '');
    const [ref] = resolveShortName(input, { config: engine.images.registries() }).candidates;
    const { openClient } = await import('../../engine/registry-access.ts');
    const client = openClient({ registry: ref.domain, repository: ref.path, access: await registryAccess(ctx), registries: engine.images.registries(), rootless: engine.config.rootless, actions: 'pull' });
    try {
      const m = await client.manifest(ref.digest ?? ref.tag ?? 'latest');
      if (ref.digest && m.digest !== ref.digest) throw new SkiffError('digest-mismatch', `${input}: the registry sent a manifest with digest ${m.digest}`);
      let doc: unknown;
      try {
        doc = JSON.parse(m.bytes.toString('utf8'));
      } catch (e) {
        throw new SkiffError('registry', `${input}: the registry's manifest is not JSON: ${(e as Error).message}`);
      }
      ctx.out(`${JSON.stringify(doc, null, 4)}\n`);
    } finally {
      client.close();
    }
  },
};

export const pushCommand: CommandSpec = {
  use: 'push [options] LIST DESTINATION',
  long: 'Pushes manifest lists and image indexes to registries.',
  examples: ['skiff manifest push mylist:v1.11 docker://quay.io/myuser/image:v1.11'],
  args: { kind: 'range', min: 1, max: 2 },
  flags: [
    { name: 'all', type: 'bool', usage: 'also push the images in the list', default: true },
    ...ACCESS_FLAGS,
    { name: 'digestfile', type: 'string', usage: 'after copying the image, write the digest of the resulting digest to the file' },
    { name: 'format', short: 'f', type: 'string', usage: 'manifest type (oci or v2s2) to attempt to use when pushing the manifest list (default is manifest type of source)' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'don\'t output progress information when pushing lists' },
    { name: 'compression-format', type: 'string', usage: 'compression format to use' },
    // Accepted for Podman's command lines: skiff keeps no signatures with stored images, so none are copied.
    { name: 'remove-signatures', type: 'bool', usage: 'don\'t copy signatures when pushing images' },
    { name: 'rm', type: 'bool', usage: 'remove the manifest list if push succeeds' },
    { name: 'sign-by', type: 'string', valueName: 'FINGERPRINT', usage: 'sign the image using a GPG key with the specified FINGERPRINT' },
    { name: 'sign-by-sigstore-private-key', type: 'string', valueName: 'PATH', usage: 'Sign the image using a sigstore private key at PATH' },
    { name: 'sign-passphrase-file', type: 'string', valueName: 'PATH', usage: 'Read a passphrase for signing an image from PATH' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const format = f.format as string;
    if (format && format !== 'oci' && format !== 'v2s2') throw new SkiffError('invalid-argument', `unknown format ${JSON.stringify(format)}. Choose on of the supported formats: 'oci' or 'v2s2'`);
    if (f['sign-by-sigstore-private-key']) throw new SkiffError('unsupported', 'signing with a sigstore private key is not supported by skiff yet: use --sign-by with a GPG key');
    const compression = f['compression-format'] as string;
    if (compression && compression !== 'gzip' && compression !== 'zstd') throw new SkiffError('invalid-argument', `unsupported compression format ${compression}`);
    const { lists: svc } = await lists(ctx);
    const { copyReporter } = await import('../progress.ts');
    const digest = await svc.push(ctx.args[0], ctx.args[1] ?? ctx.args[0], {
      ...(await registryAccess(ctx)),
      all: f.all as boolean,
      format: (format || undefined) as 'oci' | 'v2s2' | undefined,
      rm: f.rm as boolean,
      compression: (compression || undefined) as 'gzip' | 'zstd' | undefined,
      signBy: (f['sign-by'] as string) || undefined,
      signPassphraseFile: (f['sign-passphrase-file'] as string) || undefined,
      reporter: copyReporter(ctx.stderr, { quiet: f.quiet as boolean }),
    });
    const digestFile = f.digestfile as string;
    if (digestFile) (await import('node:fs')).writeFileSync(digestFile, digest);
  },
};

export const rmCommand: CommandSpec = {
  use: 'rm LIST [LIST...]',
  long: 'Remove manifest list or image index from local storage.',
  examples: ['skiff manifest rm mylist:v1.11'],
  args: { kind: 'min', n: 1 },
  flags: [],
  async run(ctx) {
    const { lists: svc } = await lists(ctx);
    const errors: string[] = [];
    for (const name of ctx.args) {
      try {
        ctx.out(`${svc.remove(name).join('\n')}\n`);
      } catch (e) {
        if (!(e instanceof SkiffError)) throw e;
        errors.push(e.message);
      }
    }
    if (errors.length === 0) return 0;
    for (const m of errors.slice(0, -1)) ctx.err(`Error: ${m}\n`);
    // Podman: a list that is not known exits 1, as `rmi` of an unknown image does.
    throw new SkiffError('image-not-known', errors[errors.length - 1], { exitCode: 1 });
  },
};

export const existsCommand: CommandSpec = {
  use: 'exists LIST',
  long: 'Check if a manifest list exists in local storage.',
  examples: ['skiff manifest exists mylist'],
  args: { kind: 'exact', n: 1 },
  flags: [],
  async run(ctx) {
    const { lists: svc } = await lists(ctx);
    return svc.find(ctx.args[0]) ? 0 : 1;
  },
};
