/**
 * The value formats of `top`'s descriptors that do not depend on a live process. Expected
 * texts are what Podman 4.3.1 printed on this machine (capabilities of default, privileged
 * and cap-dropped containers) or what Go's strconv prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capabilityText, DEFAULT_DESCRIPTORS, descriptorNames, fixed3, translateDescriptors, UnknownDescriptorError } from '../../../src/runtime/ps.ts';

const DEFAULT_CAPS = 'CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,NET_BIND_SERVICE,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT';
const PRIVILEGED_HERE =
  'AUDIT_CONTROL,AUDIT_READ,AUDIT_WRITE,BLOCK_SUSPEND,CHOWN,DAC_OVERRIDE,DAC_READ_SEARCH,FOWNER,FSETID,IPC_LOCK,IPC_OWNER,KILL,LEASE,' +
  'LINUX_IMMUTABLE,MAC_ADMIN,MAC_OVERRIDE,MKNOD,NET_ADMIN,NET_BIND_SERVICE,NET_BROADCAST,NET_RAW,SETFCAP,SETGID,SETPCAP,SETUID,SYSLOG,' +
  'SYS_ADMIN,SYS_BOOT,SYS_CHROOT,SYS_MODULE,SYS_NICE,SYS_PACCT,SYS_PTRACE,SYS_RAWIO,SYS_TIME,SYS_TTY_CONFIG,WAKE_ALARM,unknown,unknown,unknown';

test('capabilityText prints masks as psgo does', () => {
  const cases: [string, string][] = [
    ['00000000800405fb', DEFAULT_CAPS],
    ['0000000000000000', 'none'],
    ['0000003fffffffff', 'full'],
    // All 41 capabilities but SYS_RESOURCE (root lacks it here): the three newest are unknown to psgo.
    ['000001fffeffffff', PRIVILEGED_HERE],
    ['0000000000000001', 'CHOWN'],
  ];
  for (const [mask, text] of cases) assert.equal(capabilityText(mask), text, mask);
  assert.throws(() => capabilityText(''));
});

test('fixed3 rounds like strconv.FormatFloat(x, f, 3)', () => {
  const cases: [number, string][] = [
    [0, '0.000'],
    [33.33333, '33.333'],
    [0.0625, '0.062'],
    [0.1875, '0.188'],
    [12.5625, '12.562'],
    [99.9996, '100.000'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
  ];
  for (const [x, text] of cases) assert.equal(fixed3(x), text, String(x));
});

test('descriptors are found by AIX code or name; anything else is unknown', () => {
  const headers = (names: string[]) => translateDescriptors(names).map((d) => d.header);
  assert.deepEqual(headers([]), ['USER', 'PID', 'PPID', '%CPU', 'ELAPSED', 'TTY', 'TIME', 'COMMAND']);
  assert.deepEqual(headers([...DEFAULT_DESCRIPTORS]), headers([]));
  assert.deepEqual(headers(['%C', '%G', '%P', '%U', '%a', '%c', '%g', '%n', '%p', '%r', '%t', '%u', '%x', '%y', '%z']), [
    '%CPU', 'GROUP', 'PPID', 'USER', 'COMMAND', 'COMMAND', 'RGROUP', 'NI', 'PID', 'PGID', 'ELAPSED', 'RUSER', 'TIME', 'TTY', 'VSZ',
  ]);
  assert.deepEqual(headers([' pid ', 'capamb', 'hpid', 'stime']), ['PID', 'AMBIENT CAPS', 'HPID', 'STIME']);
  for (const bad of ['-eo', 'uid', 'aux', '%Z', 'PID']) {
    assert.throws(() => translateDescriptors(['pid', bad]), (e: unknown) => e instanceof UnknownDescriptorError && e.message === `'${bad}': unknown descriptor`);
  }
});

test('the descriptor list is Podman 4.3.1 top --list-descriptors', () => {
  assert.equal(
    descriptorNames().join(','),
    'args,capamb,capbnd,capeff,capinh,capprm,comm,etime,group,groups,hgroup,hgroups,hpid,huser,label,nice,pcpu,pgid,pid,ppid,rgroup,rss,ruser,seccomp,state,stime,time,tty,user,vsz',
  );
});
