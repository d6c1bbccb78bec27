/** k8s-file logs written by real conmon, rendered with `podman logs` semantics; a pty case. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { attach, attachPaths, resizeTerminal } from '../../../src/runtime/attach.ts';
import { exitFilePath, waitForExitFile } from '../../../src/runtime/exitfile.ts';
import { writeLogs, type LogsOptions, type LogSource } from '../../../src/runtime/logs.ts';
import { killContainer, startContainer } from '../../../src/runtime/oci.ts';
import { Fixture, RUNTIME, sinkStream, within, type TestContainer } from './fixture.ts';

let fx: Fixture;
before(() => {
  fx = new Fixture();
});
after(() => fx.cleanup());

/** Runs a container to its end without attaching; conmon still writes the log. */
async function runToExit(args: string[]): Promise<TestContainer> {
  const c = fx.bundle(args);
  await fx.create(c);
  await startContainer(RUNTIME, c.id);
  await waitForExitFile(exitFilePath(c.exitDir, c.id), { timeoutMs: 15_000 });
  return c;
}

async function render(sources: LogSource[], o: LogsOptions = {}) {
  const out = await sinkStream();
  const err = await sinkStream();
  await within(20_000, writeLogs(sources, o, { stdout: out.stream, stderr: err.stream }), 'writeLogs');
  return { stdout: out.sink.text(), stderr: err.sink.text() };
}

const src = (c: TestContainer): LogSource => ({ id: c.id, name: c.name, path: c.logPath });
const STAMP = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d)';

let partial: TestContainer;

