import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChanges } from '../../../src/image/change.ts';
import { SkiffError } from '../../../src/util/errors.ts';

describe('applyChanges', () => {
  const cases: [string[], Record<string, unknown>][] = [
    [['CMD=/bin/sh'], { Cmd: ['/bin/sh', '-c', '/bin/sh'] }],
    [['CMD ["/bin/sh", "-c", "echo hi"]'], { Cmd: ['/bin/sh', '-c', 'echo hi'] }],
    [['ENTRYPOINT=["/bin/busybox"]'], { Entrypoint: ['/bin/busybox'] }],
    [['ENV A=1 B="two words"'], { Env: ['A=1', 'B=two words'] }],
    [['ENV A 1 2'], { Env: ['A=1 2'] }],
    [['ENV A=1', 'ENV A=2'], { Env: ['A=2'] }],
    [['LABEL a=b c=d'], { Labels: { a: 'b', c: 'd' } }],
    [['EXPOSE 80 53/udp'], { ExposedPorts: { '80/tcp': {}, '53/udp': {} } }],
    [['VOLUME /data'], { Volumes: { '/data': {} } }],
    [['VOLUME ["/a", "/b"]'], { Volumes: { '/a': {}, '/b': {} } }],
    [['USER nobody'], { User: 'nobody' }],
    [['WORKDIR /srv', 'WORKDIR app'], { WorkingDir: '/srv/app' }],
    [['STOPSIGNAL=SIGINT'], { StopSignal: 'SIGINT' }],
    [['ONBUILD RUN true'], { OnBuild: ['RUN true'] }],
  ];
  for (const [changes, want] of cases) {
    it(changes.join(' | '), () => assert.deepEqual(applyChanges({}, changes), want));
  }
  it('rejects an unknown instruction with Podman\'s message', () => {
    assert.throws(
      () => applyChanges({}, ['FOO=bar']),
      (e: unknown) => e instanceof SkiffError && e.message === 'invalid change "FOO=bar" - invalid instruction FOO',
    );
  });
  it('does not modify its input', () => {
    const base = { Env: ['A=1'] };
    applyChanges(base, ['ENV A=2']);
    assert.deepEqual(base, { Env: ['A=1'] });
  });
});
