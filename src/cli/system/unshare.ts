/**
 * `skiff unshare [COMMAND [ARG...]]`: runs a command in the rootless user's namespaces, where
 * the user is root and the store's files show with their in-container owners. The command
 * replaces skiff (exec), so its exit code, signals and terminal are its own. Like Podman's,
 * it sees the store's paths in CONTAINERS_GRAPHROOT and CONTAINERS_RUNROOT.
 */
import { accessSync, constants } from 'node:fs';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'unshare [options] [COMMAND [ARG...]]',
  long: 'Runs a command in a modified user namespace.',
  examples: ['skiff unshare id', 'skiff unshare cat /proc/self/uid_map,', 'skiff unshare skiff-script.sh'],
  args: { kind: 'any' },
  interspersed: false,
  flags: [],
  async run(ctx) {
    const { rootlessUser } = await import('../../rootless/userns.ts');
    if (!rootlessUser()?.inNamespace) throw new SkiffError('rootless', 'please use unshare with rootless');
    const { resolveConfig } = await import('../../config/config.ts');
    const cfg = resolveConfig(ctx.global);
    const [cmd = process.env.SHELL || '/bin/sh', ...rest] = ctx.args;
    const { findExecutable } = await import('../../util/which.ts');
    const path = cmd.includes('/') ? cmd : findExecutable(cmd);
    if (path === undefined) throw new SkiffError('oci-not-found', `exec: "${cmd}": executable file not found in $PATH`, { exitCode: 127 });
    try {
      accessSync(path, constants.X_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file or directory' : 'permission denied';
      throw new SkiffError('oci-permission-denied', `fork/exec ${path}: ${why}`, { exitCode: code === 'ENOENT' ? 127 : 126 });
    }
    const env = { ...process.env, CONTAINERS_GRAPHROOT: cfg.graphRoot, CONTAINERS_RUNROOT: cfg.runRoot } as Record<string, string>;
    process.execve?.(path, [cmd, ...rest], env);
    throw new SkiffError('internal', 'process.execve is not available: skiff needs Node 24');
  },
};
