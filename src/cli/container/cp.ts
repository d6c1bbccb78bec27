import { copy, serveCopier } from '../../engine/container-cp.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH',
  long:
    'Copy the contents of SRC_PATH to the DEST_PATH.\n\n  You can copy from the container\'s file system to the local machine or the reverse, from the local filesystem to the container. If "-" is specified for either the SRC_PATH or DEST_PATH, you can also stream a tar archive from STDIN or to STDOUT. The CONTAINER can be a running or stopped container. The SRC_PATH or DEST_PATH can be a file or a directory.\n',
  examples: ['skiff cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH'],
  args: { kind: 'exact', n: 2 },
  flags: [
    { name: 'archive', short: 'a', type: 'bool', usage: 'Chown copied files to the primary uid/gid of the destination container.', default: true },
    { name: 'overwrite', type: 'bool', usage: 'Allow to overwrite directories with non-directories and vice versa' },
    // Podman's deprecated no-ops, accepted for scripts that still pass them.
    { name: 'extract', type: 'bool', usage: 'Deprecated...', hidden: true },
    { name: 'pause', type: 'bool', usage: 'Deprecated', default: true, hidden: true },
    // Internal: skiff runs itself with `--copier OP ROOT REQUEST` to work inside a container's
    // root after chroot() (engine/container-cp.ts); not for users.
    { name: 'copier', type: 'string', usage: 'Internal', hidden: true },
  ],
  async run(ctx) {
    const op = ctx.flags.copier as string;
    const stdin = ctx.stdin as AsyncIterable<Uint8Array>;
    if (op) return serveCopier(op, ctx.args[0] as string, ctx.args[1] as string, { stdin, stdout: ctx.stdout, stderr: ctx.stderr });
    await copy(await ctx.engine(), {
      source: ctx.args[0] as string,
      dest: ctx.args[1] as string,
      chown: ctx.flags.archive as boolean,
      overwrite: ctx.flags.overwrite as boolean,
      stdin,
      stdout: ctx.stdout,
    });
    return 0;
  },
};
