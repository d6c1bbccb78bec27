/**
 * Output post-processing of the user's terminal during a tty attach.
 *
 * Node's raw mode (libuv) keeps ONLCR on, while Podman's (moby/term MakeRaw) turns OPOST off.
 * The container's pty already turns `\n` into `\r\n`, so with OPOST left on every line reaches
 * the user's terminal as `\r\r\n`. Turning OPOST off gives the same bytes as Podman. Node's
 * setRawMode(false) later restores the termios it saved, OPOST included.
 *
 * koffi is loaded on first use; any failure leaves the terminal as Node set it.
 */
import { createRequire } from 'node:module';

type NativeFn = (...args: unknown[]) => number;

let fns: { tcgetattr: NativeFn; tcsetattr: NativeFn } | undefined;

function load(): { tcgetattr: NativeFn; tcsetattr: NativeFn } {
  if (fns) return fns;
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  fns = {
    tcgetattr: lib.func('int tcgetattr(int fd, _Out_ uint8_t *termios)') as unknown as NativeFn,
    tcsetattr: lib.func('int tcsetattr(int fd, int action, const uint8_t *termios)') as unknown as NativeFn,
  };
  return fns;
}

/** glibc's struct termios on Linux: c_oflag is the second 32-bit field; the struct is 60 bytes. */
const TERMIOS_SIZE = 64;
const C_OFLAG_OFFSET = 4;
const OPOST = 0o1;
const TCSANOW = 0;

/** Turns off output post-processing on a terminal fd; returns whether it did. */
export function disableOutputProcessing(fd: number): boolean {
  try {
    const { tcgetattr, tcsetattr } = load();
    const buf = Buffer.alloc(TERMIOS_SIZE);
    if (tcgetattr(fd, buf) !== 0) return false;
    const oflag = buf.readUInt32LE(C_OFLAG_OFFSET);
    if ((oflag & OPOST) === 0) return true;
    buf.writeUInt32LE(oflag & ~OPOST, C_OFLAG_OFFSET);
    return tcsetattr(fd, TCSANOW, buf) === 0;
  } catch {
    return false;
  }
}
