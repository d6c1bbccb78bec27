/**
 * Registry credentials in the files Podman and Docker use (containers-auth.json(5)):
 *  - `--authfile` or REGISTRY_AUTH_FILE: that file alone;
 *  - else `${XDG_RUNTIME_DIR}/containers/auth.json` (`/run/containers/UID/auth.json` when
 *    XDG_RUNTIME_DIR is unset), then `~/.config/containers/auth.json`, `~/.docker/config.json`
 *    and the legacy `~/.dockercfg`, read in that order; the first file that has an entry wins.
 * Keys are `host[:port]` or `host[:port]/namespace/repo`; the most specific key that matches a
 * repository is used. Docker's legacy keys (`https://host/v1/`) are matched by their host.
 * `login` writes the first file of the list (or the one given), 0600 in a 0700 directory,
 * keeping whatever else it holds.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomHex } from '../util/random.ts';
import { SkiffError, errnoCode } from '../util/errors.ts';
import { callerUid } from '../rootless/userns.ts';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface AuthPathOptions {
  readonly authfile?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
}

interface AuthFile {
  readonly path: string;
  /** docker's ~/.dockercfg is the `auths` object itself. */
  readonly legacy: boolean;
}

/** The file `login` writes and `logout` edits. */
export function primaryAuthFile(opts: AuthPathOptions = {}): string {
  const env = opts.env ?? process.env;
  const explicit = opts.authfile || env.REGISTRY_AUTH_FILE;
  if (explicit) return explicit;
  const uid = opts.uid ?? callerUid(env);
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json') : join('/run/containers', String(uid), 'auth.json');
}

function authFiles(opts: AuthPathOptions): AuthFile[] {
  const env = opts.env ?? process.env;
  const primary = primaryAuthFile(opts);
  if (opts.authfile || env.REGISTRY_AUTH_FILE) return [{ path: primary, legacy: false }];
  const home = env.HOME || homedir();
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  return [
    { path: primary, legacy: false },
    { path: join(configHome, 'containers', 'auth.json'), legacy: false },
    { path: join(home, '.docker', 'config.json'), legacy: false },
    { path: join(home, '.dockercfg'), legacy: true },
  ];
}

type Auths = Record<string, { auth?: string; identitytoken?: string; [k: string]: unknown }>;

function readAuthFile(file: AuthFile): { doc: Record<string, unknown>; auths: Auths } | undefined {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw new SkiffError('config', `reading JSON file "${file.path}": ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    throw new SkiffError('config', `unmarshaling JSON at "${file.path}": ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SkiffError('config', `unmarshaling JSON at "${file.path}": not a JSON object`);
  const obj = doc as Record<string, unknown>;
  const auths = (file.legacy ? obj : obj.auths) ?? {};
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) throw new SkiffError('config', `unmarshaling JSON at "${file.path}": "auths" is not an object`);
  return { doc: obj, auths: auths as Auths };
}

