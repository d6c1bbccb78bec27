/**
 * pull, push, login and logout against real registries (Debian's docker-registry over HTTP,
 * TLS, htpasswd and token auth), with skopeo and podman 4.3.1 as the other side: what one
 * pushes the other pulls and runs, and image IDs, digests, output and errors agree.
 *
 * Every command runs asynchronously: the token server and the hostile registry of the
 * bad-input cases live in this process, and a spawnSync would stall them.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { importBusybox, Podman, type Result, runAsync, Sandbox, SKIFF } from './harness.ts';
import { Pty } from './pty.ts';
import { digest, startRegistry, tarOf, type TestRegistry } from './registry.ts';



/** No credentials from the machine: every test names its own auth file. */
let noAuth: string;
const sk = (sb: Sandbox, args: readonly string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<Result> => runAsync(SKIFF, sb.args(args), { env: { REGISTRY_AUTH_FILE: noAuth, ...env }, input });
const pm = (podman: Podman, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Result> => {
  const [cmd, ...argv] = podman.argv(args);
  return runAsync(cmd as string, argv, { env: { ...podman.env, REGISTRY_AUTH_FILE: noAuth, ...env } });
};
const skopeo = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Result> => runAsync('skopeo', ['--insecure-policy', ...args], { env: { REGISTRY_AUTH_FILE: noAuth, ...env } });

async function ok(p: Promise<Result>, what: string): Promise<string> {
  const r = await p;
  assert.equal(r.code, 0, `${what} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function scratchLeft(sb: Sandbox): string[] {
  const tmp = join(sb.root, 'tmp');
  return existsSync(tmp) ? readdirSync(tmp) : [];
}

describe('registries: pull and push over plain HTTP, with skopeo and podman on the other side', () => {
  let reg: TestRegistry;
  let sb: Sandbox;
  let podman: Podman;
  let archive: string;
  let pushedDigest: string;
  const tls = ['--tls-verify=false'];

  before(async () => {
    reg = await startRegistry('http');
    sb = new Sandbox('skiff-registry');
    podman = new Podman();
    noAuth = join(sb.dir, 'no-auth.json');
    writeFileSync(noAuth, '{"auths":{}}');
    importBusybox(sb, podman);
    archive = join(sb.dir, 'busybox.tar');
    sb.ok(['save', '--format', 'oci-archive', '-o', archive, 'localhost/busybox']);
    await ok(skopeo(['copy', '-q', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${reg.host}/interop/busybox:1`]), 'skopeo copy');
    await ok(skopeo(['copy', '-q', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${reg.host}/interop/busybox:2`]), 'skopeo copy');
    const inspected = JSON.parse(await ok(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/interop/busybox:1`]), 'skopeo inspect')) as { Digest: string };
    pushedDigest = inspected.Digest;
  });
  after(async () => {
    await reg?.stop();
    podman?.cleanup();
    sb?.cleanup();
  });

  it('pulls what skopeo pushed, as podman does: same ID, digest and progress lines; the image runs', async () => {
    const name = `${reg.host}/interop/busybox:1`;
    const s = await sk(sb, ['pull', ...tls, name]);
    const p = await pm(podman, ['pull', ...tls, name]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(s.stdout, p.stdout);
    assert.equal(s.stderr, p.stderr);
    assert.match(s.stderr, /^Trying to pull .*\nGetting image source signatures\nCopying blob sha256:[0-9a-f]{64}\nCopying config sha256:[0-9a-f]{64}\nWriting manifest to image destination\nStoring signatures\n$/);
    // One row per name of the image (it is localhost/busybox too), each with the registry's digest.
    const digests = await ok(sk(sb, ['images', '--digests', '--format', '{{.Digest}}', name]), 'images');
    assert.deepEqual([...new Set(digests.trim().split('\n'))], [pushedDigest]);
    assert.equal(await ok(sk(sb, ['run', '--rm', name, 'echo', 'pulled and ran']), 'run'), 'pulled and ran\n');
    assert.deepEqual(scratchLeft(sb), []);
  });

  it('on a terminal, one live line per blob that ends as podman\'s "Copying blob 1ab18f5d4e23 done"', async () => {
    const other = new Sandbox('skiff-registry-tty');
    const pty = await Pty.spawn([SKIFF, ...other.args(['pull', ...tls, `${reg.host}/interop/busybox:1`])], { rows: 24, cols: 100, env: { REGISTRY_AUTH_FILE: noAuth } });
    try {
      assert.equal(await pty.wait(30_000), 0, pty.output);
      const out = pty.output.replace(/\r/g, '');
      assert.match(out, /^Trying to pull .*\nGetting image source signatures\n/);
      assert.match(out, /Copying blob [0-9a-f]{12} done\n/);
      assert.match(out, /Copying config [0-9a-f]{10} done\nWriting manifest to image destination\nStoring signatures\n[0-9a-f]{64}\n$/);
      assert.doesNotMatch(out, /Copying blob sha256:/);
    } finally {
      await pty.close();
      other.cleanup();
    }
  });

  it('a short name with two search registries: a prompt on a terminal, remembered as an alias; an error without one', async () => {
    const second = await startRegistry('http');
    const cache = '/var/cache/containers/short-name-aliases.conf';
    const saved = existsSync(cache) ? readFileSync(cache) : undefined;
    const other = new Sandbox('skiff-registry-prompt');
    try {
      await ok(skopeo(['copy', '-q', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${second.host}/interop/busybox:latest`]), 'skopeo copy');
      const conf = join(other.dir, 'registries.conf');
      writeFileSync(conf, [
        `unqualified-search-registries = ["${reg.host}", "${second.host}"]`,
        'short-name-mode = "enforcing"',
        `[[registry]]\nlocation = "${reg.host}"\ninsecure = true`,
        `[[registry]]\nlocation = "${second.host}"\ninsecure = true`,
        '',
      ].join('\n'));
      rmSync(cache, { force: true });
      const env = { CONTAINERS_REGISTRIES_CONF: conf, REGISTRY_AUTH_FILE: noAuth };
      const refused = await sk(other, ['pull', 'interop/busybox'], env);
      assert.equal(refused.code, 125);
      assert.equal(refused.stderr, 'Error: short-name resolution enforced but cannot prompt without a TTY\n');
      const pty = await Pty.spawn([SKIFF, ...other.args(['pull', 'interop/busybox'])], { rows: 24, cols: 100, env });
      try {
        await pty.expect(/Please select an image/);
        await pty.expect(new RegExp(`${second.host.replaceAll('.', '\\.')}/interop/busybox:latest`));
        await pty.write('\x1b[B');
        await pty.expect(/\x1b\[3A/);
        await pty.write('\r');
        assert.equal(await pty.wait(30_000), 0, pty.output);
        // The list is left as a green check and the choice (the pty's bytes are read as latin1).
        assert.match(pty.output, new RegExp(`\\x1b\\[32m[^\\x1b]+\\x1b\\[0m \\x1b\\[2m${second.host.replaceAll('.', '\\.')}/interop/busybox:latest`));
        assert.match(pty.output, new RegExp(`Trying to pull ${second.host.replaceAll('.', '\\.')}/interop/busybox:latest`));
      } finally {
        await pty.close();
      }
      assert.equal(readFileSync(cache, 'utf8'), `[aliases]\n  "interop/busybox" = "${second.host}/interop/busybox"\n`);
      const again = await sk(other, ['pull', 'interop/busybox'], env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, new RegExp(`^Resolved "interop/busybox" as an alias \\(${cache}\\)\nTrying to pull ${second.host.replaceAll('.', '\\.')}/`));
    } finally {
      if (saved) writeFileSync(cache, saved);
      else rmSync(cache, { force: true });
      other.cleanup();
      await second.stop();
    }
  });

  it('pulls into a vfs store too, its layers downloaded before the store lock is taken', async () => {
    const other = new Sandbox('skiff-registry-vfs');
    try {
      const name = `${reg.host}/interop/busybox:1`;
      const id = (await ok(sk(other, ['--storage-driver', 'vfs', 'pull', '-q', ...tls, name]), 'pull')).trim();
      assert.equal(id, (await ok(sk(sb, ['image', 'inspect', '--format', '{{.Id}}', 'localhost/busybox']), 'inspect')).trim());
      assert.equal(await ok(sk(other, ['--storage-driver', 'vfs', 'run', '--rm', name, 'echo', 'vfs']), 'run'), 'vfs\n');
      assert.deepEqual(scratchLeft(other), []);
    } finally {
      other.cleanup();
    }
  });

  it('pushes an image that skopeo reads and podman pulls and runs; --digestfile names what the registry has', async () => {
    const dest = `${reg.host}/skiff/busybox:latest`;
    const digestFile = join(sb.dir, 'digest');
    const r = await sk(sb, ['push', ...tls, '--digestfile', digestFile, 'localhost/busybox', dest]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Getting image source signatures\nCopying blob sha256:[0-9a-f]{64}\nCopying config sha256:[0-9a-f]{64}\nWriting manifest to image destination\nStoring signatures\n$/);
    const inspected = JSON.parse(await ok(skopeo(['inspect', '--tls-verify=false', `docker://${dest}`]), 'skopeo inspect')) as { Digest: string };
    assert.equal(readFileSync(digestFile, 'utf8'), inspected.Digest);
    const id = (await ok(pm(podman, ['pull', '-q', ...tls, dest]), 'podman pull')).trim();
    const ours = (await ok(sk(sb, ['image', 'inspect', '--format', '{{.Id}}', 'localhost/busybox']), 'inspect')).trim();
    assert.equal(id, ours);
    assert.equal(await ok(pm(podman, ['run', '--rm', dest, 'echo', 'ran in podman']), 'podman run'), 'ran in podman\n');
  });

  it('a second push uploads nothing the registry has; another repository of it gets a cross-repository mount', async () => {
    // A forwarding proxy in front of the registry records every request.
    const seen: string[] = [];
    const [regHost, regPort] = reg.host.split(':');
    const proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const up = httpRequest({ host: regHost, port: Number(regPort), method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const via = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const uploads = () => seen.filter((l) => /^(POST|PATCH|PUT) .*\/blobs\/uploads\//.test(l));
      await ok(sk(sb, ['push', '-q', ...tls, 'localhost/busybox', `${via}/dedup/one:1`]), 'first push');
      assert.ok(uploads().length > 0, seen.join('\n'));
      seen.length = 0;
      await ok(sk(sb, ['push', '-q', ...tls, 'localhost/busybox', `${via}/dedup/one:2`]), 'second push');
      assert.deepEqual(uploads(), [], seen.join('\n'));
      assert.ok(seen.some((l) => /^HEAD .*\/blobs\/sha256:/.test(l)), seen.join('\n'));
      seen.length = 0;
      // The image is known in the registry under dedup/one now: name it so, and push elsewhere.
      await ok(sk(sb, ['tag', 'localhost/busybox', `${via}/dedup/one:1`]), 'tag');
      await ok(sk(sb, ['push', '-q', ...tls, 'localhost/busybox', `${via}/dedup/two:1`]), 'push to another repository');
      assert.ok(seen.some((l) => /^POST .*\/dedup\/two\/blobs\/uploads\/\?mount=sha256%3A[0-9a-f]{64}&from=dedup%2Fone$/.test(l)), seen.join('\n'));
      assert.deepEqual(seen.filter((l) => l.startsWith('PATCH')), [], seen.join('\n'));
      await ok(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/dedup/two:1`]), 'the pushed image is whole');
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
      await ok(sk(sb, ['rmi', `${via}/dedup/one:1`]), 'untag');
    }
  });

  it('a pulled image pushed unchanged keeps its manifest, digest and all', async () => {
    await ok(sk(sb, ['pull', '-q', ...tls, `${reg.host}/interop/busybox:1`]), 'pull');
    await ok(sk(sb, ['push', '-q', ...tls, `${reg.host}/interop/busybox:1`, `${reg.host}/copies/busybox:1`]), 'push');
    const raw = await ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/copies/busybox:1`]), 'skopeo inspect');
    assert.equal(digest(Buffer.from(raw)), pushedDigest);
  });

  it('--format v2s2 pushes a Docker manifest; zstd with v2s2 is refused', async () => {
    const dest = `${reg.host}/skiff/v2s2:1`;
    await ok(sk(sb, ['push', '-q', ...tls, '--format', 'v2s2', 'localhost/busybox', dest]), 'push');
    const raw = JSON.parse(await ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${dest}`]), 'skopeo inspect')) as { mediaType: string; layers: { mediaType: string }[] };
    assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(raw.layers[0].mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    const bad = await sk(sb, ['push', ...tls, '--format', 'v2s2', '--compression-format', 'zstd', 'localhost/busybox', dest]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: zstd compression is not supported with the Docker v2s2 manifest format/);
  });

  it('pushes zstd layers that skopeo can copy back and skiff pulls', async () => {
    const dest = `${reg.host}/skiff/zstd:1`;
    await ok(sk(sb, ['push', '-q', ...tls, '--compression-format', 'zstd', 'localhost/busybox', dest]), 'push');
    const raw = JSON.parse(await ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${dest}`]), 'skopeo inspect')) as { layers: { mediaType: string }[] };
    assert.equal(raw.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    const other = new Sandbox('skiff-registry-zstd');
    try {
      await ok(sk(other, ['pull', '-q', ...tls, dest]), 'pull zstd');
      assert.equal(await ok(sk(other, ['run', '--rm', dest, 'echo', 'zstd']), 'run'), 'zstd\n');
    } finally {
      other.cleanup();
    }
  });

  it('--all-tags pulls every tag; a tag with --all-tags is refused', async () => {
    const other = new Sandbox('skiff-registry-tags');
    try {
      const r = await sk(other, ['pull', '-q', '-a', ...tls, `${reg.host}/interop/busybox`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim().split('\n').length, 2);
      const names = (await ok(sk(other, ['images', '--format', '{{.Repository}}:{{.Tag}}']), 'images')).trim().split('\n').sort();
      assert.deepEqual(names, [`${reg.host}/interop/busybox:1`, `${reg.host}/interop/busybox:2`]);
      const bad = await sk(other, ['pull', '-a', ...tls, `${reg.host}/interop/busybox:1`]);
      assert.equal(bad.code, 125);
    } finally {
      other.cleanup();
    }
  });

  it('pulls by digest, and verifies it', async () => {
    const other = new Sandbox('skiff-registry-digest');
    try {
      const byDigest = `${reg.host}/interop/busybox@${pushedDigest}`;
      await ok(sk(other, ['pull', '-q', ...tls, byDigest]), 'pull by digest');
      assert.equal(await ok(sk(other, ['run', '--rm', byDigest, 'echo', 'digest']), 'run'), 'digest\n');
      const missing = `${reg.host}/interop/busybox@sha256:${'0'.repeat(64)}`;
      const s = await sk(other, ['pull', ...tls, missing]);
      const p = await pm(podman, ['pull', ...tls, missing]);
      assert.equal(s.code, 125);
      assert.equal(s.stderr, p.stderr);
    } finally {
      other.cleanup();
    }
  });

  it('fails as podman fails: an unknown repository, HTTPS to a plain-HTTP registry; the store is unchanged', async () => {
    const before = sb.snapshot();
    for (const args of [
      ['pull', ...tls, `${reg.host}/interop/nope`],
      ['pull', `${reg.host}/interop/busybox:1`],
      ['pull', ...tls, `${reg.host}/interop/busybox:nosuchtag`],
    ]) {
      const s = await sk(sb, args);
      const p = await pm(podman, args);
      assert.equal(s.code, 125, s.stderr);
      assert.equal(p.code, 125, p.stderr);
      assert.equal(s.stderr, p.stderr, args.join(' '));
      assert.equal(s.stdout, '');
    }
    assert.deepEqual(sb.snapshot(), before);
  });

  it('a registry that is down: retried, then the error podman gives', async () => {
    const down = '127.0.0.1:1/x/y';
    const s = await sk(sb, ['pull', '--retry', '1', '--retry-delay', '10ms', ...tls, down]);
    assert.equal(s.code, 125);
    const lines = s.stderr.trim().split('\n');
    assert.equal(lines.length, 3, s.stderr);
    assert.match(lines[1], /level=warning msg="Failed, retrying in 10ms \.\.\. \(1\/1\)\. Error: initializing source docker:\/\/127\.0\.0\.1:1\/x\/y:latest: pinging container registry 127\.0\.0\.1:1: Get \\"http:\/\/127\.0\.0\.1:1\/v2\/\\": dial tcp 127\.0\.0\.1:1: connect: connection refused"$/);
    const p = await pm(podman, ['pull', ...tls, down]);
    assert.equal(lines[2], p.stderr.trim().split('\n').at(-1));
  });

  it('run --pull: missing pulls once, never refuses to, always pulls again', async () => {
    const other = new Sandbox('skiff-registry-run');
    try {
      const name = `${reg.host}/interop/busybox:2`;
      const never = await sk(other, ['run', '--rm', '--pull=never', name, 'true']);
      assert.equal(never.code, 125);
      assert.equal(never.stderr, `Error: ${name}: image not known\n`);
      const first = await sk(other, ['run', '--rm', ...tls, name, 'echo', 'one']);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, 'one\n');
      assert.match(first.stderr, /^Trying to pull /);
      const second = await sk(other, ['run', '--rm', name, 'echo', 'two']);
      assert.equal(second.stderr, '');
      const always = await sk(other, ['run', '--rm', '-q', '--pull=always', ...tls, name, 'echo', 'three']);
      assert.equal(always.code, 0, always.stderr);
      assert.equal(always.stderr, '');
      assert.equal(always.stdout, 'three\n');
      const bad = await sk(other, ['run', '--rm', '--pull=sometimes', name, 'true']);
      assert.equal(bad.code, 125);
      assert.match(bad.stderr, /unsupported pull policy "sometimes"/);
    } finally {
      other.cleanup();
    }
  });

  it('manifest lists: create, add, annotate, inspect and push as podman does; a pull picks the platform', async () => {
    const instance = `docker://${reg.host}/interop/busybox:1`;
    const steps: string[][] = [
      ['manifest', 'create', 'mylist'],
      ['manifest', 'add', ...tls, 'mylist', instance],
      ['manifest', 'annotate', '--arch', 'arm64', '--variant', 'v8', '--annotation', 'a=b', 'mylist', pushedDigest],
    ];
    for (const args of steps) {
      const s = await sk(sb, args);
      const p = await pm(podman, args);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(p.code, 0, p.stderr);
      assert.match(s.stdout, /^[0-9a-f]{64}\n$/);
    }
    const inspected = await ok(sk(sb, ['manifest', 'inspect', 'mylist']), 'inspect');
    assert.equal(inspected, await ok(pm(podman, ['manifest', 'inspect', 'mylist']), 'podman inspect'));
    const again = ['manifest', 'create', 'mylist'];
    const [sAgain, pAgain] = [await sk(sb, again), await pm(podman, again)];
    assert.equal(sAgain.code, 125);
    assert.equal(sAgain.stderr.replace(/[0-9a-f]{64}/, 'ID'), pAgain.stderr.replace(/[0-9a-f]{64}/, 'ID'));

    const s = await sk(sb, ['manifest', 'push', ...tls, 'mylist', `${reg.host}/lists/skiff:1`]);
    const p = await pm(podman, ['manifest', 'push', ...tls, 'mylist', `${reg.host}/lists/podman:1`]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(s.stderr, p.stderr);
    const ours = await ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/lists/skiff:1`]), 'skopeo');
    const theirs = await ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/lists/podman:1`]), 'skopeo');
    assert.equal(ours, theirs);

    // The list says arm64: asking for that platform finds the instance, with podman's warning.
    const other = new Sandbox('skiff-registry-list');
    try {
      const name = `${reg.host}/lists/skiff:1`;
      const arm = await sk(other, ['pull', '-q', ...tls, '--arch', 'arm64', name]);
      assert.equal(arm.code, 0, arm.stderr);
      assert.match(arm.stderr, /level=warning msg="image platform \(\{amd64 linux  \[\] \}\) does not match the expected platform \(\{arm64 linux  \[\] \}\)"/);
      const digestOf = await ok(sk(other, ['image', 'inspect', '--format', '{{.Digest}}', name]), 'inspect');
      assert.equal(digestOf.trim(), digest(Buffer.from(ours)));
      const none = ['pull', ...tls, '--arch', 's390x', name];
      const sNone = await sk(other, none);
      const pNone = await pm(podman, none);
      assert.equal(sNone.code, 125);
      assert.equal(sNone.stderr, pNone.stderr);
    } finally {
      other.cleanup();
    }

    // A list of a stored image: the image is pushed with it, under the digest the list names.
    await ok(sk(sb, ['manifest', 'create', 'locallist', 'containers-storage:localhost/busybox']), 'create from storage');
    await ok(sk(sb, ['manifest', 'push', '-q', ...tls, 'locallist', `${reg.host}/lists/local:1`]), 'push');
    const index = JSON.parse(await ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/lists/local:1`]), 'skopeo')) as { manifests: { digest: string }[] };
    assert.equal(index.manifests.length, 1);
    await ok(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/lists/local@${index.manifests[0].digest}`]), 'the instance is there');

    for (const args of [['manifest', 'rm', 'mylist'], ['manifest', 'rm', 'mylist'], ['manifest', 'exists', 'mylist']]) {
      const a = await sk(sb, args);
      const b = await pm(podman, args);
      assert.equal(a.code, b.code, args.join(' '));
      assert.equal(a.stdout.replace(/[0-9a-f]{64}/, 'ID'), b.stdout.replace(/[0-9a-f]{64}/, 'ID'));
      assert.equal(a.stderr, b.stderr);
    }
  });

  it('registries.conf: a blocked registry is refused and a mirror is used, as podman does', async () => {
    const conf = join(sb.dir, 'registries-mirror.conf');
    writeFileSync(conf, [
      '[[registry]]',
      `prefix = "${reg.host}/blocked"`,
      `location = "${reg.host}/blocked"`,
      'blocked = true',
      '[[registry]]',
      'prefix = "mirrored.example/interop"',
      'location = "127.0.0.1:1/nothing"',
      '[[registry.mirror]]',
      `location = "${reg.host}/interop"`,
      'insecure = true',
      '',
    ].join('\n'));
    const env = { CONTAINERS_REGISTRIES_CONF: conf };
    const other = new Sandbox('skiff-registry-conf');
    try {
      for (const args of [['pull', `${reg.host}/blocked/busybox:1`], ['pull', 'mirrored.example/interop/busybox:1']]) {
        const a = await sk(other, args, env);
        const b = await pm(podman, args, env);
        assert.equal(a.code, b.code, `${args.join(' ')}: ${a.stderr}`);
        assert.equal(a.stdout, b.stdout);
        assert.equal(a.stderr, b.stderr);
      }
      assert.equal((await ok(sk(other, ['images', '--format', '{{.Repository}}:{{.Tag}}'], env), 'images')).trim(), 'mirrored.example/interop/busybox:1');
    } finally {
      other.cleanup();
    }
  });

  it('credentials come from ${XDG_RUNTIME_DIR}/containers/auth.json, then ~/.docker/config.json', async () => {
    // A registry that wants none still gets the ping; what is checked here is which file login writes.
    const home = join(sb.dir, 'home');
    const runtime = join(sb.dir, 'xdg-run');
    mkdirSync(join(home, '.docker'), { recursive: true });
    mkdirSync(runtime, { recursive: true });
    const env = { HOME: home, XDG_RUNTIME_DIR: runtime, REGISTRY_AUTH_FILE: '' };
    const login = await sk(sb, ['login', ...tls, '-u', 'someone', '-p', 'secret', reg.host], env);
    assert.equal(login.code, 0, login.stderr);
    const written = JSON.parse(readFileSync(join(runtime, 'containers', 'auth.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(written.auths[reg.host].auth, 'base64').toString(), 'someone:secret');
    assert.equal(await ok(sk(sb, ['login', '--get-login', reg.host], env), 'get-login'), 'someone\n');
    rmSync(join(runtime, 'containers'), { recursive: true });
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { [`https://${reg.host}/v1/`]: { auth: Buffer.from('dockeruser:pw').toString('base64') } } }));
    assert.equal(await ok(sk(sb, ['login', '--get-login', reg.host], env), 'get-login from docker'), 'dockeruser\n');
  });

  it('pull and push with the oci, oci-archive, docker-archive and dir transports', async () => {
    const other = new Sandbox('skiff-registry-transports');
    try {
      const layout = join(other.dir, 'layout');
      await ok(sk(sb, ['push', 'localhost/busybox', `oci:${layout}:v1`]), 'push oci:');
      const id = (await ok(sk(other, ['pull', '-q', `oci:${layout}:v1`]), 'pull oci:')).trim();
      const ours = (await ok(sk(sb, ['image', 'inspect', '--format', '{{.Id}}', 'localhost/busybox']), 'inspect')).trim();
      assert.equal(id, ours);
      const dir = join(other.dir, 'dir');
      await ok(sk(sb, ['push', 'localhost/busybox', `dir:${dir}`]), 'push dir:');
      assert.ok(existsSync(join(dir, 'manifest.json')));
      await ok(skopeo(['inspect', `dir:${dir}`]), 'skopeo reads dir:');
      const da = join(other.dir, 'd.tar');
      await ok(sk(sb, ['push', 'localhost/busybox', `docker-archive:${da}`]), 'push docker-archive:');
      assert.equal((await ok(sk(other, ['pull', '-q', `docker-archive:${da}`]), 'pull docker-archive:')).trim(), ours);
      assert.equal((await ok(sk(other, ['pull', '-q', `oci-archive:${archive}`]), 'pull oci-archive:')).trim(), ours);
    } finally {
      other.cleanup();
    }
  });
});

describe('registries: TLS, certs.d and --cert-dir', () => {
  let reg: TestRegistry;
  let sb: Sandbox;
  let certsD: string;
  let hadCertsD: boolean;

  before(async () => {
    reg = await startRegistry('tls');
    sb = new Sandbox('skiff-registry-tls');
    noAuth = join(sb.dir, 'no-auth.json');
    writeFileSync(noAuth, '{"auths":{}}');
    sb.ok(['import', '--change', 'CMD ["/bin/sh"]', '-', 'localhost/tiny'], { input: tarOf('hello.txt', Buffer.from('hi\n')) });
    certsD = join('/etc/containers/certs.d', reg.host);
    hadCertsD = existsSync('/etc/containers/certs.d');
  });
  after(async () => {
    rmSync(certsD, { recursive: true, force: true });
    // The parent too, when this test made it: the machine is left as it was.
    if (!hadCertsD) rmSync('/etc/containers/certs.d', { recursive: true, force: true });
    await reg?.stop();
    sb?.cleanup();
  });

  it('verifies the server with --cert-dir, refuses it without, and skips the check with --tls-verify=false', async () => {
    const name = `${reg.host}/tls/tiny:1`;
    const refused = await sk(sb, ['push', 'localhost/tiny', name]);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /^Error: pinging container registry 127\.0\.0\.1:\d+: Get "https:\/\/127\.0\.0\.1:\d+\/v2\/": x509: certificate signed by unknown authority\n$/);
    await ok(sk(sb, ['push', '-q', '--cert-dir', reg.certDir as string, 'localhost/tiny', name]), 'push --cert-dir');
    await ok(sk(sb, ['pull', '-q', '--tls-verify=false', name]), 'pull --tls-verify=false');
  });

  it('presents the client certificate of a certs.d directory to a registry that requires one', async () => {
    const mtls = await startRegistry('mtls');
    try {
      const name = `${mtls.host}/mtls/tiny:1`;
      const refused = await sk(sb, ['push', '--cert-dir', mtls.caOnlyDir as string, 'localhost/tiny', name]);
      assert.equal(refused.code, 125);
      assert.match(refused.stderr, /^Error: pinging container registry /);
      await ok(sk(sb, ['push', '-q', '--cert-dir', mtls.certDir as string, 'localhost/tiny', name]), 'push with a client certificate');
      await ok(skopeo(['inspect', '--cert-dir', mtls.certDir as string, `docker://${name}`]), 'skopeo reads it');
    } finally {
      await mtls.stop();
    }
  });

  it('trusts the CA in /etc/containers/certs.d/HOST:PORT', async () => {
    mkdirSync(certsD, { recursive: true });
    writeFileSync(join(certsD, 'ca.crt'), readFileSync(reg.caFile as string));
    await ok(sk(sb, ['pull', '-q', `${reg.host}/tls/tiny:1`]), 'pull with certs.d');
    writeFileSync(join(certsD, 'client.cert'), 'x');
    const r = await sk(sb, ['pull', '-q', `${reg.host}/tls/tiny:1`]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /missing key client\.key for client certificate client\.cert/);
  });
});

