/** Podman's classification of OCI runtime messages and the exit codes derived from it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyOciMessage, execFailureExitCode, ociRuntimeError, startFailureExitCode } from '../../../src/runtime/ocierror.ts';

const cases: [message: string, code: string, text: string, exit: number][] = [
  [
    'executable file `/nonexistent` not found in $PATH: No such file or directory',
    'oci-not-found',
    'crun: executable file `/nonexistent` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found',
    127,
  ],
  ['open executable: Permission denied\n', 'oci-permission-denied', 'crun: open executable: Permission denied: OCI permission denied', 126],
  ['open executable: Operation not permitted', 'oci-permission-denied', 'crun: open executable: Operation not permitted: OCI permission denied', 126],
  ['setrlimit `RLIMIT_NOFILE`: Operation not permitted', 'oci-permission-denied', 'crun: setrlimit `RLIMIT_NOFILE`: Operation not permitted: OCI permission denied', 126],
  ['chdir to `/nope`: No such file or directory', 'oci-not-found', 'crun: chdir to `/nope`: No such file or directory: OCI runtime attempted to invoke a command that was not found', 127],
  ['cgroups in hybrid mode not supported', 'oci-runtime-error', 'crun: cgroups in hybrid mode not supported: OCI runtime error', 126],
  // Only the matching line is quoted; case does not matter.
  ['warning: something\nmount `/x`: PERMISSION DENIED\nmore', 'oci-permission-denied', 'crun: mount `/x`: PERMISSION DENIED: OCI permission denied', 126],
];

for (const [message, code, text, exit] of cases) {
  test(`classifies ${JSON.stringify(message.slice(0, 40))}`, () => {
    const err = ociRuntimeError('crun', message);
    assert.equal(err.code, code);
    assert.equal(err.message, text);
    assert.equal(err.exitCode, exit);
  });
}

test('exit codes: run derives them from the text, exec from the kind', () => {
  assert.equal(startFailureExitCode('Error: no such file'), 127);
  assert.equal(startFailureExitCode('something NOT FOUND'), 127);
  assert.equal(startFailureExitCode('OCI runtime error'), 126);
  assert.equal(execFailureExitCode('oci-not-found'), 127);
  assert.equal(execFailureExitCode('oci-permission-denied'), 126);
  assert.equal(execFailureExitCode('oci-runtime-error'), 255);
  assert.equal(ociRuntimeError('crun', 'boom', execFailureExitCode).exitCode, 255);
  assert.deepEqual(classifyOciMessage('\nboom\n'), { kind: 'oci-runtime-error', text: 'boom' });
});