/** `https://index.docker.io/v1/` and friends name a host; normalised keys are kept as they are. */
function normalizeKey(key: string): string {
  if (!key.includes('://')) return key;
  const stripped = key.replace(/^[a-z]+:\/\//, '');
  return stripped.split('/')[0] ?? stripped;
}

function decodeAuth(entry: Auths[string], path: string, key: string): Credentials | undefined {
  if (typeof entry?.auth !== 'string' || entry.auth === '') return undefined;
  const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  if (colon < 0) throw new SkiffError('config', `reading credentials for ${key} from "${path}": the auth entry is not base64 of user:password`);
  return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
}

/** The keys to try for a repository, most specific first: host/ns/repo, host/ns, host. */
export function credentialKeys(registry: string, repository?: string): string[] {
  const keys: string[] = [];
  if (repository) {
    const parts = repository.split('/');
    for (let n = parts.length; n > 0; n--) keys.push(`${registry}/${parts.slice(0, n).join('/')}`);
  }
  keys.push(registry);
  return keys;
}

/** The credentials for a registry (and repository within it), or undefined for anonymous access. */
export function lookupCredentials(registry: string, repository: string | undefined, opts: AuthPathOptions = {}): Credentials | undefined {
  const keys = credentialKeys(registry, repository);
  // docker.io's credentials are often stored under Docker's historic names.
  const aliases = registry === 'docker.io' ? ['index.docker.io', 'registry-1.docker.io'] : [];
  for (const file of authFiles(opts)) {
    const read = readAuthFile(file);
    if (!read) continue;
    // A credential helper named for the registry wins over the file's own entries, as in Docker.
    const helpers = read.doc.credHelpers;
    if (!file.legacy && typeof helpers === 'object' && helpers !== null) {
      const helper = (helpers as Record<string, unknown>)[registry];
      if (typeof helper === 'string' && helper) return fromHelper(helper, registry);
    }
    const byKey = new Map<string, Auths[string]>();
    for (const [k, v] of Object.entries(read.auths)) {
      const nk = normalizeKey(k);
      if (!byKey.has(nk) || nk === k) byKey.set(nk, v);
    }
    for (const key of [...keys, ...aliases]) {
      const entry = byKey.get(key);
      if (entry) {
        const creds = decodeAuth(entry, file.path, key);
        if (creds) return creds;
      }
    }
    const store = read.doc.credsStore;
    if (!file.legacy && typeof store === 'string' && store) {
      const creds = fromHelper(store, registry, true);
      if (creds) return creds;
    }
  }
  return undefined;
}

/**
 * Asks a Docker credential helper (`docker-credential-NAME get`, the server on stdin, JSON on
 * stdout). A helper that does not know the server answers "credentials not found": no
 * credentials then, as with Docker.
 */
function fromHelper(name: string, registry: string, optional = false): Credentials | undefined {
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const program = `docker-credential-${name}`;
  const r = spawnSync(program, ['get'], { input: registry, encoding: 'utf8', timeout: 30_000 });
  if (r.error) {
    if (optional) return undefined;
    throw new SkiffError('config', `getting credentials for ${registry} from ${program}: ${errnoCode(r.error) === 'ENOENT' ? 'executable file not found in $PATH' : r.error.message}`);
  }
  if (r.status !== 0) {
    if (/credentials not found/i.test(`${r.stdout}${r.stderr}`)) return undefined;
    throw new SkiffError('config', `getting credentials for ${registry} from ${program}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? `exit status ${r.status}`}`);
  }
  let doc: { Username?: unknown; Secret?: unknown };
  try {
    doc = JSON.parse(r.stdout) as typeof doc;
  } catch {
    throw new SkiffError('config', `getting credentials for ${registry} from ${program}: its answer is not JSON`);
  }
  if (typeof doc.Username !== 'string' || typeof doc.Secret !== 'string') throw new SkiffError('config', `getting credentials for ${registry} from ${program}: its answer has no Username and Secret`);
  return { username: doc.Username, password: doc.Secret };
}

/** Writes credentials for a key (`host[:port]` or `host[:port]/repo`) into the primary file. */
export function storeCredentials(key: string, creds: Credentials, opts: AuthPathOptions = {}): string {
  const path = primaryAuthFile(opts);
  const file = { path, legacy: false };
  const read = readAuthFile(file);
  const doc: Record<string, unknown> = read?.doc ?? {};
  const auths: Auths = { ...(read?.auths ?? {}) };
  auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64') };
  doc.auths = auths;
  writeAuthFile(path, doc);
  return path;
}

/** Removes one key's credentials; false when the primary file had none for it. */
export function removeCredentials(key: string, opts: AuthPathOptions = {}): boolean {
  const path = primaryAuthFile(opts);
  const read = readAuthFile({ path, legacy: false });
  if (!read) return false;
  const auths: Auths = { ...read.auths };
  let found = false;
  for (const k of Object.keys(auths)) {
    if (k === key || normalizeKey(k) === key) {
      delete auths[k];
      found = true;
    }
  }
  if (!found) return false;
  writeAuthFile(path, { ...read.doc, auths });
  return true;
}

/** `logout --all`: the primary file loses every entry. */
export function removeAllCredentials(opts: AuthPathOptions = {}): void {
  const path = primaryAuthFile(opts);
  const read = readAuthFile({ path, legacy: false });
  if (!read) return;
  writeAuthFile(path, { ...read.doc, auths: {} });
}


function writeAuthFile(path: string, doc: Record<string, unknown>): void {
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomHex(4)}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc, null, '\t'), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
