/**
 * `search` against real registries (Debian's docker-registry: plain HTTP, and TLS with htpasswd
 * auth), with podman 4.3.1 as the oracle: the same arguments give the same stdout, stderr and
 * exit code. Podman 4.3.1 has no --creds or --cert-dir on search; skiff's are checked against
 * podman given the same credentials in an auth file.
 *
 * Every command runs asynchronously (execFile), as registries.test.ts explains.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Podman, type Result, runAsync, Sandbox, SKIFF } from './harness.ts';
import { startRegistry, type TestRegistry, writeOciLayout } from './registry.ts';



/** logrus's timestamp is the one part of stderr that may differ between two runs. */
const untimed = (s: string): string => s.replace(/^time="[^"]*"/gm, 'time="T"');

/** A one-layer OCI image layout at dir, tagged latest, for skopeo to push. */

describe('search: v2 catalogs and tag lists, as podman 4.3.1 searches them', () => {
  let http: TestRegistry;
  let basic: TestRegistry;
  let sb: Sandbox;
  let podman: Podman;
  /** The environment of both engines: no machine credentials, the test's registries.conf. */
  let env: NodeJS.ProcessEnv;
  let goodAuth: string;
  let badAuth: string;

  const sk = (args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<Result> => runAsync(SKIFF, sb.args(['search', ...args]), { env: { ...env, ...extra } });
  const pm = (args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<Result> => {
    const [cmd, ...argv] = podman.argv(['search', ...args]);
    return runAsync(cmd as string, argv, { env: { ...podman.env, ...env, ...extra } });
  };

  /** Runs both engines on each argument list at once; each pair must agree byte for byte. */
  async function agree(cases: readonly (readonly string[])[], extra: NodeJS.ProcessEnv = {}): Promise<Result[]> {
    const runs = await Promise.all(cases.map((args) => Promise.all([sk(args, extra), pm(args, extra)])));
    return runs.map(([s, p], i) => {
      const what = `search ${cases[i].join(' ')}`;
      assert.equal(s.code, p.code, `${what}: exit code\nskiff: ${s.stderr}\npodman: ${p.stderr}`);
      assert.equal(s.stdout, p.stdout, `${what}: stdout`);
      assert.equal(untimed(s.stderr), untimed(p.stderr), `${what}: stderr`);
      return s;
    });
  }

  before(async () => {
    [http, basic] = await Promise.all([startRegistry('http'), startRegistry('basic')]);
    sb = new Sandbox('skiff-search');
    podman = new Podman();
    const noAuth = join(sb.dir, 'no-auth.json');
    writeFileSync(noAuth, '{"auths":{}}');
    const auth = (password: string): string => JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from(`${basic.user}:${password}`).toString('base64') } } });
    goodAuth = join(sb.dir, 'good-auth.json');
    writeFileSync(goodAuth, auth(basic.password as string));
    badAuth = join(sb.dir, 'bad-auth.json');
    writeFileSync(badAuth, auth('wrong'));
    // Unqualified terms search the HTTP registry, then one that is down.
    const conf = join(sb.dir, 'registries.conf');
    writeFileSync(conf, [
      `unqualified-search-registries = ["${http.host}", "127.0.0.1:1"]`,
      '[[registry]]',
      `location = "${http.host}"`,
      'insecure = true',
      '[[registry]]',
      'location = "127.0.0.1:1"',
      'insecure = true',
      '',
    ].join('\n'));
    env = { REGISTRY_AUTH_FILE: noAuth, CONTAINERS_REGISTRIES_CONF: conf };

    const layout = join(sb.dir, 'layout');
    writeOciLayout(layout, 'hello from search\n');
    const push = async (reg: TestRegistry, refs: readonly string[]): Promise<void> => {
      const creds = reg.user ? ['--dest-creds', `${reg.user}:${reg.password}`] : [];
      // Tags of one repository one after the other: concurrent pushes to a repository race in the registry.
      for (const ref of refs) {
        const r = await runAsync('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', ...creds, `oci:${layout}:latest`, `docker://${reg.host}/${ref}`], { env: { REGISTRY_AUTH_FILE: noAuth } });
        assert.equal(r.code, 0, `skopeo copy to ${ref}: ${r.stderr}`);
      }
    };
    await Promise.all([
      push(http, ['library/alpine:3', 'library/alpine:latest', 'library/alpine:edge']),
      push(http, ['tools/alpine-extra:1']),
      push(http, ['tools/busybox:1']),
      push(basic, ['library/alpine:3']),
      push(basic, ['tools/busybox:1']),
    ]);
  });
  after(async () => {
    await Promise.all([http?.stop(), basic?.stop()]);
    podman?.cleanup();
    sb?.cleanup();
  });

  it('lists the catalog\'s repositories that contain the term: table, --limit, JSON and templates', async () => {
    const tls = '--tls-verify=false';
    const [all, alpine, nothing, limited, json] = await agree([
      [tls, `${http.host}/`],
      [tls, `${http.host}/alpine`],
      [tls, `${http.host}/nope`],
      [tls, '--limit', '2', `${http.host}/`],
      [tls, '--format', 'json', `${http.host}/tools`],
      [tls, '--limit', '-1', `${http.host}/`],
      [tls, '--format', '{{.Index}} {{.Name}} stars={{.Stars}} [{{.Official}}]', `${http.host}/tools`],
      [tls, '--format', 'table {{.Index}} {{.Name}}', `${http.host}/tools`],
      [tls, '--format', '', `${http.host}/tools`],
      [tls, '--format', '{{.Nope}}', `${http.host}/tools`],
      [tls, '--compatible', `${http.host}/tools/busybox`],
      [tls, '--filter', 'is-official=false', '--filter', 'stars=0', `${http.host}/tools`],
      [tls, '--filter', 'is-official', `${http.host}/tools`],
      [tls, '--filter', 'stars=x', `${http.host}/tools`],
      [tls, '--filter', 'color=red', `${http.host}/tools`],
    ]);
    const h = http.host;
    assert.equal(all.stdout, [
      `NAME${' '.repeat(h.length + 15)}  DESCRIPTION`,
      `${h}/library/alpine      `,
      `${h}/tools/alpine-extra  `,
      `${h}/tools/busybox       `,
      '',
    ].join('\n'));
    assert.deepEqual(alpine.stdout.trim().split('\n').slice(1).map((l) => l.trim()), [`${h}/library/alpine`, `${h}/tools/alpine-extra`]);
    // Nothing found prints nothing, not even the header.
    assert.deepEqual(nothing, { code: 0, stdout: '', stderr: '' });
    assert.equal(limited.stdout.trim().split('\n').length, 3);
    const parsed = JSON.parse(json.stdout) as { Index: string; Name: string; Tag: string }[];
    assert.deepEqual(parsed.map((r) => [r.Index, r.Name, r.Tag]), [[h, `${h}/tools/alpine-extra`, ''], [h, `${h}/tools/busybox`, '']]);
  });

  it('--list-tags lists a repository\'s tags; a term that is not a repository, or filters, are refused', async () => {
    const tls = '--tls-verify=false';
    const repo = `${http.host}/library/alpine`;
    const [table, json, , , missing, notRepo, filtered] = await agree([
      [tls, '--list-tags', repo],
      [tls, '--list-tags', '--format', 'json', repo],
      [tls, '--list-tags', '--limit', '1', `${repo}:3`],
      [tls, '--list-tags', '--format', '{{.Index}}', repo],
      [tls, '--list-tags', `${http.host}/library/nope`],
      [tls, '--list-tags', `${http.host}/`],
      [tls, '--list-tags', '--filter', 'stars=1', repo],
      [tls, '--list-tags', `${http.host}/Library/alpine`],
    ]);
    assert.equal(table.stdout, `NAME${' '.repeat(repo.length - 4)}  TAG\n${repo}  3\n${repo}  latest\n${repo}  edge\n`);
    assert.deepEqual(JSON.parse(json.stdout), [{ Name: repo, Tags: ['3', 'latest', 'edge'] }]);
    assert.equal(missing.code, 125);
    assert.equal(missing.stderr, 'Error: 1 error occurred:\n\t* getting repository tags: fetching tags list: invalid status code from registry 404 (Not Found)\n\n\n');
    assert.equal(notRepo.stderr, 'Error: 1 error occurred:\n\t* reference "" must be a docker reference\n\n\n');
    assert.equal(filtered.stderr, 'Error: filters are not applicable to list tags result\n');
  });

  it('a term without a registry searches the unqualified-search registries; one that is down only counts when nothing was found', async () => {
    const [found, , , down] = await agree([
      ['alpine'],
      ['--list-tags', 'alpine'],
      ['--limit', '1', 'tools'],
      ['zzz'],
    ]);
    assert.equal(found.code, 0);
    assert.equal(found.stderr, '');
    assert.match(found.stdout, /\/library\/alpine {6}\n.*\/tools\/alpine-extra  \n$/);
    // Both registries failed: the one with no such repository, and the one that is down.
    const onlyDown = join(sb.dir, 'down.conf');
    writeFileSync(onlyDown, 'unqualified-search-registries = ["127.0.0.1:1", "127.0.0.1:2"]\n[[registry]]\nlocation = "127.0.0.1:1"\ninsecure = true\n');
    const [both] = await agree([['alpine']], { CONTAINERS_REGISTRIES_CONF: onlyDown });
    assert.equal(both.code, 125);
    assert.equal(both.stderr, [
      'Error: 2 errors occurred:',
      '\t* couldn\'t search registry "127.0.0.1:1": pinging container registry 127.0.0.1:1: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
      '\t* couldn\'t search registry "127.0.0.1:2": pinging container registry 127.0.0.1:2: Get "https://127.0.0.1:2/v2/": dial tcp 127.0.0.1:2: connect: connection refused',
      '', '', '',
    ].join('\n'));
    // Nothing found where the registry answered, and the other is down: only the failure is told.
    assert.equal(down.code, 125);
    assert.match(down.stderr, /^Error: 1 error occurred:\n\t\* couldn't search registry "127\.0\.0\.1:1": /);
  });

  it('a registry that is down fails with podman\'s error, for a search and for --list-tags', async () => {
    const [search, tags] = await agree([
      ['--tls-verify=false', '127.0.0.1:1/x'],
      ['--tls-verify=false', '--list-tags', '127.0.0.1:1/x/y'],
    ]);
    assert.equal(search.code, 125);
    assert.equal(search.stderr, 'Error: 1 error occurred:\n\t* couldn\'t search registry "127.0.0.1:1": pinging container registry 127.0.0.1:1: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused\n\n\n');
    assert.match(tags.stderr, /^Error: 1 error occurred:\n\t\* getting repository tags: pinging container registry 127\.0\.0\.1:1: Get "http:\/\/127\.0\.0\.1:1\/v2\/": dial tcp 127\.0\.0\.1:1: connect: connection refused\n\n\n$/);
  });

  it('htpasswd auth: anonymous access and wrong credentials are refused as podman refuses them; credentials from an auth file or --creds work', async () => {
    const tls = '--tls-verify=false';
    const [anon, unverified, wrong, withFile, tags, anonTags] = await agree([
      [tls, `${basic.host}/`],
      [`${basic.host}/`],
      [tls, '--authfile', badAuth, `${basic.host}/`],
      [tls, '--authfile', goodAuth, `${basic.host}/`],
      [tls, '--authfile', goodAuth, '--list-tags', `${basic.host}/library/alpine`],
      [tls, '--list-tags', `${basic.host}/library/alpine`],
      [tls, '--authfile', join(sb.dir, 'no-such-auth.json'), `${basic.host}/`],
    ]);
    assert.equal(anon.code, 125);
    assert.equal(untimed(anon.stderr), [
      `time="T" level=error msg="error getting search results from v2 endpoint \\"${basic.host}\\": unable to retrieve auth token: invalid username/password: unauthorized: authentication required"`,
      'Error: 1 error occurred:',
      `\t* couldn't search registry "${basic.host}": unable to retrieve auth token: invalid username/password: unauthorized: authentication required`,
      '', '', '',
    ].join('\n'));
    assert.match(unverified.stderr, /x509: certificate signed by unknown authority\n\n\n$/);
    assert.equal(wrong.code, 125);
    assert.equal(anonTags.stderr, 'Error: 1 error occurred:\n\t* getting repository tags: unable to retrieve auth token: invalid username/password: unauthorized: authentication required\n\n\n');
    assert.equal(withFile.stdout, `NAME${' '.repeat(basic.host.length + 11)}  DESCRIPTION\n${basic.host}/library/alpine  \n${basic.host}/tools/busybox   \n`);
    assert.equal(tags.stdout, `NAME${' '.repeat(basic.host.length + 11)}  TAG\n${basic.host}/library/alpine  3\n`);

    // --creds and --cert-dir (later podman's flags) give what podman gives with the auth file.
    const creds = `${basic.user}:${basic.password}`;
    const viaCreds = await sk(['--cert-dir', basic.certDir as string, '--creds', creds, `${basic.host}/`]);
    assert.deepEqual(viaCreds, withFile);
    const tagsViaCreds = await sk(['--cert-dir', basic.certDir as string, '--creds', creds, '--list-tags', `${basic.host}/library/alpine`]);
    assert.deepEqual(tagsViaCreds, tags);
    const wrongCreds = await sk([tls, '--creds', `${basic.user}:s3cr3t-wrong`, `${basic.host}/`]);
    assert.deepEqual({ ...wrongCreds, stderr: untimed(wrongCreds.stderr) }, { ...wrong, stderr: untimed(wrong.stderr) });
    assert.ok(!wrongCreds.stderr.includes('s3cr3t-wrong'));
  });
});
