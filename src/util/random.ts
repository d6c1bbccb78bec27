/**
 * Random identifiers (container, volume and exec IDs, temp names) read from the kernel's
 * /dev/urandom. node:crypto would give the same bytes but costs every command that creates
 * something several milliseconds of start-up to load; these callers need nothing else from it.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export function randomBytes(n: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    let got = 0;
    while (got < n) got += readSync(fd, buf, got, n - got, null);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** `n` random bytes as lower-case hex (2n characters). */
export function randomHex(n: number): string {
  return randomBytes(n).toString('hex');
}
