/**
 * A container's life through real conmon 2.1.6 and crun 1.8.1: create, attach, start, exit
 * file; failures to start; signals.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { attach, attachPaths } from '../../../src/runtime/attach.ts';
import { exitFilePath, processAlive, waitForExitFile } from '../../../src/runtime/exitfile.ts';
import { containerState, deleteContainer, killContainer, pauseContainer, resumeContainer, startContainer } from '../../../src/runtime/oci.ts';
import { isSkiffError } from '../../../src/util/errors.ts';
import { Fixture, RUNTIME, sinkStream, within } from './fixture.ts';

let fx: Fixture;
before(() => {
  fx = new Fixture();
});
after(() => fx.cleanup());

/** create → attach → start → output ends → exit file. */
async function runAttached(args: string[], stdin?: Readable, longPath = false) {
  const c = fx.bundle(args, { longPath });
  const created = await fx.create(c, stdin ? { interactive: true } : {});
  const out = await sinkStream();
  const err = await sinkStream();
  const session = await attach({
    ...attachPaths(c.bundle),
    streams: { stdout: out.stream, stderr: err.stream, ...(stdin ? { stdin } : {}) },
  });
  await startContainer(RUNTIME, c.id);
  const { detached } = await within(15_000, session.done, 'attach to end');
  const exit = await waitForExitFile(exitFilePath(c.exitDir, c.id), { timeoutMs: 15_000 });
  return { c, created, detached, stdout: out.sink.text(), stderr: err.sink.text(), exit };
}

