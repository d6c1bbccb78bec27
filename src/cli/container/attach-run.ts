/**
 * Attached start (run without -d, start -a): connect to conmon's attach socket before the
 * runtime starts the process so no output is lost, proxy signals, wait for the exit code, and
 * honour --rm. Podman's exit codes: the container's own, 126/127 when it could not be
 * started (run), 125 for `start -a`.
 */
import { join } from 'node:path';
import type { Engine } from '../../engine/engine.ts';
import type { AttachSession } from '../../runtime/attach.ts';
import type { ContainerRecord } from '../../state/containers.ts';
import { SkiffError } from '../../util/errors.ts';
import type { CommandContext } from '../command.ts';

const PROXIED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };

export interface AttachRunOptions {
  readonly stdin: boolean;
  readonly detachKeys: string;
  readonly sigProxy: boolean;
  /** Exit code for a failure to start (run: from the error; start -a: 125). */
  readonly startError?: number;
}

/**
 * `run` reports any failure to start the container (not only the runtime's) with Podman's
 * define.ExitCode: 127 when the text says something was not found, else 126.
 */
export async function asRunStartError(e: unknown): Promise<unknown> {
  if (!(e instanceof SkiffError) || e.exitCode !== 125) return e;
  const { startFailureExitCode } = await import('../../runtime/ocierror.ts');
  return new SkiffError(e.code, e.message, { exitCode: startFailureExitCode(e.message), cause: e });
}

export async function runAttached(ctx: CommandContext, engine: Engine, c: ContainerRecord, opts: AttachRunOptions): Promise<number> {
  const svc = engine.containers;
  const bundle = svc.paths(c.id).bundle;
  let session: AttachSession | undefined;
  const { attach } = await import('../../runtime/attach.ts');
  // With --rm this process removes the container; the claim, held until it has, spares the
  // exit command from starting a second skiff for it (ContainerService.claimRemoval).
  let releaseRemoval = () => {};
  try {
    try {
      await svc.start(c, async () => {
        if (c.spec.remove) releaseRemoval = await svc.claimRemoval(c);
        session = await attach({
          socketPath: join(bundle, 'attach'),
          ctlPath: join(bundle, 'ctl'),
          streams: { stdin: opts.stdin && c.spec.stdin ? (ctx.stdin as NodeJS.ReadableStream & import('node:stream').Readable) : undefined, stdout: ctx.stdout as import('node:stream').Writable, stderr: ctx.stderr as import('node:stream').Writable },
          detachKeys: opts.detachKeys,
          tty: c.spec.terminal,
        });
      });
    } catch (e) {
      session?.close();
      if (c.spec.remove) await svc.remove(c, { force: true, volumes: true }).catch(() => {});
      if (e instanceof SkiffError && opts.startError !== undefined) throw new SkiffError(e.code, e.message, { exitCode: opts.startError });
      throw await asRunStartError(e);
    }
    const handlers: [NodeJS.Signals, () => void][] = [];
    if (opts.sigProxy) {
      for (const sig of PROXIED_SIGNALS) {
        const h = () => void svc.kill(c, SIGNAL_NUMBERS[sig]).catch(() => {});
        process.on(sig, h);
        handlers.push([sig, h]);
      }
    }
    try {
      const result = session ? await session.done : { detached: false };
      // Detached: the container runs on; Podman prints nothing.
      if (result.detached) return 0;
      const code = await svc.wait(c);
      if (c.spec.remove) await svc.remove(c, { force: true, volumes: true }).catch(() => {});
      return code;
    } finally {
      for (const [sig, h] of handlers) process.off(sig, h);
    }
  } finally {
    releaseRemoval();
  }
}
