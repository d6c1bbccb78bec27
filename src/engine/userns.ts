/**
 * A container's user namespace: `--userns`, `--uidmap`, `--gidmap`, `--subuidname`,
 * `--subgidname` checked with Podman's errors and turned into concrete ID maps at create.
 *
 * Map IDs are those of the namespace skiff runs in: for a rootless user, the pause
 * process's namespace (0 = the user, 1… = the subordinate IDs), for root the host's.
 * The default (`host`, or nothing) gives the container no namespace of its own: rootless it
 * shares the user's, where layers were extracted with their owners, so files need no shifting.
 * Every other mode gets a new namespace, and the image's files are shown through it (see
 * RootfsStore.mount): on-disk owners are container IDs.
 */
import { readFileSync, statSync } from 'node:fs';
import { type IdMapping, mapSize, parseProcMap, readRanges } from '../rootless/ids.ts';
import { rootlessUser } from '../rootless/userns.ts';
import type { UsernsSpec } from '../runtime/spec/types.ts';
import { SkiffError } from '../util/errors.ts';

export interface UsernsFlags {
  readonly userns?: string;
  readonly uidmap: readonly string[];
  readonly gidmap: readonly string[];
  readonly subuidname?: string;
  readonly subgidname?: string;
}

export interface UsernsContext {
  /** The rootless user (undefined for root). */
  readonly rootless?: { readonly uid: number; readonly gid: number; readonly name: string };
  /** The maps of the namespace skiff runs in (rootless: the pause process's). */
  readonly ownUidMap: readonly IdMapping[];
  readonly ownGidMap: readonly IdMapping[];
  /** Outer IDs already given to other containers by `auto`. */
  readonly autoTaken: { readonly uids: readonly IdMapping[]; readonly gids: readonly IdMapping[] };
  readonly subuidFile?: string;
  readonly subgidFile?: string;
}

const invalid = (m: string): SkiffError => new SkiffError('invalid-argument', m);
const AUTO_SIZE = 1024;

export function currentUsernsContext(autoTaken: UsernsContext['autoTaken']): UsernsContext {
  const read = (f: string): IdMapping[] => parseProcMap(readFileSync(`/proc/self/${f}`, 'utf8'));
  const user = rootlessUser();
  return {
    rootless: user ? { uid: user.uid, gid: user.gid, name: userName(user.uid) } : undefined,
    ownUidMap: read('uid_map'),
    ownGidMap: read('gid_map'),
    autoTaken,
  };
}

/**
 * The user's name, looked up by their UID in /etc/passwd (inside the namespace the process is
 * root by ID, and the environment's USER may say anything); '' when there is none, or when it
 * could not stand in an /etc/passwd line.
 */
function userName(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    const name = line?.split(':')[0] ?? '';
    return /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/.test(name) ? name : '';
  } catch {
    return '';
  }
}

/** `C:H:S[:C:H:S…]` as --uidmap takes it (several flags add up). */
function parseMapFlags(values: readonly string[], kind: 'UID' | 'GID'): IdMapping[] {
  const out: IdMapping[] = [];
  for (const v of values) {
    const parts = v.split(':');
    if (parts.length % 3 !== 0 || parts.some((p) => !/^\d+$/.test(p) || Number(p) > 0xffffffff)) {
      throw invalid(`initializing ID mappings: ${kind} setting is malformed expected ["uint32:uint32:uint32"]: [${JSON.stringify(v)}]`);
    }
    for (let i = 0; i < parts.length; i += 3) out.push({ containerID: Number(parts[i]), hostID: Number(parts[i + 1]), size: Number(parts[i + 2]) });
  }
  return out;
}

/** key=value options after `keep-id:` or `auto:`, comma separated. */
function modeOptions(text: string | undefined, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (text === undefined || text === '') return out;
  for (const o of text.split(',')) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    if (!allowed.includes(key) || eq < 0) throw invalid(`unknown option specified: ${JSON.stringify(key)}`);
    out.set(key, o.slice(eq + 1));
  }
  return out;
}

