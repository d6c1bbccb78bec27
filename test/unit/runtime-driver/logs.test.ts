/**
 * `podman logs` rendering, checked against real Podman 4.3.1. The golden log is the ctr.log
 * conmon wrote for (CONTAINERS_CONF with default_ulimits nofile=20000, a throwaway --root):
 *
 *   podman run --name lt bb sh -c "echo first; printf 'a\nb'; sleep 0.2; printf 'c\n';
 *     sleep 0.1; echo oops >&2; printf 'x\ny'; sleep 0.2; printf 'z\n'; printf tail"
 *
 * and each expected output is what `podman logs [flags] lt` printed for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseLogLine, readTailRecords, renderRecord, writeLogs, type LogsOptions } from '../../../src/runtime/logs.ts';
import { parseInputTime } from '../../../src/runtime/logtime.ts';
import { isSkiffError } from '../../../src/util/errors.ts';

const GOLDEN =
  '2026-11-23T12:01:50.719222920+00:00 stdout F first\n2026-11-23T12:01:50.719222920+00:00 stdout F a\n' +
  '2026-11-23T12:01:50.719222920+00:00 stdout P b\n2026-11-23T12:01:50.920783156+00:00 stdout F c\n' +
  '2026-11-23T12:01:51.021968227+00:00 stdout F x\n2026-11-23T12:01:51.021968227+00:00 stdout P y\n' +
  '2026-11-23T12:01:51.022084029+00:00 stderr F oops\n2026-11-23T12:01:51.222994107+00:00 stdout F z\n' +
  '2026-11-23T12:01:51.223309845+00:00 stdout P tail\n';

const ID = 'f'.repeat(64);

function withLog<T>(content: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-logs-'));
  const path = join(dir, 'ctr.log');
  writeFileSync(path, content);
  return fn(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function collector(): { stream: Writable; text: () => string } {
  const parts: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _e, cb) {
        parts.push(chunk.toString());
        cb();
      },
    }),
    text: () => parts.join(''),
  };
}

async function logs(content: string, o: LogsOptions): Promise<{ stdout: string; stderr: string }> {
  return withLog(content, async (path) => {
    const out = collector();
    const err = collector();
    await writeLogs([{ id: ID, name: 'lt', path }], o, { stdout: out.stream, stderr: err.stream });
    return { stdout: out.text(), stderr: err.text() };
  });
}

const podmanCases: [flags: string, o: LogsOptions, stdout: string, stderr: string][] = [
  ['', {}, 'first\na\nbc\nx\nyz\ntail', 'oops\n'],
  ['--tail 0', { tail: 0 }, '', ''],
  ['--tail 1', { tail: 1 }, 'ztail\n', ''],
  ['--tail 2', { tail: 2 }, 'ztail\n', 'oops\n'],
  ['--tail 3', { tail: 3 }, 'xy\nztail\n', 'oops\n'],
  ['--tail 4', { tail: 4 }, 'c\nxy\nztail\n', 'oops\n'],
  ['--tail 5', { tail: 5 }, 'ab\nc\nxy\nztail\n', 'oops\n'],
  [
    '-t',
    { timestamps: true },
    '2026-11-23T12:01:50.719222920Z first\n2026-11-23T12:01:50.719222920Z a\n2026-11-23T12:01:50.719222920Z b' +
      '2026-11-23T12:01:50.920783156Z c\n2026-11-23T12:01:51.021968227Z x\n2026-11-23T12:01:51.021968227Z y' +
      '2026-11-23T12:01:51.222994107Z z\n2026-11-23T12:01:51.223309845Z tail',
    '2026-11-23T12:01:51.022084029Z oops\n',
  ],
  ['--since 2026-11-23T12:01:50.920783156Z', { since: parseInputTime('2026-11-23T12:01:50.920783156Z', true) }, 'x\nyz\ntail', 'oops\n'],
  ['--until 2026-11-23T12:01:51.021968227Z', { until: parseInputTime('2026-11-23T12:01:51.021968227Z', false) }, 'first\na\nbc\n', ''],
];

for (const [flags, o, stdout, stderr] of podmanCases) {
  test(`podman logs ${flags || '(no flags)'}`, async () => {
    assert.deepEqual(await logs(GOLDEN, o), { stdout, stderr });
  });
}

test('several containers: 12-char ID prefix, or the name with --names', async () => {
  const rec = parseLogLine('2026-11-23T12:01:50.719222920+00:00 stdout F hi there');
  assert.equal(renderRecord(rec, { id: ID, name: 'lt' }, { timestamps: false, multi: true, names: false }), `${'f'.repeat(12)} hi there\n`);
  assert.equal(renderRecord(rec, { id: ID, name: 'lt' }, { timestamps: true, multi: true, names: true }), 'lt 2026-11-23T12:01:50.719222920Z hi there\n');
});

test('a record keeps its own offset under -t, and spaces in the message', () => {
  const rec = parseLogLine('2026-11-23T13:01:50.000000001+01:00 stderr F  two  spaces ');
  assert.equal(rec.stream, 'stderr');
  assert.equal(rec.message, ' two  spaces ');
  assert.equal(renderRecord(rec, { id: ID, name: 'x' }, { timestamps: true, multi: false, names: false }), '2026-11-23T13:01:50.000000001+01:00  two  spaces \n');
  assert.equal(rec.time.ns, parseLogLine('2026-11-23T12:01:50.000000001+00:00 stdout F x').time.ns);
  assert.equal(parseLogLine('2026-11-23T12:01:50.719222920+00:00 stdout F ').message, '');
});

test('malformed records', () => {
  assert.throws(() => parseLogLine('garbage'), (e: unknown) => isSkiffError(e) && e.message === "'garbage' is not a valid container log line");
  assert.throws(() => parseLogLine('yesterday stdout F x'), (e: unknown) => isSkiffError(e) && e.message === 'unable to convert time yesterday from container log');
});

test('a plain read skips (and reports) bad lines; tail rejects them like Podman', async () => {
  const warnings: string[] = [];
  const content = `junk\n${GOLDEN}`;
  const r = await logs(content, { onWarning: (w) => warnings.push(w) });
  assert.equal(r.stdout, 'first\na\nbc\nx\nyz\ntail');
  assert.deepEqual(warnings, ["Getting new log line: 'junk' is not a valid container log line"]);
  await withLog(content, async (path) => {
    await assert.rejects(readTailRecords(path, 100));
    assert.equal((await readTailRecords(path, 2)).length, 2);
  });
});

test('tail reads a large log from the end across chunk boundaries', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 30000; i++) lines.push(`2026-11-23T12:00:00.000000000+00:00 stdout F line ${i} ${'x'.repeat(i % 50)}`);
  const r = await logs(`${lines.join('\n')}\n`, { tail: 3 });
  assert.equal(r.stdout, [29997, 29998, 29999].map((i) => `line ${i} ${'x'.repeat(i % 50)}\n`).join(''));
  const all = await logs(`${lines.join('\n')}\n`, {});
  assert.equal(all.stdout.split('\n').length, 30001);
});