test('create + start: exit code, stdout and stderr kept apart, nothing lost', async () => {
  const r = await runAttached(['sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.detached, false);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.ok(r.exit);
  assert.equal(r.exit.exitCode, 3);
  assert.ok(r.created.pid > 0 && r.created.conmonPid > 0);
  assert.equal(readFileSync(join(r.c.rundir, 'pidfile'), 'utf8').trim(), String(r.created.pid));
  assert.equal(readFileSync(join(r.c.rundir, 'conmon.pid'), 'utf8'), String(r.created.conmonPid));
});

test('a fast-exiting echo loses no output', async () => {
  const r = await runAttached(['echo', 'hello']);
  assert.equal(r.stdout, 'hello\n');
  assert.equal(r.exit?.exitCode, 0);
});

test('large output arrives whole and in order', async () => {
  const r = await runAttached(['sh', '-c', 'seq 1 20000']);
  const expected = Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join('');
  assert.equal(r.stdout.length, expected.length);
  assert.equal(r.stdout, expected);
});

test('stdin is forwarded and its end closes the container stdin', async () => {
  const input = Readable.from([Buffer.from('line one\n'), Buffer.from('line two\n')]);
  const r = await runAttached(['cat'], input);
  assert.equal(r.stdout, 'line one\nline two\n');
  assert.equal(r.exit?.exitCode, 0);
});

test('exit file: decimal without newline, ctime as FinishedAt', async () => {
  const wallBefore = BigInt(Date.now()) * 1_000_000n;
  const r = await runAttached(['sh', '-c', 'exit 42']);
  const path = exitFilePath(r.c.exitDir, r.c.id);
  assert.equal(readFileSync(path, 'utf8'), '42');
  const st = statSync(path, { bigint: true });
  assert.equal(r.exit?.finishedAtNs, st.ctimeNs);
  assert.ok(st.ctimeNs >= wallBefore - 1_000_000_000n, 'ctime is not before the run');
  assert.ok(st.ctimeNs <= BigInt(Date.now()) * 1_000_000n + 1_000_000_000n);
});

test('a command that does not exist: 127 with Podman\'s text, no exit file', async () => {
  const c = fx.bundle(['/nonexistent']);
  await assert.rejects(fx.create(c), (err: unknown) => {
    assert.ok(isSkiffError(err, 'oci-not-found'), String(err));
    assert.equal(err.message, 'crun: executable file `/nonexistent` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found');
    assert.equal(err.exitCode, 127);
    return true;
  });
  assert.equal(existsSync(exitFilePath(c.exitDir, c.id)), false);
});

test('a file that is not executable: 126, OCI permission denied', async () => {
  const c = fx.bundle(['/etc/passwd']);
  await assert.rejects(fx.create(c), (err: unknown) => {
    assert.ok(isSkiffError(err, 'oci-permission-denied'), String(err));
    assert.equal(err.message, 'crun: open executable: Permission denied: OCI permission denied');
    assert.equal(err.exitCode, 126);
    return true;
  });
});

test('kill with SIGKILL gives 137; state, pause and resume on the way', async () => {
  const c = fx.bundle(['sleep', '300']);
  const created = await fx.create(c);
  assert.equal((await containerState(RUNTIME, c.id))?.status, 'created');
  await startContainer(RUNTIME, c.id);
  const st = await containerState(RUNTIME, c.id);
  assert.equal(st?.status, 'running');
  assert.equal(st?.pid, created.pid);
  await pauseContainer(RUNTIME, c.id);
  assert.equal((await containerState(RUNTIME, c.id))?.status, 'paused');
  await resumeContainer(RUNTIME, c.id);
  assert.equal((await containerState(RUNTIME, c.id))?.status, 'running');
  await killContainer(RUNTIME, c.id, 9);
  const exit = await waitForExitFile(exitFilePath(c.exitDir, c.id), { timeoutMs: 15_000 });
  assert.equal(exit?.exitCode, 137);
  // conmon outlives its first process (it is the container's monitor) and exits after the container.
  const deadline = Date.now() + 10_000;
  while (processAlive(created.conmonPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(processAlive(created.conmonPid), false);
  await deleteContainer(RUNTIME, c.id);
  assert.equal(await containerState(RUNTIME, c.id), undefined);
});

test('the signal number reaches the container; runtime errors carry crun\'s stderr', async () => {
  // PID 1 ignores signals it has no handler for, so the container installs one.
  const c = fx.bundle(['sh', '-c', 'trap "exit 7" TERM; while :; do sleep 0.1; done']);
  await fx.create(c);
  await startContainer(RUNTIME, c.id);
  await new Promise((r) => setTimeout(r, 200));
  await killContainer(RUNTIME, c.id, 15);
  const exit = await waitForExitFile(exitFilePath(c.exitDir, c.id), { timeoutMs: 15_000 });
  assert.equal(exit?.exitCode, 7);
  await deleteContainer(RUNTIME, c.id);
  await assert.rejects(killContainer(RUNTIME, c.id, 9), (err: unknown) => {
    assert.ok(isSkiffError(err, 'oci-runtime-error'));
    assert.match(err.message, /^`\/usr\/bin\/crun kill [0-9a-f]{64} 9` failed: .+ \(exit status 1\)$/);
    return true;
  });
});

test('conmon leaves the container running after skiff lets go (detached)', async () => {
  const c = fx.bundle(['sleep', '300']);
  const created = await fx.create(c);
  await startContainer(RUNTIME, c.id);
  // The conmon daemon is in its own session, not skiff's.
  const stat = readFileSync(`/proc/${created.conmonPid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const sid = Number(fields[3]);
  assert.equal(sid, created.conmonPid);
  assert.notEqual(sid, Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[3]));
  assert.equal(processAlive(created.pid), true);
  await killContainer(RUNTIME, c.id, 9);
  await waitForExitFile(exitFilePath(c.exitDir, c.id), { timeoutMs: 15_000 });
});

test('the oom file would land in the bundle: conmon runs with the bundle as cwd', async () => {
  const c = fx.bundle(['sleep', '300']);
  const created = await fx.create(c);
  const { readlinkSync } = await import('node:fs');
  assert.equal(readlinkSync(`/proc/${created.conmonPid}/cwd`), c.bundle);
  await killContainer(RUNTIME, c.id, 9);
  await waitForExitFile(exitFilePath(c.exitDir, c.id), { timeoutMs: 15_000 });
});

test('waitForExitFile ends with undefined when the monitor dies without writing', async () => {
  const { spawn } = await import('node:child_process');
  const p = spawn('sleep', ['0.2']);
  const r = await waitForExitFile(join(fx.dir, 'exits', 'never'), { monitorPid: p.pid as number, timeoutMs: 10_000, pollMs: 50 });
  assert.equal(r, undefined);
  await assert.rejects(waitForExitFile(join(fx.dir, 'exits', 'never2'), { timeoutMs: 200 }), (e: unknown) => isSkiffError(e, 'timeout'));
});

test('an attach socket path over 107 bytes is reached through the directory fd', async () => {
  const r = await runAttached(['sh', '-c', 'echo long; echo path >&2'], undefined, true);
  assert.ok(Buffer.byteLength(join(r.c.bundle, 'attach')) > 107);
  assert.equal(r.stdout, 'long\n');
  assert.equal(r.stderr, 'path\n');
  assert.equal(r.exit?.exitCode, 0);
});

test('conmon runs the exit command with its arguments after the exit file', async () => {
  const c = fx.bundle(['sh', '-c', 'exit 4']);
  const marker = join(c.rundir, 'exit-command');
  const script = `cat ${exitFilePath(c.exitDir, c.id)} > ${marker}.tmp; echo " $*" >> ${marker}.tmp; mv ${marker}.tmp ${marker}`;
  await fx.create(c, { exitCommand: ['/bin/sh', '-c', script, 'sh', 'container', 'cleanup', c.id] });
  await startContainer(RUNTIME, c.id);
  const deadline = Date.now() + 15_000;
  while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(readFileSync(marker, 'utf8'), `4 container cleanup ${c.id}\n`);
});
