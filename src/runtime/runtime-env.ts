/** The environment the OCI runtime is run with, shared by the direct calls and conmon's. */
import { callerUid } from '../rootless/userns.ts';

/** Podman leaves XDG_RUNTIME_DIR empty for root and uses the caller's otherwise. */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  return callerUid(env) === 0 ? '' : (env['XDG_RUNTIME_DIR'] ?? '');
}
