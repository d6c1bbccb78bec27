/** Which storage driver a new store gets, and the reason `info` shows, for each kind of host. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideDriver, type DriverFacts } from '../../../src/storage/driver.ts';

const host: DriverFacts = { rootless: true, kernelOverlay: true, devFuse: true };

describe('storage driver choice', () => {
  it('rootless: native overlay when the userxattr probe mounts', () => {
    const c = decideDriver(host);
    assert.equal(c.driver, 'overlay');
    assert.equal(c.mountProgram, undefined);
    assert.match(c.reason, /^overlay: native, mounted in the user namespace with userxattr \(Linux /);
  });

  it('rootless: fuse-overlayfs when the native mount fails, with the failure named', () => {
    const c = decideDriver({ ...host, nativeFailure: 'mount overlay: Operation not permitted', fuse: '/usr/bin/fuse-overlayfs' });
    assert.deepEqual(c, {
      driver: 'overlay',
      mountProgram: '/usr/bin/fuse-overlayfs',
      reason: 'overlay: fuse-overlayfs, because a native overlay mount failed in the user namespace (mount overlay: Operation not permitted)',
    });
    assert.equal(decideDriver({ ...host, kernelOverlay: false, fuse: '/usr/bin/fuse-overlayfs' }).reason, 'overlay: fuse-overlayfs, because a native overlay mount failed in the user namespace (the kernel has no overlay filesystem)');
  });

  it('rootless: vfs as the last resort, saying what was missing', () => {
    assert.deepEqual(decideDriver({ ...host, nativeFailure: 'EPERM' }), {
      driver: 'vfs',
      reason: 'vfs: a native overlay mount failed in the user namespace (EPERM) and fuse-overlayfs is not installed or /dev/fuse is not usable',
    });
    assert.equal(decideDriver({ ...host, nativeFailure: 'EPERM', devFuse: false }).reason, 'vfs: a native overlay mount failed in the user namespace (EPERM) and there is no /dev/fuse');
  });

  it('configuration decides first: vfs, a mount program, or overlay kept when asked for', () => {
    assert.equal(decideDriver({ ...host, wanted: 'vfs' }).driver, 'vfs');
    assert.deepEqual(decideDriver({ ...host, mountProgram: { name: '/usr/bin/fuse-overlayfs', found: true } }).mountProgram, '/usr/bin/fuse-overlayfs');
    assert.throws(() => decideDriver({ ...host, mountProgram: { name: '/nope', found: false } }), /overlay mount program \/nope not found/);
    const kept = decideDriver({ ...host, wanted: 'overlay', nativeFailure: 'EPERM' });
    assert.equal(kept.driver, 'overlay');
    assert.match(kept.reason, /asked for by configuration, but a native mount failed \(EPERM\)/);
  });

  it('root: overlay when the kernel has it, else vfs', () => {
    assert.equal(decideDriver({ ...host, rootless: false }).reason, 'overlay: the kernel has overlay');
    assert.deepEqual(decideDriver({ ...host, rootless: false, kernelOverlay: false }), { driver: 'vfs', reason: 'vfs: the kernel has no overlay filesystem' });
  });
});
