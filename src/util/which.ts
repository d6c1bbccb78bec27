/** Finds executables the way conmon and crun are looked up: PATH, then Podman's helper dirs. */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** An executable on PATH (or an absolute path as is, when it exists). */
export function findExecutable(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin').split(delimiter)) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  for (const dir of ['/usr/libexec/podman', '/usr/lib/podman', '/usr/sbin', '/sbin']) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}
