/**
 * system check as root and as an unprivileged user (nobody, who has no subordinate IDs here):
 * each problem found with the command that fixes it, exit 1 when something fails.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { run, SKIFF } from './harness.ts';

interface Row {
  check: string;
  status: string;
  detail: string;
  fix?: string;
}

describe('system check', () => {
  const runtime = mkdtempSync(join(tmpdir(), 'skiff-check-run-'));
  after(() => rmSync(runtime, { recursive: true, force: true }));

  it('as root: the runtime, conmon, overlay, cgroups and bridge networking of this prepared host pass', () => {
    const r = run(SKIFF, ['system', 'check', '--format', 'json']);
    assert.equal(r.code, 0, r.stdout);
    const rows = JSON.parse(r.stdout) as Row[];
    assert.deepEqual(rows.map((x) => [x.check, x.status]), [['OCI runtime', 'ok'], ['conmon', 'ok'], ['overlay', 'ok'], ['cgroups', 'ok'], ['bridge networks', 'ok']]);
  });

  it('as a user without ranges and with a runtime dir of the wrong mode: failed, with the fixes', () => {
    chownSync(runtime, 65534, 65534);
    chmodSync(runtime, 0o755);
    const r = run('runuser', ['-u', 'nobody', '--', 'env', `XDG_RUNTIME_DIR=${runtime}`, SKIFF, 'system', 'check', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const rows = new Map((JSON.parse(r.stdout) as Row[]).map((x) => [x.check, x]));
    assert.equal(rows.get('subuid')?.status, 'failed');
    assert.match(rows.get('subuid')?.fix ?? '', /^sudo usermod --add-subuids \d+-\d+ nobody$/);
    assert.equal(rows.get('XDG_RUNTIME_DIR')?.status, 'failed');
    assert.equal(rows.get('XDG_RUNTIME_DIR')?.fix, `chmod 0700 ${runtime}`);
    assert.equal(rows.get('newuidmap')?.status, 'ok');
    chmodSync(runtime, 0o700);
    const table = run('runuser', ['-u', 'nobody', '--', 'env', `XDG_RUNTIME_DIR=${runtime}`, SKIFF, 'system', 'check']);
    assert.match(table.stdout, /^XDG_RUNTIME_DIR\s+ok\s+/m);
    assert.match(table.stdout, /^\s+fix:\s+sudo usermod --add-subgids /m);
  });
});
