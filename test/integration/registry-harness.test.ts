/**
 * The registry harness itself: each flavour of registry.ts takes a push and a read back from
 * skopeo, and answers curl as its auth requires. Commands run asynchronously: the token
 * flavour's token server lives in this process, so a spawnSync would deadlock it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Result, runAsync } from './harness.ts';
import { type RegistryFlavour, startRegistry, type TestRegistry, TOKEN_SERVICE, writeOciLayout } from './registry.ts';




const FLAVOURS: readonly RegistryFlavour[] = ['http', 'tls', 'basic', 'token'];

describe('test registry harness (docker-registry 2.8)', () => {
  let work: string;
  let layout: string;
  // An empty auth file: no credentials from the machine leak into the anonymous cases.
  let env: NodeJS.ProcessEnv;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'skiff-registry-test-'));
    layout = join(work, 'layout');
    writeOciLayout(layout, 'hello from the registry harness\n');
    writeFileSync(join(work, 'auth.json'), '{"auths":{}}');
    env = { REGISTRY_AUTH_FILE: join(work, 'auth.json') };
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const flavour of FLAVOURS) {
    describe(flavour, () => {
      let reg: TestRegistry;
      before(async () => {
        reg = await startRegistry(flavour);
      });
      after(async () => {
        await reg?.stop();
      });

      const tlsOpts = (prefix: string): string[] =>
        reg.certDir ? [`--${prefix}cert-dir=${reg.certDir}`] : [`--${prefix}tls-verify=false`];
      const curl = (path: string, args: readonly string[] = []): Promise<Result> =>
        runAsync('curl', ['-sS', '-o', '/dev/null', '-D', '-', ...(reg.caFile ? ['--cacert', reg.caFile] : []), ...args,
          `${reg.caFile ? 'https' : 'http'}://${reg.host}${path}`]);
      const push = (creds: boolean): Promise<Result> =>
        runAsync('skopeo', ['--insecure-policy', 'copy', '--quiet', ...tlsOpts('dest-'),
          ...(creds ? ['--dest-creds', `${reg.user}:${reg.password}`] : ['--dest-no-creds']),
          `oci:${layout}:latest`, `docker://${reg.host}/test/img:1`], { env });

      it('answers /v2/ as its auth requires', async () => {
        const r = await curl('/v2/');
        assert.equal(r.code, 0, r.stderr);
        const status = Number(/^HTTP\/\S+ (\d+)/.exec(r.stdout)?.[1]);
        if (flavour === 'http' || flavour === 'tls') {
          assert.equal(status, 200);
          return;
        }
        assert.equal(status, 401);
        if (flavour === 'basic') {
          assert.match(r.stdout, /www-authenticate: Basic realm="skiff-test"/i);
          const ok = await curl('/v2/', ['-u', `${reg.user}:${reg.password}`]);
          assert.match(ok.stdout, /^HTTP\/\S+ 200/);
          const bad = await curl('/v2/', ['-u', `${reg.user}:wrong`]);
          assert.match(bad.stdout, /^HTTP\/\S+ 401/);
        } else {
          assert.ok(r.stdout.toLowerCase().includes(`www-authenticate: bearer realm="${reg.tokenRealm}",service="${TOKEN_SERVICE}"`), r.stdout);
          const t = await runAsync('curl', ['-sS', '--cacert', reg.caFile!, '-u', `${reg.user}:${reg.password}`, `${reg.tokenRealm}?service=${TOKEN_SERVICE}`]);
          const token = (JSON.parse(t.stdout) as { token: string }).token;
          const ok = await curl('/v2/', ['-H', `Authorization: Bearer ${token}`]);
          assert.match(ok.stdout, /^HTTP\/\S+ 200/);
          const bad = await runAsync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', reg.caFile!, '-u', `${reg.user}:wrong`, reg.tokenRealm!]);
          assert.equal(bad.stdout, '401');
        }
      });

      if (flavour === 'basic' || flavour === 'token') {
        it('refuses an anonymous push', async () => {
          const r = await push(false);
          assert.notEqual(r.code, 0, 'anonymous push succeeded');
          assert.match(r.stderr, /unauthorized|authentication required|denied/i);
        });
      }

      it('takes a push from skopeo and gives the manifest back', async () => {
        const p = await push(flavour === 'basic' || flavour === 'token');
        assert.equal(p.code, 0, p.stderr);
        const creds = reg.user ? ['--creds', `${reg.user}:${reg.password}`] : ['--no-creds'];
        const r = await runAsync('skopeo', ['inspect', '--raw', ...tlsOpts(''), ...creds, `docker://${reg.host}/test/img:1`], { env });
        assert.equal(r.code, 0, r.stderr);
        const m = JSON.parse(r.stdout) as { mediaType: string; layers: unknown[] };
        assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
        assert.equal(m.layers.length, 1);
        if (flavour === 'token') {
          const scopes = reg.tokenRequests!.flatMap((q) => new URLSearchParams(q).getAll('scope'));
          assert.ok(scopes.some((s) => s.startsWith('repository:test/img:') && s.includes('push')), scopes.join(' | '));
          const scoped = reg.tokenRequests!.filter((q) => new URLSearchParams(q).has('scope'));
          assert.ok(scoped.every((q) => new URLSearchParams(q).get('service') === TOKEN_SERVICE), scoped.join(' | '));
        }
      });
    });
  }
});
