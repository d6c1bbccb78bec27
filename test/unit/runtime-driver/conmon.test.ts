/** conmon's command line, environment and pipe messages, as Podman 4.3.1 produces and reads them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conmonEnvironment, containerConmonArgs, type CreateContainerOptions } from '../../../src/runtime/conmon.ts';
import { parseSyncMessage } from '../../../src/runtime/syncpipe.ts';
import { isSkiffError } from '../../../src/util/errors.ts';

const ID = '552cac8e70bc7fcfec80cbc15c8ec9efde08342f526a431e0544f8ef570ea421';
const B = `/var/lib/containers/storage/overlay-containers/${ID}/userdata`;
const RUN = `/run/containers/storage/overlay-containers/${ID}/userdata`;

const base: CreateContainerOptions = {
  conmonPath: '/usr/bin/conmon',
  runtimePath: '/usr/bin/crun',
  id: ID,
  name: 'c2',
  bundle: B,
  rundir: RUN,
  exitDir: '/run/libpod/exits',
  log: { driver: 'k8s-file', path: `${B}/ctr.log` },
};

test('container argv matches `podman run -d -i --log-opt max-size=10k` (ps -ww of podman 4.3.1)', () => {
  const args = containerConmonArgs({ ...base, interactive: true, logSizeMax: 10000, exitCommand: ['/usr/bin/skiff', 'container', 'cleanup', ID] });
  assert.deepEqual(args, [
    '--api-version', '1', '-c', ID, '-u', ID, '-r', '/usr/bin/crun', '-b', B, '-p', `${RUN}/pidfile`, '-n', 'c2',
    '--exit-dir', '/run/libpod/exits', '--full-attach', '-l', `k8s-file:${B}/ctr.log`, '--log-level', 'warning',
    '--log-size-max', '10000', '--runtime-arg', '--log-format=json', '--runtime-arg', '--log', `--runtime-arg=${RUN}/oci-log`,
    '-i', '--conmon-pidfile', `${RUN}/conmon.pid`,
    '--exit-command', '/usr/bin/skiff', '--exit-command-arg', 'container', '--exit-command-arg', 'cleanup', '--exit-command-arg', ID,
  ]);
});

test('optional flags land where Podman puts them', () => {
  const args = containerConmonArgs({
    ...base,
    runtimeArgs: ['--debug'],
    systemdCgroup: true,
    cgroupsDisabled: true,
    terminal: true,
    interactive: true,
    timeout: 5,
    noNewKeyring: true,
    noPivot: true,
    sdNotifySocket: '/run/notify',
    preserveFds: [7, 8],
    log: { driver: 'journald' },
    logTag: 'tag',
  });
  const tail = args.slice(args.indexOf('--full-attach') + 1);
  assert.deepEqual(tail, [
    '--runtime-arg', '--debug', // no -s: cgroups disabled
    '-l', 'journald', '--log-level', 'warning',
    '--runtime-arg', '--log-format=json', '--runtime-arg', '--log', `--runtime-arg=${RUN}/oci-log`,
    '--log-tag', 'tag', '--runtime-arg', '--cgroup-manager', '--runtime-arg', 'disabled',
    '--sdnotify-socket=/run/notify', '-t', '--timeout=5', '--no-new-keyring', '--conmon-pidfile', `${RUN}/conmon.pid`, '--no-pivot',
    '--runtime-opt', '--preserve-fds', '--runtime-opt', '2',
  ]);
  const sd = containerConmonArgs({ ...base, systemdCgroup: true, logLevel: 'debug', log: { driver: 'none' } });
  assert.deepEqual(sd.slice(sd.indexOf('--full-attach') + 1, sd.indexOf('--conmon-pidfile')), ['-s', '-l', 'none', '--log-level', 'debug']);
});

test('conmon environment: conmon_env_vars first, then Podman\'s keys; a later key wins', () => {
  const env = conmonEnvironment(
    { conmonPath: 'c', runtimePath: 'r', conmonEnv: ['PATH=/conf/path', 'FOO=bar'], runtimeDir: '' },
    { _OCI_SYNCPIPE: 3, _OCI_STARTPIPE: 4 },
    { PATH: '/usr/bin', LC_ALL: 'C', HOME: '/root', SECRET: 'x', CONTAINERS_CONF: '/c.conf' },
  );
  assert.deepEqual(env, {
    PATH: '/usr/bin',
    FOO: 'bar',
    _OCI_SYNCPIPE: '3',
    _OCI_STARTPIPE: '4',
    LC_ALL: 'C',
    CONTAINERS_CONF: '/c.conf',
    XDG_RUNTIME_DIR: '',
    _CONTAINERS_USERNS_CONFIGURED: '',
    _CONTAINERS_ROOTLESS_UID: '',
    HOME: '/root',
  });
});

test('sync pipe messages', () => {
  assert.deepEqual(parseSyncMessage('{"data": 25157}'), { data: 25157 });
  assert.deepEqual(parseSyncMessage('{"data": -1, "message": "open executable: Permission denied\\n"}'), { data: -1, message: 'open executable: Permission denied\n' });
  for (const bad of ['', 'nope', '{"pid": 3}', '{"data": "3"}', '{"data": 1.5}']) {
    assert.throws(() => parseSyncMessage(bad), (e: unknown) => isSkiffError(e, 'conmon-failed'), bad);
  }
});
