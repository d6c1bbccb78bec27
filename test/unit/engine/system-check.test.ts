import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freeStart, runChecks } from '../../../src/engine/system-check.ts';
import { rangesOf } from '../../../src/rootless/ids.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('system check: subordinate ID ranges', () => {
  const text = '# comment\nalice:100000:65536\n1001:165536:1000\nbob:200000:65536\nbroken\n';
  it('finds a user\'s ranges by name and by UID', () => {
    assert.deepEqual(rangesOf(text, 'alice', 1001), [{ start: 100000, count: 65536 }, { start: 165536, count: 1000 }]);
    assert.deepEqual(rangesOf(text, 'carol', 1002), []);
  });
  it('proposes a free range above every other', () => {
    assert.equal(freeStart(text), 265536);
    assert.equal(freeStart(''), 100000);
  });
  it('an unprivileged user with full ranges passes; one without gets the usermod command', () => {
    const subuid = join(dir, 'subuid');
    const subgid = join(dir, 'subgid');
    writeFileSync(subuid, 'alice:100000:65536\n');
    writeFileSync(subgid, 'alice:100000:1000\n');
    const results = runChecks({ uid: 1001, gid: 1001, user: 'alice', env: {}, files: { subuid, subgid } });
    assert.deepEqual(results.find((r) => r.check === 'subuid')?.status, 'ok');
    const gid = results.find((r) => r.check === 'subgid');
    assert.equal(gid?.status, 'warning');
    assert.equal(gid?.fix, 'sudo usermod --add-subgids 101000-166535 alice');
    const nobody = runChecks({ uid: 1002, gid: 1002, user: 'carol', env: {}, files: { subuid, subgid } }).find((r) => r.check === 'subuid');
    assert.equal(nobody?.status, 'failed');
    assert.equal(nobody?.fix, 'sudo usermod --add-subuids 165536-231071 carol');
  });
});
