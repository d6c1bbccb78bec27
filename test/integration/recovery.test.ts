import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { busyboxTar, Sandbox } from './harness.ts';

const sb = new Sandbox('skiff-recovery');
after(() => sb.cleanup());

describe('crash recovery', () => {
  it('the next write removes what an interrupted one left, and keeps what the DB owns', () => {
    sb.ok(['import', '-', 'localhost/keep:1'], { input: busyboxTar() });
    const driver = JSON.parse(sb.ok(['info', '--format', 'json'])).store.graphDriverName as string;
    const home = join(sb.root, driver);
    const owned = readdirSync(home).filter((n) => n !== 'l');
    // What a crash mid-extraction, or between rename and the DB insert, leaves behind.
    mkdirSync(join(home, 'staging-0123456789abcdef', 'diff'), { recursive: true });
    writeFileSync(join(home, 'staging-0123456789abcdef', 'diff', 'half'), 'x');
    mkdirSync(join(home, 'f'.repeat(64), 'diff'), { recursive: true });
    writeFileSync(join(sb.root, 'blobs', 'sha256', '.tmp-abc'), 'partial');
    writeFileSync(join(sb.root, 'blobs', 'sha256', 'e'.repeat(64)), 'unowned');
    // Reads do not repair (they stay cheap) and are not disturbed.
    assert.equal(sb.ok(['images', '--format', '{{.Repository}}']), 'localhost/keep\n');
    assert.ok(existsSync(join(home, 'staging-0123456789abcdef')));
    // The next write does.
    sb.ok(['tag', 'keep:1', 'keep:2']);
    assert.deepEqual(readdirSync(home).filter((n) => n !== 'l').sort(), owned.sort());
    assert.ok(!existsSync(join(sb.root, 'blobs', 'sha256', '.tmp-abc')));
    assert.ok(!existsSync(join(sb.root, 'blobs', 'sha256', 'e'.repeat(64))));
    assert.equal(sb.ok(['images', '--format', '{{.Tag}}', '--sort', 'tag']), '1\n2\n');
    // The image is whole: it saves and its layer reassembles to the recorded diffID.
    sb.ok(['save', '-o', join(sb.dir, 'out.tar'), 'keep:1']);
  });

  it('a second skiff waits for the store lock instead of corrupting the store', async () => {
    const { spawn } = await import('node:child_process');
    const { SKIFF } = await import('./harness.ts');
    const runOne = (n: number) =>
      new Promise<number>((resolve) => {
        const p = spawn(SKIFF, sb.args(['import', '--change', `ENV N=${n}`, '-', `localhost/par:${n}`]), { stdio: ['pipe', 'ignore', 'inherit'] });
        p.stdin.end(busyboxTar());
        p.on('exit', (code) => resolve(code ?? 1));
      });
    const codes = await Promise.all([1, 2, 3, 4].map(runOne));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    assert.equal(sb.ok(['images', '--format', '{{.Tag}}', '--filter', 'reference=par', '--sort', 'tag']), '1\n2\n3\n4\n');
  });
});
