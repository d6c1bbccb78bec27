/**
 * The one error type that reaches users. `code` is stable and type-checked so callers can
 * switch on it; `message` is what the CLI prints after `Error: ` (Podman's wording where
 * Podman's wording is the interface); `exitCode` is the process exit status the CLI uses.
 */
export type ErrorCode =
  | 'usage' // a bad flag (exit 125, with a "See 'skiff X --help'" line, as Podman's flag errors)
  | 'bad-arguments' // the wrong positional arguments (exit 125; Podman prints no See line for these)
  | 'invalid-argument' // a value that fails validation
  | 'invalid-reference' // an image reference that does not parse
  | 'image-not-known'
  | 'ambiguous-id'
  | 'image-in-use'
  | 'in-use' // a volume (or other object) that containers still use
  | 'no-such-object'
  | 'already-exists'
  | 'bad-archive' // an archive or tar that is missing, truncated, hostile or inconsistent
  | 'digest-mismatch'
  | 'unsafe-path' // a tar entry that would escape its root or write through a link
  | 'unsupported'
  | 'config' // a configuration file that cannot be read or parsed
  | 'lock-timeout'
  | 'oci-permission-denied' // the OCI runtime could not invoke the command (Podman's ErrOCIRuntimePermissionDenied)
  | 'oci-not-found' // the command to run does not exist (Podman's ErrOCIRuntimeNotFound)
  | 'oci-runtime-error' // any other failure of the OCI runtime (Podman's ErrOCIRuntime)
  | 'conmon-failed' // conmon did not start, broke its protocol, or timed out
  | 'timeout' // a bounded wait ran out
  | 'registry' // a registry answered with an error, or broke the protocol
  | 'registry-unreachable' // no connection to a registry (refused, TLS, name lookup)
  | 'unauthorized' // a registry wants credentials that were not given or were refused
  | 'manifest-unknown' // the registry has no such image (tag or digest)
  | 'blocked' // registries.conf blocks the registry
  | 'policy-rejected' // the trust policy (policy.json) does not accept the image
  | 'exhausted' // no free subnet, address or port is left to hand out
  | 'network' // netavark or the host's network refused to set up or tear down a container's network
  | 'rootless' // the user namespace of a rootless user cannot be made, joined or used as asked
  | 'io'
  | 'internal';

export class SkiffError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SkiffError';
    this.code = code;
    this.exitCode = opts.exitCode ?? 125;
    this.hint = opts.hint;
  }
}

export function isSkiffError(err: unknown, code?: ErrorCode): err is SkiffError {
  return err instanceof SkiffError && (code === undefined || err.code === code);
}

/** The errno code of a Node system error (`ENOENT`, …), or undefined for other errors. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
