/** Entry names in layer tars, shared by extraction and tar-split reassembly so both agree. */
import { posix } from 'node:path';

/**
 * The name of a tar entry as a path relative to the layer root: leading `/` and `./` removed,
 * `//` and `.` collapsed, `a/../b` folded lexically to `b`, trailing `/` dropped; `''` is the
 * root itself. Returns undefined when the name climbs above the root (`..`, `a/../..`) or
 * contains a NUL byte, which no file name can hold.
 */
export function cleanEntryName(name: string): string | undefined {
  if (name.includes('\0')) return undefined;
  // An absolute name is read relative to the root, as GNU tar and containers/storage do.
  const n = posix.normalize(name.replace(/^\/+/, ''));
  if (n === '..' || n.startsWith('../')) return undefined;
  const trimmed = n.replace(/\/+$/, '');
  return trimmed === '.' ? '' : trimmed;
}
