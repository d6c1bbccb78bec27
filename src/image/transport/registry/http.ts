/**
 * The HTTP layer under the registry client: keep-alive connections per TLS setting, streamed
 * bodies, and redirects followed the way registries use them (blob downloads handed to a
 * storage backend on another host) but never to anything that is not http or https.
 */
import { Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline, Readable } from 'node:stream';
import { SkiffError, errnoCode } from '../../../util/errors.ts';
import { debug } from '../../../util/log.ts';

export interface TlsSettings {
  /** false: any certificate is accepted (`--tls-verify=false`, `insecure = true`). */
  readonly verify: boolean;
  /** Extra CAs (certs.d `*.crt`); the system's CAs are always trusted too. */
  readonly ca?: readonly Buffer[];
  /** A client certificate and its key (certs.d `*.cert` and `*.key`). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Every header as the list of its values (a header may come more than once). */
  readonly headersDistinct: NodeJS.Dict<string[]>;
  readonly body: IncomingMessage;
  /** Where the response really came from, after redirects. */
  readonly url: URL;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** A small body sent whole, or a stream sent with chunked transfer encoding. */
  readonly body?: Buffer | AsyncIterable<Uint8Array>;
  /** Follow 30x responses (GET and HEAD only). */
  readonly followRedirects?: boolean;
}

const MAX_REDIRECTS = 10;
/** Waiting for a server that accepted the connection but says nothing. */
const IDLE_TIMEOUT_MS = 60_000;

/** One set of keep-alive agents; a pull or push uses one session for every request. */
export class HttpSession {
  readonly #http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  readonly #https: HttpsAgent;
  #closed = false;

  constructor(tls: TlsSettings) {
    this.#https = new HttpsAgent({
      keepAlive: true,
      maxSockets: 16,
      rejectUnauthorized: tls.verify,
      // Node's own CA list plus the registry's: `ca` would otherwise replace the defaults.
      ca: tls.ca && tls.ca.length > 0 ? [...rootCertificates(), ...tls.ca.map((c) => c.toString('utf8'))] : undefined,
      cert: tls.cert,
      key: tls.key,
    });
  }

  async request(url: URL, opts: RequestOptions = {}): Promise<HttpResponse> {
    // After close() (a pull stopping its other downloads), nothing new is started.
    if (this.#closed) throw new SkiffError('registry', `fetching ${redact(url)}: cancelled`);
    const method = opts.method ?? 'GET';
    let current = url;
    let headers = { ...opts.headers };
    for (let hop = 0; ; hop++) {
      debug(`${method} ${redact(current)}`);
      const res = await this.#once(current, method, headers, opts.body);
      debug(`${method} ${redact(current)}: ${res.statusCode ?? 0}`);
      const location = res.headers.location;
      if (!opts.followRedirects || !isRedirect(res.statusCode ?? 0) || !location || (method !== 'GET' && method !== 'HEAD')) {
        return { status: res.statusCode ?? 0, headers: res.headers, headersDistinct: res.headersDistinct, body: res, url: current };
      }
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new SkiffError('registry', `fetching ${redact(url)}: stopped after ${MAX_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new SkiffError('registry', `fetching ${redact(current)}: the server redirected to an invalid URL`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new SkiffError('registry', `fetching ${redact(current)}: refusing a redirect to a ${next.protocol.replace(/:$/, '')} URL: only http and https are followed`);
      }
      // Credentials are for the registry's origin only: not for the host a blob is handed to,
      // nor for the same host over plain HTTP.
      if (next.origin !== current.origin) headers = withoutAuthorization(headers);
      current = next;
    }
  }

  #once(url: URL, method: string, headers: Record<string, string>, body: Buffer | AsyncIterable<Uint8Array> | undefined): Promise<IncomingMessage> {
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(url, {
        method,
        headers: Buffer.isBuffer(body) ? { ...headers, 'content-length': String(body.length) } : headers,
        agent: https ? this.#https : this.#http,
      });
      req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timed out waiting for the server'), { code: 'ETIMEDOUT' })));
      req.on('response', (res) => {
        res.setTimeout(IDLE_TIMEOUT_MS, () => res.destroy(Object.assign(new Error('timed out reading the response'), { code: 'ETIMEDOUT' })));
        resolve(res);
      });
      // An error of the body's own source (a digest that does not match) is reported as it is.
      req.on('error', (e) => reject(e instanceof SkiffError ? e : connectionError(url, e, method)));
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else pipeline(Readable.from(body), req, (e) => e && req.destroy(e));
    });
  }

  close(): void {
    this.#closed = true;
    this.#http.destroy();
    this.#https.destroy();
  }
}


function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'authorization') out[k] = v;
  return out;
}

let roots: readonly string[] | undefined;
function rootCertificates(): readonly string[] {
  // node:tls loads with https anyway; its list is what Node trusts by default.
  roots ??= (process.getBuiltinModule('node:tls') as typeof import('node:tls')).rootCertificates;
  return roots;
}

/** A URL as it may be shown: without user info or query (tokens travel in queries). */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The address Go names in a dial error: the IP tried and the port, `[::1]:443` for IPv6. */
function dialedAddress(url: URL, e: unknown): string {
  const { address, port } = e as { address?: string; port?: number };
  if (!address || !port) return url.host;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Go's net/http wording for the failures users meet, so messages read as Podman's do. */
export function connectionError(url: URL, e: unknown, method = 'GET'): SkiffError {
  const code = errnoCode(e);
  const where = `${url.protocol === 'https:' ? 'https' : 'http'}://${url.host}${url.pathname}`;
  // Go's url.Error: the method with only its first letter capital (`Get`, `Head`, `Patch`).
  const op = `${method[0]}${method.slice(1).toLowerCase()} "${where}"`;
  let reason: string;
  switch (code) {
    case 'ECONNREFUSED':
      reason = `dial tcp ${dialedAddress(url, e)}: connect: connection refused`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      reason = `dial tcp: lookup ${url.hostname}: no such host`;
      break;
    case 'ECONNRESET':
      reason = 'connection reset by peer';
      break;
    case 'ETIMEDOUT':
      reason = (e as Error).message;
      break;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      reason = 'x509: certificate signed by unknown authority';
      break;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      reason = 'x509: certificate has expired or is not yet valid';
      break;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      reason = `x509: ${(e as Error).message.replace(/^Hostname\/IP does not match certificate's altnames: /, '')}`;
      break;
    case 'EPROTO':
      // An HTTPS request answered in plain HTTP: Go says exactly this.
      reason = /wrong version number|packet length too long|http request/i.test((e as Error).message) ? 'http: server gave HTTP response to HTTPS client' : (e as Error).message;
      break;
    default:
      reason = e instanceof Error ? e.message : String(e);
  }
  // Only a failure to reach the server is worth retrying; a TLS or protocol mismatch is final.
  const unreachable = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'].includes(code ?? '');
  return new SkiffError(unreachable ? 'registry-unreachable' : 'registry', `${op}: ${reason}`, { cause: e });
}
