/**
 * registries.conf (containers-registries.conf(5), v2 and the deprecated v1), its drop-ins
 * (containers-registries.conf.d(5)), short-name aliases, and short-name resolution, with the
 * precedence, merge rules and error wording of Podman 4.3.1 (containers/image 5.23).
 *
 * Which files are read:
 *  - an explicit file (option, or CONTAINERS_REGISTRIES_CONF / REGISTRIES_CONFIG_PATH) replaces
 *    the main file and must exist; the system and then the user drop-in directories follow;
 *  - else, when ~/.config/containers/registries.conf exists it replaces the system file and only
 *    ~/.config/containers/registries.conf.d is read for drop-ins;
 *  - else /etc/containers/registries.conf (missing is fine), then
 *    /etc/containers/registries.conf.d and ~/.config/containers/registries.conf.d.
 * Drop-ins are the `*.conf` files of a directory in name order, each in the v2 format; a later
 * file wins field by field, [[registry]] entries by identical prefix, aliases by name.
 * The machine-written short-name-aliases.conf (/var/cache/containers for root, else
 * $XDG_CACHE_HOME or ~/.cache, then containers/) wins over every registries.conf alias.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { SkiffError, errnoCode, isSkiffError } from '../util/errors.ts';
import {
  formatReference,
  isDomain,
  isRegistryDomain,
  normalizeName,
  normalizeTaggedDigested,
  parseReference,
  repositoryName,
  repositoryOnly,
  withDefaultTag,
  type ImageReference,
} from '../image/reference.ts';
import { goQuote } from '../util/goquote.ts';
import { callerUid } from '../rootless/userns.ts';

export type ShortNameMode = 'enforcing' | 'permissive' | 'disabled';
export const SHORT_NAME_MODES: readonly ShortNameMode[] = ['enforcing', 'permissive', 'disabled'];
const DEFAULT_SHORT_NAME_MODE: ShortNameMode = 'permissive';

export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';
const PULL_FROM_MIRROR: readonly PullFromMirror[] = ['all', 'digest-only', 'tag-only'];

const AUTH_FILE_HELPER = 'containers-auth.json';

export interface MirrorEntry {
  readonly location: string;
  readonly insecure: boolean;
  /** undefined when unset, which means `all`. */
  readonly pullFromMirror: PullFromMirror | undefined;
}

export interface RegistryEntry {
  /** What names this entry applies to: `host[:port][/namespace…]` or `*.host`. */
  readonly prefix: string;
  /** Where those names are really pulled from; '' (only with a `*.` prefix) means unchanged. */
  readonly location: string;
  readonly insecure: boolean;
  readonly blocked: boolean;
  readonly mirrorByDigestOnly: boolean;
  readonly mirrors: readonly MirrorEntry[];
}

export interface AliasEntry {
  /** The normalised repository (no tag), or undefined where a file erased the alias with "". */
  readonly value: ImageReference | undefined;
  /** The file that set it; Podman names it when it reports the resolution. */
  readonly origin: string;
}

export interface RegistriesConfig {
  readonly unqualifiedSearchRegistries: readonly string[];
  /**
   * The file whose `unqualified-search-registries` is in force (the main file when none sets it);
   * '' when no main file was found. Podman names it when resolution finds no registry.
   */
  readonly unqualifiedSearchRegistriesOrigin: string;
  readonly shortNameMode: ShortNameMode;
  readonly credentialHelpers: readonly string[];
  /** One entry per prefix, sorted by prefix. */
  readonly registries: readonly RegistryEntry[];
  /** Aliases from registries.conf and its drop-ins, later files winning. */
  readonly aliases: ReadonlyMap<string, AliasEntry>;
  /** Aliases from short-name-aliases.conf, which win over `aliases`. */
  readonly cachedAliases: ReadonlyMap<string, AliasEntry>;
  readonly aliasCachePath: string;
  /**
   * Set when short-name-aliases.conf exists but is broken. Podman reads that file only to
   * resolve a short name, so the error is raised then and not at load time.
   */
  readonly aliasCacheError: SkiffError | undefined;
  /** The registries.conf files read, in the order applied. */
  readonly files: readonly string[];
}

export interface RegistriesPathOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  /** Replaces the main file, which must then exist. Default: CONTAINERS_REGISTRIES_CONF, then REGISTRIES_CONFIG_PATH. */
  readonly configPath?: string;
  readonly systemConfigPath?: string;
  readonly systemConfigDir?: string;
  readonly userConfigPath?: string;
  readonly userConfigDir?: string;
  readonly aliasCachePath?: string;
}

