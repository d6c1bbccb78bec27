/**
 * A real terminal end to end: Python's pty runs tty-driver.ts with a pty as its stdin/stdout,
 * so raw mode, the initial size, a SIGWINCH resize and typed input all go through the same
 * paths as an interactive `run -it`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Fixture } from './fixture.ts';

let fx: Fixture;
before(() => {
  fx = new Fixture();
});
after(() => fx.cleanup());

// Opens a pty of 25x80, runs the driver in it, types, resizes to 30x100, and prints all output.
const PY = String.raw`
import os, pty, sys, time, fcntl, termios, struct, select
def setsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
pid, fd = pty.fork()
if pid == 0:
    setsize(0, 25, 80)
    os.execv(sys.argv[1], sys.argv[1:])
out = b''
def read_until(token, timeout):
    global out
    end = time.time() + timeout
    while token not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
read_until(b'25 80', 10)
setsize(fd, 30, 100)  # the kernel sends SIGWINCH to the driver
time.sleep(0.5)
os.write(fd, b'go\r')
read_until(b'30 100', 10)
os.write(fd, b'hello\r')
read_until(b'got hello', 10)
read_until(b'\xff', 1)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace'))
sys.stdout.write('\nEXIT %d\n' % os.waitstatus_to_exitcode(status))
`;

test('run -it: raw terminal, initial size, SIGWINCH resize, typed input, exit code', () => {
  const c = fx.bundle(['sh', '-c', 'stty size; read x; stty size; read y; echo got $y; exit 6'], { terminal: true });
  return fx.create(c, { terminal: true }).then(() => {
    const driver = join(import.meta.dirname, 'tty-driver.ts');
    const r = spawnSync('python3', ['-c', PY, process.execPath, driver, c.bundle, c.id, c.exitDir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    // Exactly Podman's bytes: the container's pty makes CRLF and the user's terminal adds nothing.
    assert.equal(r.stdout, '25 80\r\ngo\r\n30 100\r\nhello\r\ngot hello\r\n\nEXIT 6\n');
  });
});