function idOption(opts: Map<string, string>, key: string): number | undefined {
  const v = opts.get(key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw invalid(`cannot parse ${key}: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/**
 * keep-id's map: the user's own ID (root of the outer namespace, 0) appears as `id`; the
 * IDs below it are the subordinate ones from 1, the ones above it follow on.
 */
export function keepIdMap(id: number, total: number): IdMapping[] {
  const out: IdMapping[] = [];
  const below = Math.min(id, total - 1);
  if (below > 0) out.push({ containerID: 0, hostID: 1, size: below });
  out.push({ containerID: id, hostID: 0, size: 1 });
  const above = total - 1 - below;
  if (id < total - 1 && above > 0) out.push({ containerID: id + 1, hostID: id + 1, size: above });
  return out;
}

/** The first block of `size` outer IDs in `ranges` that no other container has. */
function freeBlock(ranges: readonly { start: number; count: number }[], size: number, taken: readonly IdMapping[]): number | undefined {
  for (const r of ranges) {
    let start = r.start;
    while (start + size <= r.start + r.count) {
      const clash = taken.find((t) => t.hostID < start + size && start < t.hostID + t.size);
      if (!clash) return start;
      start = clash.hostID + clash.size;
    }
  }
  return undefined;
}

function checkWithin(map: readonly IdMapping[], own: readonly IdMapping[], flag: string): void {
  const total = mapSize(own);
  for (const m of map) {
    if (m.size === 0 || m.hostID + m.size > total) {
      throw invalid(
        `${flag} ${m.containerID}:${m.hostID}:${m.size}: IDs ${m.hostID}-${m.hostID + m.size - 1} are not all mapped in this user namespace, which has ${total} (0-${total - 1}): check /etc/subuid and /etc/subgid and run skiff system migrate`,
      );
    }
  }
}

/** Resolves the flags to the container's user namespace; undefined for none of its own. */
export function resolveUserns(f: UsernsFlags, ctx: UsernsContext): UsernsSpec | undefined {
  const mapFlags = f.uidmap.length > 0 || f.gidmap.length > 0 || f.subuidname !== undefined || f.subgidname !== undefined;
  const raw = f.userns ?? '';
  if (mapFlags && raw !== '') throw invalid('--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive');
  if (mapFlags) {
    if (f.subuidname !== undefined || f.subgidname !== undefined) {
      if (ctx.rootless) throw invalid('--subuidname and --subgidname name host IDs, which a rootless user cannot map: use --uidmap and --gidmap with IDs of your user namespace (skiff unshare cat /proc/self/uid_map)');
      const uname = f.subuidname ?? f.subgidname ?? '';
      const gname = f.subgidname ?? f.subuidname ?? '';
      const u = readRanges(ctx.subuidFile ?? '/etc/subuid', uname, -1)[0];
      const g = readRanges(ctx.subgidFile ?? '/etc/subgid', gname, -1)[0];
      if (!u) throw invalid(`cannot find mappings for user ${JSON.stringify(uname)}: no subuid ranges found for user ${JSON.stringify(uname)} in /etc/subuid`);
      if (!g) throw invalid(`cannot find mappings for user ${JSON.stringify(gname)}: no subgid ranges found for user ${JSON.stringify(gname)} in /etc/subgid`);
      return { mode: 'private', raw: '', uidMap: [{ containerID: 0, hostID: u.start, size: u.count }], gidMap: [{ containerID: 0, hostID: g.start, size: g.count }] };
    }
    const uidMap = parseMapFlags(f.uidmap, 'UID');
    const gidMap = f.gidmap.length > 0 ? parseMapFlags(f.gidmap, 'GID') : uidMap;
    const uids = uidMap.length > 0 ? uidMap : gidMap;
    checkWithin(uids, ctx.ownUidMap, '--uidmap');
    checkWithin(gidMap, ctx.ownGidMap, '--gidmap');
    return { mode: 'private', raw: '', uidMap: uids, gidMap };
  }
  const colon = raw.indexOf(':');
  const mode = colon < 0 ? raw : raw.slice(0, colon);
  const rest = colon < 0 ? undefined : raw.slice(colon + 1);
  switch (mode) {
    case '':
    case 'host':
      if (rest !== undefined) break;
      return undefined;
    case 'keep-id': {
      if (!ctx.rootless) throw invalid('keep-id is only supported in rootless mode');
      const opts = modeOptions(rest, ['uid', 'gid']);
      const uid = idOption(opts, 'uid') ?? ctx.rootless.uid;
      const gid = idOption(opts, 'gid') ?? ctx.rootless.gid;
      return {
        mode: 'keep-id',
        raw,
        uidMap: keepIdMap(uid, mapSize(ctx.ownUidMap)),
        gidMap: keepIdMap(gid, mapSize(ctx.ownGidMap)),
        // Podman names the user in /etc/passwd only when they keep their own ID.
        keepId: { uid, gid, name: opts.has('uid') ? '' : ctx.rootless.name },
      };
    }
    case 'nomap': {
      if (!ctx.rootless) throw invalid('nomap is only supported in rootless mode');
      if (rest !== undefined) break;
      const uids = mapSize(ctx.ownUidMap) - 1;
      const gids = mapSize(ctx.ownGidMap) - 1;
      if (uids < 1 || gids < 1) throw invalid('nomap needs subordinate IDs: check /etc/subuid and /etc/subgid and run skiff system migrate');
      return { mode: 'nomap', raw, uidMap: [{ containerID: 0, hostID: 1, size: uids }], gidMap: [{ containerID: 0, hostID: 1, size: gids }] };
    }
    case 'auto': {
      const opts = modeOptions(rest, ['size', 'uidmapping', 'gidmapping']);
      const size = idOption(opts, 'size') ?? AUTO_SIZE;
      if (size < 1) throw invalid('auto: size must be at least 1');
      // Rootless: from the user's own namespace (0 is the user); root: the "containers" ranges.
      const ranges = ctx.rootless
        ? [{ start: 1, count: Math.min(mapSize(ctx.ownUidMap), mapSize(ctx.ownGidMap)) - 1 }]
        : readRanges(ctx.subuidFile ?? '/etc/subuid', 'containers', -1);
      if (!ctx.rootless && ranges.length === 0) {
        throw invalid('creating container storage: could not find enough available IDs: no subuid ranges found for user "containers" in /etc/subuid');
      }
      if (opts.has('uidmapping') || opts.has('gidmapping')) throw invalid('auto: uidmapping= and gidmapping= are not supported: use --uidmap and --gidmap for explicit maps');
      const start = freeBlock(ranges, size, ctx.autoTaken.uids);
      if (start === undefined) throw invalid('creating container storage: could not find enough available IDs');
      const uidMap = [{ containerID: 0, hostID: start, size }];
      // Root: the groups from the "containers" ranges of /etc/subgid.
      let gidMap = uidMap;
      if (!ctx.rootless) {
        const g = freeBlock(readRanges(ctx.subgidFile ?? '/etc/subgid', 'containers', -1), size, ctx.autoTaken.gids);
        if (g === undefined) throw invalid('creating container storage: could not find enough available IDs: no free subgid range of user "containers" in /etc/subgid');
        gidMap = [{ containerID: 0, hostID: g, size }];
      }
      return { mode: 'auto', raw, uidMap, gidMap };
    }
    case 'ns': {
      const path = rest ?? '';
      try {
        statSync(path);
      } catch {
        throw invalid(`cannot find specified user namespace path: stat ${path}: no such file or directory`);
      }
      return { mode: 'path', raw, path };
    }
    default:
      break;
  }
  throw invalid(`unrecognized namespace mode ${raw} passed`);
}

/** The outer IDs `auto` containers hold, from their stored specs. */
export function autoAllocations(specs: Iterable<{ readonly userns?: UsernsSpec }>): UsernsContext['autoTaken'] {
  const uids: IdMapping[] = [];
  const gids: IdMapping[] = [];
  for (const s of specs) {
    if (s.userns?.mode !== 'auto') continue;
    uids.push(...(s.userns.uidMap ?? []));
    gids.push(...(s.userns.gidMap ?? []));
  }
  return { uids, gids };
}

/** True when a container's files must be shown through its map (a namespace of its own with maps). */
export function needsShiftedRootfs(u: UsernsSpec | undefined): u is UsernsSpec & { uidMap: readonly IdMapping[]; gidMap: readonly IdMapping[] } {
  return u !== undefined && u.uidMap !== undefined && u.gidMap !== undefined;
}

