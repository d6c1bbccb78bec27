/** The container environment and --env-merge, checked against what Podman 4.3.1 wrote. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEnv, DEFAULT_PATH, envList, expandWord } from '../../../src/runtime/spec/env.ts';

const IMAGE_ENV = ['FOO=bar', 'PATH=/bin:/usr/bin', 'container=img'];

test('defaults, then the image, then --env; a later value keeps the first place', () => {
  assert.deepEqual(envList(buildEnv({ imageEnv: [], envMerge: [], userEnv: {} })), [`PATH=${DEFAULT_PATH}`, 'TERM=xterm', 'container=podman']);
  assert.deepEqual(envList(buildEnv({ imageEnv: IMAGE_ENV, envMerge: [], userEnv: { FOO: 'user', A: '1' } })), [
    'PATH=/bin:/usr/bin',
    'TERM=xterm',
    'container=img',
    'FOO=user',
    'A=1',
  ]);
  // `NAME` without `=` in an image would copy the engine's own variable: never.
  assert.deepEqual(envList(buildEnv({ imageEnv: ['HOME', '=x'], envMerge: [], userEnv: {} })).length, 3);
});

test('--env-merge expands against the defaults and the image, before --env', () => {
  const cases: [merge: string, want: string][] = [
    ['FOO=${FOO}x', 'FOO=barx'],
    ['FOO=$FOO.x', 'FOO=bar.x'],
    ['FOO=${UNDEF:-d}', 'FOO=d'],
    ['FOO=${FOO:-d}', 'FOO=bar'],
    ['FOO=${FOO:+alt}', 'FOO=alt'],
    ['FOO=${UNDEF:+alt}', 'FOO='],
    ['FOO=\\${FOO}', 'FOO=${FOO}'],
    ['FOO="q ${FOO}"', 'FOO=q bar'],
    ["FOO='${FOO}'", 'FOO=${FOO}'],
    ['FOO=a${container}b', 'FOO=aimgb'],
    ['TERM=${TERM}2', 'TERM=xterm2'],
    ['FOO=', 'FOO='],
    ['FOO=x y', 'FOO=x y'],
    ['PATH=${PATH}:/extra', 'PATH=/bin:/usr/bin:/extra'],
  ];
  for (const [merge, want] of cases) {
    const env = buildEnv({ imageEnv: IMAGE_ENV, envMerge: [merge], userEnv: {} });
    const name = want.split('=')[0]!;
    assert.equal(`${name}=${env.get(name)}`, want, merge);
  }
  const twice = buildEnv({ imageEnv: IMAGE_ENV, envMerge: ['FOO=${FOO}1', 'FOO=${FOO}2'], userEnv: {} });
  assert.equal(twice.get('FOO'), 'bar12');
  const userWins = buildEnv({ imageEnv: IMAGE_ENV, envMerge: ['FOO=${FOO}m'], userEnv: { FOO: 'user' } });
  assert.equal(userWins.get('FOO'), 'user');
});

test('--env-merge errors', () => {
  assert.throws(() => buildEnv({ imageEnv: IMAGE_ENV, envMerge: ['FOO=${FOO'], userEnv: {} }), {
    message: "unable to process variables for --env-merge FOO=${FOO: Missing ':' in substitution: FOO=${FOO",
  });
  assert.throws(() => buildEnv({ imageEnv: IMAGE_ENV, envMerge: ['FOO'], userEnv: {} }), { message: 'missing `=` for --env-merge substitution FOO' });
  assert.throws(() => buildEnv({ imageEnv: [], envMerge: ['A=${B:?x}'], userEnv: {} }), /Unsupported modifier \(\?\)/);
  assert.throws(() => buildEnv({ imageEnv: [], envMerge: ['A="open'], userEnv: {} }), /matching double-quote/);
});

test('word expansion corner cases', () => {
  const env = new Map([
    ['A', '1'],
    ['B_2', 'two'],
  ]);
  const cases: [string, string][] = [
    ['$', '$'],
    ['a$', 'a$'],
    ['$-x', '$-x'],
    ['$1x', 'x'],
    ['$B_2/x', 'two/x'],
    ['${A}${B_2}', '1two'],
    ['"\\"$A\\\\"', '"1\\'],
    ['"\\n"', '\\n'],
    ['trailing\\', 'trailing'],
  ];
  for (const [word, want] of cases) assert.equal(expandWord(word, env), want, word);
});
