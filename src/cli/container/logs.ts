import type { Writable } from 'node:stream';
import { SkiffError } from '../../util/errors.ts';
import type { CommandSpec } from '../command.ts';
import { checkTargets } from './each.ts';

export const command: CommandSpec = {
  use: 'logs [options] CONTAINER [CONTAINER...]',
  long: 'Retrieves logs for one or more containers.\n\n  This does not guarantee execution order when combined with skiff run (i.e., your run may not have generated any logs at the time you execute skiff logs).',
  examples: ['skiff logs ctrID', 'skiff logs --names ctrID1 ctrID2', 'skiff logs --tail 2 mywebserver', 'skiff logs --follow=true --since 10m ctrID'],
  args: { kind: 'any' },
  flags: [
    { name: 'color', type: 'bool', usage: 'Output the containers with different colors in the log.' },
    { name: 'follow', short: 'f', type: 'bool', usage: 'Follow log output.  The default is false' },
    { name: 'latest', short: 'l', type: 'bool', usage: 'Act on the latest container skiff is aware of' },
    { name: 'names', short: 'n', type: 'bool', usage: 'Output the container name in the log' },
    { name: 'since', type: 'string', usage: 'Show logs since TIMESTAMP' },
    { name: 'tail', type: 'int', usage: 'Output the specified number of LINES at the end of the logs.  Defaults to -1, which prints all lines', default: -1 },
    { name: 'timestamps', short: 't', type: 'bool', usage: 'Output the timestamps in the log' },
    { name: 'until', type: 'string', usage: 'Show logs until TIMESTAMP' },
  ],
  async run(ctx) {
    checkTargets(ctx, { latest: ctx.flags.latest as boolean, noTargets: 'specify at least one container name or ID to log' });
    const engine = await ctx.engine();
    const svc = engine.containers;
    const targets = ctx.flags.latest ? [svc.latest()] : ctx.args.map((a) => svc.resolve(a));
    const { writeLogs } = await import('../../runtime/logs.ts');
    const { parseInputTime } = await import('../../runtime/logtime.ts');
    // Podman names the flag in front of the parser's complaint.
    const timeFlag = (flag: 'since' | 'until'): bigint | undefined => {
      const v = ctx.flags[flag] as string;
      if (!v) return undefined;
      try {
        return parseInputTime(v, flag === 'since');
      } catch (e) {
        if (e instanceof SkiffError) throw new SkiffError(e.code, `parsing --${flag} ${JSON.stringify(v)}: ${e.message}`);
        throw e;
      }
    };
    const since = timeFlag('since');
    const until = timeFlag('until');
    const sources = targets.map((c) => {
      if (c.spec.logDriver !== 'k8s-file') {
        throw new SkiffError('invalid-argument', `this container is using the "${c.spec.logDriver}" log driver, cannot read logs: this container is not using the k8s-file log driver`);
      }
      const p = svc.paths(c.id);
      const running = c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'created';
      return { id: c.id, name: c.name, path: p.log, running: running ? { exitFile: p.exitFile, conmonPid: c.state.conmonPid || undefined } : undefined };
    });
    const abort = new AbortController();
    const onInt = () => abort.abort();
    process.once('SIGINT', onInt);
    try {
      await writeLogs(
        sources,
        {
          timestamps: ctx.flags.timestamps as boolean,
          tail: ctx.flags.tail as number,
          since,
          until,
          follow: ctx.flags.follow as boolean,
          names: ctx.flags.names as boolean,
          signal: abort.signal,
        },
        { stdout: ctx.stdout as Writable, stderr: ctx.stderr as Writable },
      );
    } finally {
      process.off('SIGINT', onInt);
    }
  },
};
