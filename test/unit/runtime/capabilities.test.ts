import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_CAPABILITIES,
  capabilitiesFromMask,
  capabilitySets,
  mergeCapabilities,
  normalizeCapability,
} from '../../../src/runtime/spec/capabilities.ts';
import { isSkiffError } from '../../../src/util/errors.ts';

const DEFAULTS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
const CAP_DEFAULTS = DEFAULTS.map((c) => `CAP_${c}`);
/** This test host's bounding set: everything but CAP_SYS_RESOURCE (DESIGN §6a). */
const BOUNDING = ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');

test('the kernel knows 41 capabilities, in bit order', () => {
  assert.equal(ALL_CAPABILITIES.length, 41);
  assert.equal(ALL_CAPABILITIES[0], 'CAP_CHOWN');
  assert.equal(ALL_CAPABILITIES[21], 'CAP_SYS_ADMIN');
  assert.equal(ALL_CAPABILITIES[40], 'CAP_CHECKPOINT_RESTORE');
});

test('capability names are normalised as Podman does', () => {
  const cases: [string, string][] = [
    ['net_admin', 'CAP_NET_ADMIN'],
    ['NET_ADMIN', 'CAP_NET_ADMIN'],
    ['CAP_NET_ADMIN', 'CAP_NET_ADMIN'],
    ['cap_Net_Admin', 'CAP_NET_ADMIN'],
    ['all', 'ALL'],
    ['ALL', 'ALL'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeCapability(input), want, input);
});

test('an unknown capability fails with Podman\'s text', () => {
  for (const bad of ['bogus', 'CAP_BOGUS', 'CAP_', 'cap_all']) {
    assert.throws(
      () => normalizeCapability(bad),
      (err: unknown) => isSkiffError(err, 'invalid-argument') && /^"CAP_[A-Z_]*": unknown capability$/.test(err.message),
      bad,
    );
  }
  assert.throws(() => normalizeCapability('bogus'), { message: '"CAP_BOGUS": unknown capability' });
});

test('--cap-add and --cap-drop on top of the defaults', () => {
  const cases: [add: string[], drop: string[], want: string[]][] = [
    [[], [], CAP_DEFAULTS],
    [['net_admin'], [], [...CAP_DEFAULTS, 'CAP_NET_ADMIN'].sort()],
    [['SYS_TIME', 'chown'], ['KILL'], [...CAP_DEFAULTS.filter((c) => c !== 'CAP_KILL'), 'CAP_SYS_TIME'].sort()],
    [['NET_ADMIN'], ['ALL'], ['CAP_NET_ADMIN']],
    [[], ['all'], []],
    [['ALL'], ['NET_RAW'], BOUNDING.filter((c) => c !== 'CAP_NET_RAW').sort()],
  ];
  for (const [add, drop, want] of cases) {
    assert.deepEqual(mergeCapabilities(DEFAULTS, add, drop, BOUNDING), want, `add ${add} drop ${drop}`);
  }
});

test('contradicting --cap-add and --cap-drop are refused', () => {
  assert.throws(() => mergeCapabilities(DEFAULTS, ['ALL'], ['ALL'], BOUNDING), { message: 'adding all caps and removing all caps not allowed' });
  assert.throws(() => mergeCapabilities(DEFAULTS, ['sys_admin'], ['CAP_SYS_ADMIN'], BOUNDING), {
    message: 'capability "CAP_SYS_ADMIN" cannot be dropped and added',
  });
});

test('root gets the list as effective and permitted; another user only what --cap-add asks', () => {
  const base = { defaults: DEFAULTS, drop: [], privileged: false, boundingSet: BOUNDING };
  for (const user of ['', 'root', '0', '0:10', 'root:wheel']) {
    const s = capabilitySets({ ...base, add: [], user });
    assert.deepEqual(s.effective, CAP_DEFAULTS, user);
    assert.deepEqual(s.permitted, CAP_DEFAULTS, user);
    assert.deepEqual(s.inheritable, []);
    assert.deepEqual(s.ambient, []);
  }
  const nobody = capabilitySets({ ...base, add: ['NET_ADMIN'], user: 'nobody' });
  assert.deepEqual(nobody.bounding, [...CAP_DEFAULTS, 'CAP_NET_ADMIN'].sort());
  for (const set of [nobody.effective, nobody.permitted, nobody.inheritable, nobody.ambient]) assert.deepEqual(set, ['CAP_NET_ADMIN']);
  // Podman decides by the name, not the uid: a user called "toor" with uid 0 is not root here.
  assert.deepEqual(capabilitySets({ ...base, add: [], user: 'toor' }).effective, []);
});

test('--privileged grants this process\'s whole bounding set, and nothing beyond it', () => {
  const s = capabilitySets({ defaults: DEFAULTS, add: [], drop: [], privileged: true, user: '', boundingSet: BOUNDING });
  assert.equal(s.bounding.length, 40);
  assert.ok(!s.bounding.includes('CAP_SYS_RESOURCE'));
  const added = capabilitySets({ defaults: DEFAULTS, add: ['SYS_RESOURCE'], drop: [], privileged: false, user: '', boundingSet: BOUNDING });
  assert.ok(!added.bounding.includes('CAP_SYS_RESOURCE'), 'a capability skiff does not hold is not granted');
});

test('capability masks as /proc/self/status shows them', () => {
  assert.deepEqual(capabilitiesFromMask('0000000000000003'), ['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
  assert.deepEqual(capabilitiesFromMask('000001fffeffffff'), BOUNDING);
  assert.deepEqual(capabilitiesFromMask('0000000000000000'), []);
});
