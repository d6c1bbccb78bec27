/**
 * What users type about secrets, checked as Podman 4.3.1 checks it: secret names, value
 * sizes, and the `run/create --secret` option string. Pure functions.
 */
import { posix } from 'node:path';
import { SkiffError } from '../util/errors.ts';

/** Secret IDs are 25 hex digits (containers/common's secretIDLength). */
export const SECRET_ID_LENGTH = 25;
/** A secret's value must be at least one byte and less than this (containers/common's maxSecretSize). */
export const MAX_SECRET_SIZE = 512000;
/** Where a mount secret appears when its target is not an absolute path. */
export const SECRETS_DIR_IN_CONTAINER = '/run/secrets';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Podman's rule: at most 64 of [a-zA-Z0-9_.-], starting and ending with a letter or digit. */
export function validateSecretName(name: string): void {
  if (!NAME_RE.test(name) || name.length > 64 || name.endsWith('-') || name.endsWith('.')) {
    throw new SkiffError(
      'invalid-argument',
      `only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: ${name}: invalid secret name`,
    );
  }
}

export function checkSecretSize(data: Uint8Array): void {
  if (data.length === 0 || data.length >= MAX_SECRET_SIZE) {
    throw new SkiffError('invalid-argument', `secret data must be larger than 0 and less than ${MAX_SECRET_SIZE} bytes`);
  }
}

/** One `--secret` of run/create, before the secret is looked up. */
export interface SecretRequest {
  /** The secret's name, ID or ID prefix as the user gave it. */
  readonly source: string;
  readonly type: 'mount' | 'env';
  /** As given: a path (mount) or a variable name (env); '' for the default. */
  readonly target: string;
  readonly uid: number;
  readonly gid: number;
  /** Permission bits as given (octal on the command line); 0444 by default. */
  readonly mode: number;
}

function parseError(message: string): SkiffError {
  return new SkiffError('invalid-argument', `${message}: parsing secret`);
}

/** Go's strconv.ParseUint(s, base, 32). */
function parseUint32(s: string, base: 8 | 10): number | undefined {
  if (!(base === 8 ? /^[0-7]+$/ : /^[0-9]+$/).test(s)) return undefined;
  const n = Number.parseInt(s, base);
  return n <= 0xffffffff ? n : undefined;
}

/**
 * `--secret NAME[,type=mount|env][,target=T][,uid=U][,gid=G][,mode=M]` (also `source=NAME`),
 * as Podman's parseSecrets reads it: a value without a comma is a name whatever it holds;
 * otherwise a first field without `=` is the name and the rest are `key=value` options
 * (keys case-sensitive, except UID and GID).
 */
export function parseSecretOption(val: string): SecretRequest {
  let uid = 0;
  let gid = 0;
  let mode = 0o444;
  let split = val.split(',');
  if (split.length === 1) return { source: val, type: 'mount', target: '', uid, gid, mode };
  let source = '';
  let type: 'mount' | 'env' | '' = '';
  let target = '';
  let mountOnly = false;
  if (!split[0].includes('=')) {
    source = split[0];
    split = split.slice(1);
  }
  for (const field of split) {
    const eq = field.indexOf('=');
    if (eq < 0) throw parseError(`option ${field} must be in form option=value`);
    const key = field.slice(0, eq);
    const value = field.slice(eq + 1);
    switch (key) {
      case 'source':
        source = value;
        break;
      case 'type':
        if (type !== '') throw parseError('cannot set more than one secret type');
        if (value !== 'mount' && value !== 'env') throw parseError(`type ${value} is invalid`);
        type = value;
        break;
      case 'target':
        target = value;
        break;
      case 'mode': {
        mountOnly = true;
        const n = parseUint32(value, 8);
        if (n === undefined) throw parseError(`mode ${value} invalid`);
        mode = n;
        break;
      }
      case 'uid':
      case 'UID': {
        mountOnly = true;
        const n = parseUint32(value, 10);
        if (n === undefined) throw parseError(`UID ${value} invalid`);
        uid = n;
        break;
      }
      case 'gid':
      case 'GID': {
        mountOnly = true;
        const n = parseUint32(value, 10);
        if (n === undefined) throw parseError(`GID ${value} invalid`);
        gid = n;
        break;
      }
      default:
        throw parseError(`option ${field} invalid`);
    }
  }
  if (source === '') throw parseError(`no source found ${val}`);
  if (type === 'env' && mountOnly) throw parseError('UID, GID, Mode options cannot be set with secret type env');
  return { source, type: type === '' ? 'mount' : type, target, uid, gid, mode };
}

/**
 * Where a mount secret appears in the container: an absolute target as it is, else under
 * /run/secrets (the secret's name when no target is given), cleaned as Go's filepath.Join.
 */
export function secretMountTarget(name: string, target: string): string {
  const rel = target === '' ? name : target;
  const joined = rel.startsWith('/') ? rel : `${SECRETS_DIR_IN_CONTAINER}/${rel}`;
  return posix.normalize(joined).replace(/(.)\/+$/, '$1');
}

/** The variable an env secret sets: its target, else the secret as the user named it (Podman's rule). */
export function secretEnvName(request: SecretRequest): string {
  return request.target === '' ? request.source : request.target;
}