export interface RegistriesPaths {
  /** The main file; '' never. */
  readonly configPath: string;
  /** Whether a missing main file is an error (it was named explicitly). */
  readonly configRequired: boolean;
  /** Drop-in directories in the order they are read. */
  readonly dropInDirs: readonly string[];
  readonly aliasCachePath: string;
}

/** Decides which files apply, per the rules at the top of this file. Looks only at existence. */
export function registriesPaths(opts: RegistriesPathOptions = {}): RegistriesPaths {
  const env = opts.env ?? process.env;
  const uid = opts.uid ?? callerUid(env);
  const home = env.HOME || homedir();
  const systemConfigPath = opts.systemConfigPath ?? '/etc/containers/registries.conf';
  const systemConfigDir = opts.systemConfigDir ?? '/etc/containers/registries.conf.d';
  const userConfigPath = opts.userConfigPath ?? join(home, '.config', 'containers', 'registries.conf');
  const userConfigDir = opts.userConfigDir ?? join(home, '.config', 'containers', 'registries.conf.d');
  const aliasCachePath =
    opts.aliasCachePath ??
    (uid === 0
      ? '/var/cache/containers/short-name-aliases.conf'
      : join(env.XDG_CACHE_HOME || join(home, '.cache'), 'containers', 'short-name-aliases.conf'));

  const explicit = opts.configPath || env.CONTAINERS_REGISTRIES_CONF || env.REGISTRIES_CONFIG_PATH;
  if (explicit) {
    return { configPath: explicit, configRequired: true, dropInDirs: [systemConfigDir, userConfigDir], aliasCachePath };
  }
  if (exists(userConfigPath)) {
    return { configPath: userConfigPath, configRequired: false, dropInDirs: [userConfigDir], aliasCachePath };
  }
  return { configPath: systemConfigPath, configRequired: false, dropInDirs: [systemConfigDir, userConfigDir], aliasCachePath };
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads and merges every file that applies. Throws `config` errors worded as Podman's. */
export function loadRegistriesConfig(opts: RegistriesPathOptions = {}): RegistriesConfig {
  const paths = registriesPaths(opts);
  const files: string[] = [];
  let merged: FileConfig;

  const mainText = readText(paths.configPath, !paths.configRequired, 'loading registries configuration');
  if (mainText === undefined) {
    merged = emptyFileConfig('');
  } else {
    merged = parseRegistriesFile(mainText, paths.configPath, { dropIn: false });
    files.push(paths.configPath);
  }

  for (const dir of paths.dropInDirs) {
    for (const path of dropInFiles(dir)) {
      const text = readText(path, false, 'loading drop-in registries configuration');
      merged = mergeFileConfig(merged, parseRegistriesFile(text ?? '', path, { dropIn: true }));
      files.push(path);
    }
  }

  let cachedAliases: Map<string, AliasEntry> = new Map();
  let aliasCacheError: SkiffError | undefined;
  try {
    cachedAliases = loadAliasCache(paths.aliasCachePath);
  } catch (err) {
    if (!(err instanceof SkiffError)) throw err;
    aliasCacheError = err;
  }

  return {
    unqualifiedSearchRegistries: merged.unqualifiedSearchRegistries ?? [],
    unqualifiedSearchRegistriesOrigin: merged.unqualifiedSearchRegistriesOrigin,
    shortNameMode: merged.shortNameMode ?? DEFAULT_SHORT_NAME_MODE,
    credentialHelpers: merged.credentialHelpers?.length ? merged.credentialHelpers : [AUTH_FILE_HELPER],
    registries: merged.registries,
    aliases: merged.aliases,
    cachedAliases,
    aliasCachePath: paths.aliasCachePath,
    aliasCacheError,
    files,
  };
}

/** The `*.conf` files of a drop-in directory, in name order; none when it does not exist. */
function dropInFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw new SkiffError('config', `reading registries.conf.d directory ${goQuote(dir)}: ${goFsError(err, 'open', dir)}`, { cause: err });
  }
  return entries
    .filter((e) => !e.isDirectory() && e.name.endsWith('.conf'))
    .map((e) => e.name)
    .sort(compareBytes)
    .map((name) => join(dir, name));
}

