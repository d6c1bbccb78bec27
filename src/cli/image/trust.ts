/** `image trust set`, `image trust show` (as Podman's) and `image trust explain` (skiff's own). */
import type { CommandSpec } from '../command.ts';
import { renderList } from '../format/report.ts';
import { SkiffError } from '../../util/errors.ts';

const POLICY_PATH_FLAG = { name: 'policypath', type: 'string', usage: 'Path to the policy file (default: policy.json of the user or the system)', hidden: true } as const;

async function path(explicit: string | undefined): Promise<string> {
  const { policyPath } = await import('../../image/trust/policy.ts');
  return policyPath(explicit);
}

export const showCommand: CommandSpec = {
  use: 'show [options] [REGISTRY]',
  long: 'Display trust policy for the system',
  args: { kind: 'max', n: 1 },
  flags: [
    { name: 'json', short: 'j', type: 'bool', usage: 'Output as json' },
    { name: 'noheading', short: 'n', type: 'bool', usage: 'Do not print column headings' },
    { name: 'raw', type: 'bool', usage: 'Output raw policy file' },
    POLICY_PATH_FLAG,
  ],
  async run(ctx) {
    const file = await path((ctx.flags.policypath as string) || undefined);
    if (ctx.flags.raw) {
      const { readFileSync } = await import('node:fs');
      ctx.out(readFileSync(file, 'utf8'));
      return;
    }
    const { loadPolicy } = await import('../../image/trust/policy.ts');
    const { trustRows } = await import('../../engine/trust.ts');
    let rows = await trustRows(loadPolicy(file));
    if (ctx.args[0]) rows = rows.filter((r) => r.repoName === ctx.args[0]);
    if (ctx.flags.json) {
      const json = rows.map((r) => ({
        transport: r.transport,
        name: r.name,
        repo_name: r.repoName,
        ...(r.sigstore ? { sigstore: r.sigstore } : {}),
        type: r.type,
        ...(r.gpgId ? { gpg_id: r.gpgId } : {}),
      }));
      ctx.out(`${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    ctx.out(
      renderList({
        rows: rows.map((r) => ({ Transport: r.transport, RepoName: r.repoName, Type: r.type, GPGId: r.gpgId, SignatureStore: r.sigstore })),
        defaultFormat: 'table {{.Transport}}\t{{.RepoName}}\t{{.Type}}\t{{.GPGId}}\t{{.SignatureStore}}',
        headers: { Transport: 'TRANSPORT', RepoName: 'NAME', Type: 'TYPE', GPGId: 'ID', SignatureStore: 'STORE' },
        noHeading: ctx.flags.noheading as boolean,
        name: 'trust',
      }),
    );
  },
};

export const setCommand: CommandSpec = {
  use: 'set [options] REGISTRY',
  long: 'Set default trust policy or a new trust policy for a registry',
  examples: ['skiff image trust set -f /etc/pki/rpm-gpg/RPM-GPG-KEY-fedora docker.io', 'skiff image trust set -t reject default'],
  args: { kind: 'exact', n: 1 },
  flags: [
    { name: 'pubkeysfile', short: 'f', type: 'stringSlice', usage: 'Path of installed public key(s) to trust for TARGET.\nAbsolute path to keys is added to policy.json. May\nused multiple times to define multiple public keys.\nFile(s) must exist before using this command' },
    { name: 'type', short: 't', type: 'string', usage: 'Trust type, accept values: signedBy(default), accept, reject', default: 'signedBy' },
    POLICY_PATH_FLAG,
  ],
  async run(ctx) {
    const scope = ctx.args[0];
    // Podman takes a registry, namespace, repository or tagged reference; a wildcard it refuses.
    if (scope !== 'default' && (scope.includes('*') || /\s/.test(scope) || scope === '')) throw new SkiffError('invalid-argument', `invalid image uri: ${scope}`);
    const file = await path((ctx.flags.policypath as string) || undefined);
    const { resolve } = await import('node:path');
    const keys = ((ctx.flags.pubkeysfile as string[] | undefined) ?? []).map((k) => resolve(k));
    const { requirementsForTrustType, setTrust } = await import('../../engine/trust.ts');
    setTrust(file, scope, requirementsForTrustType(ctx.flags.type as string, keys));
  },
};

export const explainCommand: CommandSpec = {
  use: 'explain [options] IMAGE',
  long: 'Explain which policy.json scope and requirements decide whether IMAGE may be pulled, and what they decide',
  examples: ['skiff image trust explain quay.io/podman/hello:latest'],
  args: { kind: 'exact', n: 1 },
  flags: [
    { name: 'authfile', type: 'string', usage: 'Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' },
    { name: 'cert-dir', type: 'string', valueName: 'Pathname', usage: 'Pathname of a directory containing TLS certificates and keys' },
    { name: 'creds', type: 'string', valueName: 'Credentials', usage: 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry' },
    { name: 'signature-policy', type: 'string', usage: 'Path to a signature-policy file' },
    { name: 'tls-verify', type: 'bool', usage: 'Require HTTPS and verify certificates when contacting registries', default: true },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const { explainTrust } = await import('../../engine/trust-explain.ts');
    const { registryAccess } = await import('./pull.ts');
    const report = await explainTrust(engine, ctx.args[0], { ...(await registryAccess(ctx)), signaturePolicy: (ctx.flags['signature-policy'] as string) || undefined });
    ctx.out(report.text);
    return report.accepted ? 0 : 1;
  },
};
