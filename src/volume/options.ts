/**
 * The `local` driver's options (`volume create -o KEY=VALUE`), checked as Podman 4.3 checks
 * them, and what they mean for the engine: a filesystem to mount (type=, device=, o=), the
 * owner to give the directory (o=uid=,gid=), and whether image content is copied up.
 */
import { SkiffError } from '../util/errors.ts';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Volume names follow the container name rule. */
export function validateVolumeName(name: string): void {
  if (!NAME.test(name)) {
    throw new SkiffError('invalid-argument', 'running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument');
  }
}

export interface VolumeMountSource {
  readonly type?: string;
  readonly device?: string;
  /** The mount(8) -o string, uid/gid/size/inodes/noquota taken out. */
  readonly options?: string;
}

export interface LocalDriverOptions {
  /** Options as stored and shown by `volume inspect` (UID/GID split out of o= as Podman does). */
  readonly stored: Record<string, string>;
  readonly uid?: number;
  readonly gid?: number;
  /** A filesystem to mount over the volume directory while a container uses it. */
  readonly mount?: VolumeMountSource;
  readonly copy: boolean;
}

function invalidOption(key: string): SkiffError {
  return new SkiffError('invalid-argument', `invalid mount option ${key} for driver 'local': invalid argument`);
}

function id(value: string, what: string): number {
  if (!/^\d+$/.test(value)) throw new SkiffError('invalid-argument', `cannot convert ${what} ${value} to integer: invalid argument`);
  return Number(value);
}

/** Parses `-o` entries (`KEY=VALUE` or `KEY`) for the local driver. */
export function parseLocalOptions(entries: readonly string[]): LocalDriverOptions {
  const stored: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    const key = eq < 0 ? e : e.slice(0, eq);
    stored[key] = eq < 0 ? '' : e.slice(eq + 1);
  }
  let uid: number | undefined;
  let gid: number | undefined;
  let copy = true;
  const mountOpts: string[] = [];
  for (const [key, value] of Object.entries(stored)) {
    switch (key.toLowerCase()) {
      case 'type':
      case 'device':
        break;
      case 'copy':
        copy = true;
        break;
      case 'nocopy':
        copy = false;
        break;
      case 'o':
        for (const o of value.split(',')) {
          if (o === '') continue;
          const oe = o.indexOf('=');
          const ok = oe < 0 ? o : o.slice(0, oe);
          const ov = oe < 0 ? '' : o.slice(oe + 1);
          if (ok === 'uid') uid = id(ov, 'UID');
          else if (ok === 'gid') gid = id(ov, 'GID');
          else if (ok === 'size' || ok === 'inodes') {
            throw new SkiffError('unsupported', 'volume options size and inodes not supported. Filesystem does not support Project Quota');
          } else if (ok !== 'noquota') mountOpts.push(o);
        }
        break;
      default:
        throw invalidOption(key);
    }
  }
  if (uid !== undefined) stored.UID = String(uid);
  if (gid !== undefined) stored.GID = String(gid);
  const type = stored.type;
  const device = stored.device;
  const needsMount = type !== undefined || device !== undefined || mountOpts.length > 0;
  return {
    stored,
    ...(uid === undefined ? {} : { uid }),
    ...(gid === undefined ? {} : { gid }),
    ...(needsMount
      ? { mount: { ...(type ? { type } : {}), ...(device ? { device } : {}), ...(mountOpts.length ? { options: mountOpts.join(',') } : {}) } }
      : {}),
    copy,
  };
}