/** Go's sort.Strings order (bytewise), which differs from localeCompare. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function readText(path: string, missingOk: boolean, what: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (missingOk && errnoCode(err) === 'ENOENT') return undefined;
    throw new SkiffError('config', `${what} ${goQuote(path)}: ${goFsError(err, 'open', path)}`, { cause: err });
  }
}

/** A file-system error in Go's words (`open /x: no such file or directory`). */
function goFsError(err: unknown, op: string, path: string): string {
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links',
  };
  const code = errnoCode(err);
  const reason = code !== undefined && Object.hasOwn(reasons, code) ? reasons[code] : err instanceof Error ? err.message : String(err);
  return `${op} ${path}: ${reason}`;
}

/** One file's settings; undefined fields were not set by it and leave earlier values alone. */
export interface FileConfig {
  readonly unqualifiedSearchRegistries: readonly string[] | undefined;
  readonly unqualifiedSearchRegistriesOrigin: string;
  readonly shortNameMode: ShortNameMode | undefined;
  readonly credentialHelpers: readonly string[] | undefined;
  readonly registries: readonly RegistryEntry[];
  readonly aliases: ReadonlyMap<string, AliasEntry>;
}

function emptyFileConfig(origin: string): FileConfig {
  return {
    unqualifiedSearchRegistries: undefined,
    unqualifiedSearchRegistriesOrigin: origin,
    shortNameMode: undefined,
    credentialHelpers: undefined,
    registries: [],
    aliases: new Map(),
  };
}

/** containers-registries.conf.d(5): `update` wins field by field, by prefix and by alias name. */
export function mergeFileConfig(base: FileConfig, update: FileConfig): FileConfig {
  const byPrefix = new Map<string, RegistryEntry>();
  for (const r of base.registries) byPrefix.set(r.prefix, r);
  for (const r of update.registries) byPrefix.set(r.prefix, r);
  const setsSearch = update.unqualifiedSearchRegistries !== undefined;
  return {
    unqualifiedSearchRegistries: setsSearch ? update.unqualifiedSearchRegistries : base.unqualifiedSearchRegistries,
    unqualifiedSearchRegistriesOrigin: setsSearch ? update.unqualifiedSearchRegistriesOrigin : base.unqualifiedSearchRegistriesOrigin,
    shortNameMode: update.shortNameMode ?? base.shortNameMode,
    credentialHelpers: update.credentialHelpers ?? base.credentialHelpers,
    registries: [...byPrefix.keys()].sort(compareBytes).map((p) => byPrefix.get(p) as RegistryEntry),
    aliases: new Map([...base.aliases, ...update.aliases]),
  };
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Thrown inside the parser; the caller prefixes the file. */
class FileProblem extends Error {}

function problem(message: string): never {
  throw new FileProblem(message);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (isTable(v)) return 'a table';
  return `a ${typeof v === 'bigint' ? 'number' : typeof v}`;
}

function optString(t: Table, key: string, where: string): string | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') problem(`toml: ${where}${key}: expected a string, found ${describe(v)}`);
  return v;
}

function optBool(t: Table, key: string, where: string): boolean | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') problem(`toml: ${where}${key}: expected a boolean, found ${describe(v)}`);
  return v;
}

function optStrings(t: Table, key: string, where: string): string[] | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) problem(`toml: ${where}${key}: expected an array of strings, found ${describe(v)}`);
  return [...(v as string[])];
}

function optTables(t: Table, key: string, where: string): Table[] | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every(isTable)) problem(`toml: ${where}${key}: expected an array of tables, found ${describe(v)}`);
  return v as Table[];
}

function optTable(t: Table, key: string, where: string): Table | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (!isTable(v)) problem(`toml: ${where}${key}: expected a table, found ${describe(v)}`);
  return v;
}

