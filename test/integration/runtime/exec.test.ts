/** Exec sessions through real conmon and crun, into a running `sleep` container. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execConmonArgs, execInContainer, type ExecOptions } from '../../../src/runtime/exec.ts';
import { exitFilePath, waitForExitFile } from '../../../src/runtime/exitfile.ts';
import { killContainer, startContainer } from '../../../src/runtime/oci.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { CONMON, CRUN, Fixture, RUNTIME, sinkStream, within, type TestContainer } from './fixture.ts';

let fx: Fixture;
let ctr: TestContainer;
let baseProcess: Record<string, unknown>;

before(async () => {
  fx = new Fixture();
  ctr = fx.bundle(['sleep', '300']);
  await fx.create(ctr);
  await startContainer(RUNTIME, ctr.id);
  baseProcess = (JSON.parse(readFileSync(join(ctr.bundle, 'config.json'), 'utf8')) as { process: Record<string, unknown> }).process;
});
after(async () => {
  await killContainer(RUNTIME, ctr.id, 9).catch(() => {});
  fx.cleanup();
});

function execOpts(args: string[], extra: Partial<ExecOptions> = {}): ExecOptions {
  return {
    conmonPath: CONMON,
    runtimePath: CRUN,
    containerId: ctr.id,
    containerName: ctr.name,
    bundle: ctr.bundle,
    process: { ...baseProcess, args },
    syncTimeoutMs: 20_000,
    ...extra,
  };
}

test('exec passes the exit code through and streams stdout and stderr', async () => {
  const out = await sinkStream();
  const err = await sinkStream();
  const r = await within(20_000, execInContainer(execOpts(['sh', '-c', 'echo hi; echo oops >&2; exit 3'], { streams: { stdout: out.stream, stderr: err.stream } })), 'exec');
  assert.equal(r.exitCode, 3);
  assert.equal(r.detached, false);
  assert.equal(out.sink.text(), 'hi\n');
  assert.equal(err.sink.text(), 'oops\n');
  assert.ok(r.pid > 0);
  // Podman's session layout, exit file named by the container ID.
  assert.equal(r.sessionDir, join(ctr.bundle, r.sessionId));
  const names = readdirSync(r.sessionDir);
  assert.ok(names.some((n) => n.startsWith('exec-process-')), names.join(' '));
  assert.ok(names.includes('exec_pid') && names.includes('exit'), names.join(' '));
  const f = await waitForExitFile(exitFilePath(join(r.sessionDir, 'exit'), ctr.id), { timeoutMs: 10_000 });
  assert.equal(f?.exitCode, 3);
});

test('exec runs in the container (its hostname), with stdin forwarded', async () => {
  const out = await sinkStream();
  const stdin = Readable.from([Buffer.from('from stdin\n')]);
  const r = await within(20_000, execInContainer(execOpts(['sh', '-c', 'hostname; cat'], { streams: { stdin, stdout: out.stream } })), 'exec');
  assert.equal(r.exitCode, 0);
  assert.equal(out.sink.text(), 'skifftest\nfrom stdin\n');
});

test('exec of a missing command: 127 and Podman\'s text', async () => {
  const out = await sinkStream();
  await assert.rejects(execInContainer(execOpts(['/nonexistent'], { streams: { stdout: out.stream } })), (err: unknown) => {
    assert.ok(isSkiffError(err, 'oci-not-found'), String(err));
    assert.equal(err.exitCode, 127);
    assert.match(err.message, /^crun: executable file `\/nonexistent` not found in \$PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found$/);
    return true;
  });
});

test('exec of a non-executable: 126', async () => {
  const out = await sinkStream();
  await assert.rejects(execInContainer(execOpts(['/etc/passwd'], { streams: { stdout: out.stream } })), (err: unknown) => {
    assert.ok(isSkiffError(err, 'oci-permission-denied'), String(err));
    assert.equal(err.exitCode, 126);
    return true;
  });
});

test('detached exec (-d) returns while the process runs; its exit file comes later', async () => {
  const r = await within(20_000, execInContainer(execOpts(['sh', '-c', 'sleep 0.3; exit 5'])), 'exec -d');
  assert.equal(r.exitCode, undefined);
  assert.ok(r.pid > 0);
  const exitFile = exitFilePath(join(r.sessionDir, 'exit'), ctr.id);
  assert.equal(existsSync(exitFile), false);
  const f = await waitForExitFile(exitFile, { timeoutMs: 10_000 });
  assert.equal(f?.exitCode, 5);
});

test('exec argv is Podman\'s', () => {
  const o = execOpts(['true'], { terminal: true, streams: { stdin: Readable.from([]) }, exitCommand: ['/usr/bin/skiff', 'container', 'cleanup', '--exec', 'S', 'C'] });
  const sid = 'a'.repeat(64);
  const dir = join(ctr.bundle, sid);
  assert.deepEqual(execConmonArgs(o, sid, join(dir, 'exec-process-x')), [
    '--api-version', '1', '-c', ctr.id, '-u', sid, '-r', CRUN, '-b', dir, '-p', join(dir, 'exec_pid'), '-n', ctr.name,
    '--exit-dir', join(dir, 'exit'), '--full-attach', '-l', 'none', '--log-level', 'warning',
    '--runtime-arg', '--log-format=json', '--runtime-arg', '--log', `--runtime-arg=${join(dir, 'oci-log')}`,
    '-t', '-i', '-e', '--exec-attach', '--exec-process-spec', join(dir, 'exec-process-x'),
    '--exit-command', '/usr/bin/skiff', '--exit-command-arg', 'container', '--exit-command-arg', 'cleanup',
    '--exit-command-arg', '--exec', '--exit-command-arg', 'S', '--exit-command-arg', 'C',
  ]);
});

// conmon applies a ctl resize only once it holds the pty master, which crun hands over as the
// process starts: a process that asks for its size at once can still see 0x0 (Podman has the
// same window). The short sleep keeps this test about the size, not that race.
test('exec with a tty: the initial size reaches the process', async () => {
  const out = await sinkStream();
  const r = await within(20_000, execInContainer(execOpts(['sh', '-c', 'sleep 0.5; stty size'], { terminal: true, initialSize: { rows: 20, cols: 70 }, streams: { stdout: out.stream } })), 'exec -t');
  assert.equal(r.exitCode, 0);
  assert.equal(out.sink.text(), '20 70\r\n');
});
