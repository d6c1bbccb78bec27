import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  findRegistry,
  loadRegistriesConfig,
  parseRegistriesFile,
  prefixMatchLength,
  pullSources,
  registriesPaths,
  resolveShortName,
  type RegistriesConfig,
  type RegistriesPathOptions,
} from '../../../src/config/registries.ts';
import { formatReference, normalizeName } from '../../../src/image/reference.ts';
import { isSkiffError } from '../../../src/util/errors.ts';

const D = `sha256:${'0'.repeat(64)}`;

/** A temp tree with the standard layout; paths are passed explicitly, never the real /etc. */
function sandbox(files: Record<string, string>): { root: string; opts: RegistriesPathOptions; path: (p: string) => string } {
  const root = mkdtempSync(join(tmpdir(), 'skiff-registries-'));
  const path = (p: string): string => join(root, p);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(path(name)), { recursive: true });
    writeFileSync(path(name), text);
  }
  return {
    root,
    path,
    opts: {
      env: {},
      uid: 1000,
      systemConfigPath: path('etc/registries.conf'),
      systemConfigDir: path('etc/registries.conf.d'),
      userConfigPath: path('home/registries.conf'),
      userConfigDir: path('home/registries.conf.d'),
      aliasCachePath: path('cache/short-name-aliases.conf'),
    },
  };
}

function withSandbox(files: Record<string, string>, body: (s: ReturnType<typeof sandbox>) => void): void {
  const s = sandbox(files);
  try {
    body(s);
  } finally {
    rmSync(s.root, { recursive: true, force: true });
  }
}

function configError(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    assert.ok(isSkiffError(err), String(err));
    assert.equal(err.exitCode, 125);
    return `${err.code}: ${err.message}`;
  }
  assert.fail('expected an error');
}

test('which files apply (containers-registries.conf.d(5) precedence)', () => {
  withSandbox({}, ({ opts, path }) => {
    assert.deepEqual(registriesPaths(opts), {
      configPath: path('etc/registries.conf'),
      configRequired: false,
      dropInDirs: [path('etc/registries.conf.d'), path('home/registries.conf.d')],
      aliasCachePath: path('cache/short-name-aliases.conf'),
    });
    const explicit = registriesPaths({ ...opts, env: { CONTAINERS_REGISTRIES_CONF: '/x.conf', REGISTRIES_CONFIG_PATH: '/y.conf' } });
    assert.equal(explicit.configPath, '/x.conf');
    assert.equal(explicit.configRequired, true);
    assert.deepEqual(explicit.dropInDirs, [path('etc/registries.conf.d'), path('home/registries.conf.d')]);
    assert.equal(registriesPaths({ ...opts, env: { REGISTRIES_CONFIG_PATH: '/y.conf' } }).configPath, '/y.conf');
    mkdirSync(path('home'), { recursive: true });
    writeFileSync(path('home/registries.conf'), '');
    assert.deepEqual(registriesPaths(opts).dropInDirs, [path('home/registries.conf.d')]);
    assert.equal(registriesPaths(opts).configPath, path('home/registries.conf'));
  });
  const noCache: RegistriesPathOptions = { systemConfigPath: '/nonexistent/registries.conf', userConfigPath: '/nonexistent/user.conf' };
  assert.equal(registriesPaths({ ...noCache, uid: 0 }).aliasCachePath, '/var/cache/containers/short-name-aliases.conf');
  assert.equal(registriesPaths({ ...noCache, uid: 1000, env: { HOME: '/h' } }).aliasCachePath, '/h/.cache/containers/short-name-aliases.conf');
  assert.equal(registriesPaths({ ...noCache, uid: 1000, env: { HOME: '/h', XDG_CACHE_HOME: '/c' } }).aliasCachePath, '/c/containers/short-name-aliases.conf');
});

