/**
 * `--user` and `--group-add` resolved against the container's own /etc/passwd and
 * /etc/group, with the rules of runc's user package that Podman 4.3.1 uses
 * (GetExecUser, GetAdditionalGroups) and Podman's error texts.
 *
 * The rootfs comes from an image and is hostile input: its /etc/passwd may be a symlink
 * to a host file, a FIFO, or huge. Paths are resolved inside the rootfs (resolveInRootfs)
 * and only regular files of sane size are read.
 */
import { closeSync, fstatSync, lstatSync, openSync, readlinkSync, readSync, constants } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, SkiffError } from '../../util/errors.ts';

/** Largest uid or gid a user may ask for (runc's maxID, 2^31-1). */
const MAX_ID = 2147483647;
/** Symlinks followed while resolving one path before giving up (a loop). */
const MAX_LINKS = 255;
/** /etc/passwd or /etc/group larger than this is refused rather than read into memory. */
const MAX_DB_BYTES = 32 * 1024 * 1024;

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
}

export interface ExecUser {
  readonly uid: number;
  readonly gid: number;
  /** Groups the user is listed in by name in /etc/group; only for `--user name` without a group. */
  readonly sgids: readonly number[];
  /** From the passwd entry; '' when there is none. */
  readonly home: string;
}

/** Where to read the user databases: normally inside the rootfs, unless a mount overrides them. */
export interface UserDatabases {
  readonly rootfs: string;
  /** Host files bind-mounted over /etc/passwd or /etc/group (or /etc), read instead. */
  readonly passwdPath?: string;
  readonly groupPath?: string;
}

/**
 * `path` (absolute, as the container sees it) as a host path under `root`, with every
 * symlink on the way resolved as the container would see it: absolute targets restart at
 * `root`, `..` stops at `root`. Components that do not exist are kept as they are.
 */
export function resolveInRootfs(root: string, path: string): string {
  const done: string[] = [];
  const pending = path.split('/');
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = join(root, ...done, part);
    let isLink = false;
    try {
      isLink = lstatSync(candidate).isSymbolicLink();
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') throw err;
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new SkiffError('unsafe-path', `${path}: too many levels of symbolic links in the container's root`);
    const target = readlinkSync(candidate);
    if (target.startsWith('/')) done.length = 0;
    pending.unshift(...target.split('/'));
  }
  return join(root, ...done);
}

/**
 * The text of a user database file, or undefined when it does not exist or is not a
 * regular file (a FIFO would block the read forever; a device is not a database).
 */
export function readDatabase(hostPath: string, inRootfs: boolean): string | undefined {
  let fd: number;
  try {
    // Inside the rootfs every link is already resolved; one appearing now is a race, not a file.
    const flags = constants.O_RDONLY | constants.O_NONBLOCK | (inRootfs ? constants.O_NOFOLLOW : 0);
    fd = openSync(hostPath, flags);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    if (st.size > MAX_DB_BYTES) throw new SkiffError('invalid-argument', `${hostPath}: file too large for a user database`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** runc's field parsing: a number field that does not parse counts as 0. */
function intField(s: string | undefined): number {
  if (s === undefined || !/^[+-]?\d+$/.test(s.trim())) return 0;
  return Number.parseInt(s.trim(), 10);
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).map((line) => {
    const f = line.split(':');
    return { name: f[0] ?? '', uid: intField(f[2]), gid: intField(f[3]), home: f[5] ?? '' };
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return lines(text).map((line) => {
    const f = line.split(':');
    return { name: f[0] ?? '', gid: intField(f[2]), members: (f[3] ?? '').split(',') };
  });
}

function readPasswd(db: UserDatabases): PasswdEntry[] | undefined {
  const text =
    db.passwdPath !== undefined ? readDatabase(db.passwdPath, false) : readDatabase(resolveInRootfs(db.rootfs, '/etc/passwd'), true);
  return text === undefined ? undefined : parsePasswd(text);
}

function readGroup(db: UserDatabases): GroupEntry[] | undefined {
  const text =
    db.groupPath !== undefined ? readDatabase(db.groupPath, false) : readDatabase(resolveInRootfs(db.rootfs, '/etc/group'), true);
  return text === undefined ? undefined : parseGroup(text);
}

const NUMERIC = /^[+-]?\d+$/;

function numericId(s: string): number | undefined {
  return NUMERIC.test(s) ? Number.parseInt(s, 10) : undefined;
}

function rangeError(): SkiffError {
  return new SkiffError('invalid-argument', `uids and gids must be in range 0-${MAX_ID}`);
}

/**
 * `user[:group]` (names or numbers; '' = root) as uid, gid, supplementary groups and home.
 * A name that is not in the files is an error; a number need not be there.
 */
export function resolveExecUser(spec: string, db: UserDatabases): ExecUser {
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1);
  const uidArg = numericId(userArg);
  const gidArg = numericId(groupArg);

  let uid = 0;
  let gid = 0;
  let home = '';
  let name = '';
  let sgids: number[] = [];

  const passwd = readPasswd(db) ?? [];
  const found = passwd.find((u) => (userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg));
  if (found !== undefined) {
    ({ uid, gid, home, name } = found);
  } else if (userArg !== '') {
    if (uidArg === undefined) {
      throw new SkiffError('invalid-argument', `unable to find user ${userArg}: no matching entries in passwd file`);
    }
    if (uidArg < 0 || uidArg > MAX_ID) throw rangeError();
    uid = uidArg;
  }

  if (groupArg !== '' || name !== '') {
    const groups = readGroup(db) ?? [];
    if (groupArg !== '') {
      const g = groups.find((e) => (gidArg !== undefined ? e.gid === gidArg : e.name === groupArg));
      if (g !== undefined) gid = g.gid;
      else if (gidArg === undefined) {
        throw new SkiffError('invalid-argument', `unable to find group ${groupArg}: no matching entries in group file`);
      } else {
        if (gidArg < 0 || gidArg > MAX_ID) throw rangeError();
        gid = gidArg;
      }
    } else {
      sgids = groups.filter((e) => e.members.includes(name)).map((e) => e.gid);
    }
  }
  return { uid, gid, sgids, home };
}

/**
 * --group-add values as gids, in the order given: a name or number found in /etc/group
 * gives that group's gid, another number is taken as it is, another name is an error.
 * `keep-groups` is not a group (the caller turns it into crun's annotation).
 */
export function resolveAdditionalGroups(groups: readonly string[], db: UserDatabases): number[] {
  const wanted = groups.filter((g) => g !== 'keep-groups');
  if (wanted.length === 0) return [];
  const entries = readGroup(db) ?? [];
  const gids: number[] = [];
  for (const g of wanted) {
    const entry = entries.find((e) => e.name === g || String(e.gid) === g);
    let gid: number;
    if (entry !== undefined) gid = entry.gid;
    else {
      const n = numericId(g);
      if (n === undefined) throw new SkiffError('invalid-argument', `Unable to find group ${g}: no matching entries in group file`);
      if (n < 0 || n > MAX_ID) throw rangeError();
      gid = n;
    }
    if (!gids.includes(gid)) gids.push(gid);
  }
  return gids;
}