/** containers/image trims trailing slashes and refuses URL schemes in every location and prefix. */
function parseLocation(input: string): string {
  if (/^https?:\/\//.test(input)) problem(`invalid location '${input}': URI schemes are not supported`);
  return input.replace(/\/+$/, '');
}

interface RawRegistry {
  prefix: string;
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  pullFromMirror: string | undefined;
  mirrors: { location: string; insecure: boolean; pullFromMirror: string | undefined }[];
}

/**
 * Parses one registries.conf file's text. `path` is used for messages and as the origin of what
 * the file sets. `dropIn` refuses the v1 format, as for files in registries.conf.d.
 */
export function parseRegistriesFile(text: string, path: string, opts: { dropIn: boolean }): FileConfig {
  const what = opts.dropIn ? 'loading drop-in registries configuration' : 'loading registries configuration';
  try {
    return parseFileContent(text, path, opts.dropIn);
  } catch (err) {
    if (err instanceof FileProblem) throw new SkiffError('config', `${what} ${goQuote(path)}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The checks run in containers/image's order, so a file with several faults reports the same one. */
function parseFileContent(text: string, origin: string, dropIn: boolean): FileConfig {
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (err) {
    problem(tomlSyntaxMessage(err));
  }

  const registriesV1 = optTable(doc, 'registries', '');
  let search = optStrings(doc, 'unqualified-search-registries', '');
  const credentialHelpers = optStrings(doc, 'credential-helpers', '');
  const mode = optString(doc, 'short-name-mode', '');
  const aliasTable = optTable(doc, 'aliases', '');
  let raw: RawRegistry[] = (optTables(doc, 'registry', '') ?? []).map((t, i) => rawRegistry(t, `registry[${i}].`));

  const v2Set = search !== undefined || credentialHelpers !== undefined || mode !== undefined || aliasTable !== undefined || doc.registry !== undefined;
  if (registriesV1 !== undefined && v1HasSetField(registriesV1)) {
    if (dropIn) problem('registry must be in v2 format but is in v1');
    if (v2Set) problem('mixing sysregistry v1/v2 is not supported');
    const converted = convertV1(registriesV1);
    search = converted.search;
    raw = converted.registries;
  }

  const registries = postProcessRegistries(raw);
  if (search !== undefined) {
    search = search.map((s) => {
      const registry = parseLocation(s);
      if (!isDomain(registry)) problem(`Invalid unqualified-search-registries entry ${goQuote(registry)}`);
      return registry;
    });
  }

  let shortNameMode: ShortNameMode | undefined;
  if (mode !== undefined && mode !== '') {
    if (!(SHORT_NAME_MODES as readonly string[]).includes(mode)) problem(`invalid short-name mode: ${goQuote(mode)}`);
    shortNameMode = mode as ShortNameMode;
  }

  for (const r of registries) {
    if (r.prefix.startsWith('*.') && /[/@:]/.test(r.prefix)) {
      problem(`Wildcarded prefix should be in the format: *.example.com. Current prefix ${goQuote(r.prefix)} is incorrectly formatted`);
    }
  }

  let aliases: Map<string, AliasEntry>;
  try {
    aliases = parseAliases(aliasTable ?? {}, origin);
  } catch (err) {
    if (err instanceof FileProblem) problem(`validating short-name aliases: ${err.message}`);
    throw err;
  }

  return {
    unqualifiedSearchRegistries: search,
    unqualifiedSearchRegistriesOrigin: origin,
    shortNameMode,
    credentialHelpers,
    registries,
    aliases,
  };
}

function tomlSyntaxMessage(err: unknown): string {
  if (!(err instanceof Error)) return `toml: ${String(err)}`;
  const first = err.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
  const line = (err as { line?: unknown }).line;
  return typeof line === 'number' ? `toml: line ${line}: ${first}` : `toml: ${first}`;
}

function rawRegistry(t: Table, where: string): RawRegistry {
  return {
    prefix: optString(t, 'prefix', where) ?? '',
    location: optString(t, 'location', where) ?? '',
    insecure: optBool(t, 'insecure', where) ?? false,
    blocked: optBool(t, 'blocked', where) ?? false,
    mirrorByDigestOnly: optBool(t, 'mirror-by-digest-only', where) ?? false,
    pullFromMirror: optString(t, 'pull-from-mirror', where) || undefined,
    mirrors: (optTables(t, 'mirror', where) ?? []).map((m, i) => {
      const w = `${where}mirror[${i}].`;
      return {
        location: optString(m, 'location', w) ?? '',
        insecure: optBool(m, 'insecure', w) ?? false,
        pullFromMirror: optString(m, 'pull-from-mirror', w) || undefined,
      };
    }),
  };
}

/** The v1 tables are "set" when any of their lists is present, even empty (Go's non-nil slice). */
function v1HasSetField(registries: Table): boolean {
  return ['search', 'insecure', 'block'].some((k) => {
    const t = optTable(registries, k, 'registries.');
    return t !== undefined && t.registries !== undefined;
  });
}

/** v1 → v2: search lists become unqualified-search-registries, block and insecure become entries. */
function convertV1(registries: Table): { search: string[] | undefined; registries: RawRegistry[] } {
  const list = (k: string): string[] | undefined => {
    const t = optTable(registries, k, 'registries.');
    return t === undefined ? undefined : optStrings(t, 'registries', `registries.${k}.`);
  };
  const byLocation = new Map<string, RawRegistry>();
  const entry = (location: string): RawRegistry => {
    const loc = parseLocation(location);
    let r = byLocation.get(loc);
    if (r === undefined) {
      r = { prefix: loc, location: loc, insecure: false, blocked: false, mirrorByDigestOnly: false, pullFromMirror: undefined, mirrors: [] };
      byLocation.set(loc, r);
    }
    return r;
  };
  for (const loc of list('block') ?? []) entry(loc).blocked = true;
  for (const loc of list('insecure') ?? []) entry(loc).insecure = true;
  return { search: list('search'), registries: [...byLocation.values()] };
}

/**
 * Validates [[registry]] tables and returns one entry per prefix (the first of duplicates, as
 * Podman ignores later ones within a file), sorted by prefix.
 */
function postProcessRegistries(raw: readonly RawRegistry[]): RegistryEntry[] {
  const entries: RegistryEntry[] = raw.map((r) => {
    const location = parseLocation(r.location);
    let prefix: string;
    if (r.prefix === '') {
      if (location === '') problem('invalid condition: both location and prefix are unset');
      prefix = location;
    } else {
      prefix = parseLocation(r.prefix);
    }
    if (r.pullFromMirror !== undefined) problem(`pull-from-mirror must not be set for a non-mirror registry ${goQuote(prefix)}`);
    const mirrors = r.mirrors.map((m): MirrorEntry => {
      const mirrorLocation = parseLocation(m.location);
      if (mirrorLocation === '') problem('invalid condition: mirror location is unset');
      if (r.mirrorByDigestOnly && m.pullFromMirror !== undefined) {
        problem(
          `cannot set mirror usage mirror-by-digest-only for the registry (${goQuote(location)}) and pull-from-mirror for per-mirror (${goQuote(mirrorLocation)}) at the same time`,
        );
      }
      if (m.pullFromMirror !== undefined && !(PULL_FROM_MIRROR as readonly string[]).includes(m.pullFromMirror)) {
        problem(`unsupported pull-from-mirror value ${goQuote(m.pullFromMirror)} for mirror ${goQuote(mirrorLocation)}`);
      }
      return { location: mirrorLocation, insecure: m.insecure, pullFromMirror: m.pullFromMirror as PullFromMirror | undefined };
    });
    return { prefix, location, insecure: r.insecure, blocked: r.blocked, mirrorByDigestOnly: r.mirrorByDigestOnly, mirrors };
  });

  // One registry (keyed by location, or by prefix without one) may back several prefixes, but
  // must not be both secure and insecure, or both blocked and not.
  const byKey = new Map<string, RegistryEntry[]>();
  const keyOf = (e: RegistryEntry): string => (e.location === '' ? e.prefix : e.location);
  for (const e of entries) byKey.set(keyOf(e), [...(byKey.get(keyOf(e)) ?? []), e]);
  for (const e of entries) {
    for (const other of byKey.get(keyOf(e)) ?? []) {
      if (e.insecure !== other.insecure) problem(`registry '${e.location}' is defined multiple times with conflicting 'insecure' setting`);
      if (e.blocked !== other.blocked) problem(`registry '${e.location}' is defined multiple times with conflicting 'blocked' setting`);
    }
  }

  const byPrefix = new Map<string, RegistryEntry>();
  for (const e of entries) if (!byPrefix.has(e.prefix)) byPrefix.set(e.prefix, e);
  return [...byPrefix.keys()].sort(compareBytes).map((p) => byPrefix.get(p) as RegistryEntry);
}

/**
 * Validates an [aliases] table: names must be short names without tag or digest; values must
 * name a registry and a repository, without tag or digest; "" erases. All problems are reported
 * at once.
 */
function parseAliases(table: Table, origin: string): Map<string, AliasEntry> {
  const out = new Map<string, AliasEntry>();
  const problems: string[] = [];
  for (const [name, value] of Object.entries(table)) {
    if (typeof value !== 'string') {
      problems.push(`toml: aliases.${name}: expected a string, found ${describe(value)}`);
      continue;
    }
    const nameProblem = shortNameProblem(name);
    if (nameProblem !== undefined) problems.push(nameProblem);
    if (value === '') {
      out.set(name, { value: undefined, origin });
      continue;
    }
    const parsed = aliasValue(value);
    if (typeof parsed === 'string') problems.push(parsed);
    else out.set(name, { value: parsed, origin });
  }
  // Podman 4.3.1 chains the problems newest first.
  if (problems.length > 0) problem(problems.reverse().join('\n: '));
  return out;
}

/** Why `name` cannot be the left-hand side of an alias, in Podman's words. */
function shortNameProblem(name: string): string | undefined {
  let ref: ImageReference;
  try {
    ref = parseReference(name);
  } catch (err) {
    return `cannot parse short name: ${goQuote(name)}: ${(err as Error).message}`;
  }
  if (ref.digest !== undefined) return `invalid short name ${goQuote(name)}: must not contain digest`;
  if (ref.tag !== undefined) return `invalid short name ${goQuote(name)}: must not contain tag`;
  if (isRegistryDomain(ref.domain)) return `invalid short name ${goQuote(name)}: must not contain registry`;
  return undefined;
}

/** The normalised value of an alias, or Podman's reason for refusing it. */
function aliasValue(value: string): ImageReference | string {
  let ref: ImageReference;
  try {
    ref = parseReference(value);
  } catch (err) {
    return `parsing alias ${goQuote(value)}: ${(err as Error).message}`;
  }
  if (ref.digest !== undefined) return `invalid alias ${goQuote(value)}: must not contain digest`;
  if (ref.tag !== undefined) return `invalid alias ${goQuote(value)}: must not contain tag`;
  if (!isRegistryDomain(ref.domain)) return `invalid alias ${goQuote(value)}: must contain registry and repository`;
  try {
    return normalizeName(value, { defaultTag: false });
  } catch (err) {
    return (err as Error).message;
  }
}

/** Reads short-name-aliases.conf; a missing file holds no aliases. */
function loadAliasCache(path: string): Map<string, AliasEntry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return new Map();
    throw new SkiffError('config', `loading short-name aliases config file ${goQuote(path)}: ${goFsError(err, 'open', path)}`, { cause: err });
  }
  try {
    let doc: Table;
    try {
      doc = parseToml(text) as Table;
    } catch (err) {
      problem(tomlSyntaxMessage(err));
    }
    return parseAliases(optTable(doc, 'aliases', '') ?? {}, path);
  } catch (err) {
    if (err instanceof FileProblem) throw new SkiffError('config', `loading short-name aliases config file ${goQuote(path)}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** containers/image's words for a registry that registries.conf blocks: the main file and the user's drop-in directory. */
export function blockedText(registry: string): string {
  const paths = registriesPaths();
  return `registry ${registry} is blocked in ${paths.configPath} or ${paths.dropInDirs.at(-1) ?? ''}`;
}

/**
 * Records a short-name alias in short-name-aliases.conf, as Podman does after the user picked a
 * candidate at its prompt: the file's other aliases are kept, keys are written sorted, and the
 * file is replaced in one rename.
 */
export function recordShortNameAlias(path: string, name: string, value: string): void {
  const aliases = new Map<string, string>();
  for (const [k, v] of loadAliasCache(path)) if (v.value) aliases.set(k, formatReference(v.value));
  aliases.set(name, value);
  const lines = ['[aliases]', ...[...aliases.keys()].sort().map((k) => `  ${JSON.stringify(k)} = ${JSON.stringify(aliases.get(k))}`)];
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${lines.join('\n')}\n`, { mode: 0o644 });
  renameSync(tmp, path);
}

/**
 * How far `ref` (a name that starts with its registry, as `formatReference` writes it) matches
 * `prefix`, or -1. A plain prefix must be followed by the end, `/`, `:` or `@` (so `example.com`
 * also matches `example.com:5000/x`, as in Podman). A `*.host` prefix matches the first
 * occurrence of `.host` within the registry part, which must end there; the result is where that
 * occurrence ends (what a location rewrite replaces).
 */
export function prefixMatchLength(ref: string, prefix: string): number {
  const boundary = (i: number): boolean => i === ref.length || ref[i] === ':' || ref[i] === '/' || ref[i] === '@';
  if (prefix.startsWith('*.')) {
    const suffix = prefix.slice(1);
    const at = ref.indexOf(suffix);
    if (at === -1 || ref.slice(0, at).includes('/')) return -1;
    const end = at + suffix.length;
    return boundary(end) ? end : -1;
  }
  if (!ref.startsWith(prefix)) return -1;
  return boundary(prefix.length) ? prefix.length : -1;
}

/** The [[registry]] entry with the longest matching prefix for `name`, or undefined. */
export function findRegistry(config: Pick<RegistriesConfig, 'registries'>, name: string | ImageReference): RegistryEntry | undefined {
  const ref = typeof name === 'string' ? name : formatReference(name);
  let best: RegistryEntry | undefined;
  let bestLength = 0;
  for (const r of config.registries) {
    // Longest by the prefix's own length, wildcards included (so `*.sub.example.com` beats
    // `*.example.com`); ties go to the first in prefix order.
    if (prefixMatchLength(ref, r.prefix) !== -1 && r.prefix.length > bestLength) {
      best = r;
      bestLength = r.prefix.length;
    }
  }
  return best;
}

export interface PullSource {
  readonly reference: ImageReference;
  readonly insecure: boolean;
  readonly mirror: boolean;
}

/**
 * Where to pull `ref` from, in order: the usable mirrors, then the primary location, each with
 * the matched prefix replaced by its location. Mirrors restricted to digests are skipped for tag
 * pulls and vice versa. Blocking is the caller's check.
 */
export function pullSources(entry: RegistryEntry, ref: ImageReference): PullSource[] {
  const digested = ref.digest !== undefined;
  const mirrors = entry.mirrors.filter((m) => {
    if (entry.mirrorByDigestOnly) return digested;
    if (m.pullFromMirror === 'digest-only') return digested;
    if (m.pullFromMirror === 'tag-only') return !digested;
    return true;
  });
  const full = formatReference(ref);
  const matched = prefixMatchLength(full, entry.prefix);
  if (matched === -1) throw new SkiffError('internal', `${full} does not match registry prefix ${entry.prefix}`);
  const rewrite = (location: string): ImageReference => {
    if (location === '') return ref;
    const rewritten = location + full.slice(matched);
    try {
      return parseReference(rewritten);
    } catch (err) {
      throw new SkiffError('config', `rewriting reference: ${rewritten}: ${(err as Error).message}`, { cause: err });
    }
  };
  return [
    ...mirrors.map((m) => ({ reference: rewrite(m.location), insecure: m.insecure, mirror: true })),
    { reference: rewrite(entry.location), insecure: entry.insecure, mirror: false },
  ];
}

/**
 * The alias for a short repository name (no tag or digest): short-name-aliases.conf first, then
 * registries.conf files. An erased alias ("") resolves to no value.
 */
export function resolveShortNameAlias(config: RegistriesConfig, name: string): AliasEntry | undefined {
  const nameProblem = shortNameProblem(name);
  if (nameProblem !== undefined) throw new SkiffError('invalid-reference', nameProblem);
  if (config.aliasCacheError !== undefined) throw config.aliasCacheError;
  return config.cachedAliases.get(name) ?? config.aliases.get(name);
}

export type ShortNameRationale = 'fully-qualified' | 'alias' | 'search-registries' | 'local';

export interface ShortNameResolution {
  /** Fully-qualified candidates in the order to try, each with a tag (`latest` by default) or digest. */
  readonly candidates: readonly ImageReference[];
  readonly rationale: ShortNameRationale;
  /**
   * The line Podman prints before pulling (`Resolved "x" as an alias (<file>)`, `Resolving "x"
   * using unqualified-search registries (<file>)`), or undefined when it prints none.
   */
  readonly description: string | undefined;
  /**
   * Several search registries, a mode that prompts, and a terminal: the caller must let the user
   * pick one candidate ("Please select an image") and should then record it as an alias.
   */
  readonly needsSelection: boolean;
}

export interface ResolveShortNameOptions {
  readonly config: RegistriesConfig;
  /**
   * Candidates for finding a local image instead of pulling: the alias, then `localhost/`, then
   * every search registry, then the docker.io form, with no prompt and no error when nothing is
   * configured. (Podman then tries the name as a short ID, then repository-tag suffixes.)
   */
  readonly localLookup?: boolean;
  /** stdin and stdout are terminals (decides whether enforcing/permissive modes prompt). */
  readonly isTerminal?: boolean;
}

/**
 * Podman's short-name resolution. The tag of a name with both tag and digest is dropped first,
 * as Podman does before lookups and pulls. A name with a registry is its only candidate.
 */
export function resolveShortName(input: string, opts: ResolveShortNameOptions): ShortNameResolution {
  const { config } = opts;
  const name = normalizeTaggedDigested(input);
  const parsed = parseReference(name);

  let normalized: ImageReference | undefined;
  let normalizeError: string | undefined;
  try {
    normalized = normalizeName(name);
  } catch (err) {
    // Podman's pull first reads the name as `transport:reference`, and when the docker form
    // does not normalise either (`UPPER/x`), it reports that first failure, not the docker one.
    if (!opts.localLookup) throw new SkiffError('invalid-reference', transportParseMessage(name), { cause: err });
    normalizeError = (err as Error).message;
  }

  if (isRegistryDomain(parsed.domain)) {
    if (normalized === undefined) return fail(`cannot normalize input: ${goQuote(name)}: ${normalizeError ?? ''}`);
    return { candidates: [normalized], rationale: 'fully-qualified', description: undefined, needsSelection: false };
  }

  const repository = repositoryName(repositoryOnly(parsed));
  const alias = resolveShortNameAlias(config, repository)?.value;
  const aliased = alias === undefined ? undefined : withDefaultTag({ ...alias, ...tagAndDigest(parsed) });
  const withRegistry = (registry: string): ImageReference => {
    try {
      return normalizeName(`${registry}/${name}`);
    } catch (err) {
      throw new SkiffError('invalid-reference', `creating reference with unqualified-search registry ${goQuote(registry)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };

  if (opts.localLookup) {
    // A candidate that does not normalise (`localhost/UPPER/x`) is no candidate: Podman then
    // reports the image as not known rather than the name as invalid.
    const candidates = [...(aliased ? [aliased] : [])];
    for (const registry of ['localhost', ...config.unqualifiedSearchRegistries]) {
      try {
        candidates.push(withRegistry(registry));
      } catch (err) {
        if (!isSkiffError(err, 'invalid-reference')) throw err;
      }
    }
    // Podman also tries the docker.io form last, for compatibility with images pulled that way.
    if (normalized !== undefined) candidates.push(normalized);
    return { candidates, rationale: 'local', description: undefined, needsSelection: false };
  }

  if (aliased !== undefined) {
    const origin = (config.cachedAliases.get(repository) ?? config.aliases.get(repository))?.origin ?? '';
    return { candidates: [aliased], rationale: 'alias', description: `Resolved ${goQuote(repository)} as an alias (${origin})`, needsSelection: false };
  }

  const registries = config.unqualifiedSearchRegistries;
  if (registries.length === 0) {
    const where = config.unqualifiedSearchRegistriesOrigin;
    throw new SkiffError(
      'invalid-argument',
      where !== ''
        ? `short-name ${goQuote(name)} did not resolve to an alias and no unqualified-search registries are defined in ${goQuote(where)}`
        : `short-name ${goQuote(name)} did not resolve to an alias and no containers-registries.conf(5) was found`,
    );
  }
  const candidates = registries.map(withRegistry);
  const description = `Resolving ${goQuote(repository)} using unqualified-search registries (${config.unqualifiedSearchRegistriesOrigin})`;
  const resolution = { candidates, rationale: 'search-registries' as const, description, needsSelection: false };
  if (config.shortNameMode === 'disabled' || candidates.length === 1) return resolution;
  if (opts.isTerminal) return { ...resolution, needsSelection: true };
  switch (config.shortNameMode) {
    case 'permissive':
      return resolution;
    case 'enforcing':
      throw new SkiffError('invalid-argument', 'short-name resolution enforced but cannot prompt without a TTY');
  }
}

/** What containers/image's `alltransports.ParseImageName` says of a name with no transport. */
function transportParseMessage(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1
    ? `Invalid image name ${goQuote(name)}, expected colon-separated transport:reference`
    : `Invalid image name ${goQuote(name)}, unknown transport ${goQuote(name.slice(0, colon))}`;
}

function fail(message: string): never {
  throw new SkiffError('invalid-reference', message);
}

function tagAndDigest(ref: ImageReference): { tag?: string; digest?: string } {
  const out: { tag?: string; digest?: string } = {};
  if (ref.tag !== undefined) out.tag = ref.tag;
  if (ref.digest !== undefined) out.digest = ref.digest;
  return out;
}
