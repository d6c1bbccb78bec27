/**
 * `top`: the processes of a running container, as Podman 4.3.1's Container.Top. Descriptors
 * it knows (runtime/ps.ts) are read from /proc without entering the container; any other
 * argument makes it run the container's own ps(1) with the arguments, as Podman does for
 * compatibility with docker and with users of ps options (`-eo pid,comm`).
 */
import { Writable } from 'node:stream';
import { descriptorNames, processTable, UnknownDescriptorError } from '../runtime/ps.ts';
import type { ContainerRecord } from '../state/containers.ts';
import { isSkiffError, SkiffError } from '../util/errors.ts';
import { shlexSplit } from '../util/shlex.ts';
import type { Engine } from './engine.ts';
import { execInContainer } from './exec.ts';

/** The descriptors `top` knows without ps(1), sorted. */
export function topDescriptorNames(): string[] {
  return descriptorNames();
}

export interface TopQuery {
  /** The most recently created container instead of a named one. */
  readonly latest?: boolean;
  readonly container?: string;
  /** Format descriptors, or ps(1) arguments. */
  readonly descriptors: readonly string[];
}

/**
 * Lines of tab-separated cells, the header first. With ps(1) the lines are its output as it
 * printed them, less the line of the ps process itself.
 */
export async function containerTop(engine: Engine, query: TopQuery): Promise<string[]> {
  const cur = lookUp(engine, query);
  const descriptors = query.descriptors;
  if (cur.state.status !== 'running') throw new SkiffError('invalid-argument', 'top can only be used on running containers');
  // Descriptors may also be given comma-separated.
  const names = descriptors.flatMap((d) => d.split(',')).filter((d) => d !== '');
  try {
    return processTable(cur.state.pid, names).map((row) => row.join('\t'));
  } catch (err) {
    if (!(err instanceof UnknownDescriptorError)) throw err;
  }
  const args: string[] = [];
  for (const d of descriptors) {
    try {
      args.push(...shlexSplit(d).filter((a) => a !== ''));
    } catch (err) {
      throw new SkiffError('invalid-argument', `parsing ps args: ${(err as Error).message}`);
    }
  }
  const output = await execPs(engine, cur, args);
  // The ps process lists itself; its line is the one holding the arguments.
  const self = descriptors.join(' ');
  return output.filter((line) => !line.includes(self));
}

function lookUp(engine: Engine, query: TopQuery): ContainerRecord {
  const svc = engine.containers;
  const fail = (message: string, cause?: unknown): SkiffError =>
    new SkiffError('no-such-object', `unable to look up requested container: ${message}`, { cause });
  if (query.latest) {
    const last = svc.records.list().at(-1);
    if (!last) throw fail('no such container');
    return svc.sync(last);
  }
  try {
    return svc.resolve(query.container ?? '');
  } catch (err) {
    if (isSkiffError(err)) throw fail(err.message, err);
    throw err;
  }
}

async function execPs(engine: Engine, c: ContainerRecord, args: readonly string[]): Promise<string[]> {
  const stdout = collector();
  const stderr = collector();
  let exitCode: number | undefined;
  try {
    ({ exitCode } = await execInContainer(
      engine,
      c,
      { command: ['ps', ...args], env: [], envFiles: [], tty: false, interactive: false, privileged: false, detach: false },
      { stdout: stdout.stream, stderr: stderr.stream },
    ));
  } catch (err) {
    if (isSkiffError(err)) throw new SkiffError(err.code, `executing ps(1) in the container: ${err.message}`, { cause: err });
    throw err;
  }
  if (exitCode !== 0) {
    throw new SkiffError(
      'oci-runtime-error',
      `executing ps(1) in the container: runtime failed with exit status: ${exitCode ?? -1} and output: ${lines(stderr.text()).join(' ')}`,
    );
  }
  return lines(stdout.text());
}

function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Lines as Go's bufio.Scanner yields them: no final empty line, a trailing CR dropped. */
function lines(text: string): string[] {
  const out = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (out.at(-1) === '') out.pop();
  return out;
}