test('drop-ins merge in name order, later files winning', () => {
  withSandbox(
    {
      'etc/registries.conf': `
unqualified-search-registries = ["a.io", "b.io/"]
short-name-mode = "enforcing"
[aliases]
"one" = "a.io/one"
"two" = "a.io/two"
[[registry]]
prefix = "x.io"
location = "x-mirror.io"
[[registry]]
location = "y.io"
insecure = true
`,
      'etc/registries.conf.d/20-b.conf': `
short-name-mode = "disabled"
[aliases]
"two" = ""
[[registry]]
prefix = "x.io"
location = "x-other.io"
`,
      'etc/registries.conf.d/10-a.conf': `
unqualified-search-registries = ["c.io"]
[aliases]
"three" = "docker.io/three"
`,
      'etc/registries.conf.d/notes.txt': 'this is not toml = = =',
      'etc/registries.conf.d/dir.conf/inner.conf': 'not = read = either',
      'home/registries.conf.d/50-user.conf': `
[[registry]]
location = "z.io"
blocked = true
`,
    },
    ({ opts, path }) => {
      const c = loadRegistriesConfig(opts);
      assert.deepEqual(c.files, [
        path('etc/registries.conf'),
        path('etc/registries.conf.d/10-a.conf'),
        path('etc/registries.conf.d/20-b.conf'),
        path('home/registries.conf.d/50-user.conf'),
      ]);
      assert.deepEqual(c.unqualifiedSearchRegistries, ['c.io']);
      assert.equal(c.unqualifiedSearchRegistriesOrigin, path('etc/registries.conf.d/10-a.conf'));
      assert.equal(c.shortNameMode, 'disabled');
      assert.deepEqual(c.credentialHelpers, ['containers-auth.json']);
      assert.deepEqual(
        c.registries.map((r) => [r.prefix, r.location, r.insecure, r.blocked]),
        [
          ['x.io', 'x-other.io', false, false],
          ['y.io', 'y.io', true, false],
          ['z.io', 'z.io', false, true],
        ],
      );
      assert.equal(c.aliases.get('one')?.value && formatReference(c.aliases.get('one')!.value!), 'a.io/one');
      assert.deepEqual(c.aliases.get('two'), { value: undefined, origin: path('etc/registries.conf.d/20-b.conf') });
      assert.equal(formatReference(c.aliases.get('three')!.value!), 'docker.io/library/three');
    },
  );
});

test('a user registries.conf replaces the system file and its drop-ins', () => {
  withSandbox(
    {
      'etc/registries.conf': 'unqualified-search-registries = ["sys.io"]\n',
      'etc/registries.conf.d/shortnames.conf': '[aliases]\n"alpine" = "docker.io/library/alpine"\n',
      'home/registries.conf': 'unqualified-search-registries = []\n',
      'home/registries.conf.d/a.conf': 'short-name-mode = "enforcing"\n',
    },
    ({ opts, path }) => {
      const c = loadRegistriesConfig(opts);
      assert.deepEqual(c.files, [path('home/registries.conf'), path('home/registries.conf.d/a.conf')]);
      assert.equal(c.aliases.size, 0);
      assert.equal(c.shortNameMode, 'enforcing');
      // podman pull alpine, HOME with an empty user registries.conf:
      // Error: short-name "alpine" did not resolve to an alias and no unqualified-search registries are defined in "<HOME>/.config/containers/registries.conf"
      assert.equal(
        configError(() => resolveShortName('alpine', { config: c })),
        `invalid-argument: short-name "alpine" did not resolve to an alias and no unqualified-search registries are defined in "${path('home/registries.conf')}"`,
      );
    },
  );
});

test('missing files', () => {
  withSandbox({}, ({ opts, path }) => {
    const c = loadRegistriesConfig(opts);
    assert.deepEqual(c.files, []);
    assert.equal(c.shortNameMode, 'permissive');
    assert.equal(
      configError(() => resolveShortName('nosuchshortname', { config: c })),
      'invalid-argument: short-name "nosuchshortname" did not resolve to an alias and no containers-registries.conf(5) was found',
    );
    // CONTAINERS_REGISTRIES_CONF=/tmp/rc/missing.conf podman pull nosuchshortname:
    // Error: loading registries configuration "/tmp/rc/missing.conf": open /tmp/rc/missing.conf: no such file or directory
    const missing = path('missing.conf');
    assert.equal(
      configError(() => loadRegistriesConfig({ ...opts, configPath: missing })),
      `config: loading registries configuration "${missing}": open ${missing}: no such file or directory`,
    );
  });
});

