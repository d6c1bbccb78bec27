/**
 * Device numbers as glibc's gnu_dev_major/minor split them: the 64-bit dev_t holds each number
 * in two parts. Also right for the 32-bit encoding /proc/<pid>/stat gives a terminal (tty_nr).
 */
export function devMajor(dev: bigint): number {
  return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn & 0xffffffffn));
}

export function devMinor(dev: bigint): number {
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn & 0xffffffffn));
}
