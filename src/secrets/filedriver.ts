/**
 * The `file` secret driver: each secret's value in its own file `<dir>/<ID>`, mode 0600, in a
 * directory of mode 0700 (by default `<graphroot>/secrets/filedriver`, or the driver's
 * `path` option). Values are written to a temporary file and renamed into place, so a reader
 * never sees part of one. Nothing here logs or reports a value.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, SkiffError } from '../util/errors.ts';
import { randomHex } from '../util/random.ts';

const ID_RE = /^[0-9a-f]+$/;

export class FileDriver {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #path(id: string): string {
    // IDs are ours (hex), never a user's string: no path can be built from input.
    if (!ID_RE.test(id)) throw new SkiffError('internal', `invalid secret ID ${JSON.stringify(id)}`);
    return join(this.dir, id);
  }

  store(id: string, data: Uint8Array): void {
    // 0700 for a directory made here; one that exists already (a `path` the user chose) is
    // left as it is. The file is 0600 either way.
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const final = this.#path(id);
    const tmp = join(this.dir, `.${id}.${randomHex(4)}.tmp`);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw e;
    }
    closeSync(fd);
    renameSync(tmp, final);
  }

  lookup(id: string): Buffer {
    try {
      return readFileSync(this.#path(id));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw new SkiffError('no-such-object', `getting secret ${id}: no such secret`);
      throw e;
    }
  }

  delete(id: string): void {
    rmSync(this.#path(id), { force: true });
  }

  /**
   * Removes values no secret owns: left by a create or replace cut short between writing the
   * value and its record, or a removal between the two. Only files of our own naming.
   */
  removeOrphans(owned: ReadonlySet<string>): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const tmp = /^\.([0-9a-f]+)\.[0-9a-f]+\.tmp$/.exec(name);
      if (tmp || (ID_RE.test(name) && !owned.has(name))) rmSync(join(this.dir, name), { force: true });
    }
  }
}
