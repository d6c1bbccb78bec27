/**
 * process.rlimits as Podman 4.3.1 builds them: the user's --ulimit list replaces
 * containers.conf's default_ulimits entirely; RLIMIT_NOFILE and RLIMIT_NPROC that neither
 * set get 1048576; RLIMIT_NOFILE always comes first (runtime-tools' template has it, and an
 * entry of the same type is replaced in place).
 *
 * skiff differs in one place, on purpose (DESIGN §6a): the limits it adds on its own, the
 * containers.conf defaults and the 1048576 fallbacks, are clamped to the host's hard limits,
 * because a process without CAP_SYS_RESOURCE cannot raise them and crun would fail with
 * `setrlimit RLIMIT_NPROC: Operation not permitted`. What the user asked for with --ulimit
 * is written as asked, and fails the same way as with Podman when it is too high.
 */
import { SkiffError } from '../../util/errors.ts';
import type { OciRlimit } from './oci.ts';
import type { UlimitSpec } from './types.ts';

const RLIMIT_NAMES = new Set([
  'as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
]);

/** Podman's limit for NOFILE and NPROC when nothing else sets them. */
const DEFAULT_LIMIT = 1048576;
const RLIM_INFINITY = (1n << 64n) - 1n;

export interface RlimitInput {
  /** --ulimit values; when non-empty they replace `defaults`. */
  readonly user: readonly UlimitSpec[];
  readonly defaults: readonly UlimitSpec[];
  /** The host's limits by lower-case name (`nofile`) or RLIMIT_ name. */
  readonly host: Readonly<Record<string, { soft: number; hard: number }>>;
}

/** -1 means unlimited: RLIM_INFINITY, 2^64-1, which only a bigint holds exactly. */
function limitValue(n: number): number | bigint {
  if (n === -1) return RLIM_INFINITY;
  if (!Number.isSafeInteger(n) || n < 0) throw new SkiffError('invalid-argument', `invalid ulimit value ${n}`);
  return n;
}

function hostHard(host: RlimitInput['host'], name: string): number | undefined {
  return (host[name] ?? host[`RLIMIT_${name.toUpperCase()}`])?.hard;
}

function clamp(value: number | bigint, hard: number | undefined): number | bigint {
  if (hard === undefined || hard < 0) return value;
  return typeof value === 'bigint' || value > hard ? hard : value;
}

export function buildRlimits(input: RlimitInput): OciRlimit[] {
  const fromUser = input.user.length > 0;
  const list = fromUser ? input.user : input.defaults;
  // The template's RLIMIT_NOFILE holds the first place until something replaces it.
  const out: (OciRlimit | undefined)[] = [undefined];
  const set = (name: string, soft: number | bigint, hard: number | bigint, clamped: boolean): void => {
    if (!RLIMIT_NAMES.has(name)) throw new SkiffError('invalid-argument', `invalid ulimit type: ${name}`);
    const type = `RLIMIT_${name.toUpperCase()}`;
    if (clamped) {
      const max = hostHard(input.host, name);
      hard = clamp(hard, max);
      soft = clamp(soft, typeof hard === 'bigint' ? undefined : hard);
    }
    const entry: OciRlimit = { type, hard, soft };
    const at = type === 'RLIMIT_NOFILE' ? 0 : out.findIndex((r) => r?.type === type);
    if (at >= 0) out[at] = entry;
    else out.push(entry);
  };
  for (const u of list) set(u.name.toLowerCase(), limitValue(u.soft), limitValue(u.hard), !fromUser);
  const has = (type: string) => out.some((r) => r?.type === type);
  if (!has('RLIMIT_NOFILE')) set('nofile', DEFAULT_LIMIT, DEFAULT_LIMIT, true);
  if (!has('RLIMIT_NPROC')) set('nproc', DEFAULT_LIMIT, DEFAULT_LIMIT, true);
  return out.filter((r): r is OciRlimit => r !== undefined);
}
