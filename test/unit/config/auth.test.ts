/**
 * containers-auth.json(5): which file is read and written, which key wins, and how the files
 * are edited. Every path comes from `env` (or `authfile`) pointing into a temp dir; the real
 * HOME and /run are never touched.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type AuthPathOptions,
  credentialKeys,
  lookupCredentials,
  primaryAuthFile,
  removeAllCredentials,
  removeCredentials,
  storeCredentials,
} from '../../../src/config/auth.ts';
import { errorOf } from '../errors.ts';

const root = mkdtempSync(join(tmpdir(), 'skiff-auth-'));
after(() => rmSync(root, { recursive: true, force: true }));

let sandboxes = 0;

/** A fresh HOME and XDG_RUNTIME_DIR; `files` are written relative to the sandbox. */
function sandbox(files: Record<string, unknown> = {}): { dir: string; opts: AuthPathOptions; path: (p: string) => string } {
  const dir = join(root, String(sandboxes++));
  const path = (p: string): string => join(dir, p);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(path(name)), { recursive: true });
    writeFileSync(path(name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return { dir, path, opts: { env: { HOME: path('home'), XDG_RUNTIME_DIR: path('run') }, uid: 4242 } };
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const entry = (user: string, pass: string): { auth: string } => ({ auth: b64(`${user}:${pass}`) });

/** The primary file's place in the sandbox, and the three files read after it. */
const RUNTIME = 'run/containers/auth.json';
const USER = 'home/.config/containers/auth.json';
const DOCKER = 'home/.docker/config.json';
const DOCKERCFG = 'home/.dockercfg';


describe('primaryAuthFile', () => {
  it('authfile > REGISTRY_AUTH_FILE > XDG_RUNTIME_DIR > /run/containers/UID', () => {
    const env = { REGISTRY_AUTH_FILE: '/env/auth.json', XDG_RUNTIME_DIR: '/run/user/7' };
    assert.equal(primaryAuthFile({ authfile: '/flag/auth.json', env, uid: 7 }), '/flag/auth.json');
    assert.equal(primaryAuthFile({ env, uid: 7 }), '/env/auth.json');
    assert.equal(primaryAuthFile({ env: { XDG_RUNTIME_DIR: '/run/user/7' }, uid: 7 }), '/run/user/7/containers/auth.json');
    assert.equal(primaryAuthFile({ env: {}, uid: 7 }), '/run/containers/7/auth.json');
    assert.equal(primaryAuthFile({ authfile: '', env: { REGISTRY_AUTH_FILE: '' }, uid: 0 }), '/run/containers/0/auth.json', 'empty values are unset');
  });
});

describe('credentialKeys', () => {
  it('most specific first', () => {
    assert.deepEqual(credentialKeys('quay.io', 'ns/sub/repo'), ['quay.io/ns/sub/repo', 'quay.io/ns/sub', 'quay.io/ns', 'quay.io']);
    assert.deepEqual(credentialKeys('localhost:5000', undefined), ['localhost:5000']);
  });
});

describe('lookupCredentials', () => {
  it('reads the files in order; the first with an entry for the registry wins', () => {
    const { opts } = sandbox({
      [RUNTIME]: { auths: { 'other.io': entry('o', 'o') } },
      [USER]: { auths: { 'quay.io': entry('user', 'from-config') } },
      [DOCKER]: { auths: { 'quay.io/ns/repo': entry('docker', 'more-specific-but-later') } },
    });
    assert.deepEqual(lookupCredentials('quay.io', 'ns/repo', opts), { username: 'user', password: 'from-config' });
    assert.deepEqual(lookupCredentials('other.io', 'x', opts), { username: 'o', password: 'o' });
    assert.equal(lookupCredentials('nowhere.io', 'x', opts), undefined);
  });

  it('each file in turn: runtime, ~/.config, ~/.docker/config.json, ~/.dockercfg', () => {
    const files: [string, unknown][] = [
      [RUNTIME, { auths: { 'r.io': entry('runtime', 'p') } }],
      [USER, { auths: { 'r.io': entry('config', 'p') } }],
      [DOCKER, { auths: { 'r.io': entry('docker', 'p') } }],
      [DOCKERCFG, { 'r.io': entry('dockercfg', 'p') }],
    ];
    for (let first = 0; first < files.length; first++) {
      const { opts } = sandbox(Object.fromEntries(files.slice(first)));
      assert.equal(lookupCredentials('r.io', undefined, opts)?.username, ['runtime', 'config', 'docker', 'dockercfg'][first]);
    }
  });

  it('XDG_CONFIG_HOME moves the user file', () => {
    const s = sandbox({ 'xdg/containers/auth.json': { auths: { 'r.io': entry('xdg', 'p') } }, [USER]: { auths: { 'r.io': entry('home', 'p') } } });
    assert.equal(lookupCredentials('r.io', undefined, { ...s.opts, env: { ...s.opts.env, XDG_CONFIG_HOME: s.path('xdg') } })?.username, 'xdg');
  });

  it('the most specific key in a file wins', () => {
    const { opts } = sandbox({
      [RUNTIME]: {
        auths: {
          'quay.io': entry('host', 'p'),
          'quay.io/ns': entry('namespace', 'p'),
          'quay.io/ns/repo': entry('repo', 'p'),
        },
      },
    });
    assert.equal(lookupCredentials('quay.io', 'ns/repo', opts)?.username, 'repo');
    assert.equal(lookupCredentials('quay.io', 'ns/other', opts)?.username, 'namespace');
    assert.equal(lookupCredentials('quay.io', 'elsewhere/repo', opts)?.username, 'host');
    assert.equal(lookupCredentials('quay.io', undefined, opts)?.username, 'host');
    assert.equal(lookupCredentials('quay.io', 'ns/repository', opts)?.username, 'namespace', 'a key is a path prefix, not a string prefix');
  });

  it('an authfile (or REGISTRY_AUTH_FILE) is the only file read', () => {
    const s = sandbox({ [RUNTIME]: { auths: { 'r.io': entry('runtime', 'p') } }, 'given.json': { auths: { 'g.io': entry('given', 'p') } } });
    assert.equal(lookupCredentials('r.io', undefined, { ...s.opts, authfile: s.path('given.json') }), undefined);
    assert.equal(lookupCredentials('g.io', undefined, { ...s.opts, authfile: s.path('given.json') })?.username, 'given');
    const env = { ...s.opts.env, REGISTRY_AUTH_FILE: s.path('given.json') };
    assert.equal(lookupCredentials('r.io', undefined, { ...s.opts, env }), undefined);
    assert.equal(lookupCredentials('g.io', undefined, { ...s.opts, env })?.username, 'given');
    assert.equal(lookupCredentials('g.io', undefined, { ...s.opts, authfile: s.path('missing.json') }), undefined, 'a missing file is no credentials');
  });

  it('Docker\'s legacy keys name their host; docker.io finds index.docker.io', () => {
    const { opts } = sandbox({
      [DOCKER]: {
        auths: {
          'https://index.docker.io/v1/': entry('hub', 'p'),
          'http://legacy.example:5000/v1/': entry('legacy', 'p'),
        },
      },
    });
    assert.equal(lookupCredentials('docker.io', 'library/alpine', opts)?.username, 'hub');
    assert.equal(lookupCredentials('legacy.example:5000', 'a/b', opts)?.username, 'legacy');
    assert.equal(lookupCredentials('legacy.example', 'a/b', opts), undefined, 'the port is part of the host');
  });

  it('a normalised key beats the legacy spelling of the same host', () => {
    const { opts } = sandbox({ [RUNTIME]: { auths: { 'https://r.io/v1/': entry('legacy', 'p'), 'r.io': entry('plain', 'p') } } });
    assert.equal(lookupCredentials('r.io', undefined, opts)?.username, 'plain');
  });

  it('~/.dockercfg holds the auths object at its top level', () => {
    const { opts } = sandbox({ [DOCKERCFG]: { 'https://index.docker.io/v1/': { ...entry('old', 'p:with:colons'), email: 'x@y' } } });
    assert.deepEqual(lookupCredentials('docker.io', 'library/busybox', opts), { username: 'old', password: 'p:with:colons' });
  });

  it('entries without auth (identity tokens) and helpers for other registries are skipped', () => {
    const { opts } = sandbox({
      [RUNTIME]: { auths: { 'r.io': { identitytoken: 'tok' } }, credHelpers: { 'other.io': 'secretservice' } },
      [USER]: { auths: { 'r.io': entry('next', 'p') } },
    });
    assert.equal(lookupCredentials('r.io', undefined, opts)?.username, 'next');
  });

  it('a credential helper named for the registry is asked, and a missing one is an error naming it', () => {
    const { opts } = sandbox({ [RUNTIME]: { auths: { 'r.io': entry('file', 'p') }, credHelpers: { 'r.io': 'skiff-no-such-helper' } } });
    const e = errorOf(() => lookupCredentials('r.io', undefined, opts));
    assert.equal(e.code, 'config');
    assert.match(e.message, /docker-credential-skiff-no-such-helper: executable file not found in \$PATH/);
  });

  it('malformed JSON is a config error naming the file', () => {
    const { opts, path } = sandbox({ [USER]: '{"auths": {' });
    const e = errorOf(() => lookupCredentials('r.io', undefined, opts));
    assert.equal(e.code, 'config');
    assert.ok(e.message.includes(path(USER)), e.message);
    for (const bad of ['[]', '"text"', '{"auths": []}', '{"auths": "x"}']) {
      const s = sandbox({ [RUNTIME]: bad });
      const err = errorOf(() => lookupCredentials('r.io', undefined, s.opts));
      assert.equal(err.code, 'config', bad);
      assert.ok(err.message.includes(s.path(RUNTIME)), err.message);
    }
  });

  it('an empty file is an empty document', () => {
    const { opts } = sandbox({ [RUNTIME]: '  \n', [USER]: { auths: { 'r.io': entry('u', 'p') } } });
    assert.equal(lookupCredentials('r.io', undefined, opts)?.username, 'u');
  });

  it('an auth value that is not base64 of user:password is an error', () => {
    for (const auth of [b64('no-colon-here'), 'alice:s3cret']) {
      const { opts, path } = sandbox({ [RUNTIME]: { auths: { 'r.io': { auth } } } });
      const e = errorOf(() => lookupCredentials('r.io', undefined, opts));
      assert.equal(e.code, 'config', auth);
      assert.ok(e.message.includes(path(RUNTIME)) && e.message.includes('r.io'), e.message);
      assert.ok(!e.message.includes(auth), 'the stored value is not echoed');
    }
  });
});

describe('storeCredentials', () => {
  it('writes tab-indented JSON, 0600, in a new 0700 directory', () => {
    const { opts, path } = sandbox();
    const written = storeCredentials('quay.io', { username: 'me', password: 'pw' }, opts);
    assert.equal(written, path(RUNTIME));
    const text = readFileSync(written, 'utf8');
    assert.deepEqual(JSON.parse(text), { auths: { 'quay.io': { auth: b64('me:pw') } } });
    assert.equal(text, JSON.stringify({ auths: { 'quay.io': { auth: b64('me:pw') } } }, null, '\t'));
    assert.equal(statSync(written).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(written)).mode & 0o777, 0o700);
    assert.deepEqual(lookupCredentials('quay.io', 'any/repo', opts), { username: 'me', password: 'pw' });
  });

  it('keeps the other keys and top-level fields, and replaces its own key', () => {
    const { opts, path } = sandbox({
      [RUNTIME]: { auths: { 'other.io': entry('o', 'o'), 'quay.io': entry('old', 'old') }, credHelpers: { 'gcr.io': 'gcloud' }, psFormat: 'table' },
    });
    storeCredentials('quay.io', { username: 'new', password: 'new' }, opts);
    storeCredentials('quay.io/ns/repo', { username: 'repo', password: 'r' }, opts);
    assert.deepEqual(JSON.parse(readFileSync(path(RUNTIME), 'utf8')), {
      auths: { 'other.io': entry('o', 'o'), 'quay.io': entry('new', 'new'), 'quay.io/ns/repo': entry('repo', 'r') },
      credHelpers: { 'gcr.io': 'gcloud' },
      psFormat: 'table',
    });
    assert.equal(statSync(path(RUNTIME)).mode & 0o777, 0o600);
  });

  it('writes the authfile when one is given', () => {
    const { opts, path } = sandbox();
    const written = storeCredentials('r.io', { username: 'u', password: 'p' }, { ...opts, authfile: path('mine/auth.json') });
    assert.equal(written, path('mine/auth.json'));
    assert.equal(lookupCredentials('r.io', undefined, opts), undefined, 'the default files are untouched');
  });

  it('refuses to overwrite a malformed file', () => {
    const { opts, path } = sandbox({ [RUNTIME]: 'not json' });
    assert.equal(errorOf(() => storeCredentials('r.io', { username: 'u', password: 'p' }, opts)).code, 'config');
    assert.equal(readFileSync(path(RUNTIME), 'utf8'), 'not json');
  });
});

describe('removeCredentials and removeAllCredentials', () => {
  it('removes one key (and its legacy spelling), keeping the rest', () => {
    const { opts, path } = sandbox({
      [RUNTIME]: { auths: { 'https://r.io/v1/': entry('legacy', 'p'), 'r.io': entry('plain', 'p'), 'keep.io': entry('k', 'k') }, other: 1 },
    });
    assert.equal(removeCredentials('r.io', opts), true);
    assert.deepEqual(JSON.parse(readFileSync(path(RUNTIME), 'utf8')), { auths: { 'keep.io': entry('k', 'k') }, other: 1 });
    assert.equal(statSync(path(RUNTIME)).mode & 0o777, 0o600);
    assert.equal(removeCredentials('r.io', opts), false, 'nothing left to remove');
    assert.equal(removeCredentials('keep.io/ns', opts), false, 'a host entry is not a repository entry');
  });

  it('false when the primary file does not exist', () => {
    const { opts } = sandbox({ [USER]: { auths: { 'r.io': entry('u', 'p') } } });
    assert.equal(removeCredentials('r.io', opts), false);
  });

  it('--all empties auths and keeps the other fields', () => {
    const { opts, path } = sandbox({ [RUNTIME]: { auths: { 'a.io': entry('a', 'a'), 'b.io': entry('b', 'b') }, credHelpers: { 'c.io': 'x' } } });
    removeAllCredentials(opts);
    assert.deepEqual(JSON.parse(readFileSync(path(RUNTIME), 'utf8')), { auths: {}, credHelpers: { 'c.io': 'x' } });
    const empty = sandbox();
    removeAllCredentials(empty.opts);
    assert.throws(() => statSync(empty.path(RUNTIME)), { code: 'ENOENT' }, 'no file is created');
  });
});