// Golden: CONTAINERS_REGISTRIES_CONF=/tmp/rc/<name>.conf podman pull nosuchshortname (Podman 4.3.1),
// exit 125, stderr `Error: loading registries configuration "/tmp/rc/<name>.conf": <reason>`.
const MALFORMED: [name: string, content: string, reason: string][] = [
  ['scheme', '[[registry]]\nprefix="x.com"\nlocation="https://x.com"\n', "invalid location 'https://x.com': URI schemes are not supported"],
  ['noloc', '[[registry]]\ninsecure=true\n', 'invalid condition: both location and prefix are unset'],
  ['mode', 'short-name-mode="bogus"\n', 'invalid short-name mode: "bogus"'],
  [
    'wild',
    '[[registry]]\nprefix="*.example.com/foo"\n',
    'Wildcarded prefix should be in the format: *.example.com. Current prefix "*.example.com/foo" is incorrectly formatted',
  ],
  [
    'alias',
    '[aliases]\n"foo"="bar"\n"x.com/y"="x.com/z"\n',
    'validating short-name aliases: invalid short name "x.com/y": must not contain registry\n: invalid alias "bar": must contain registry and repository',
  ],
  ['mirrorloc', '[[registry]]\nlocation="x.com"\n[[registry.mirror]]\nlocation=""\n', 'invalid condition: mirror location is unset'],
  ['pfm', '[[registry]]\nlocation="x.com"\npull-from-mirror="all"\n', 'pull-from-mirror must not be set for a non-mirror registry "x.com"'],
  [
    'pfm2',
    '[[registry]]\nlocation="x.com"\n[[registry.mirror]]\nlocation="m.com"\npull-from-mirror="bogus"\n',
    'unsupported pull-from-mirror value "bogus" for mirror "m.com"',
  ],
  [
    'conflict',
    '[[registry]]\nprefix="a.com"\nlocation="x.com"\ninsecure=true\n[[registry]]\nprefix="b.com"\nlocation="x.com"\n',
    "registry 'x.com' is defined multiple times with conflicting 'insecure' setting",
  ],
  ['usr', 'unqualified-search-registries = ["Foo Bar"]\n', 'Invalid unqualified-search-registries entry "Foo Bar"'],
];

test('golden: malformed registries.conf gives Podman 4.3.1 messages', () => {
  for (const [name, content, reason] of MALFORMED) {
    withSandbox({ [`rc/${name}.conf`]: content }, ({ opts, path }) => {
      const file = path(`rc/${name}.conf`);
      assert.equal(configError(() => loadRegistriesConfig({ ...opts, configPath: file })), `config: loading registries configuration "${file}": ${reason}`, name);
    });
  }
});

