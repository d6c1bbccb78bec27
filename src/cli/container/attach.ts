import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';

export const command: CommandSpec = {
  use: 'attach [options] CONTAINER',
  long: 'The detach sequence can be changed with --detach-keys (default ctrl-p,ctrl-q).',
  examples: ['skiff attach ctrID', 'skiff attach 1234', 'skiff attach --no-stdin foobar'],
  args: { kind: 'max', n: 1 },
  flags: [
    { name: 'detach-keys', type: 'string', usage: 'Select the key sequence for detaching a container. Format is a single character [a-Z] or a comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-cf`, `@`, `^`, `[`, `\\`, `]`, `^` or `_`', default: 'ctrl-p,ctrl-q' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'no-stdin', type: 'bool', usage: 'Do not attach STDIN. The default is false' },
    { name: 'sig-proxy', type: 'bool', usage: 'Proxy received signals to the process', default: true },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const svc = engine.containers;
    const c = ctx.flags.latest ? svc.latest() : svc.resolve(ctx.args[0] ?? '');
    if (c.state.status !== 'running') throw new SkiffError('invalid-argument', 'you can only attach to running containers: container state improper');
    const { attach } = await import('../../runtime/attach.ts');
    const bundle = svc.paths(c.id).bundle;
    const session = await attach({
      socketPath: join(bundle, 'attach'),
      ctlPath: join(bundle, 'ctl'),
      streams: { stdin: ctx.flags['no-stdin'] || !c.spec.stdin ? undefined : (ctx.stdin as Readable), stdout: ctx.stdout as Writable, stderr: ctx.stderr as Writable },
      detachKeys: ctx.flags['detach-keys'] as string,
      tty: c.spec.terminal,
    });
    const res = await session.done;
    if (res.detached) return 0;
    return svc.wait(c);
  },
};
