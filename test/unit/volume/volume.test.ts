import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planVolumeMounts } from '../../../src/engine/specgen.ts';
import { volumeFilter } from '../../../src/volume/filter.ts';
import { parseLocalOptions, validateVolumeName } from '../../../src/volume/options.ts';
import type { VolumeRecord } from '../../../src/volume/store.ts';

describe('local driver options', () => {
  const cases: [string[], object][] = [
    [[], { stored: {}, copy: true }],
    [['o=uid=1000,gid=7'], { stored: { o: 'uid=1000,gid=7', UID: '1000', GID: '7' }, uid: 1000, gid: 7, copy: true }],
    [['type=tmpfs', 'device=tmpfs', 'o=mode=0700,uid=5'], { stored: { type: 'tmpfs', device: 'tmpfs', o: 'mode=0700,uid=5', UID: '5' }, uid: 5, mount: { type: 'tmpfs', device: 'tmpfs', options: 'mode=0700' }, copy: true }],
    [['o=noexec'], { stored: { o: 'noexec' }, mount: { options: 'noexec' }, copy: true }],
    [['nocopy'], { stored: { nocopy: '' }, copy: false }],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => assert.deepEqual(parseLocalOptions(input), want));
  }
  it('refuses unknown keys, quota options and bad ids', () => {
    assert.throws(() => parseLocalOptions(['bogus=1']), /invalid mount option bogus for driver 'local'/);
    assert.throws(() => parseLocalOptions(['o=size=1m']), /Project Quota/);
    assert.throws(() => parseLocalOptions(['o=uid=me']), /cannot convert UID me to integer/);
  });
  it('checks names as Podman does', () => {
    for (const ok of ['a', 'A.b_c-1', '0']) validateVolumeName(ok);
    for (const bad of ['', '-a', 'a/b', '.a', 'a b']) assert.throws(() => validateVolumeName(bad), /names must match/);
  });
});

describe('volume filters', () => {
  const vol = (name: string, extra: Partial<VolumeRecord> = {}): VolumeRecord => ({
    name, driver: 'local', created: Date.parse('2026-01-01T00:00:00Z'), labels: {}, options: {}, anonymous: false, needsCopyUp: true, needsChown: true, mountCount: 0, ...extra,
  });
  const vols = [vol('web', { labels: { team: 'a', tier: '' } }), vol('db', { labels: { team: 'b' }, options: { o: 'uid=1' } }), vol('cache')];
  const names = (specs: string[], used = new Set<string>()) => vols.filter((v) => volumeFilter(specs)(v, used)).map((v) => v.name);
  it('ANDs different keys and ORs values of one key, except labels', () => {
    assert.deepEqual(names(['name=^w', 'name=^d']), ['web', 'db']);
    assert.deepEqual(names(['name=^w', 'label=team=b']), []);
    assert.deepEqual(names(['label=team', 'label=tier']), ['web']);
    assert.deepEqual(names(['label=team=b']), ['db']);
    assert.deepEqual(names(['opt=o=uid=1']), ['db']);
    assert.deepEqual(names(['dangling=true'], new Set(['web'])), ['db', 'cache']);
    assert.deepEqual(names(['dangling=false'], new Set(['web'])), ['web']);
    assert.deepEqual(names(['until=2026-06-01T00:00:00Z']), ['web', 'db', 'cache']);
    assert.deepEqual(names(['until=2025-06-01T00:00:00Z']), []);
  });
  it('names a bad key or value', () => {
    assert.throws(() => volumeFilter(['bogus=1']), /"bogus" is an invalid volume filter/);
    assert.throws(() => volumeFilter(['dangling=maybe']), /must be true or false/);
  });
});

describe('planVolumeMounts', () => {
  let n = 0;
  const next = () => `anon${++n}`;
  it('names anonymous volumes and adds the image volumes not mounted over', () => {
    const plan = planVolumeMounts(
      { mounts: [{ type: 'volume', source: '', destination: '/a', options: [] }, { type: 'bind', source: '/h', destination: '/b', options: [] }], tmpfs: { '/c': '' } },
      ['/d', '/b/', '/c', '/a'],
      'bind',
      next,
    );
    assert.deepEqual(plan.mounts.map((m) => [m.type, m.source, m.destination]), [['volume', 'anon1', '/a'], ['bind', '/h', '/b'], ['volume', 'anon2', '/d']]);
    assert.deepEqual([...plan.anonymous], ['anon1', 'anon2']);
  });
  it('uses tmpfs or nothing per --image-volume, and refuses another mode', () => {
    assert.deepEqual(planVolumeMounts({ mounts: [], tmpfs: {} }, ['/d'], 'tmpfs', next).mounts.map((m) => m.type), ['tmpfs']);
    assert.deepEqual(planVolumeMounts({ mounts: [], tmpfs: {} }, ['/d'], 'ignore', next).mounts, []);
    assert.throws(() => planVolumeMounts({ mounts: [], tmpfs: {} }, [], 'copy', next), /invalid image volume mode "copy" required value: bind, tmpfs, ignore/);
  });
});