test('malformed files: syntax, types and further checks', () => {
  const cases: [content: string, pattern: RegExp][] = [
    // Podman: toml: line 1 (last key "unqualified-search-registries"): expected a comma (',') or array terminator (']'), but got end of file
    ['unqualified-search-registries = ["a.com"\n', /^toml: line \d+: /],
    // Podman: toml: line 1 (last key "unqualified-search-registries"): incompatible types: TOML value has type string; destination has type slice
    ['unqualified-search-registries = "a.com"\n', /^toml: unqualified-search-registries: expected an array of strings, found a string$/],
    ['[[registry]]\nlocation = "a.com"\ninsecure = "yes"\n', /^toml: registry\[0\]\.insecure: expected a boolean, found a string$/],
    ['[[registry]]\nlocation = "a.com"\n[[registry.mirror]]\nlocation = 5\n', /^toml: registry\[0\]\.mirror\[0\]\.location: expected a string, found a number$/],
    ['[aliases]\n"a" = 1\n', /^validating short-name aliases: toml: aliases\.a: expected a string, found a number$/],
    ['[aliases]\n"a:1" = "x.io/a"\n', /^validating short-name aliases: invalid short name "a:1": must not contain tag$/],
    ['[aliases]\n"a" = "x.io/a:1"\n', /^validating short-name aliases: invalid alias "x.io\/a:1": must not contain tag$/],
    [`[aliases]\n"a" = "x.io/a@${D}"\n`, /^validating short-name aliases: invalid alias "x\.io\/a@sha256:0+": must not contain digest$/],
    ['[aliases]\n"a" = "x.io/A"\n', /^validating short-name aliases: parsing alias "x.io\/A": repository name must be lowercase$/],
    [
      '[[registry]]\nlocation="x.com"\nmirror-by-digest-only=true\n[[registry.mirror]]\nlocation="m.com"\npull-from-mirror="all"\n',
      /^cannot set mirror usage mirror-by-digest-only for the registry \("x.com"\) and pull-from-mirror for per-mirror \("m.com"\) at the same time$/,
    ],
    [
      '[[registry]]\nprefix="a.com"\nlocation="x.com"\nblocked=true\n[[registry]]\nprefix="b.com"\nlocation="x.com"\n',
      /^registry 'x.com' is defined multiple times with conflicting 'blocked' setting$/,
    ],
    ['short-name-mode = "enforcing"\n[registries.search]\nregistries = ["a.io"]\n', /^mixing sysregistry v1\/v2 is not supported$/],
  ];
  for (const [content, pattern] of cases) {
    const err = configError(() => parseRegistriesFile(content, '/r.conf', { dropIn: false }));
    const prefix = 'config: loading registries configuration "/r.conf": ';
    assert.ok(err.startsWith(prefix), err);
    assert.match(err.slice(prefix.length), pattern, content);
  }
});

test('drop-ins must be v2 and are named as drop-ins in errors', () => {
  // HOME=/tmp/fh podman pull … with a v1 file in ~/.config/containers/registries.conf.d:
  // Error: loading drop-in registries configuration "/tmp/fh/.config/containers/registries.conf.d/50-v1.conf": registry must be in v2 format but is in v1
  withSandbox({ 'home/registries.conf.d/50-v1.conf': '[registries.search]\nregistries=["a.com"]\n' }, ({ opts, path }) => {
    const file = path('home/registries.conf.d/50-v1.conf');
    assert.equal(
      configError(() => loadRegistriesConfig(opts)),
      `config: loading drop-in registries configuration "${file}": registry must be in v2 format but is in v1`,
    );
  });
  withSandbox({ 'home/registries.conf.d/50-x.conf': 'short-name-mode="x"\n' }, ({ opts, path }) => {
    assert.equal(
      configError(() => loadRegistriesConfig(opts)),
      `config: loading drop-in registries configuration "${path('home/registries.conf.d/50-x.conf')}": invalid short-name mode: "x"`,
    );
  });
});

test('the v1 format converts to v2', () => {
  const c = parseRegistriesFile(
    `
[registries.search]
registries = ['registry1.com', 'registry2.com/']
[registries.insecure]
registries = ['registry3.com', 'registry1.com']
[registries.block]
registries = ['registry.untrusted.com']
`,
    '/v1.conf',
    { dropIn: false },
  );
  assert.deepEqual(c.unqualifiedSearchRegistries, ['registry1.com', 'registry2.com']);
  assert.deepEqual(
    c.registries.map((r) => [r.prefix, r.location, r.insecure, r.blocked]),
    [
      ['registry.untrusted.com', 'registry.untrusted.com', false, true],
      ['registry1.com', 'registry1.com', true, false],
      ['registry3.com', 'registry3.com', true, false],
    ],
  );
});

test('within one file the first entry for a prefix wins; entries are sorted', () => {
  const c = parseRegistriesFile(
    '[[registry]]\nprefix="b.io"\nlocation="first.io"\n[[registry]]\nprefix="b.io/"\nlocation="second.io"\n[[registry]]\nlocation="a.io/"\n',
    '/r.conf',
    { dropIn: false },
  );
  assert.deepEqual(
    c.registries.map((r) => [r.prefix, r.location]),
    [
      ['a.io', 'a.io'],
      ['b.io', 'first.io'],
    ],
  );
});

