import type { Platform } from '../../engine/pull.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandContext, CommandSpec } from '../command.ts';
import type { FlagSpec } from '../flags.ts';

/** Flags every command that reaches a registry shares (pull, push, login, search, run --pull). */
export const REGISTRY_FLAGS: readonly FlagSpec[] = [
  { name: 'authfile', type: 'string', usage: 'Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
  { name: 'cert-dir', type: 'string', valueName: 'Pathname', usage: 'Pathname of a directory containing TLS certificates and keys' },
  { name: 'creds', type: 'string', valueName: 'Credentials', usage: 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry' },
  { name: 'tls-verify', type: 'bool', usage: 'Require HTTPS and verify certificates when contacting registries', default: true },
];

/** Podman keeps this one out of --help; it replaces policy.json for the command. */
export const SIGNATURE_POLICY_FLAG: FlagSpec = { name: 'signature-policy', type: 'string', usage: 'Path to a signature-policy file', hidden: true };

export const PLATFORM_FLAGS: readonly FlagSpec[] = [
  { name: 'arch', type: 'string', valueName: 'ARCH', usage: 'Use ARCH instead of the architecture of the machine for choosing images' },
  { name: 'os', type: 'string', valueName: 'OS', usage: 'Use OS instead of the running OS for choosing images' },
  { name: 'platform', type: 'string', usage: 'Specify the platform for selecting the image.  (Conflicts with arch and os)' },
  { name: 'variant', type: 'string', usage: 'Use VARIANT instead of the running architecture variant for choosing images' },
];

/** The registry access the shared flags ask for. */
export async function registryAccess(ctx: CommandContext): Promise<import('../../engine/registry-access.ts').RegistryAccess> {
  const { parseCreds } = await import('../../engine/registry-access.ts');
  const f = ctx.flags;
  const authfile = (f.authfile as string) || undefined;
  if (authfile) {
    const { existsSync } = await import('node:fs');
    if (!existsSync(authfile)) throw new SkiffError('invalid-argument', `credential file is not accessible: stat ${authfile}: no such file or directory`);
  }
  return {
    tlsVerify: ctx.changed.has('tls-verify') ? (f['tls-verify'] as boolean) : undefined,
    certDir: (f['cert-dir'] as string) || undefined,
    credentials: ctx.changed.has('creds') ? await credsFlag(ctx, f.creds as string, parseCreds) : undefined,
    authfile,
  };
}

/** On a terminal, a short name that several registries could serve is chosen by the user. */
export function terminalChoice(ctx: CommandContext): { isTerminal: boolean; select?: (candidates: readonly string[]) => Promise<number> } {
  if (!ctx.stdin.isTTY || !(ctx.stdout as { isTTY?: boolean }).isTTY) return { isTerminal: false };
  return { isTerminal: true, select: async (c) => (await import('../select.ts')).selectOnTerminal(ctx, 'Please select an image', c) };
}

/** `--creds USER` without a password asks for it on the terminal, as Podman does. */
async function credsFlag(ctx: CommandContext, value: string, parse: (v: string) => { username: string; password: string }): Promise<{ username: string; password: string }> {
  if (value === '' || value.includes(':')) return parse(value);
  const { readSecret } = await import('../prompt.ts');
  return { username: value, password: await readSecret(ctx, 'Password: ') };
}

/** `--platform os/arch[/variant]` or `--os`/`--arch`/`--variant`, which it conflicts with. */
export function platformFlags(ctx: CommandContext): Partial<Platform> | undefined {
  const f = ctx.flags;
  const platform = f.platform as string;
  if (platform) {
    if (f.os || f.arch) throw new SkiffError('invalid-argument', '--platform option can not be specified with --arch or --os');
    const parts = platform.split('/');
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw new SkiffError('invalid-argument', `invalid platform syntax for --platform=${JSON.stringify(platform)}: use OS/ARCH[/VARIANT]`);
    return { os: parts[0], arch: parts[1], variant: parts[2] };
  }
  if (!f.os && !f.arch && !f.variant) return undefined;
  return { os: (f.os as string) || undefined, arch: (f.arch as string) || undefined, variant: (f.variant as string) || undefined };
}

function retryDelayMs(value: string, parse: (s: string) => number | undefined): number {
  const ns = parse(value);
  if (ns === undefined || ns < 0) throw new SkiffError('invalid-argument', `time: invalid duration ${JSON.stringify(value)}`);
  return Math.round(ns / 1e6);
}

export const command: CommandSpec = {
  use: 'pull [options] IMAGE [IMAGE...]',
  long: 'Pulls an image from a registry and stores it locally.\n\n  An image can be pulled by tag or digest. If a tag is not specified, the image with the \'latest\' tag is pulled.',
  examples: ['skiff pull imageName', 'skiff pull fedora:latest', 'skiff pull --creds=myusername:password docker://myregistry.example.com/repository/imagename:imagetag'],
  args: { kind: 'min', n: 1 },
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', usage: 'All tagged images in the repository will be pulled' },
    ...REGISTRY_FLAGS,
    ...PLATFORM_FLAGS,
    { name: 'disable-content-trust', type: 'bool', usage: 'This is a Docker specific option and is a NOOP' },
    { name: 'policy', type: 'string', usage: 'Pull image policy ("always"|"missing"|"never"|"newer")', default: 'always' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress output information when pulling images' },
    { name: 'retry', type: 'uint', usage: 'number of times to retry in case of failure when performing pull', default: 3 },
    { name: 'retry-delay', type: 'string', usage: 'delay between retries in case of pull failures' },
    SIGNATURE_POLICY_FLAG,
  ],
  async run(ctx) {
    const f = ctx.flags;
    const { pullImages } = await import('../../engine/pull-policy.ts');
    const { copyReporter } = await import('../progress.ts');
    const { parseGoDuration } = await import('../../runtime/logtime.ts');
    const policy = f.policy as string;
    const retryDelay = f['retry-delay'] as string;
    const engine = await ctx.engine();
    const access = await registryAccess(ctx);
    for (const input of ctx.args) {
      const ids = await pullImages(engine, input, policy, {
        ...access,
        platform: platformFlags(ctx),
        allTags: f['all-tags'] as boolean,
        retry: f.retry as number,
        signaturePolicy: (f['signature-policy'] as string) || undefined,
        retryDelayMs: retryDelay ? retryDelayMs(retryDelay, parseGoDuration) : undefined,
        reporter: copyReporter(ctx.stderr, { quiet: f.quiet as boolean }),
        warn: (m) => ctx.warn(m),
        ...terminalChoice(ctx),
      });
      for (const id of ids) ctx.out(`${id}\n`);
    }
  },
};
