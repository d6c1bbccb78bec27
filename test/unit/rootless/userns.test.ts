import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type UsernsContext, keepIdMap, resolveUserns } from '../../../src/engine/userns.ts';
import { mapperArgs, mapSize, namespaceMap, parseProcMap, toContainer, toHost } from '../../../src/rootless/ids.ts';
import { errorOf } from '../errors.ts';

const own = namespaceMap(1000, [{ start: 100000, count: 65536 }]);
const ctx: UsernsContext = { rootless: { uid: 1000, gid: 1000, name: 'alice' }, ownUidMap: own, ownGidMap: own, autoTaken: { uids: [], gids: [] } };
const flags = (userns?: string, more: Partial<{ uidmap: string[]; gidmap: string[]; subuidname: string }> = {}) => ({ userns, uidmap: more.uidmap ?? [], gidmap: more.gidmap ?? [], subuidname: more.subuidname });

describe('rootless ID maps', () => {
  it('the user is root, each subordinate range follows from 1, as newuidmap gets them', () => {
    const map = namespaceMap(1000, [{ start: 100000, count: 65536 }, { start: 300000, count: 10 }]);
    assert.deepEqual(mapperArgs(map), ['0', '1000', '1', '1', '100000', '65536', '65537', '300000', '10']);
    assert.equal(mapSize(map), 65547);
    assert.equal(toHost(map, 0), 1000);
    assert.equal(toHost(map, 65537), 300000);
    assert.equal(toHost(map, 65547), undefined);
    assert.equal(toContainer(map, 100001), 2);
  });

  it('reads /proc/PID/uid_map text', () => {
    assert.deepEqual(parseProcMap('         0       1000          1\n         1     100000      65536\n'), own);
  });

  it('keep-id puts the user at their own ID and shifts the others around it', () => {
    assert.deepEqual(keepIdMap(1000, 65537), [
      { containerID: 0, hostID: 1, size: 1000 },
      { containerID: 1000, hostID: 0, size: 1 },
      { containerID: 1001, hostID: 1001, size: 64536 },
    ]);
    // uid=0 keeps root as the user, with nothing below it.
    assert.deepEqual(keepIdMap(0, 65537), [
      { containerID: 0, hostID: 0, size: 1 },
      { containerID: 1, hostID: 1, size: 65536 },
    ]);
  });
});

describe('--userns and map flags', () => {
  it('default and host give no namespace of the container\'s own', () => {
    assert.equal(resolveUserns(flags(), ctx), undefined);
    assert.equal(resolveUserns(flags('host'), ctx), undefined);
  });

  it('keep-id, nomap and auto resolve as podman maps them', () => {
    const keep = resolveUserns(flags('keep-id:uid=200,gid=300'), ctx);
    assert.deepEqual(keep?.uidMap?.[1], { containerID: 200, hostID: 0, size: 1 });
    assert.deepEqual(keep?.gidMap?.[1], { containerID: 300, hostID: 0, size: 1 });
    assert.deepEqual(keep?.keepId, { uid: 200, gid: 300, name: '' });
    assert.deepEqual(resolveUserns(flags('nomap'), ctx)?.uidMap, [{ containerID: 0, hostID: 1, size: 65536 }]);
    assert.deepEqual(resolveUserns(flags('auto:size=10'), ctx)?.uidMap, [{ containerID: 0, hostID: 1, size: 10 }]);
    // A second auto container gets the next free block.
    const taken = { ...ctx, autoTaken: { uids: [{ containerID: 0, hostID: 1, size: 1024 }], gids: [] } };
    assert.deepEqual(resolveUserns(flags('auto'), taken)?.uidMap, [{ containerID: 0, hostID: 1025, size: 1024 }]);
  });

  it('--uidmap alone maps the groups the same way; ns: needs an existing path', () => {
    const r = resolveUserns(flags(undefined, { uidmap: ['0:1:500'] }), ctx);
    assert.deepEqual(r?.gidMap, r?.uidMap);
    assert.equal(resolveUserns(flags('ns:/proc/self/ns/user'), ctx)?.path, '/proc/self/ns/user');
  });

  it('refuses what podman refuses, in its words', () => {
    const msg = (f: ReturnType<typeof flags>, c: UsernsContext = ctx) => errorOf(() => resolveUserns(f, c)).message;
    assert.equal(msg(flags('bogus')), 'unrecognized namespace mode bogus passed');
    assert.equal(msg(flags('keep-id:foo=1')), 'unknown option specified: "foo"');
    assert.equal(msg(flags('keep-id', { uidmap: ['0:1:10'] })), '--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive');
    assert.equal(msg(flags(undefined, { uidmap: ['bad'] })), 'initializing ID mappings: UID setting is malformed expected ["uint32:uint32:uint32"]: ["bad"]');
    assert.equal(msg(flags('ns:/nonexist')), 'cannot find specified user namespace path: stat /nonexist: no such file or directory');
    const root: UsernsContext = { ...ctx, rootless: undefined };
    assert.equal(msg(flags('keep-id'), root), 'keep-id is only supported in rootless mode');
    assert.equal(msg(flags('nomap'), root), 'nomap is only supported in rootless mode');
    assert.match(msg(flags(undefined, { uidmap: ['0:1:70000'] })), /^--uidmap 0:1:70000: IDs 1-70000 are not all mapped/);
  });
});
