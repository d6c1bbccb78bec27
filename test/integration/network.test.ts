/**
 * Networking as root: the user-mode helpers (pasta, slirp4netns) a root container may ask
 * for, with published ports on 127.0.0.1 and a complete teardown.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { busyboxTar, fetchText, freePort, run, Sandbox } from './harness.ts';

/** Live (not zombie) helper processes. */
function helpers(): number[] {
  return run('ps', ['-e', '-o', 'pid=,stat=,comm='])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, stat, comm]) => comm !== undefined && /^(passt|pasta|slirp4netns)/.test(comm) && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

describe('network (root)', () => {
  const sb = new Sandbox('skiff-net');
  before(() => {
    sb.ok(['import', '-q', '-', 'localhost/busybox'], { input: busyboxTar() });
  });
  after(() => {
    sb.skiff(['rm', '-a', '-f', '-t0']);
    run('rm', ['-rf', sb.dir]);
  });

  for (const network of ['pasta', 'slirp4netns']) {
    it(`--network ${network} with -p 127.0.0.1:PORT:80 serves a host client; rm leaves no helper, namespace or listener`, async () => {
      const before = helpers();
      const port = await freePort();
      const id = sb.ok(['run', '-d', '--network', network, '-p', `127.0.0.1:${port}:80`, 'localhost/busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']).trim();
      const netns = `${sb.runroot}/containers/${id}/netns`;
      try {
        assert.equal((await fetchText(`http://127.0.0.1:${port}/hostname`)).trim(), id.slice(0, 12));
        assert.equal(sb.ok(['inspect', '--format', '{{.NetworkSettings.SandboxKey}}', id]), `${netns}\n`);
        assert.match(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(` ${netns} .* - nsfs `));
      } finally {
        sb.ok(['rm', '-f', '-t0', id]);
      }
      assert.deepEqual(helpers(), before);
      assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), /skiff-net-.* - nsfs /);
      await fetch(`http://127.0.0.1:${port}/`).then(
        () => assert.fail('the port is still served after rm'),
        () => {},
      );
    });
  }
});
