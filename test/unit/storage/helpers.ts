/** Shared helpers for the storage tests: archives built in code, temp dirs, tree listings. */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { encodeHeader, END_OF_ARCHIVE, paddingFor } from '../../../src/storage/tar/writer.ts';
import type { TarWriteHeader } from '../../../src/storage/tar/writer.ts';

export interface Spec {
  readonly header: TarWriteHeader;
  readonly body?: string | Buffer;
}

/** Shorthands for entries: a regular file with content, a dir, a symlink, a hard link. */
export const file = (name: string, body: string | Buffer = '', extra: Partial<TarWriteHeader> = {}): Spec => {
  const b = Buffer.from(body);
  return { header: { name, type: 'file', size: b.length, mode: 0o644, ...extra }, body: b };
};
export const dir = (name: string, extra: Partial<TarWriteHeader> = {}): Spec => ({ header: { name, type: 'dir', mode: 0o755, ...extra } });
export const symlink = (name: string, linkname: string): Spec => ({ header: { name, type: 'symlink', linkname, mode: 0o777 } });
export const hardlink = (name: string, linkname: string): Spec => ({ header: { name, type: 'hardlink', linkname, mode: 0o644 } });

/**
 * A tar of `entries`, built block by block, names taken verbatim (no cleaning): hostile archives
 * are written exactly as an attacker would.
 */
export function tarOf(entries: readonly Spec[], opts: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(encodeHeader(e.header));
    if (e.body !== undefined) {
      const b = Buffer.from(e.body);
      parts.push(b, paddingFor(b.length));
    }
  }
  if (opts.end !== false) parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

/** Feeds a buffer in uneven chunks, so that parsing across chunk boundaries is exercised. */
export async function* chunked(buf: Buffer, sizes: readonly number[] = [1, 511, 700, 4096, 3, 65536]): AsyncGenerator<Uint8Array> {
  let off = 0;
  let i = 0;
  while (off < buf.length) {
    const n = sizes[i++ % sizes.length] as number;
    yield buf.subarray(off, off + n);
    off += n;
  }
}

/**
 * A sandbox `base` holding `dest` (where a layer is extracted) and `outside` (which must stay
 * untouched), removed after the test.
 */
export function sandbox(t: TestContext): { base: string; dest: string; outside: string } {
  const base = mkdtempSync(join(tmpdir(), 'skiff-tar-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const dest = join(base, 'dest');
  const outside = join(base, 'outside');
  mkdirSync(dest);
  mkdirSync(outside);
  return { base, dest, outside };
}

/** Every path under `root`, relative, sorted, directories suffixed with '/'. Never follows links. */
export function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const isDir = lstatSync(join(root, r)).isDirectory();
      out.push(isDir ? `${r}/` : r);
      if (isDir) walk(r);
    }
  };
  walk('');
  return out;
}

/** Whether `path` exists, without following a final symlink. */
export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
