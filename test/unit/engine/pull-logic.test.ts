/**
 * The pure helpers around pull, push and login: platform choice in a manifest list, pull
 * policies, local transport references, auth-file keys, `--creds`, and certs.d directories.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loginKey } from '../../../src/cli/registry/login.ts';
import { choosePlatform } from '../../../src/engine/pull.ts';
import { parsePullPolicy } from '../../../src/engine/pull-policy.ts';
import { certDirs, loadCertDir, parseCreds } from '../../../src/engine/registry-access.ts';
import { parseTransportRef } from '../../../src/engine/transports.ts';
import type { Descriptor, ImageIndex } from '../../../src/image/types.ts';
import { goArch } from '../../../src/util/platform.ts';
import { errorOf } from '../errors.ts';

const root = mkdtempSync(join(tmpdir(), 'skiff-pull-logic-'));
after(() => rmSync(root, { recursive: true, force: true }));


describe('choosePlatform', () => {
  const digest = (n: number): string => `sha256:${n.toString(16).repeat(64)}`;
  const entry = (n: number, os: string, architecture: string, variant?: string): Descriptor => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: digest(n),
    size: 100 + n,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  });
  const index = (...manifests: Descriptor[]): ImageIndex => ({ schemaVersion: 2, manifests });
  const host = goArch();
  const other = host === 's390x' ? 'ppc64le' : 's390x';
  const NAME = 'quay.io/team/app:latest';

  it('by default, linux on the host\'s architecture', () => {
    const list = index(entry(1, 'linux', other), entry(2, 'windows', host), { mediaType: 'x', digest: digest(3), size: 1 }, entry(4, 'linux', host));
    assert.equal(choosePlatform(list, undefined, NAME).digest, digest(4));
    assert.equal(choosePlatform(list, {}, NAME).digest, digest(4));
    assert.equal(choosePlatform(list, { os: '', arch: '', variant: '' }, NAME).digest, digest(4), 'empty values are defaults');
    assert.equal(choosePlatform(list, { arch: other }, NAME).digest, digest(1));
    assert.equal(choosePlatform(list, { os: 'windows' }, NAME).digest, digest(2));
  });

  it('a variant asked for must match', () => {
    const list = index(entry(1, 'linux', 'arm', 'v7'), entry(2, 'linux', 'arm', 'v6'), entry(3, 'linux', 'arm64', 'v8'));
    assert.equal(choosePlatform(list, { arch: 'arm', variant: 'v6' }, NAME).digest, digest(2));
    assert.equal(choosePlatform(list, { arch: 'arm', variant: 'v7' }, NAME).digest, digest(1));
    assert.equal(choosePlatform(list, { arch: 'arm64', variant: 'v8' }, NAME).digest, digest(3));
  });

  it('without a variant asked for, the entry without one, else the first', () => {
    assert.equal(choosePlatform(index(entry(1, 'linux', 'arm64', 'v8'), entry(2, 'linux', 'arm64')), { arch: 'arm64' }, NAME).digest, digest(2));
    assert.equal(choosePlatform(index(entry(1, 'linux', 'arm', 'v7'), entry(2, 'linux', 'arm', 'v6')), { arch: 'arm' }, NAME).digest, digest(1));
  });

  it('nothing matching: Podman\'s error', () => {
    const list = index(entry(1, 'linux', 'arm', 'v7'), entry(2, 'windows', 'mips64'));
    assert.deepEqual(errorOf(() => choosePlatform(list, { arch: 'mips64' }, NAME)), {
      code: 'manifest-unknown',
      message: `choosing an image from manifest list docker://${NAME}: no image found in manifest list for architecture mips64, variant "", OS linux`,
    });
    // arm/v5 cannot run a v7 image (the other way round works).
    assert.deepEqual(errorOf(() => choosePlatform(list, { arch: 'arm', variant: 'v5' }, NAME)), {
      code: 'manifest-unknown',
      message: `choosing an image from manifest list docker://${NAME}: no image found in manifest list for architecture arm, variant "v5", OS linux`,
    });
    assert.equal(errorOf(() => choosePlatform(index(), undefined, NAME)).code, 'manifest-unknown');
  });

  it('a variant asked for accepts a compatible older variant, then an entry without one (as containers/image)', () => {
    assert.equal(choosePlatform(index(entry(1, 'linux', 'arm', 'v6'), entry(2, 'linux', 'arm', 'v5')), { arch: 'arm', variant: 'v7' }, NAME).digest, digest(1));
    assert.equal(choosePlatform(index(entry(1, 'linux', 'amd64'), entry(2, 'linux', 'arm64')), { arch: 'arm64', variant: 'v8' }, NAME).digest, digest(2));
  });
});

describe('parsePullPolicy', () => {
  it('the four policies, their aliases, any case', () => {
    const cases: [string, string][] = [
      ['always', 'always'],
      ['missing', 'missing'],
      ['never', 'never'],
      ['newer', 'newer'],
      ['Always', 'always'],
      ['NEVER', 'never'],
      ['true', 'always'],
      ['false', 'missing'],
      ['True', 'always'],
      ['ifmissing', 'missing'],
      ['ifnewer', 'newer'],
      ['IfNewer', 'newer'],
    ];
    for (const [input, policy] of cases) assert.equal(parsePullPolicy(input), policy, input);
  });

  it('anything else, quoted as given', () => {
    assert.deepEqual(errorOf(() => parsePullPolicy('sometimes')), { code: 'invalid-argument', message: 'unsupported pull policy "sometimes"' });
    assert.deepEqual(errorOf(() => parsePullPolicy('Bogus')), { code: 'invalid-argument', message: 'unsupported pull policy "Bogus"' });
    assert.equal(errorOf(() => parsePullPolicy('')).code, 'invalid-argument');
    assert.equal(errorOf(() => parsePullPolicy('yes')).code, 'invalid-argument');
  });
});

describe('parseTransportRef', () => {
  it('TRANSPORT:PATH[:REF], the path ending at its first colon', () => {
    const cases: [string, ReturnType<typeof parseTransportRef>][] = [
      ['oci:/tmp/layout', { transport: 'oci', path: '/tmp/layout', ref: '' }],
      ['oci:/tmp/layout:v1', { transport: 'oci', path: '/tmp/layout', ref: 'v1' }],
      ['oci:relative/dir:quay.io/team/app:1.0', { transport: 'oci', path: 'relative/dir', ref: 'quay.io/team/app:1.0' }],
      ['oci-archive:/tmp/img.tar', { transport: 'oci-archive', path: '/tmp/img.tar', ref: '' }],
      ['oci-archive:/tmp/img.tar:latest', { transport: 'oci-archive', path: '/tmp/img.tar', ref: 'latest' }],
      ['docker-archive:/tmp/img.tar:busybox:latest', { transport: 'docker-archive', path: '/tmp/img.tar', ref: 'busybox:latest' }],
    ];
    for (const [input, want] of cases) assert.deepEqual(parseTransportRef(input), want, input);
  });

  it('dir:PATH keeps every colon in the path', () => {
    assert.deepEqual(parseTransportRef('dir:/tmp/a:b:c'), { transport: 'dir', path: '/tmp/a:b:c', ref: '' });
    assert.deepEqual(parseTransportRef('dir:out'), { transport: 'dir', path: 'out', ref: '' });
  });

  it('an empty path is an invalid reference', () => {
    for (const t of ['oci', 'oci-archive', 'docker-archive', 'dir']) {
      assert.deepEqual(errorOf(() => parseTransportRef(`${t}:`)), {
        code: 'invalid-reference',
        message: `Invalid image name "${t}:": ${t}: invalid reference: empty path`,
      });
    }
  });
});

describe('loginKey', () => {
  it('a scheme and a URL\'s path are dropped; a bare host/ns/repo is kept', () => {
    const cases: [string, string][] = [
      ['quay.io', 'quay.io'],
      ['localhost:5000', 'localhost:5000'],
      ['https://quay.io', 'quay.io'],
      ['https://index.docker.io/v1/', 'index.docker.io'],
      ['http://localhost:5000/v2/', 'localhost:5000'],
      ['https://quay.io/team/app', 'quay.io'],
      ['quay.io/team/app', 'quay.io/team/app'],
      ['quay.io/team/app/', 'quay.io/team/app'],
      ['quay.io/', 'quay.io'],
    ];
    for (const [input, key] of cases) assert.equal(loginKey(input), key, input);
  });

  it('nothing left is an error', () => {
    for (const input of ['', 'https://', 'http:///v1/', '/']) assert.equal(errorOf(() => loginKey(input)).code, 'invalid-argument', input);
  });
});

describe('parseCreds', () => {
  it('USERNAME:PASSWORD, the password may hold colons', () => {
    assert.deepEqual(parseCreds('alice:s3cret'), { username: 'alice', password: 's3cret' });
    assert.deepEqual(parseCreds('alice:a:b:c'), { username: 'alice', password: 'a:b:c' });
    assert.deepEqual(parseCreds('alice:'), { username: 'alice', password: '' });
  });

  it('Podman\'s refusals', () => {
    assert.deepEqual(errorOf(() => parseCreds('')), { code: 'invalid-argument', message: 'credentials can\'t be empty' });
    assert.deepEqual(errorOf(() => parseCreds(':pw')), { code: 'invalid-argument', message: 'username can\'t be empty' });
    assert.equal(errorOf(() => parseCreds('alice')).code, 'invalid-argument');
  });
});

describe('certs.d', () => {
  let n = 0;
  function certDir(files: Record<string, string>): string {
    const dir = join(root, `certs-${n++}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  it('--cert-dir replaces the standard directories', () => {
    assert.deepEqual(certDirs('reg.example:5000', '/my/certs', true), ['/my/certs']);
    assert.deepEqual(certDirs('reg.example:5000', undefined, false), ['/etc/containers/certs.d/reg.example:5000', '/etc/docker/certs.d/reg.example:5000']);
  });

  it('*.crt are CAs (in name order), NAME.cert with NAME.key the client certificate', () => {
    const dir = certDir({ 'b.crt': 'CA-B', 'a.crt': 'CA-A', 'client.cert': 'CERT', 'client.key': 'KEY', 'README': 'ignored' });
    const tls = loadCertDir([join(root, 'missing'), dir, certDir({ 'other.crt': 'NOT-USED' })]);
    assert.deepEqual(tls.ca?.map(String), ['CA-A', 'CA-B']);
    assert.equal(String(tls.cert), 'CERT');
    assert.equal(String(tls.key), 'KEY');
  });

  it('only CAs, or nothing', () => {
    const tls = loadCertDir([certDir({ 'ca.crt': 'CA' })]);
    assert.deepEqual(tls.ca?.map(String), ['CA']);
    assert.equal(tls.cert, undefined);
    assert.equal(tls.key, undefined);
    assert.deepEqual(loadCertDir([join(root, 'nope'), join(root, 'nope2')]), {});
    assert.deepEqual(loadCertDir([]), {});
  });

  it('a certificate without its key, or a key without its certificate, is an error', () => {
    const lone = certDir({ 'client.cert': 'CERT', 'other.key': 'KEY', 'ca.crt': 'CA' });
    const e = errorOf(() => loadCertDir([lone]));
    assert.equal(e.code, 'config');
    assert.match(e.message, /^missing key client\.key for client certificate client\.cert\b/);
    const key = errorOf(() => loadCertDir([certDir({ 'client.key': 'KEY' })]));
    assert.equal(key.code, 'config');
    assert.equal(key.message, 'missing client certificate client.cert for key client.key');
  });
});