describe('registries: credentials (htpasswd and token auth), login and logout', () => {
  let basic: TestRegistry;
  let token: TestRegistry;
  let sb: Sandbox;
  let podman: Podman;

  before(async () => {
    [basic, token] = await Promise.all([startRegistry('basic'), startRegistry('token')]);
    sb = new Sandbox('skiff-registry-auth');
    podman = new Podman();
    noAuth = join(sb.dir, 'no-auth.json');
    writeFileSync(noAuth, '{"auths":{}}');
    sb.ok(['import', '--change', 'CMD ["/bin/sh"]', '-', 'localhost/tiny'], { input: tarOf('hello.txt', Buffer.from('hi\n')) });
  });
  after(async () => {
    await Promise.all([basic?.stop(), token?.stop()]);
    podman?.cleanup();
    sb?.cleanup();
  });

  for (const flavour of ['basic', 'token'] as const) {
    it(`${flavour}: anonymous access is refused with a hint to log in; login writes podman's auth.json; pull and push use it; logout`, async () => {
      const reg = flavour === 'basic' ? basic : token;
      const tls = ['--cert-dir', reg.certDir as string];
      const name = `${reg.host}/auth/tiny:1`;
      const anon = await sk(sb, ['push', ...tls, 'localhost/tiny', name]);
      assert.equal(anon.code, 125);
      assert.match(anon.stderr, /authentication required.*skiff login 127\.0\.0\.1:\d+/);

      const ours = join(sb.dir, `${flavour}-auth.json`);
      const theirs = join(sb.dir, `${flavour}-podman-auth.json`);
      const bad = await sk(sb, ['login', ...tls, '--authfile', ours, '-u', reg.user as string, '-p', 'wrong', reg.host]);
      assert.equal(bad.code, 125);
      assert.equal(bad.stderr, `Error: logging into "${reg.host}": invalid username/password\n`);
      assert.ok(!existsSync(ours));
      const login = await sk(sb, ['login', ...tls, '--authfile', ours, '-u', reg.user as string, '--password-stdin', reg.host], {}, `${reg.password}\n`);
      assert.equal(login.code, 0, login.stderr);
      assert.equal(login.stdout, 'Login Succeeded!\n');
      await ok(pm(podman, ['login', ...tls, '--authfile', theirs, '-u', reg.user as string, '-p', reg.password as string, reg.host]), 'podman login');
      assert.equal(readFileSync(ours, 'utf8'), readFileSync(theirs, 'utf8'));
      assert.equal(statSync(ours).mode & 0o777, 0o600);
      assert.equal(await ok(sk(sb, ['login', '--get-login', '--authfile', ours, reg.host]), 'get-login'), `${reg.user}\n`);

      await ok(sk(sb, ['push', '-q', ...tls, '--authfile', ours, 'localhost/tiny', name]), 'push');
      const other = new Sandbox('skiff-registry-auth-pull');
      try {
        // REGISTRY_AUTH_FILE is read as --authfile is.
        await ok(sk(other, ['pull', '-q', ...tls, name], { REGISTRY_AUTH_FILE: ours }), 'pull with REGISTRY_AUTH_FILE');
        // podman pulls what skiff pushed, with skiff's auth file.
        await ok(pm(podman, ['pull', '-q', ...tls, '--authfile', ours, name]), 'podman pull');
      } finally {
        other.cleanup();
      }
      if (flavour === 'token') {
        const scopes = (reg.tokenRequests ?? []).flatMap((q) => new URLSearchParams(q).getAll('scope'));
        assert.ok(scopes.includes('repository:auth/tiny:pull,push'), scopes.join(' | '));
        assert.ok(scopes.includes('repository:auth/tiny:pull'), scopes.join(' | '));
      }
      // Wrong --creds: refused; right ones at debug level: the requests are logged, and neither
      // password appears anywhere, plain or in base64.
      const wrong = await sk(sb, ['--log-level', 'debug', 'pull', ...tls, '--creds', `${reg.user}:s3cr3t-wrong`, name]);
      assert.equal(wrong.code, 125);
      const right = await sk(sb, ['--log-level', 'debug', 'pull', ...tls, '--creds', `${reg.user}:${reg.password}`, name]);
      assert.equal(right.code, 0, right.stderr);
      assert.match(right.stderr, /level=debug msg="GET https:\/\/127\.0\.0\.1:\d+\/v2\/auth\/tiny\/manifests\/1: 200"/);
      for (const secret of ['s3cr3t-wrong', reg.password as string]) {
        for (const form of [secret, Buffer.from(`${reg.user}:${secret}`).toString('base64')]) {
          assert.ok(!wrong.stderr.includes(form) && !right.stderr.includes(form) && !right.stdout.includes(form), `${form} leaked`);
        }
      }

      assert.equal(await ok(sk(sb, ['logout', '--authfile', ours, reg.host]), 'logout'), `Removed login credentials for ${reg.host}\n`);
      const again = await sk(sb, ['logout', '--authfile', ours, reg.host]);
      assert.equal(again.code, 125);
      assert.equal(again.stderr, `Error: not logged into ${reg.host}\n`);
    });
  }

  it('a Docker credential helper named in the auth file gives the credentials', async () => {
    const bin = join(sb.dir, 'helper-bin');
    mkdirSync(bin, { recursive: true });
    const helper = join(bin, 'docker-credential-skifftest');
    // The helper protocol: the server on stdin, {Username, Secret} on stdout.
    writeFileSync(helper, `#!/bin/sh\nread server\n[ "$server" = "${basic.host}" ] || { echo "credentials not found in native keychain"; exit 1; }\nprintf '{"ServerURL":"%s","Username":"${basic.user}","Secret":"${basic.password}"}' "$server"\n`, { mode: 0o755 });
    const authfile = join(sb.dir, 'helper-auth.json');
    writeFileSync(authfile, JSON.stringify({ auths: {}, credHelpers: { [basic.host]: 'skifftest' } }));
    const env = { PATH: `${bin}:${process.env.PATH}`, REGISTRY_AUTH_FILE: authfile };
    await ok(sk(sb, ['push', '-q', '--cert-dir', basic.certDir as string, 'localhost/tiny', `${basic.host}/helper/tiny:1`], env), 'push with a credential helper');
    const missing = join(sb.dir, 'missing-helper.json');
    writeFileSync(missing, JSON.stringify({ auths: {}, credHelpers: { [basic.host]: 'nosuchhelper' } }));
    const r = await sk(sb, ['pull', '--cert-dir', basic.certDir as string, `${basic.host}/helper/tiny:1`], { REGISTRY_AUTH_FILE: missing });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /docker-credential-nosuchhelper: executable file not found in \$PATH/);
  });

  it('login without a password and without a terminal fails as podman does', async () => {
    const args = ['login', '--cert-dir', basic.certDir as string, '--authfile', join(sb.dir, 'x.json'), '-u', 'someone', basic.host];
    const s = await sk(sb, args);
    const p = await pm(podman, args);
    assert.equal(s.code, 125);
    assert.equal(s.stderr, p.stderr);
  });
});

