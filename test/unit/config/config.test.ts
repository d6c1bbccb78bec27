import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../../src/config/config.ts';
import { SkiffError } from '../../../src/util/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-config-'));
const none = join(dir, 'none');
after(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveConfig', () => {
  it('rootful defaults keep skiff\'s own store', () => {
    const c = resolveConfig({}, { uid: 0, env: { HOME: '/root', CONTAINERS_STORAGE_CONF: none }, systemConfigDirs: [none] });
    assert.equal(c.graphRoot, '/var/lib/skiff');
    assert.equal(c.runRoot, '/run/skiff');
    assert.equal(c.rootless, false);
    assert.equal(c.runtime, 'crun');
  });

  it('rootless paths follow XDG', () => {
    const c = resolveConfig({}, { uid: 1000, env: { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000', CONTAINERS_STORAGE_CONF: none }, systemConfigDirs: [none] });
    assert.equal(c.graphRoot, '/home/u/.local/share/skiff');
    assert.equal(c.runRoot, '/run/user/1000/skiff');
    assert.equal(c.rootless, true);
    const noXdg = resolveConfig({}, { uid: 1000, env: { HOME: '/home/u', CONTAINERS_STORAGE_CONF: none }, systemConfigDirs: [none] });
    assert.equal(noXdg.runRoot, '/tmp/skiff-run-1000/skiff');
  });

  it('containers.conf and storage.conf apply; flags win', () => {
    writeFileSync(join(dir, 'containers.conf'), '[engine]\nruntime = "runc"\ncgroup_manager = "systemd"\nevents_logger = "none"\n');
    writeFileSync(join(dir, 'storage.conf'), '[storage]\ndriver = "vfs"\ngraphroot = "/var/lib/containers/storage"\n');
    const env = { HOME: '/root', CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
    const c = resolveConfig({}, { uid: 0, env, systemConfigDirs: [dir] });
    assert.equal(c.runtime, 'runc');
    assert.equal(c.cgroupManager, 'systemd');
    assert.equal(c.eventsBackend, 'none');
    assert.equal(c.storageDriver, 'vfs');
    assert.equal(c.graphRoot, '/var/lib/skiff', 'storage.conf graphroot is Podman\'s store, never ours');
    const f = resolveConfig({ runtime: 'crun', storageDriver: 'overlay', root: '/x', runroot: '/y' }, { uid: 0, env, systemConfigDirs: [dir] });
    assert.equal(f.runtime, 'crun');
    assert.equal(f.storageDriver, 'overlay');
    assert.equal(f.graphRoot, '/x');
    assert.equal(f.runRoot, '/y');
  });

  it('CONTAINERS_CONF replaces the standard files', () => {
    const p = join(dir, 'only.conf');
    writeFileSync(p, '[engine]\nruntime = "/usr/bin/runc"\n');
    const c = resolveConfig({}, { uid: 0, env: { HOME: '/root', CONTAINERS_CONF: p, CONTAINERS_STORAGE_CONF: none } });
    assert.equal(c.runtime, '/usr/bin/runc');
    assert.deepEqual(c.files, [p]);
  });

  const bad: [string, () => unknown, RegExp][] = [
    ['a malformed file names the file', () => {
      const p = join(dir, 'bad.conf');
      writeFileSync(p, '[engine\nruntime = \n');
      return resolveConfig({}, { uid: 0, env: { HOME: '/root', CONTAINERS_CONF: p, CONTAINERS_STORAGE_CONF: none } });
    }, /bad\.conf/],
    ['an unknown driver', () => resolveConfig({ storageDriver: 'btrfs' }, { uid: 0, env: { HOME: '/root', CONTAINERS_STORAGE_CONF: none }, systemConfigDirs: [none] }), /unknown storage driver "btrfs"/],
    ['an unknown log level', () => resolveConfig({ logLevel: 'loud' }, { uid: 0, env: { HOME: '/root', CONTAINERS_STORAGE_CONF: none }, systemConfigDirs: [none] }), /"loud" is not a valid log level/],
  ];
  for (const [name, fn, re] of bad) {
    it(name, () => assert.throws(fn, (e: unknown) => e instanceof SkiffError && re.test(e.message)));
  }
});
