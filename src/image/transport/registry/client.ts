/**
 * A client of one repository on one registry, speaking the OCI Distribution API (v2):
 * the `/v2/` ping, manifests, blobs, uploads (with cross-repository mounts) and tag lists.
 *
 * Authentication follows the registry's challenge, as containers/image does: the ping's
 * `WWW-Authenticate` says Basic (credentials on every request) or Bearer (a token from the
 * realm for `repository:NAME:ACTIONS`, cached per scope). Credentials and tokens never appear
 * in an error: URLs are shown without their query, and bodies are never echoed.
 */
import type { IncomingMessage } from 'node:http';
import type { Credentials } from '../../../config/auth.ts';
import { SkiffError, type ErrorCode, isSkiffError } from '../../../util/errors.ts';
import { sha256 } from '../../../util/hash.ts';
import { MEDIA } from '../../types.ts';
import { type HttpResponse, HttpSession, type TlsSettings, redact } from './http.ts';

export const MANIFEST_ACCEPT: readonly string[] = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerList, MEDIA.dockerSchema1Signed, MEDIA.dockerSchema1];

/** containers/image's limit on a manifest; a bigger one is refused unread. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Small JSON answers (tokens, tag lists, errors) are read up to this much. */
const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** A tag list or catalog longer than this many pages is a registry gone wrong. */
const MAX_PAGES = 1000;
const USER_AGENT = 'skiff (github.com/containers/image compatible)';

export interface RegistryClientOptions {
  /** The registry as names spell it: `host[:port]`; `docker.io` is served by registry-1.docker.io. */
  readonly registry: string;
  readonly repository: string;
  readonly tls: TlsSettings;
  /** Fall back to plain HTTP when HTTPS does not answer (insecure registries, --tls-verify=false). */
  readonly allowHttp: boolean;
  readonly credentials?: Credentials;
  /** What the token must allow on the repository. */
  readonly actions: 'pull' | 'pull,push';
}

export interface FetchedManifest {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

interface Challenge {
  readonly scheme: 'basic' | 'bearer';
  readonly params: Record<string, string>;
}

export class RegistryClient {
  readonly registry: string;
  readonly repository: string;
  readonly #opts: RegistryClientOptions;
  readonly #http: HttpSession;
  #base: URL | undefined;
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, string>();

  constructor(opts: RegistryClientOptions) {
    this.registry = opts.registry;
    this.repository = opts.repository;
    this.#opts = opts;
    this.#http = new HttpSession(opts.tls);
  }

  close(): void {
    this.#http.close();
  }

