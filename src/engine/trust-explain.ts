/**
 * `image trust explain IMAGE`: which policy file, transport, scope and requirements apply to
 * an image, and what each requirement decides about it (with every signature's reason), so an
 * admin can see why a pull is refused without reading containers/image's rules.
 */
import { resolveShortName } from '../config/registries.ts';
import { formatReference, type ImageReference, normalizeName } from '../image/reference.ts';
import type { RegistryClient } from '../image/transport/registry/client.ts';
import { decide, refusalOf } from '../image/trust/evaluate.ts';
import type { Requirement } from '../image/trust/policy.ts';
import type { Engine } from './engine.ts';
import { openClient, type RegistryAccess } from './registry-access.ts';
import { dockerImage, Trust } from './trust.ts';

export interface Explanation {
  readonly text: string;
  readonly accepted: boolean;
}

export async function explainTrust(engine: Engine, input: string, opts: RegistryAccess & { signaturePolicy?: string }): Promise<Explanation> {
  const trust = Trust.load(opts.signaturePolicy);
  const name = input.replace(/^docker:\/\//, '');
  const ref = input.startsWith('docker://') ? normalizeName(name) : resolveShortName(name, { config: engine.images.registries() }).candidates[0];
  const reference = formatReference(ref);
  const decision = decide(trust.policy, { transport: 'docker', reference });
  const lines = [
    `Image:        docker://${reference}`,
    `Policy:       ${trust.policy.path}`,
    `Scopes tried: ${decision.scopes.join(', ')}`,
    `Decided by:   ${decision.scope === 'default' ? 'the policy\'s "default"' : decision.scope === '' ? 'the "docker" transport\'s default ("")' : `transports.docker[${JSON.stringify(decision.scope)}]`}`,
  ];
  // The manifest and signatures are fetched only when a requirement needs them.
  const needsImage = decision.requirements.some((r) => r.type === 'signedBy' || r.type === 'sigstoreSigned');
  let manifest: Buffer = Buffer.alloc(0);
  let digest = '';
  const client = openClient({ registry: ref.domain, repository: ref.path, access: opts, registries: engine.images.registries(), rootless: engine.config.rootless, actions: 'pull' });
  try {
    if (needsImage) {
      const top = await client.manifest(ref.digest ?? ref.tag ?? 'latest');
      manifest = top.bytes;
      digest = top.digest;
      lines.push(`Manifest:     ${digest}`);
    }
    return await judge(decision, ref, manifest, digest, client, lines);
  } finally {
    client.close();
  }
}

/** Each requirement's verdict on the image, after the lines that say which scope decided. */
async function judge(
  decision: ReturnType<typeof decide>,
  ref: ImageReference,
  manifest: Buffer,
  digest: string,
  client: RegistryClient,
  lines: string[],
): Promise<Explanation> {
  const image = dockerImage(ref, manifest, digest, client);
  let accepted = true;
  for (const [i, req] of decision.requirements.entries()) {
    const refusal = await refusalOf(req, image);
    if (refusal !== undefined) accepted = false;
    lines.push(`Requirement ${i + 1}: ${describe(req)}`, `  ${refusal === undefined ? 'accepts the image' : `refuses it: ${refusal}`}`);
  }
  lines.push(`Verdict:      ${accepted ? 'accepted' : 'rejected'}`);
  return { text: `${lines.join('\n')}\n`, accepted };
}

function describe(req: Requirement): string {
  switch (req.type) {
    case 'insecureAcceptAnything':
      return 'insecureAcceptAnything (any image)';
    case 'reject':
      return 'reject (no image)';
    case 'signedBy':
      return `signedBy: a GPG signature by a key in ${req.keyData !== undefined ? 'keyData' : (req.keyPaths ?? [req.keyPath]).join(', ')}, identity rule ${req.signedIdentity.type}`;
    case 'sigstoreSigned':
      return `sigstoreSigned: a sigstore signature, identity rule ${req.signedIdentity.type}`;
    case 'signedBaseLayer':
      return 'signedBaseLayer';
  }
}
