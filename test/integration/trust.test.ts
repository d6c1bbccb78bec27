/**
 * Image trust against podman 4.3.1 and skopeo: policy.json read and enforced as Podman does
 * (fail closed on a broken file), simple signatures made by either side verified by the other,
 * and each way a signature can be wrong refused with the store left as it was.
 *
 * Both engines find registries.d under $HOME/.config/containers (containers/image reads the
 * user's directory first), so the tests point HOME at a private directory and never touch
 * /etc. gpg keys live in private GNUPGHOMEs. Commands run asynchronously: the HTTP lookaside
 * server lives in this process.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject, sign as cryptoSign } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importBusybox, Podman, type Result, runAsync, Sandbox, SKIFF } from './harness.ts';
import { startRegistry, type TestRegistry } from './registry.ts';

interface Key {
  readonly home: string;
  readonly fingerprint: string;
  readonly pubring: string;
}

function makeKey(dir: string, name: string): Key {
  const home = join(dir, `gnupg-${name}`);
  mkdirSync(home, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `${name} <${name}@example.com>`, 'ed25519', 'sign', '1d'], { env, stdio: 'ignore' });
  const colons = execFileSync('gpg', ['--list-keys', '--with-colons'], { env, encoding: 'utf8' });
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1] as string;
  const pubring = join(dir, `${name}.gpg`);
  writeFileSync(pubring, execFileSync('gpg', ['--export', fingerprint], { env }));
  return { home, fingerprint, pubring };
}

describe('image trust: policy.json and simple signatures, with podman and skopeo on the other side', () => {
  let reg: TestRegistry;
  let sb: Sandbox;
  let podman: Podman;
  let home: string;
  let sigstore: string;
  let alice: Key;
  let mallory: Key;
  let lookaside: Server;
  let lookasideUrl: string;
  let policy: string;
  const tls = ['--tls-verify=false'];
  let env: NodeJS.ProcessEnv;

  const sk = (args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<Result> => runAsync(SKIFF, sb.args(args), { env: { ...env, ...extra } });
  const pm = (args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<Result> => {
    const [cmd, ...argv] = podman.argv(args);
    return runAsync(cmd as string, argv, { env: { ...podman.env, ...env, ...extra } });
  };
  const ok = async (p: Promise<Result>, what: string): Promise<string> => {
    const r = await p;
    assert.equal(r.code, 0, `${what} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const sigDir = (repo: string, digest: string): string => join(sigstore, ...repo.split('/').slice(0, -1), `${repo.split('/').pop()}@${digest.replace(':', '=')}`);
  const digestOf = async (ref: string): Promise<string> => (JSON.parse(await ok(runAsync('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`]), 'skopeo inspect')) as { Digest: string }).Digest;

  before(async () => {
    reg = await startRegistry('http');
    sb = new Sandbox('skiff-trust');
    podman = new Podman();
    home = join(sb.dir, 'home');
    sigstore = join(sb.dir, 'sigstore');
    mkdirSync(join(home, '.config', 'containers', 'registries.d'), { recursive: true });
    mkdirSync(sigstore);
    alice = makeKey(sb.dir, 'alice');
    mallory = makeKey(sb.dir, 'mallory');
    // An HTTP lookaside: a signature store that answers 404, 500 or garbage on request.
    lookaside = createServer((req, res) => {
      if ((req.url ?? '').includes('/http/broken@')) return void res.writeHead(500).end('oops');
      if ((req.url ?? '').includes('/http/garbage@')) return void res.writeHead(200).end('<html>not a signature</html>');
      let body: Buffer;
      try {
        body = readFileSync(join(sigstore, decodeURIComponent(req.url ?? '')));
      } catch {
        return void res.writeHead(404).end();
      }
      res.writeHead(200).end(body);
    });
    await new Promise<void>((r) => lookaside.listen(0, '127.0.0.1', r));
    lookasideUrl = `http://127.0.0.1:${(lookaside.address() as AddressInfo).port}`;
    writeFileSync(join(home, '.config', 'containers', 'registries.d', 'test.yaml'), [
      'docker:',
      `  ${reg.host}/trust:`,
      `    lookaside: file://${sigstore}`,
      `    lookaside-staging: file://${sigstore}`,
      `  ${reg.host}/http:`,
      `    lookaside: ${lookasideUrl}`,
      `  ${reg.host}/sigstore:`,
      '    use-sigstore-attachments: true',
      '',
    ].join('\n'));
    policy = join(sb.dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({
      default: [{ type: 'insecureAcceptAnything' }],
      transports: {
        docker: {
          [`${reg.host}/trust`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: alice.pubring }],
          [`${reg.host}/http`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: alice.pubring }],
          [`${reg.host}/rejected`]: [{ type: 'reject' }],
          [`${reg.host}/sigstore`]: [{ type: 'sigstoreSigned', keyPath: join(sb.dir, 'cosign.pub'), signedIdentity: { type: 'matchRepoDigestOrExact' } }],
          [`${reg.host}/rejected/but-this-one`]: [{ type: 'insecureAcceptAnything' }],
        },
      },
    }));
    env = { HOME: home, GNUPGHOME: alice.home, REGISTRY_AUTH_FILE: join(sb.dir, 'no-auth.json') };
    writeFileSync(join(sb.dir, 'no-auth.json'), '{"auths":{}}');
    importBusybox(sb, podman);
    for (const repo of ['rejected/x', 'rejected/but-this-one', 'trust/unsigned', 'http/unsigned', 'http/broken', 'http/garbage']) {
      await ok(sk(['push', '-q', ...tls, 'localhost/busybox', `${reg.host}/${repo}:1`]), `push ${repo}`);
    }
  });
  after(async () => {
    lookaside?.closeAllConnections();
    await new Promise((r) => lookaside?.close(r));
    await reg?.stop();
    podman?.cleanup();
    sb?.cleanup();
  });

  /** skiff and podman pull `ref` under the policy: same exit code and the same last line of stderr. */
  async function samePull(ref: string): Promise<Result> {
    const before = sb.snapshot();
    const s = await sk(['pull', '-q', ...tls, '--signature-policy', policy, ref]);
    const p = await pm(['pull', '-q', ...tls, '--signature-policy', policy, ref]);
    assert.equal(s.code, p.code, `${ref}\nskiff: ${s.stderr}\npodman: ${p.stderr}`);
    assert.equal(s.stderr.trim().split('\n').at(-1), p.stderr.trim().split('\n').at(-1), ref);
    if (s.code !== 0) assert.deepEqual(sb.snapshot(), before, `${ref}: the store changed`);
    return s;
  }

  it('a broken or missing policy refuses every pull, with the file and the reason as podman says them', async () => {
    const cases: [string, string][] = [
      ['unknown-key.json', '{"default":[{"type":"insecureAcceptAnything"}],"foo":1}'],
      ['truncated.json', '{"default":[{"type":"insecureAcceptAnything"}'],
      ['bad-type.json', '{"default":[{"type":"nope"}]}'],
      ['no-default.json', '{"transports":{}}'],
      ['empty-list.json', '{"default":[]}'],
      // JSON.parse would keep the last "default": Go's decoder refuses the file.
      ['duplicate.json', '{"default":[{"type":"reject"}],"default":[{"type":"insecureAcceptAnything"}]}'],
    ];
    const before = sb.snapshot();
    for (const [name, text] of cases) {
      const file = join(sb.dir, name);
      writeFileSync(file, text);
      const args = ['pull', ...tls, '--signature-policy', file, `${reg.host}/rejected/x:1`];
      const s = await sk(args);
      const p = await pm(args);
      assert.equal(s.code, 125, name);
      assert.equal(p.code, 125, name);
      assert.equal(s.stderr, p.stderr, name);
    }
    // A name with both a tag and a digest, which would slip past the repository's scope.
    const both = ['pull', ...tls, `docker://${reg.host}/rejected/x:1@sha256:${'1'.repeat(64)}`];
    assert.equal((await sk(both)).stderr, (await pm(both)).stderr);
    const missing = ['pull', ...tls, '--signature-policy', join(sb.dir, 'nope.json'), `${reg.host}/rejected/x:1`];
    assert.equal((await sk(missing)).stderr, (await pm(missing)).stderr);
    assert.deepEqual(sb.snapshot(), before);
  });

  it('reject and accept by scope, the most specific scope winning', async () => {
    await samePull(`${reg.host}/rejected/x:1`);
    assert.match((await sk(['pull', ...tls, '--signature-policy', policy, `${reg.host}/rejected/x:1`])).stderr, /Source image rejected: Running image docker:\/\/127\.0\.0\.1:\d+\/rejected\/x:1 is rejected by policy\.\n$/);
    const r = await samePull(`${reg.host}/rejected/but-this-one:1`);
    assert.equal(r.code, 0);
    // load is a copy from an archive transport: the policy applies to it too, as in Podman.
    const archive = join(sb.dir, 'trust.tar');
    await ok(sk(['save', '--format', 'oci-archive', '-o', archive, 'localhost/busybox']), 'save');
    const rejectAll = join(sb.dir, 'reject-all.json');
    writeFileSync(rejectAll, '{"default":[{"type":"reject"}]}');
    const before = sb.snapshot();
    const load = await sk(['load', '--signature-policy', rejectAll, '-i', archive]);
    assert.equal(load.code, 125);
    assert.equal(load.stderr, `Error: Source image rejected: Running image oci-archive:${archive}: is rejected by policy.\n`);
    // push and save copy out of the store: the policy decides for containers-storage too.
    const pushOut = await sk(['push', ...tls, '--signature-policy', rejectAll, 'localhost/busybox', `${reg.host}/rejected/pushed:1`]);
    assert.equal(pushOut.code, 125);
    assert.match(pushOut.stderr, /^Error: Source image rejected: Running image containers-storage:\[overlay@[^\]]+\]localhost\/busybox:latest is rejected by policy\.\n$/);
    const saveOut = await sk(['save', '--signature-policy', rejectAll, '-o', join(sb.dir, 'refused.tar'), 'localhost/busybox']);
    assert.equal(saveOut.code, 125);
    assert.ok(!existsSync(join(sb.dir, 'refused.tar')));
    // import is a copy from the tarball transport: Podman's words.
    const imp = ['import', '--signature-policy', rejectAll, archive, 'localhost/imported:1'];
    assert.equal((await sk(imp)).stderr, (await pm(imp)).stderr);
    // A path scope applies to the real path: a symlink does not lead around it.
    const real = join(sb.dir, 'real');
    mkdirSync(real);
    cpSync(archive, join(real, 'x.tar'));
    symlinkSync(real, join(sb.dir, 'link'));
    const scoped = join(sb.dir, 'scoped.json');
    writeFileSync(scoped, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { 'oci-archive': { [real]: [{ type: 'reject' }] } } }));
    const viaLink = await sk(['pull', '--signature-policy', scoped, `oci-archive:${join(sb.dir, 'link', 'x.tar')}`]);
    assert.equal(viaLink.code, 125, viaLink.stderr);
    assert.match(viaLink.stderr, /is rejected by policy/);
    assert.deepEqual(sb.snapshot(), before);
  });

  it('a signature by a key that has expired since is refused, as gpg refuses it', async () => {
    const expiring = join(sb.dir, 'gnupg-expiring');
    mkdirSync(expiring, { mode: 0o700 });
    const genv = { ...process.env, GNUPGHOME: expiring };
    execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Brief <brief@example.com>', 'ed25519', 'sign', 'seconds=3'], { env: genv, stdio: 'ignore' });
    const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(execFileSync('gpg', ['--list-keys', '--with-colons'], { env: genv, encoding: 'utf8' }))?.[1] as string;
    const pub = join(sb.dir, 'expiring.gpg');
    writeFileSync(pub, execFileSync('gpg', ['--export', fpr], { env: genv }));
    const ref = `${reg.host}/trust/expiring:1`;
    await ok(sk(['push', '-q', ...tls, '--sign-by', fpr, 'localhost/busybox', ref], { GNUPGHOME: expiring }), 'push --sign-by an expiring key');
    const expPolicy = join(sb.dir, 'expiring-policy.json');
    writeFileSync(expPolicy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { [`${reg.host}/trust/expiring`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: pub }] } } }));
    const other = new Sandbox('skiff-trust-expiring');
    try {
      await new Promise((r) => setTimeout(r, 4000));
      const r = await runAsync(SKIFF, other.args(['pull', '-q', ...tls, '--signature-policy', expPolicy, ref]), { env });
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, /Source image rejected: Invalid GPG signature: /);
    } finally {
      other.cleanup();
    }
  });

  it('skiff signs on push: skopeo standalone-verify accepts it, and podman and skiff pull it under a signedBy policy', async () => {
    const ref = `${reg.host}/trust/signed:1`;
    const push = await sk(['push', ...tls, '--sign-by', alice.fingerprint, 'localhost/busybox', ref]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /Writing manifest to image destination\nSigning manifest using simple signing\nStoring signatures\n$/);
    const digest = await digestOf(ref);
    const dir = sigDir('trust/signed', digest);
    assert.deepEqual(readdirSync(dir), ['signature-1']);
    const manifest = join(sb.dir, 'signed-manifest.json');
    writeFileSync(manifest, await ok(runAsync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]), 'skopeo inspect --raw'));
    const verified = await ok(runAsync('skopeo', ['standalone-verify', manifest, ref, alice.fingerprint, join(dir, 'signature-1')], { env }), 'standalone-verify');
    assert.match(verified, new RegExp(`^Signature verified, digest ${digest}\\n$`));
    const r = await samePull(ref);
    assert.equal(r.code, 0);
  });

  it('podman and skopeo sign: skiff verifies', async () => {
    const ref = `${reg.host}/trust/by-podman:1`;
    // Podman signs only what it can push unchanged: an image it pulled, not one it imported.
    const source = `${reg.host}/rejected/but-this-one:1`;
    await ok(pm(['pull', '-q', ...tls, source]), 'podman pull');
    await ok(pm(['push', '-q', ...tls, '--sign-by', alice.fingerprint, source, ref]), 'podman push --sign-by');
    // And skopeo, as the interop names it: `skopeo copy --sign-by`.
    const bySkopeo = `${reg.host}/trust/by-skopeo:1`;
    await ok(runAsync('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', '--sign-by', alice.fingerprint, `docker://${source}`, `docker://${bySkopeo}`], { env }), 'skopeo copy --sign-by');
    const other = new Sandbox('skiff-trust-verify');
    try {
      const s = await runAsync(SKIFF, other.args(['pull', '-q', ...tls, '--signature-policy', policy, bySkopeo]), { env });
      assert.equal(s.code, 0, s.stderr);
      const r = await runAsync(SKIFF, other.args(['pull', '-q', ...tls, '--signature-policy', policy, ref]), { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await ok(runAsync(SKIFF, other.args(['run', '--rm', ref, 'echo', 'verified']), { env }), 'run'), 'verified\n');
    } finally {
      other.cleanup();
    }
  });

  it('refused as podman refuses them: no signature, another image\'s identity, another digest, not a signature at all', async () => {
    await samePull(`${reg.host}/trust/unsigned:1`);
    assert.match((await sk(['pull', ...tls, '--signature-policy', policy, `${reg.host}/trust/unsigned:1`])).stderr, /Source image rejected: A signature was required, but no signature exists\n$/);
    const digest = await digestOf(`${reg.host}/trust/unsigned:1`);
    const target = sigDir('trust/unsigned', digest);
    mkdirSync(target, { recursive: true });
    // The signature of trust/signed (the same manifest) claims another name.
    cpSync(join(sigDir('trust/signed', digest), 'signature-1'), join(target, 'signature-1'));
    let r = await samePull(`${reg.host}/trust/unsigned:1`);
    assert.match(r.stderr, /Signature for identity 127\.0\.0\.1:\d+\/trust\/signed:1 is not accepted\n$/);
    // A signature over another manifest.
    await ok(sk(['push', '-q', ...tls, '--format', 'v2s2', '--sign-by', alice.fingerprint, 'localhost/busybox', `${reg.host}/trust/unsigned:v2`]), 'push v2s2');
    const other = await digestOf(`${reg.host}/trust/unsigned:v2`);
    cpSync(join(sigDir('trust/unsigned', other), 'signature-1'), join(target, 'signature-1'));
    r = await samePull(`${reg.host}/trust/unsigned:1`);
    assert.match(r.stderr, /Signature for digest sha256:[0-9a-f]{64} does not match\n$/);
    writeFileSync(join(target, 'signature-1'), '.this is not an OpenPGP message');
    r = await samePull(`${reg.host}/trust/unsigned:1`);
    assert.match(r.stderr, /unrecognized signature format, starting with binary 0x2e\n$/);
  });

  it('refused: a signature by another key, a tampered signature, a lookaside answering 500 or garbage; the store unchanged', async () => {
    const ref = `${reg.host}/trust/unsigned:1`;
    const digest = await digestOf(ref);
    const target = join(sigDir('trust/unsigned', digest), 'signature-1');
    const payload = JSON.stringify({ critical: { identity: { 'docker-reference': ref }, image: { 'docker-manifest-digest': digest }, type: 'atomic container signature' }, optional: {} });
    writeFileSync(target, execFileSync('gpg', ['--batch', '--sign'], { input: payload, env: { ...process.env, GNUPGHOME: mallory.home } }));
    const before = sb.snapshot();
    const pull = (r: string) => sk(['pull', ...tls, '--signature-policy', policy, r]);
    let r = await pull(ref);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Source image rejected: Signature by key [0-9A-F]{16} is not accepted\n$/);
    // Alice's own signature with one byte of it changed.
    const good = readFileSync(join(sigDir('trust/signed', digest), 'signature-1'));
    good[good.length >> 1] ^= 0x55;
    writeFileSync(target, good);
    r = await pull(ref);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Source image rejected: (Invalid GPG signature: |Invalid signature format: )/);
    r = await pull(`${reg.host}/http/unsigned:1`);
    assert.match(r.stderr, /Source image rejected: A signature was required, but no signature exists\n$/);
    r = await pull(`${reg.host}/http/broken:1`);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /reading signature from http:\/\/127\.0\.0\.1:\d+\/http\/broken@sha256=[0-9a-f]{64}\/signature-1: status 500/);
    r = await pull(`${reg.host}/http/garbage:1`);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /parsing signature "http:\/\/127\.0\.0\.1:\d+\/http\/garbage@sha256=[0-9a-f]{64}\/signature-1": unrecognized signature format, starting with binary 0x3c\n$/);
    assert.deepEqual(sb.snapshot(), before);
  });

  it('image trust set and show write and show what podman writes and shows; explain says which scope decided', async () => {
    const ours = join(sb.dir, 'set-skiff.json');
    const theirs = join(sb.dir, 'set-podman.json');
    for (const f of [ours, theirs]) writeFileSync(f, readFileSync('/etc/containers/policy.json'));
    const steps = [
      ['image', 'trust', 'set', '-t', 'signedBy', '-f', alice.pubring, `${reg.host}/trust`],
      // Two keys: two requirements, both of which must accept (Podman's file), not either key.
      ['image', 'trust', 'set', '-t', 'signedBy', '-f', alice.pubring, '-f', mallory.pubring, `${reg.host}/two-keys`],
      ['image', 'trust', 'set', '-t', 'reject', 'docker.io'],
      ['image', 'trust', 'set', '-t', 'accept', 'default'],
    ];
    for (const step of steps) {
      await ok(sk([...step, '--policypath', ours]), step.join(' '));
      await ok(pm([...step, '--policypath', theirs]), `podman ${step.join(' ')}`);
    }
    assert.equal(readFileSync(ours, 'utf8'), readFileSync(theirs, 'utf8'));
    const bad = ['image', 'trust', 'set', '-t', 'signedBy', 'x'];
    assert.equal((await sk([...bad, '--policypath', ours])).stderr, (await pm([...bad, '--policypath', theirs])).stderr);
    // podman cannot name the key (it looks for gpg2); the rest of the table is the same.
    const show = await ok(sk(['image', 'trust', 'show', '--policypath', ours]), 'show');
    const podmanShow = await ok(pm(['image', 'trust', 'show', '--policypath', theirs]), 'podman show');
    assert.equal(show.split('\n')[0].replace(/\s+/g, ' '), podmanShow.split('\n')[0].replace(/\s+/g, ' '));
    assert.match(show, new RegExp(`repository\\s+${reg.host.replaceAll('.', '\\.')}/trust\\s+signed\\s+alice <alice@example\\.com>\\s+file://`));
    const json = JSON.parse(await ok(sk(['image', 'trust', 'show', '--json', '--policypath', ours]), 'show --json')) as { name: string; type: string }[];
    assert.deepEqual(json.map((j) => [j.name, j.type]), [['* (default)', 'accept'], [`${reg.host}/trust`, 'signed'], [`${reg.host}/two-keys`, 'signed'], ['docker.io', 'reject']]);

    const explain = await sk(['image', 'trust', 'explain', ...tls, '--signature-policy', policy, `docker://${reg.host}/trust/unsigned:1`]);
    assert.equal(explain.code, 1, explain.stderr);
    assert.match(explain.stdout, new RegExp(`Decided by:   transports\\.docker\\["${reg.host.replaceAll('.', '\\.')}/trust"\\]`));
    assert.match(explain.stdout, /refuses it: /);
    assert.match(explain.stdout, /Verdict:      rejected\n$/);
    const accepted = await sk(['image', 'trust', 'explain', ...tls, '--signature-policy', policy, `docker://${reg.host}/trust/signed:1`]);
    assert.equal(accepted.code, 0, accepted.stdout);
    assert.match(accepted.stdout, /accepts the image\nVerdict:      accepted\n$/);
  });

  it('image sign writes a signature skopeo verifies, to --directory', async () => {
    const ref = `${reg.host}/trust/signed:1`;
    const dir = join(sb.dir, 'sign-dir');
    await ok(sk(['image', 'sign', ...tls, '--sign-by', alice.fingerprint, '--directory', dir, `docker://${ref}`]), 'image sign');
    const digest = await digestOf(ref);
    const manifest = join(sb.dir, 'sign-manifest.json');
    writeFileSync(manifest, await ok(runAsync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]), 'skopeo inspect --raw'));
    const sig = join(dir, 'trust', `signed@${digest.replace(':', '=')}`, 'signature-1');
    await ok(runAsync('skopeo', ['standalone-verify', manifest, ref, alice.fingerprint, sig], { env }), 'standalone-verify');
    const noKey = await sk(['image', 'sign', `docker://${ref}`]);
    assert.equal(noKey.stderr, (await pm(['image', 'sign', `docker://${ref}`])).stderr);
  });

  it('sigstore: keys made by skiff, signatures attached in the registry as cosign does, verified under sigstoreSigned', async () => {
    // Debian's podman and skopeo are built with sigstore disabled ("Debian-local change"), so
    // the signature is checked here with openssl, and the attachment's layout with skopeo.
    const pass = join(sb.dir, 'cosign-pass');
    writeFileSync(pass, 'correct horse\n');
    await ok(sk(['image', 'generate-sigstore-key', '--output-prefix', join(sb.dir, 'cosign'), '--passphrase-file', pass]), 'generate-sigstore-key');
    await ok(sk(['image', 'generate-sigstore-key', '--output-prefix', join(sb.dir, 'other'), '--passphrase-file', pass]), 'generate-sigstore-key');
    const ref = `${reg.host}/sigstore/signed:1`;
    const push = await sk(['push', ...tls, '--sign-by-sigstore-private-key', join(sb.dir, 'cosign.private'), '--sign-passphrase-file', pass, 'localhost/busybox', ref]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /Signing manifest using a sigstore signature\nStoring signatures\n$/);
    const digest = await digestOf(ref);
    const attachment = JSON.parse(await ok(runAsync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/sigstore/signed:${digest.replace(':', '-')}.sig`]), 'the attachment')) as { layers: { mediaType: string; digest: string; annotations: Record<string, string> }[] };
    assert.equal(attachment.layers.length, 1);
    const layer = attachment.layers[0];
    assert.equal(layer.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
    const payload = join(sb.dir, 'payload.json');
    await ok(runAsync('skopeo', ['copy', '--insecure-policy', '--src-tls-verify=false', `docker://${reg.host}/sigstore/signed:${digest.replace(':', '-')}.sig`, `dir:${join(sb.dir, 'sigdir')}`]), 'copy the attachment');
    cpSync(join(sb.dir, 'sigdir', layer.digest.slice('sha256:'.length)), payload);
    assert.deepEqual(JSON.parse(readFileSync(payload, 'utf8')).critical, { identity: { 'docker-reference': ref }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' });
    writeFileSync(join(sb.dir, 'sig.der'), Buffer.from(layer.annotations['dev.cosignproject.cosign/signature'], 'base64'));
    assert.match(await ok(runAsync('openssl', ['dgst', '-sha256', '-verify', join(sb.dir, 'cosign.pub'), '-signature', join(sb.dir, 'sig.der'), payload]), 'openssl'), /Verified OK/);

    const other = new Sandbox('skiff-trust-sigstore');
    try {
      const pull = (r: string) => runAsync(SKIFF, other.args(['pull', '-q', ...tls, '--signature-policy', policy, r]), { env });
      assert.equal((await pull(ref)).code, 0);
      await ok(sk(['push', '-q', ...tls, 'localhost/busybox', `${reg.host}/sigstore/unsigned:1`]), 'push unsigned');
      let r = await pull(`${reg.host}/sigstore/unsigned:1`);
      assert.match(r.stderr, /Source image rejected: A signature was required, but no signature exists\n$/);
      // Signed with a key the policy does not name.
      await ok(sk(['push', '-q', ...tls, '--sign-by-sigstore-private-key', join(sb.dir, 'other.private'), '--sign-passphrase-file', pass, 'localhost/busybox', `${reg.host}/sigstore/other:1`]), 'push signed by the other key');
      r = await pull(`${reg.host}/sigstore/other:1`);
      assert.match(r.stderr, /Source image rejected: cryptographic signature verification failed/);
      // The good signature attached to another repository's identical manifest names the wrong image.
      await ok(runAsync('skopeo', ['copy', '--insecure-policy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.host}/sigstore/signed:${digest.replace(':', '-')}.sig`, `docker://${reg.host}/sigstore/unsigned:${digest.replace(':', '-')}.sig`]), 'copy the attachment');
      r = await pull(`${reg.host}/sigstore/unsigned:1`);
      assert.match(r.stderr, /Signature for identity 127\.0\.0\.1:\d+\/sigstore\/signed:1 is not accepted\n$/);
      const wrong = join(sb.dir, 'wrong-pass');
      writeFileSync(wrong, 'wrong\n');
      const bad = await sk(['push', ...tls, '--sign-by-sigstore-private-key', join(sb.dir, 'cosign.private'), '--sign-passphrase-file', wrong, 'localhost/busybox', ref]);
      assert.equal(bad.code, 125);
      assert.match(bad.stderr, /wrong passphrase or damaged key/);
      const off = await sk(['push', ...tls, '--sign-by-sigstore-private-key', join(sb.dir, 'cosign.private'), '--sign-passphrase-file', pass, 'localhost/busybox', `${reg.host}/trust/nosigstore:1`]);
      assert.equal(off.code, 125);
      assert.match(off.stderr, /sigstore attachments are not enabled for it in registries\.d/);
    } finally {
      other.cleanup();
    }
  });

  it('sigstore with Rekor and Fulcio: the log\'s timestamp and the certificate checked offline; missing, forged or misnamed, refused', async () => {
    // A signer key and a Rekor log key made here: the bundle is built as cosign writes it.
    const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const log = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signerPem = signer.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    writeFileSync(join(sb.dir, 'signer.pub'), signerPem);
    writeFileSync(join(sb.dir, 'rekor.pub'), log.publicKey.export({ format: 'pem', type: 'spki' }).toString());
    const rekorPolicy = join(sb.dir, 'rekor-policy.json');
    writeFileSync(rekorPolicy, JSON.stringify({
      default: [{ type: 'insecureAcceptAnything' }],
      transports: { docker: { [`${reg.host}/sigstore`]: [{ type: 'sigstoreSigned', keyPath: join(sb.dir, 'signer.pub'), rekorPublicKeyPath: join(sb.dir, 'rekor.pub'), signedIdentity: { type: 'matchRepoDigestOrExact' } }] } },
    }));
    const base = `http://${reg.host}/v2`;
    const putBlob = async (repo: string, data: Buffer): Promise<{ digest: string; size: number }> => {
      const d = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      const start = await fetch(`${base}/${repo}/blobs/uploads/`, { method: 'POST' });
      const loc = new URL(start.headers.get('location') as string, base);
      loc.searchParams.set('digest', d);
      assert.equal((await fetch(loc, { method: 'PUT', body: data })).status, 201);
      return { digest: d, size: data.length };
    };
    /** Signs `ref` as cosign would and attaches it, with the given bundle annotation (or none) and more annotations. */
    const attach = async (repo: string, ref: string, digest: string, bundle: (payload: Buffer, sig: string) => string | undefined, key: KeyObject = signer.privateKey, more: Record<string, string> = {}): Promise<void> => {
      const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': ref }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: {} }));
      const sig = cryptoSign('sha256', payload, key).toString('base64');
      const layer = await putBlob(repo, payload);
      const b = bundle(payload, sig);
      const config = await putBlob(repo, Buffer.from('{}'));
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...layer, annotations: { 'dev.cosignproject.cosign/signature': sig, ...(b ? { 'dev.sigstore.cosign/bundle': b } : {}), ...more } }],
      };
      const res = await fetch(`${base}/${repo}/manifests/${digest.replace(':', '-')}.sig`, { method: 'PUT', headers: { 'content-type': manifest.mediaType }, body: JSON.stringify(manifest) });
      assert.equal(res.status, 201);
    };
    const rekorBundle = (forge: boolean, keyPem: string = signerPem) => (payload: Buffer, sig: string): string => {
      const body = Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } }, signature: { content: sig, publicKey: { content: Buffer.from(keyPem).toString('base64') } } } })).toString('base64');
      const entry = { body, integratedTime: Math.floor(Date.now() / 1000), logID: createHash('sha256').update(log.publicKey.export({ format: 'der', type: 'spki' })).digest('hex'), logIndex: 7 };
      const set = cryptoSign('sha256', Buffer.from(JSON.stringify(entry)), forge ? signer.privateKey : log.privateKey).toString('base64');
      return JSON.stringify({ SignedEntryTimestamp: set, Payload: entry });
    };
    const other = new Sandbox('skiff-trust-rekor');
    try {
      const pull = (r: string) => runAsync(SKIFF, other.args(['pull', '-q', ...tls, '--signature-policy', rekorPolicy, r]), { env });
      for (const [repo, bundle, expect] of [
        ['sigstore/rekor-ok', rekorBundle(false), undefined],
        ['sigstore/rekor-none', () => undefined, /a Rekor bundle was required, but the signature has none\n$/],
        ['sigstore/rekor-forged', rekorBundle(true), /the Rekor bundle is not valid: the signed entry timestamp is not by a trusted Rekor key\n$/],
      ] as const) {
        const ref = `${reg.host}/${repo}:1`;
        await ok(sk(['push', '-q', ...tls, 'localhost/busybox', ref]), `push ${repo}`);
        await attach(repo, ref, await digestOf(ref), bundle);
        const r = await pull(ref);
        if (expect === undefined) assert.equal(r.code, 0, r.stderr);
        else {
          assert.equal(r.code, 125, r.stderr);
          assert.match(r.stderr, expect);
        }
      }

      // Fulcio: a certificate from a CA made here, naming an e-mail address and an OIDC issuer.
      const pki = join(sb.dir, 'fulcio');
      mkdirSync(pki);
      const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: 'ignore' });
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
      openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test fulcio', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
      const issuer = 'https://issuer.example';
      const leaf = (name: string, signCa: boolean): { cert: string; key: KeyObject } => {
        writeFileSync(join(pki, `${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectAltName=email:dev@example.com\n1.3.6.1.4.1.57264.1.1=DER:${Buffer.from(issuer).toString('hex')}\n`);
        openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
        openssl(signCa
          ? ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '0x1001', '-days', '1', '-out', `${name}.crt`, '-extfile', `${name}.ext`]
          : ['x509', '-req', '-in', `${name}.csr`, '-signkey', `${name}.key`, '-days', '1', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
        return { cert: readFileSync(join(pki, `${name}.crt`), 'utf8'), key: createPrivateKey(readFileSync(join(pki, `${name}.key`))) };
      };
      const fulcioPolicy = (email: string) => {
        const f = join(sb.dir, `fulcio-${email}.json`);
        writeFileSync(f, JSON.stringify({
          default: [{ type: 'insecureAcceptAnything' }],
          transports: { docker: { [`${reg.host}/sigstore`]: [{ type: 'sigstoreSigned', fulcio: { caPath: join(pki, 'ca.crt'), oidcIssuer: issuer, subjectEmail: email }, rekorPublicKeyPath: join(sb.dir, 'rekor.pub'), signedIdentity: { type: 'matchRepoDigestOrExact' } }] } },
        }));
        return f;
      };
      const good = leaf('good', true);
      const rogue = leaf('rogue', false);
      for (const [repo, cert, email, expect] of [
        ['sigstore/fulcio-ok', good, 'dev@example.com', undefined],
        ['sigstore/fulcio-email', good, 'someone-else@example.com', /it names dev@example\.com, not someone-else@example\.com\n$/],
        ['sigstore/fulcio-rogue', rogue, 'dev@example.com', /the Fulcio certificate is not accepted: it is not issued by a trusted CA\n$/],
      ] as const) {
        const ref = `${reg.host}/${repo}:1`;
        await ok(sk(['push', '-q', ...tls, 'localhost/busybox', ref]), `push ${repo}`);
        await attach(repo, ref, await digestOf(ref), rekorBundle(false, cert.cert), cert.key, { 'dev.sigstore.cosign/certificate': cert.cert });
        const r = await runAsync(SKIFF, other.args(['pull', '-q', ...tls, '--signature-policy', fulcioPolicy(email), ref]), { env });
        if (expect === undefined) assert.equal(r.code, 0, r.stderr);
        else {
          assert.equal(r.code, 125, r.stderr);
          assert.match(r.stderr, expect);
        }
      }
    } finally {
      other.cleanup();
    }
  });
});