  /** The ping: finds the scheme that answers and the authentication the registry asks for. */
  async ping(): Promise<void> {
    if (this.#base) return;
    if (!/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$/.test(this.registry)) throw new SkiffError('invalid-reference', `invalid registry ${JSON.stringify(this.registry)}`);
    const host = this.registry === 'docker.io' ? 'registry-1.docker.io' : this.registry;
    const schemes = this.#opts.allowHttp ? ['https', 'http'] : ['https'];
    let last: unknown;
    for (const scheme of schemes) {
      const base = new URL(`${scheme}://${host}/v2/`);
      let res: HttpResponse;
      try {
        res = await this.#http.request(base, { headers: { 'user-agent': USER_AGENT } });
      } catch (e) {
        // Podman reports the last scheme's failure (plain HTTP when it was tried).
        last = e;
        continue;
      }
      res.body.resume();
      // Any answer means the scheme works; a status other than 401 is left to the requests.
      if (res.status === 401) this.#challenge = firstChallenge(res);
      this.#base = base;
      return;
    }
    throw last ?? new SkiffError('registry-unreachable', `pinging container registry ${this.registry}: no scheme answered`);
  }

  /** Verifies credentials (`login`): the ping, then an authenticated request to `/v2/`. */
  async checkLogin(): Promise<void> {
    await this.ping();
    if (!this.#challenge) return;
    const res = await this.#send('GET', '', { scopes: [] });
    res.body.resume();
    if (res.status === 401) throw new SkiffError('unauthorized', `logging into "${this.registry}": invalid username/password`);
  }

  async manifest(reference: string): Promise<FetchedManifest> {
    const what = `manifest ${reference} in ${this.registry}/${this.repository}`;
    const res = await this.#send('GET', `${this.repository}/manifests/${reference}`, { accept: MANIFEST_ACCEPT.join(', ') });
    if (res.status !== 200) throw await this.#fail(res, `reading ${what}`);
    const length = Number(header(res, 'content-length') ?? Number.NaN);
    if (length > MAX_MANIFEST_BYTES) {
      res.body.destroy();
      throw new SkiffError('registry', `reading ${what}: manifest of ${length} bytes exceeds the maximum of ${MAX_MANIFEST_BYTES} bytes`);
    }
    const bytes = await readLimited(res.body, MAX_MANIFEST_BYTES, () => new SkiffError('registry', `reading ${what}: manifest exceeds the maximum of ${MAX_MANIFEST_BYTES} bytes`));
    const declared = (header(res, 'content-type') ?? '').split(';')[0].trim();
    return { bytes, mediaType: sniffManifestType(bytes, declared), digest: `sha256:${sha256().update(bytes).digest('hex')}` };
  }

  /** A blob's bytes as a stream; the caller checks the digest. Redirects to storage are followed. */
  async blob(digest: string): Promise<{ body: IncomingMessage }> {
    const res = await this.#send('GET', `${this.repository}/blobs/${digest}`, { followRedirects: true });
    if (res.status !== 200) throw await this.#fail(res, `fetching blob ${digest}`);
    return { body: res.body };
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.#send('HEAD', `${this.repository}/blobs/${digest}`, { followRedirects: true });
    res.body.resume();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await this.#fail(res, `checking whether blob ${digest} exists in ${this.registry}/${this.repository}`);
  }

  /**
   * Asks the registry to link a blob it holds in another repository (a cross-repository mount).
   * True when it did; false when it started an upload instead, which is cancelled.
   */
  async mountBlob(digest: string, from: string): Promise<boolean> {
    const q = new URLSearchParams({ mount: digest, from });
    const res = await this.#send('POST', `${this.repository}/blobs/uploads/?${q}`, { scopes: [`repository:${from}:pull`] });
    res.body.resume();
    if (res.status === 201) return true;
    if (res.status === 202) {
      const location = header(res, 'location');
      if (location) await this.#cancelUpload(location);
      return false;
    }
    // Registries that cannot mount (or may not read `from`) answer as for a plain upload.
    return false;
  }

  /**
   * Uploads a blob: POST to start, the content in one PATCH streamed as it is produced, then the
   * closing PUT with its digest, which is only known at the end (`digest()` is called then).
   */
  async uploadBlob(content: AsyncIterable<Uint8Array>, digest: () => string): Promise<void> {
    const start = await this.#send('POST', `${this.repository}/blobs/uploads/`, {});
    start.body.resume();
    if (start.status !== 202) throw await this.#fail(start, `initiating layer upload to ${this.registry}/${this.repository}`);
    let location = this.#resolve(header(start, 'location'), 'initiating layer upload');
    const patch = await this.#send('PATCH', location, { body: content, headers: { 'content-type': 'application/octet-stream' } });
    patch.body.resume();
    if (patch.status !== 202) throw await this.#fail(patch, `uploading layer chunked to ${this.registry}/${this.repository}`);
    location = this.#resolve(header(patch, 'location'), 'uploading layer');
    const put = new URL(location);
    put.searchParams.set('digest', digest());
    const done = await this.#send('PUT', put, { body: Buffer.alloc(0), headers: { 'content-type': 'application/octet-stream' } });
    done.body.resume();
    if (done.status !== 201) throw await this.#fail(done, `uploading layer to ${this.registry}/${this.repository}`);
  }

  /** A small blob in one request: POST to start, then the closing PUT carries the bytes. */
  async uploadMonolithic(bytes: Buffer, digest: string): Promise<void> {
    const start = await this.#send('POST', `${this.repository}/blobs/uploads/`, {});
    start.body.resume();
    if (start.status !== 202) throw await this.#fail(start, `initiating layer upload to ${this.registry}/${this.repository}`);
    const put = this.#resolve(header(start, 'location'), 'initiating layer upload');
    put.searchParams.set('digest', digest);
    const done = await this.#send('PUT', put, { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    done.body.resume();
    if (done.status !== 201) throw await this.#fail(done, `uploading layer to ${this.registry}/${this.repository}`);
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<void> {
    const res = await this.#send('PUT', `${this.repository}/manifests/${reference}`, { body: bytes, headers: { 'content-type': mediaType } });
    res.body.resume();
    if (res.status !== 201 && res.status !== 200) throw await this.#fail(res, `writing manifest ${reference} to ${this.registry}/${this.repository}`);
  }

  async tags(): Promise<string[]> {
    const out: string[] = [];
    let path: string | URL = `${this.repository}/tags/list`;
    for (let page = 0; ; page++) {
      if (page === MAX_PAGES) throw new SkiffError('registry', `fetching tags list of ${this.registry}/${this.repository}: more than ${MAX_PAGES} pages`);
      const res = await this.#send('GET', path, {});
      if (res.status !== 200) throw await this.#fail(res, `fetching tags list of ${this.registry}/${this.repository}`);
      const doc = await readJson<{ tags?: unknown }>(res, `fetching tags list of ${this.registry}/${this.repository}`);
      if (Array.isArray(doc.tags)) out.push(...doc.tags.filter((t): t is string => typeof t === 'string'));
      const next = nextLink(header(res, 'link'));
      if (!next) break;
      path = this.#samePlace(next, 'fetching tags list');
    }
    return out;
  }

  /** `/v2/_catalog`: every repository (for `search` on registries without a search API). */
  async catalog(): Promise<string[]> {
    const out: string[] = [];
    let path: string | URL = '_catalog';
    for (let page = 0; ; page++) {
      if (page === MAX_PAGES) throw new SkiffError('registry', `fetching the catalog of ${this.registry}: more than ${MAX_PAGES} pages`);
      const res = await this.#send('GET', path, { scopes: ['registry:catalog:*'] });
      if (res.status !== 200) throw await this.#fail(res, `fetching the catalog of ${this.registry}`);
      const doc = await readJson<{ repositories?: unknown }>(res, `fetching the catalog of ${this.registry}`);
      if (Array.isArray(doc.repositories)) out.push(...doc.repositories.filter((t): t is string => typeof t === 'string'));
      const next = nextLink(header(res, 'link'));
      if (!next) break;
      path = this.#samePlace(next, 'fetching the catalog');
    }
    return out;
  }

  /** The registry's error; a refusal of anonymous access says how to give credentials. */
  async #fail(res: HttpResponse, what: string): Promise<RegistryResponseError> {
    const e = await responseError(res, what);
    if (e.code !== 'unauthorized' || this.#opts.credentials) return e;
    return new RegistryResponseError(e.code, `${e.message} (no credentials for ${this.registry}: log in with "skiff login ${this.registry}")`, e.status, e.detail);
  }

  async #cancelUpload(location: string): Promise<void> {
    try {
      const res = await this.#send('DELETE', this.#resolve(location, 'cancelling an upload'), {});
      res.body.resume();
    } catch {
      // The registry forgets abandoned uploads on its own.
    }
  }

  /**
   * A pagination link's path and query on this registry, as containers/image reads it: the
   * next page never goes to another host, which would get the registry's credentials.
   */
  #samePlace(link: string, what: string): URL {
    const url = this.#resolve(link, what);
    return new URL(`${url.pathname}${url.search}`, this.#base as URL);
  }

  #resolve(location: string | undefined, what: string): URL {
    if (!location) throw new SkiffError('registry', `${what} to ${this.registry}/${this.repository}: the registry sent no Location`);
    const base = this.#base as URL;
    const url = new URL(location, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SkiffError('registry', `${what}: the registry sent a ${url.protocol} Location`);
    if (base.protocol === 'https:' && url.protocol === 'http:') throw new SkiffError('registry', `${what}: the registry sent a plain-HTTP Location from HTTPS`);
    return url;
  }

  async #send(
    method: string,
    path: string | URL,
    opts: { accept?: string; body?: Buffer | AsyncIterable<Uint8Array>; headers?: Record<string, string>; followRedirects?: boolean; scopes?: readonly string[] },
  ): Promise<HttpResponse> {
    await this.ping();
    const base = this.#base as URL;
    const url = typeof path === 'string' ? new URL(path, base) : path;
    const scopes = [...(this.repository ? [`repository:${this.repository}:${this.#opts.actions}`] : []), ...(opts.scopes ?? [])];
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...opts.headers };
    if (opts.accept) headers.accept = opts.accept;
    // Credentials go to the registry itself only: an upload Location or a blob redirect to
    // another origin (a storage backend, or a hostile one) is sent nothing of them.
    const own = url.origin === base.origin;
    // A streamed body cannot be sent twice: get the authorization before sending it.
    const auth = own ? await this.#authorization(scopes) : undefined;
    if (auth) headers.authorization = auth;
    let res = await this.#http.request(url, { method, headers, body: opts.body, followRedirects: opts.followRedirects });
    // The challenge may differ per request (a new scope): learn it and retry once, but only
    // from the registry's own answer, never from a host a redirect led to.
    if (res.status === 401 && own && res.url.origin === base.origin && (opts.body === undefined || Buffer.isBuffer(opts.body))) {
      const challenge = firstChallenge(res);
      res.body.resume();
      if (challenge) {
        this.#challenge = challenge;
        this.#tokens.delete(scopes.join(' '));
        const again = await this.#authorization(scopes, true);
        if (again) headers.authorization = again;
        res = await this.#http.request(url, { method, headers, body: opts.body, followRedirects: opts.followRedirects });
      }
    }
    return res;
  }

