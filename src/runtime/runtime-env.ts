/** The environment the OCI runtime is run with, shared by the direct calls and conmon's. */

/** Podman leaves XDG_RUNTIME_DIR empty for root and uses the caller's otherwise. */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  return process.getuid?.() === 0 ? '' : (env['XDG_RUNTIME_DIR'] ?? '');
}
