/**
 * Run under a pty by pty.test.ts: attaches this process's own terminal to a created tty
 * container (raw mode, initial size, SIGWINCH resizes), starts it, and exits with its code.
 *   node tty-driver.ts <bundle> <containerID> <exitDir>
 */
import { attach, attachPaths } from '../../../src/runtime/attach.ts';
import { exitFilePath, waitForExitFile } from '../../../src/runtime/exitfile.ts';
import { startContainer } from '../../../src/runtime/oci.ts';

const [bundle, id, exitDir] = process.argv.slice(2) as [string, string, string];
const session = await attach({ ...attachPaths(bundle), streams: { stdin: process.stdin, stdout: process.stdout }, tty: true });
await startContainer({ path: '/usr/bin/crun' }, id);
const { detached } = await session.done;
if (detached) {
  process.stdout.write('\r\n[detached]\r\n');
  process.exit(0);
}
const f = await waitForExitFile(exitFilePath(exitDir, id), { timeoutMs: 10_000 });
process.exit(f?.exitCode ?? 125);