  async #authorization(scopes: readonly string[], fresh = false): Promise<string | undefined> {
    const ch = this.#challenge;
    if (!ch) return undefined;
    const creds = this.#opts.credentials;
    if (ch.scheme === 'basic') return creds ? basic(creds) : undefined;
    const key = scopes.join(' ');
    const cached = this.#tokens.get(key);
    if (cached && !fresh) return `Bearer ${cached}`;
    const token = await this.#fetchToken(ch, scopes);
    this.#tokens.set(key, token);
    return `Bearer ${token}`;
  }

  async #fetchToken(ch: Challenge, scopes: readonly string[]): Promise<string> {
    const realm = ch.params.realm;
    if (!realm) throw new SkiffError('registry', `authenticating to ${this.registry}: the Bearer challenge has no realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new SkiffError('registry', `authenticating to ${this.registry}: the token realm is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SkiffError('registry', `authenticating to ${this.registry}: the token realm is not an http(s) URL`);
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const creds = this.#opts.credentials;
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    if (creds) headers.authorization = basic(creds);
    const res = await this.#http.request(url, { headers, followRedirects: true });
    if (res.status === 401 || res.status === 403) {
      res.body.resume();
      throw new SkiffError('unauthorized', creds ? 'unable to retrieve auth token: invalid username/password: unauthorized: incorrect username or password' : `unable to retrieve auth token from ${redact(url)}: unauthorized`);
    }
    if (res.status !== 200) throw await this.#fail(res, `requesting a token from ${redact(url)}`);
    let doc: { token?: unknown; access_token?: unknown };
    try {
      doc = JSON.parse((await readLimited(res.body, MAX_JSON_BYTES, () => new SkiffError('registry', 'token response too large'))).toString('utf8'));
    } catch (e) {
      if (isSkiffError(e)) throw e;
      throw new SkiffError('registry', `requesting a token from ${redact(url)}: the answer is not JSON`);
    }
    const token = typeof doc.token === 'string' && doc.token ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : '';
    if (!token) throw new SkiffError('registry', `requesting a token from ${redact(url)}: the answer has no token`);
    return token;
  }
}