const FIND = parseRegistriesFile(
  `
[[registry]]
location = "example.com"
[[registry]]
prefix = "example.com/foo"
location = "internal.example.net/bar"
[[registry.mirror]]
location = "mirror-0.local/mirror-for-foo"
[[registry.mirror]]
location = "mirror-1.local/mirrors/foo"
insecure = true
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "mirror-2.local/foo"
pull-from-mirror = "tag-only"
[[registry]]
prefix = "*.example.org"
blocked = true
[[registry]]
prefix = "*.sub.example.org"
location = "sub-mirror.io"
[[registry]]
prefix = "exact.example.org"
[[registry]]
location = "docker.io/library/busybox"
mirror-by-digest-only = true
[[registry.mirror]]
location = "hub-mirror.local/busybox"
`,
  '/find.conf',
  { dropIn: false },
);

test('findRegistry picks the longest matching prefix', () => {
  const cases: [string, string | undefined][] = [
    ['example.com/x:1', 'example.com'],
    ['example.com/foo/img:latest', 'example.com/foo'],
    ['example.com/foobar/img', 'example.com'], // a prefix ends at a separator
    ['example.com:5000/x', 'example.com'], // Podman's documented quirk
    ['example.community/x', undefined],
    ['a.example.org/x', '*.example.org'],
    ['a.b.example.org:5000/x', '*.example.org'],
    ['x.sub.example.org/x', '*.sub.example.org'],
    ['exact.example.org/x', 'exact.example.org'],
    ['example.org/x', undefined], // a wildcard needs a subdomain
    ['a.example.org.evil.io/x', undefined],
    ['evil.io/a.example.org/x', undefined],
    ['docker.io/library/busybox:1', 'docker.io/library/busybox'],
    ['docker.io/library/busyboxes:1', undefined],
  ];
  for (const [name, want] of cases) assert.equal(findRegistry(FIND, name)?.prefix, want, name);
  assert.equal(findRegistry(FIND, normalizeName('busybox'))?.prefix, 'docker.io/library/busybox');
  assert.equal(prefixMatchLength('a.b.example.org/x', '*.example.org'), 'a.b.example.org'.length);
});

test('pullSources: mirrors in order, filtered by tag or digest, then the rewritten primary', () => {
  const foo = findRegistry(FIND, 'example.com/foo/image:latest')!;
  const sources = (name: string): string[] =>
    pullSources(foo, normalizeName(name)).map((s) => `${formatReference(s.reference)}${s.insecure ? ' insecure' : ''}${s.mirror ? ' mirror' : ''}`);
  assert.deepEqual(sources('example.com/foo/image:latest'), [
    'mirror-0.local/mirror-for-foo/image:latest mirror',
    'mirror-2.local/foo/image:latest mirror',
    'internal.example.net/bar/image:latest',
  ]);
  assert.deepEqual(sources(`example.com/foo/image@${D}`), [
    `mirror-0.local/mirror-for-foo/image@${D} mirror`,
    `mirror-1.local/mirrors/foo/image@${D} insecure mirror`,
    `internal.example.net/bar/image@${D}`,
  ]);
  const hub = findRegistry(FIND, 'docker.io/library/busybox')!;
  assert.deepEqual(pullSources(hub, normalizeName('busybox:1')).map((s) => formatReference(s.reference)), ['docker.io/library/busybox:1']);
  assert.deepEqual(
    pullSources(hub, normalizeName(`busybox@${D}`)).map((s) => formatReference(s.reference)),
    [`hub-mirror.local/busybox@${D}`, `docker.io/library/busybox@${D}`],
  );
  const wild = findRegistry(FIND, 'a.example.org/x')!;
  assert.deepEqual(pullSources(wild, normalizeName('a.example.org/x')).map((s) => formatReference(s.reference)), ['a.example.org/x:latest']);
});