test('conmon writes k8s-file records; partial reads become P records that join back', async () => {
  partial = await runToExit(['sh', '-c', "echo first; printf 'a\\nb'; sleep 0.2; printf 'c\\n'; sleep 0.1; echo oops >&2"]);
  const lines = readFileSync(partial.logPath, 'utf8').split('\n').filter((l) => l !== '');
  const shape = lines.map((l) => l.replace(/^\S+ /, 'T '));
  assert.deepEqual(shape, ['T stdout F first', 'T stdout F a', 'T stdout P b', 'T stdout F c', 'T stderr F oops']);
  assert.match(lines[0] as string, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}[+-]\\d\\d:\\d\\d `));
  const r = await render([src(partial)]);
  assert.equal(r.stdout, 'first\na\nbc\n');
  assert.equal(r.stderr, 'oops\n');
});

test('-t prefixes every record, so a partial shows its own time', async () => {
  const r = await render([src(partial)], { timestamps: true });
  assert.match(r.stdout, new RegExp(`^${STAMP} first\\n${STAMP} a\\n${STAMP} b${STAMP} c\\n$`));
  assert.match(r.stderr, new RegExp(`^${STAMP} oops\\n$`));
});

test('--tail counts full lines (4.3.1 glues the partial onto the line before it)', async () => {
  assert.deepEqual(await render([src(partial)], { tail: 1 }), { stdout: '', stderr: 'oops\n' });
  assert.deepEqual(await render([src(partial)], { tail: 2 }), { stdout: 'c\n', stderr: 'oops\n' });
  // a, P b, c: the partial b is appended to a, the line *before* it.
  assert.deepEqual(await render([src(partial)], { tail: 3 }), { stdout: 'ab\nc\n', stderr: 'oops\n' });
  assert.deepEqual(await render([src(partial)], { tail: 9 }), { stdout: 'first\nab\nc\n', stderr: 'oops\n' });
  assert.equal((await render([src(partial)], { tail: 0 })).stdout, '');
});

test('--since/--until filter by record time; several containers get prefixes', async () => {
  const recs = readFileSync(partial.logPath, 'utf8').split('\n').filter((l) => l !== '');
  const { parseLogLine } = await import('../../../src/runtime/logs.ts');
  const times = recs.map((l) => parseLogLine(l).time.ns);
  const c = times[3] as bigint;
  assert.deepEqual(await render([src(partial)], { since: c - 1n }), { stdout: 'c\n', stderr: 'oops\n' });
  assert.deepEqual(await render([src(partial)], { until: c }), { stdout: 'first\na\nb', stderr: '' });
  const other = await runToExit(['echo', 'second container']);
  const both = await render([src(partial), src(other)]);
  const p = partial.id.slice(0, 12);
  assert.equal(both.stdout, `${p} first\n${p} a\n${p} b${p} c\n${other.id.slice(0, 12)} second container\n`);
  const named = await render([src(other)], { multi: true, names: true });
  assert.equal(named.stdout, `${other.name} second container\n`);
});

test('-f follows a running container and stops once it has exited', async () => {
  const c = fx.bundle(['sh', '-c', 'echo one; sleep 0.6; echo two; sleep 0.3; echo three']);
  const created = await fx.create(c);
  await startContainer(RUNTIME, c.id);
  const started = Date.now();
  const r = await render([{ ...src(c), running: { exitFile: exitFilePath(c.exitDir, c.id), conmonPid: created.conmonPid } }], { follow: true, pollMs: 100 });
  assert.equal(r.stdout, 'one\ntwo\nthree\n');
  assert.ok(Date.now() - started >= 800, 'returned before the container exited');
});

test('-f on a stopped container reads to the end and returns; a missing log is empty', async () => {
  const r = await render([{ ...src(partial) }], { follow: true });
  assert.equal(r.stdout, 'first\na\nbc\n');
  assert.deepEqual(await render([{ id: 'x'.repeat(64), name: 'none', path: `${fx.dir}/missing.log` }]), { stdout: '', stderr: '' });
});

test('-f can be cancelled', async () => {
  const c = fx.bundle(['sleep', '300']);
  const created = await fx.create(c);
  await startContainer(RUNTIME, c.id);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const r = await render([{ ...src(c), running: { exitFile: exitFilePath(c.exitDir, c.id), conmonPid: created.conmonPid } }], { follow: true, signal: ac.signal });
  assert.equal(r.stdout, '');
  await killContainer(RUNTIME, c.id, 9);
});

test('tty: resizing through ctl changes `stty size`; output comes as stdout with CRLF', async () => {
  const c = fx.bundle(['sh', '-c', 'sleep 0.3; stty size; echo err >&2'], { terminal: true });
  await fx.create(c, { terminal: true });
  const out = await sinkStream();
  const paths = attachPaths(c.bundle);
  await resizeTerminal(paths.ctlPath, { rows: 33, cols: 99 });
  const session = await attach({ ...paths, streams: { stdout: out.stream }, tty: true });
  await startContainer(RUNTIME, c.id);
  await within(15_000, session.done, 'tty attach');
  assert.equal(out.sink.text(), '33 99\r\nerr\r\n');
  const exit = await waitForExitFile(exitFilePath(c.exitDir, c.id), { timeoutMs: 15_000 });
  assert.equal(exit?.exitCode, 0);
  // With a tty everything is logged as stdout, lines keeping their \r.
  assert.match(readFileSync(c.logPath, 'utf8'), /stdout F 33 99\r\n.*stdout F err\r\n$/s);
});

test('tty: the detach keys end the session and leave the container running', async () => {
  const c = fx.bundle(['sh', '-c', 'cat'], { terminal: true });
  await fx.create(c, { terminal: true });
  const { PassThrough } = await import('node:stream');
  const stdin = new PassThrough();
  const out = await sinkStream();
  const session = await attach({ ...attachPaths(c.bundle), streams: { stdin, stdout: out.stream }, tty: true, detachKeys: 'ctrl-x,q' });
  await startContainer(RUNTIME, c.id);
  stdin.write('hello\n');
  await new Promise((r) => setTimeout(r, 300));
  stdin.write(Buffer.from([0x18]));
  stdin.write('q');
  const { detached } = await within(10_000, session.done, 'detach');
  assert.equal(detached, true);
  assert.match(out.sink.text(), /hello\r\n/);
  const { containerState } = await import('../../../src/runtime/oci.ts');
  assert.equal((await containerState(RUNTIME, c.id))?.status, 'running');
  await killContainer(RUNTIME, c.id, 9);
});