function basic(creds: Credentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
}

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The first challenge skiff can answer, each WWW-Authenticate header read on its own (Node
 * joins repeated headers with commas, which would run one challenge into the next).
 */
function firstChallenge(res: HttpResponse): Challenge | undefined {
  for (const value of res.headersDistinct['www-authenticate'] ?? []) {
    const ch = parseChallenge(value);
    if (ch) return ch;
  }
  return undefined;
}

/** `Bearer realm="…",service="…"` → its scheme and parameters (quoted values may hold commas). */
export function parseChallenge(value: string | undefined): Challenge | undefined {
  if (!value) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(value);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g;
  for (const p of m[2].matchAll(re)) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  return { scheme, params };
}

/** A small JSON answer; anything else is the registry's fault, said so. */
async function readJson<T>(res: HttpResponse, what: string): Promise<T> {
  const bytes = await readLimited(res.body, MAX_JSON_BYTES, () => new SkiffError('registry', `${what}: the answer exceeds ${MAX_JSON_BYTES} bytes`));
  try {
    const doc: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a JSON object');
    return doc as T;
  } catch (e) {
    throw new SkiffError('registry', `${what}: the answer is not JSON: ${(e as Error).message}`);
  }
}

/** `<URL>; rel="next"` from a Link header. */
function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  return m?.[1];
}