// -----------------------------------------------------------------------------------------------
// A hostile registry: answers built by the test, to check each failure leaves the store alone.

interface FakeImage {
  manifest: Buffer;
  manifestType: string;
  blobs: Map<string, Buffer>;
}

function fakeImage(opts: { layerType?: string; config?: Buffer; tamperLayer?: boolean } = {}): FakeImage {
  const tar = tarOf('file.txt', Buffer.from('content\n'));
  const layer = gzipSync(tar);
  const config = opts.config ?? Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [digest(tar)] } }));
  const blobs = new Map<string, Buffer>([[digest(config), config]]);
  const layerDigest = digest(layer);
  blobs.set(layerDigest, opts.tamperLayer ? gzipSync(tarOf('file.txt', Buffer.from('tampered\n'))) : layer);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(config), size: config.length },
    layers: [{ mediaType: opts.layerType ?? 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
  }));
  return { manifest, manifestType: 'application/vnd.oci.image.manifest.v1+json', blobs };
}

describe('registries: bad answers are refused, each leaving the store as it was', () => {
  let server: Server;
  let other: Server;
  let host: string;
  let sb: Sandbox;
  const repos = new Map<string, FakeImage & { redirect?: string; stall?: boolean }>();
  let stalled: ServerResponse | undefined;
  let stallStarted: () => void = () => {};

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    const img = m ? repos.get(m[1]) : undefined;
    if (!m || !img) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}');
    if (m[1] === 'bad/500') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('the registry is having a bad day');
    if (m[2] === 'manifests') return void res.writeHead(200, { 'content-type': img.manifestType, 'content-length': img.manifest.length }).end(req.method === 'HEAD' ? undefined : img.manifest);
    const blob = img.blobs.get(m[3]);
    if (!blob) return void res.writeHead(404).end();
    if (img.redirect && !blob.toString('utf8').startsWith('{')) return void res.writeHead(307, { location: img.redirect.replace('DIGEST', m[3]) }).end();
    if (img.stall && !blob.toString('utf8').startsWith('{')) {
      res.writeHead(200, { 'content-length': blob.length });
      res.write(blob.subarray(0, blob.length >> 1));
      stalled = res;
      stallStarted();
      return;
    }
    res.writeHead(200, { 'content-length': blob.length }).end(blob);
  };

  before(async () => {
    server = createServer(handler);
    other = createServer((req, res) => {
      // Another host: serves the blob the main one redirects to.
      const d = (req.url ?? '').split('/').pop() ?? '';
      const blob = repos.get('redirect/ok')?.blobs.get(d);
      if (blob) res.writeHead(200, { 'content-length': blob.length }).end(blob);
      else res.writeHead(404).end();
    });
    await Promise.all([new Promise<void>((r) => server.listen(0, '127.0.0.1', r)), new Promise<void>((r) => other.listen(0, '127.0.0.1', r))]);
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    sb = new Sandbox('skiff-registry-bad');
    noAuth = join(sb.dir, 'no-auth.json');
    writeFileSync(noAuth, '{"auths":{}}');
    const huge = fakeImage();
    huge.manifest = Buffer.concat([huge.manifest.subarray(0, -1), Buffer.from(`,"annotations":{"pad":"${'x'.repeat(5 * 1024 * 1024)}"}}`)]);
    repos.set('bad/digest', fakeImage({ tamperLayer: true }));
    repos.set('bad/huge', huge);
    repos.set('bad/mediatype', fakeImage({ layerType: 'application/vnd.example.not-a-layer' }));
    const notJson = fakeImage({ config: Buffer.from('this is not json') });
    repos.set('bad/config', notJson);
    const schema1 = fakeImage();
    schema1.manifest = Buffer.from('{"schemaVersion":1,"name":"bad/schema1","tag":"latest","fsLayers":[],"history":[]}');
    schema1.manifestType = 'application/vnd.docker.distribution.manifest.v1+json';
    repos.set('bad/schema1', schema1);
    repos.set('redirect/ftp', { ...fakeImage(), redirect: 'ftp://127.0.0.1/DIGEST' });
    repos.set('redirect/ok', { ...fakeImage(), redirect: `http://127.0.0.1:${(other.address() as AddressInfo).port}/blobs/DIGEST` });
    repos.set('slow/image', { ...fakeImage(), stall: true });
    repos.set('good/image', fakeImage());
    repos.set('bad/500', fakeImage());
  });
  after(async () => {
    stalled?.destroy();
    server.closeAllConnections();
    other.closeAllConnections();
    await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => other.close(r))]);
    sb?.cleanup();
  });

  const cases: { repo: string; stderr: RegExp }[] = [
    { repo: 'bad/digest', stderr: /^Error: reading blob sha256:[0-9a-f]{64}: (digest mismatch: the content has digest sha256:[0-9a-f]{64}|the registry sent more than the \d+ bytes the manifest says|size mismatch: .*)\n$/ },
    { repo: 'bad/huge', stderr: /^Error: initializing source docker:\/\/127\.0\.0\.1:\d+\/bad\/huge:latest: reading manifest latest in 127\.0\.0\.1:\d+\/bad\/huge: manifest of \d+ bytes exceeds the maximum of 4194304 bytes\n$/ },
    { repo: 'bad/mediatype', stderr: /^Error: unsupported layer media type "application\/vnd\.example\.not-a-layer"\n$/ },
    { repo: 'bad/config', stderr: /^Error: invalid image config: /m },
    { repo: 'bad/schema1', stderr: /Docker schema 1 manifests are not supported/ },
    { repo: 'bad/missing', stderr: /^Error: initializing source docker:\/\/127\.0\.0\.1:\d+\/bad\/missing:latest: reading manifest latest in 127\.0\.0\.1:\d+\/bad\/missing: name unknown: repository name not known to registry\n$/ },
    { repo: 'bad/500', stderr: /^Error: initializing source docker:\/\/127\.0\.0\.1:\d+\/bad\/500:latest: reading manifest latest in 127\.0\.0\.1:\d+\/bad\/500: received unexpected HTTP status: 500 Internal Server Error\n$/ },
    { repo: 'redirect/ftp', stderr: /refusing a redirect to a ftp URL: only http and https are followed/ },
  ];
  for (const c of cases) {
    it(`${c.repo}: refused with a clear error, nothing stored`, async () => {
      // A pull and its removal first: the store then has every directory a pull makes.
      await ok(sk(sb, ['pull', '-q', '--tls-verify=false', `${host}/good/image`]), 'pull');
      await ok(sk(sb, ['rmi', '-a']), 'rmi');
      const before = sb.snapshot();
      const r = await sk(sb, ['pull', '--tls-verify=false', '--retry', '0', `${host}/${c.repo}`]);
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr.replace(/^Trying to pull .*\n(Getting image source signatures\n)?(Copying blob .*\n)*/, ''), c.stderr);
      assert.equal(r.stdout, '');
      assert.deepEqual(sb.snapshot(), before);
      assert.equal(await ok(sk(sb, ['images', '-q']), 'images'), '');
    });
  }

  it('follows a redirect of a blob to another host', async () => {
    const other2 = new Sandbox('skiff-registry-redirect');
    try {
      await ok(sk(other2, ['pull', '-q', '--tls-verify=false', `${host}/redirect/ok`]), 'pull');
    } finally {
      other2.cleanup();
    }
  });

  it('a pull killed halfway leaves nothing used; the next pull succeeds and clears the leftovers', async () => {
    const started = new Promise<void>((r) => {
      stallStarted = r;
    });
    const child: ChildProcess = spawn(SKIFF, sb.args(['pull', '--tls-verify=false', `${host}/slow/image`]), { stdio: 'ignore', env: { ...process.env, REGISTRY_AUTH_FILE: noAuth } });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await Promise.race([started, new Promise((_, rej) => setTimeout(() => rej(new Error('the blob was never requested')), 20_000))]);
    // Give the half blob time to reach the extractor.
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await exited;
    stalled?.destroy();
    assert.equal(await ok(sk(sb, ['images', '-q']), 'images'), '');
    await ok(sk(sb, ['pull', '-q', '--tls-verify=false', `${host}/good/image`]), 'pull after a kill');
    assert.deepEqual(scratchLeft(sb), []);
    const layers = readdirSync(join(sb.root, 'overlay')).filter((n) => n !== 'l');
    assert.equal(layers.length, 1, layers.join(' '));
  });
});