function config(overrides: Partial<RegistriesConfig>): RegistriesConfig {
  return {
    unqualifiedSearchRegistries: [],
    unqualifiedSearchRegistriesOrigin: '/etc/containers/registries.conf',
    shortNameMode: 'permissive',
    credentialHelpers: ['containers-auth.json'],
    registries: [],
    aliases: new Map(),
    cachedAliases: new Map(),
    aliasCachePath: '/cache/short-name-aliases.conf',
    aliasCacheError: undefined,
    files: [],
    ...overrides,
  };
}

const names = (r: { candidates: readonly Parameters<typeof formatReference>[0][] }): string[] => r.candidates.map(formatReference);

test('resolveShortName for a pull (golden lines from Podman 4.3.1)', () => {
  const aliases = parseRegistriesFile('[aliases]\n"alpine" = "docker.io/library/alpine"\n', '/etc/containers/registries.conf.d/shortnames.conf', {
    dropIn: true,
  }).aliases;

  // podman pull alpine:3@sha256:0…0 → Resolved "alpine" as an alias (/etc/containers/registries.conf.d/shortnames.conf)
  //                                   Trying to pull docker.io/library/alpine@sha256:0…0...
  let r = resolveShortName(`alpine:3@${D}`, { config: config({ aliases }) });
  assert.deepEqual(names(r), [`docker.io/library/alpine@${D}`]);
  assert.equal(r.description, 'Resolved "alpine" as an alias (/etc/containers/registries.conf.d/shortnames.conf)');
  assert.equal(r.rationale, 'alias');

  // podman pull alpine:3 → Trying to pull docker.io/library/alpine:3...
  assert.deepEqual(names(resolveShortName('alpine:3', { config: config({ aliases }) })), ['docker.io/library/alpine:3']);

  // podman pull library/nosuch with v1 search registries 127.0.0.1:1, 127.0.0.1:2 (no TTY):
  // Resolving "library/nosuch" using unqualified-search registries (/tmp/rc/two.conf)
  // Trying to pull 127.0.0.1:1/library/nosuch:latest...  then 127.0.0.1:2/library/nosuch:latest...
  const two = config({ unqualifiedSearchRegistries: ['127.0.0.1:1', '127.0.0.1:2'], unqualifiedSearchRegistriesOrigin: '/tmp/rc/two.conf' });
  r = resolveShortName('library/nosuch', { config: two });
  assert.deepEqual(names(r), ['127.0.0.1:1/library/nosuch:latest', '127.0.0.1:2/library/nosuch:latest']);
  assert.equal(r.description, 'Resolving "library/nosuch" using unqualified-search registries (/tmp/rc/two.conf)');
  assert.equal(r.needsSelection, false);

  // podman pull nosuch:1 with ["docker.io"] → Resolving "nosuch" using … (/tmp/rc/dh.conf); Trying to pull docker.io/library/nosuch:1...
  r = resolveShortName('nosuch:1', { config: config({ unqualifiedSearchRegistries: ['docker.io'], unqualifiedSearchRegistriesOrigin: '/tmp/rc/dh.conf' }) });
  assert.deepEqual(names(r), ['docker.io/library/nosuch:1']);
  assert.equal(r.description, 'Resolving "nosuch" using unqualified-search registries (/tmp/rc/dh.conf)');

  // a fully-qualified name is its own candidate, with no line printed
  r = resolveShortName('quay.io/a/b', { config: two });
  assert.deepEqual(names(r), ['quay.io/a/b:latest']);
  assert.equal(r.description, undefined);
  assert.deepEqual(names(resolveShortName('docker.io/busybox', { config: two })), ['docker.io/library/busybox:latest']);
});