/** A manifest's media type: the registry's header, or the document's own when the header is generic. */
function sniffManifestType(bytes: Buffer, declared: string): string {
  if (MANIFEST_ACCEPT.includes(declared)) return declared;
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown; signatures?: unknown };
    if (typeof doc.mediaType === 'string' && doc.mediaType) return doc.mediaType;
    if (doc.schemaVersion === 1) return doc.signatures ? MEDIA.dockerSchema1Signed : MEDIA.dockerSchema1;
    if (Array.isArray(doc.manifests)) return MEDIA.ociIndex;
    return MEDIA.ociManifest;
  } catch {
    return declared;
  }
}

export async function readLimited(body: AsyncIterable<Uint8Array> & { destroy?: () => void }, limit: number, tooBig: () => Error): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += c.length;
    if (n > limit) {
      body.destroy?.();
      throw tooBig();
    }
    parts.push(Buffer.from(c));
  }
  return Buffer.concat(parts);
}

/**
 * A registry's answer with an error status. `status` and `detail` (the registry's own words,
 * without `what`) let a caller word the failure as its Podman counterpart does (search).
 */
export class RegistryResponseError extends SkiffError {
  readonly status: number;
  readonly detail: string;

  constructor(code: ErrorCode, message: string, status: number, detail: string) {
    super(code, message);
    this.status = status;
    this.detail = detail;
  }
}

/**
 * A registry's error answer in Go's words (`manifest unknown: manifest unknown`), from its JSON
 * `errors` list when it sent one, else from the HTTP status.
 */
export async function responseError(res: HttpResponse, what: string): Promise<RegistryResponseError> {
  let text = '';
  try {
    text = (await readLimited(res.body, 64 * 1024, () => new Error('too large'))).toString('utf8');
  } catch {
    res.body.destroy();
  }
  let code: ErrorCode = res.status === 401 || res.status === 403 ? 'unauthorized' : res.status === 404 ? 'manifest-unknown' : 'registry';
  let detail = '';
  try {
    const doc = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    if (Array.isArray(doc.errors) && doc.errors.length > 0) {
      detail = doc.errors
        .map((e) => {
          const c = typeof e.code === 'string' ? e.code : 'UNKNOWN';
          if (c === 'MANIFEST_UNKNOWN' || c === 'NAME_UNKNOWN' || c === 'BLOB_UNKNOWN') code = 'manifest-unknown';
          if (c === 'UNAUTHORIZED' || c === 'DENIED') code = 'unauthorized';
          const words = c.toLowerCase().replaceAll('_', ' ');
          return typeof e.message === 'string' && e.message ? `${words}: ${e.message}` : words;
        })
        .join('; ');
    }
  } catch {
    // Not JSON: the status says enough; the body is not echoed (it may be anything).
  }
  if (!detail) detail = res.status === 401 ? 'unauthorized: authentication required' : res.status === 404 ? 'manifest unknown' : `received unexpected HTTP status: ${res.status} ${httpStatusText(res.status)}`;
  return new RegistryResponseError(code, `${what}: ${detail}`, res.status, detail);
}

function httpStatusText(status: number): string {
  return (process.getBuiltinModule('node:http') as typeof import('node:http')).STATUS_CODES[status] ?? '';
}