test('short-name modes', () => {
  const base = { unqualifiedSearchRegistries: ['a.io', 'b.io'] };
  const cases: [mode: RegistriesConfig['shortNameMode'], tty: boolean, outcome: string][] = [
    ['disabled', false, 'all'],
    ['disabled', true, 'all'],
    ['permissive', false, 'all'],
    ['permissive', true, 'select'],
    ['enforcing', true, 'select'],
    ['enforcing', false, 'invalid-argument: short-name resolution enforced but cannot prompt without a TTY'],
  ];
  for (const [mode, tty, outcome] of cases) {
    const run = (): ReturnType<typeof resolveShortName> => resolveShortName('x', { config: config({ ...base, shortNameMode: mode }), isTerminal: tty });
    if (outcome === 'all' || outcome === 'select') {
      const r = run();
      assert.deepEqual(names(r), ['a.io/x:latest', 'b.io/x:latest'], `${mode} ${tty}`);
      assert.equal(r.needsSelection, outcome === 'select', `${mode} ${tty}`);
    } else {
      assert.equal(configError(run), outcome, `${mode} ${tty}`);
    }
  }
  // a single registry is never ambiguous
  const one = resolveShortName('x', { config: config({ unqualifiedSearchRegistries: ['a.io'], shortNameMode: 'enforcing' }), isTerminal: true });
  assert.equal(one.needsSelection, false);
});

test('resolveShortName for a local lookup: alias, localhost, search registries, docker.io', () => {
  const aliases = parseRegistriesFile('[aliases]\n"img" = "quay.io/ns/img"\n', '/a.conf', { dropIn: true }).aliases;
  const c = config({ aliases, unqualifiedSearchRegistries: ['a.io', 'docker.io'] });
  assert.deepEqual(names(resolveShortName('img:2', { config: c, localLookup: true })), [
    'quay.io/ns/img:2',
    'localhost/img:2',
    'a.io/img:2',
    'docker.io/library/img:2',
    'docker.io/library/img:2',
  ]);
  // nothing configured is no error for a lookup
  assert.deepEqual(names(resolveShortName('x', { config: config({}), localLookup: true })), ['localhost/x:latest', 'docker.io/library/x:latest']);
  // a name that does not normalise for docker.io simply has no docker.io candidate
  assert.deepEqual(names(resolveShortName('UPPER/x', { config: config({}), localLookup: true })), []);
});

test('short-name-aliases.conf wins, can erase, and a broken one fails only on resolution', () => {
  withSandbox(
    {
      'etc/registries.conf': '[aliases]\n"a" = "conf.io/a"\n"b" = "conf.io/b"\n',
      'cache/short-name-aliases.conf': '[aliases]\n"a" = "cache.io/a"\n"b" = ""\n',
    },
    ({ opts, path }) => {
      const c = loadRegistriesConfig(opts);
      const r = resolveShortName('a', { config: c });
      assert.deepEqual(names(r), ['cache.io/a:latest']);
      assert.equal(r.description, `Resolved "a" as an alias (${path('cache/short-name-aliases.conf')})`);
      assert.equal(
        configError(() => resolveShortName('b', { config: c })),
        `invalid-argument: short-name "b" did not resolve to an alias and no unqualified-search registries are defined in "${path('etc/registries.conf')}"`,
      );
    },
  );
  withSandbox({ 'cache/short-name-aliases.conf': '[aliases]\n"a" = "no-registry"\n' }, ({ opts, path }) => {
    const c = loadRegistriesConfig(opts);
    assert.deepEqual(names(resolveShortName('quay.io/x', { config: c })), ['quay.io/x:latest']);
    const file = path('cache/short-name-aliases.conf');
    assert.equal(
      configError(() => resolveShortName('a', { config: c })),
      `config: loading short-name aliases config file "${file}": invalid alias "no-registry": must contain registry and repository`,
    );
  });
});

test('pull resolution reports names that do not normalise as Podman does', () => {
  const c = config({});
  // podman pull UPPER/x → Error: Invalid image name "UPPER/x", expected colon-separated transport:reference
  assert.equal(configError(() => resolveShortName('UPPER/x', { config: c })), 'invalid-reference: Invalid image name "UPPER/x", expected colon-separated transport:reference');
  // podman pull UPPER/x:tag → Error: Invalid image name "UPPER/x:tag", unknown transport "UPPER/x"
  assert.equal(configError(() => resolveShortName('UPPER/x:tag', { config: c })), 'invalid-reference: Invalid image name "UPPER/x:tag", unknown transport "UPPER/x"');
  // podman pull Foo → Error: repository name must be lowercase
  assert.equal(configError(() => resolveShortName('Foo', { config: c })), 'invalid-reference: repository name must be lowercase');
});
