/**
 * The registry client's pure parts (challenges, error wording) and its HTTP behaviour against
 * fake registries on 127.0.0.1: redirects, authentication, size limits, pagination, and
 * credentials kept out of every error.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import type { Credentials } from '../../../src/config/auth.ts';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, parseChallenge, RegistryClient, responseError } from '../../../src/image/transport/registry/client.ts';
import { connectionError, type HttpResponse, HttpSession } from '../../../src/image/transport/registry/http.ts';
import { isSkiffError, type SkiffError } from '../../../src/util/errors.ts';

const OCI_MANIFEST = MANIFEST_ACCEPT[0];
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

// ---------------------------------------------------------------------------------------------
// Loopback servers

interface Seen {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
}

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

interface Fake {
  readonly port: number;
  readonly host: string;
  readonly origin: string;
  readonly seen: Seen[];
}

/** An HTTP server on 127.0.0.1:0 answering by pathname (404 elsewhere), closed after the test. */
async function serve(t: TestContext, routes: Record<string, Route> | ((port: number) => Record<string, Route>)): Promise<Fake> {
  const seen: Seen[] = [];
  let table: Record<string, Route> = {};
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    seen.push({ method: req.method ?? '', url, headers: req.headers });
    const route = table[url.pathname];
    if (route) route(req, res, url);
    else json(res, 404, { errors: [{ code: 'NOT_FOUND', message: `no route ${url.pathname}` }] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  table = typeof routes === 'function' ? routes(port) : routes;
  return { port, host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, seen };
}

function json(res: ServerResponse, status: number, doc: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(doc));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length), ...headers });
  res.end(body);
}

function unauthorized(res: ServerResponse, challenge: string): void {
  json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': challenge });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Fails instead of hanging when the code under test waits on a body it should not read. */
async function within<T>(p: Promise<T>, ms = 1500): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function rejection(p: Promise<unknown>): Promise<SkiffError> {
  try {
    await within(p);
  } catch (e) {
    assert.ok(isSkiffError(e), String(e));
    return e;
  }
  assert.fail('expected a rejection');
}

function client(t: TestContext, registry: Fake, credentials?: Credentials): RegistryClient {
  const c = new RegistryClient({ registry: registry.host, repository: 'team/app', tls: { verify: false }, allowHttp: true, credentials, actions: 'pull' });
  t.after(() => c.close());
  return c;
}

function session(t: TestContext): HttpSession {
  const s = new HttpSession({ verify: false });
  t.after(() => s.close());
  return s;
}

const MANIFEST = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }));

function serveManifest(res: ServerResponse, body: Buffer = MANIFEST, type = OCI_MANIFEST): void {
  res.writeHead(200, { 'content-type': type, 'content-length': String(body.length) });
  res.end(body);
}

// ---------------------------------------------------------------------------------------------

describe('parseChallenge', () => {
  it('Basic and Bearer with their parameters', () => {
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' },
    });
    assert.deepEqual(parseChallenge('Basic'), { scheme: 'basic', params: {} });
  });

  it('quoted values may hold commas, escaped quotes and spaces', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://a.example/token",scope="repository:ns/app:pull,push" , service="reg, with comma"'), {
      scheme: 'bearer',
      params: { realm: 'https://a.example/token', scope: 'repository:ns/app:pull,push', service: 'reg, with comma' },
    });
    assert.deepEqual(parseChallenge('Basic realm="say \\"hi\\", then \\\\ go"'), { scheme: 'basic', params: { realm: 'say "hi", then \\ go' } });
  });

  it('unquoted values end at a comma or space', () => {
    assert.deepEqual(parseChallenge('Bearer realm=https://a.example/token?x=y, service=reg,error=invalid_token'), {
      scheme: 'bearer',
      params: { realm: 'https://a.example/token?x=y', service: 'reg', error: 'invalid_token' },
    });
  });

  it('the scheme and parameter names are case-insensitive', () => {
    assert.deepEqual(parseChallenge('BEARER Realm="https://a/t", SERVICE="s"'), { scheme: 'bearer', params: { realm: 'https://a/t', service: 's' } });
    assert.equal(parseChallenge('  basic realm="x"')?.scheme, 'basic');
  });

  it('other schemes and empty headers are undefined', () => {
    for (const v of [undefined, '', '   ', 'Digest realm="x", nonce="y"', 'Negotiate', 'NTLM', '"Bearer"']) assert.equal(parseChallenge(v), undefined, String(v));
  });
});

describe('responseError', () => {
  const response = (status: number, body: string): HttpResponse => ({
    status,
    headers: {},
    headersDistinct: {},
    body: Readable.from([Buffer.from(body)]) as unknown as IncomingMessage,
    url: new URL('https://reg.example/v2/a/manifests/x'),
  });
  const errors = (...list: { code?: string; message?: string }[]): string => JSON.stringify({ errors: list });

  it('a JSON errors list in Go\'s words, joined by "; "', async () => {
    const cases: [number, string, string, string][] = [
      [404, errors({ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }), 'manifest-unknown', 'manifest unknown: manifest unknown'],
      [404, errors({ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }), 'manifest-unknown', 'name unknown: repository name not known to registry'],
      [404, errors({ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }), 'manifest-unknown', 'blob unknown: blob unknown to registry'],
      [
        403,
        errors({ code: 'DENIED', message: 'requested access to the resource is denied' }, { code: 'UNAUTHORIZED', message: 'authentication required' }),
        'unauthorized',
        'denied: requested access to the resource is denied; unauthorized: authentication required',
      ],
      [400, errors({ code: 'NAME_UNKNOWN' }), 'manifest-unknown', 'name unknown'],
      [200, errors({ code: 'DENIED', message: 'no' }), 'unauthorized', 'denied: no'],
      [500, errors({ message: 'no code' }), 'registry', 'unknown: no code'],
      [400, errors({ code: 'MANIFEST_INVALID', message: 'manifest invalid' }), 'registry', 'manifest invalid: manifest invalid'],
    ];
    for (const [status, body, code, detail] of cases) {
      const e = await responseError(response(status, body), 'reading manifest x in reg.example/a');
      assert.equal(e.code, code, body);
      assert.equal(e.message, `reading manifest x in reg.example/a: ${detail}`);
    }
  });

  it('the status alone when the body is not an errors list; the body is never echoed', async () => {
    const secret = '<html>session=SECRET-COOKIE</html>';
    const cases: [number, string, string, string][] = [
      [404, secret, 'manifest-unknown', 'manifest unknown'],
      [401, secret, 'unauthorized', 'unauthorized: authentication required'],
      [403, secret, 'unauthorized', 'received unexpected HTTP status: 403 Forbidden'],
      [500, secret, 'registry', 'received unexpected HTTP status: 500 Internal Server Error'],
      [502, '', 'registry', 'received unexpected HTTP status: 502 Bad Gateway'],
      [500, '{"errors": []}', 'registry', 'received unexpected HTTP status: 500 Internal Server Error'],
      [500, `{"errors": [{"code": "X", "message": "${'y'.repeat(70 * 1024)}"}]}`, 'registry', 'received unexpected HTTP status: 500 Internal Server Error'],
    ];
    for (const [status, body, code, detail] of cases) {
      const e = await responseError(response(status, body), 'what');
      assert.equal(e.code, code, `${status} ${body.slice(0, 40)}`);
      assert.equal(e.message, `what: ${detail}`);
    }
  });
});

describe('connectionError', () => {
  const err = (code: string, message = `${code} happened`): Error => Object.assign(new Error(message), { code });
  const url = new URL('https://user:pa55word@reg.example:5000/v2/?token=SECRET');

  it('in Go\'s net/http words, with stable codes', () => {
    const cases: [Error, string, string][] = [
      [err('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:5000'), 'registry-unreachable', 'dial tcp reg.example:5000: connect: connection refused'],
      [err('ENOTFOUND', 'getaddrinfo ENOTFOUND reg.example'), 'registry-unreachable', 'dial tcp: lookup reg.example: no such host'],
      [err('ECONNRESET', 'read ECONNRESET'), 'registry-unreachable', 'connection reset by peer'],
      [err('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'registry', 'x509: certificate signed by unknown authority'],
      [err('SELF_SIGNED_CERT_IN_CHAIN'), 'registry', 'x509: certificate signed by unknown authority'],
      [err('DEPTH_ZERO_SELF_SIGNED_CERT'), 'registry', 'x509: certificate signed by unknown authority'],
      [err('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), 'registry', 'x509: certificate signed by unknown authority'],
      [err('CERT_HAS_EXPIRED'), 'registry', 'x509: certificate has expired or is not yet valid'],
      [
        err('EPROTO', 'write EPROTO 40E7:error:0A00010B:SSL routines:tls_validate_record_header:wrong version number:../deps/openssl/ssl/record.c:77:\n'),
        'registry',
        'http: server gave HTTP response to HTTPS client',
      ],
      [err('EPROTO', 'write EPROTO something else'), 'registry', 'write EPROTO something else'],
    ];
    for (const [e, code, reason] of cases) {
      const got = connectionError(url, e);
      assert.equal(got.code, code, e.message);
      assert.equal(got.message, `Get "https://reg.example:5000/v2/": ${reason}`);
      assert.equal(got.cause, e);
    }
  });

  it('a refused connection and a plain-HTTP server, for real', async (t) => {
    const port = await closedPort();
    const refused = await rejection(session(t).request(new URL(`http://127.0.0.1:${port}/v2/`)));
    assert.equal(refused.code, 'registry-unreachable');
    assert.equal(refused.message, `Get "http://127.0.0.1:${port}/v2/": dial tcp 127.0.0.1:${port}: connect: connection refused`);

    const plain = await serve(t, { '/v2/': (_req, res) => json(res, 200, {}) });
    const tls = await rejection(session(t).request(new URL(`https://${plain.host}/v2/`)));
    assert.equal(tls.code, 'registry');
    assert.equal(tls.message, `Get "https://${plain.host}/v2/": http: server gave HTTP response to HTTPS client`);
  });

  it('names the request\'s method as Go does (Head, Put, …)', async (t) => {
    const port = await closedPort();
    const e = await rejection(session(t).request(new URL(`http://127.0.0.1:${port}/v2/a/blobs/sha256:x`), { method: 'HEAD' }));
    assert.equal(e.message, `Head "http://127.0.0.1:${port}/v2/a/blobs/sha256:x": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });
});

describe('HttpSession redirects', () => {
  it('drops Authorization on a redirect to another host:port, keeps it on the same host', async (t) => {
    const storage = await serve(t, { '/blob': (_req, res) => res.end('from storage') });
    const registry = await serve(t, {
      '/elsewhere': (_req, res) => res.writeHead(307, { location: `${storage.origin}/blob?sig=1` }).end(),
      '/same': (_req, res) => res.writeHead(307, { location: '/final' }).end(),
      '/final': (_req, res) => res.end('same host'),
    });
    const http = session(t);
    const headers = { Authorization: 'Bearer REGISTRY-TOKEN', 'user-agent': 'test' };

    const away = await http.request(new URL(`${registry.origin}/elsewhere`), { headers, followRedirects: true });
    assert.equal(away.status, 200);
    assert.equal(away.url.href, `${storage.origin}/blob?sig=1`);
    away.body.resume();
    assert.equal(registry.seen[0].headers.authorization, 'Bearer REGISTRY-TOKEN');
    assert.equal(storage.seen.length, 1);
    assert.equal(storage.seen[0].headers.authorization, undefined);
    assert.equal(storage.seen[0].headers['user-agent'], 'test', 'other headers follow');

    const same = await http.request(new URL(`${registry.origin}/same`), { headers, followRedirects: true });
    assert.equal(same.url.pathname, '/final');
    same.body.resume();
    assert.equal(registry.seen.at(-1)?.url.pathname, '/final');
    assert.equal(registry.seen.at(-1)?.headers.authorization, 'Bearer REGISTRY-TOKEN');
  });

  it('only when asked, and only for GET and HEAD', async (t) => {
    const registry = await serve(t, { '/r': (_req, res) => res.writeHead(307, { location: '/final' }).end(), '/final': (_req, res) => res.end('x') });
    const http = session(t);
    const notAsked = await http.request(new URL(`${registry.origin}/r`));
    assert.equal(notAsked.status, 307);
    notAsked.body.resume();
    const post = await http.request(new URL(`${registry.origin}/r`), { method: 'POST', body: Buffer.from('x'), followRedirects: true });
    assert.equal(post.status, 307);
    post.body.resume();
    assert.ok(registry.seen.every((s) => s.url.pathname === '/r'));
  });

  it('refuses a redirect to anything but http and https', async (t) => {
    const registry = await serve(t, { '/ftp': (_req, res) => res.writeHead(302, { location: 'ftp://127.0.0.1/blob' }).end() });
    const e = await rejection(session(t).request(new URL(`${registry.origin}/ftp`), { followRedirects: true }));
    assert.equal(e.code, 'registry');
    assert.match(e.message, /only http and https/);
    assert.match(e.message, /\bftp\b/);
  });

  it('follows at most 10 redirects', async (t) => {
    const hop: Route = (_req, res, url) => {
      const n = Number(url.searchParams.get('n'));
      if (url.searchParams.has('stop') && n === 10) res.end('arrived');
      else res.writeHead(302, { location: `/hop?n=${n + 1}${url.searchParams.has('stop') ? '&stop' : ''}` }).end();
    };
    const ten = await serve(t, { '/hop': hop });
    const ok = await within(session(t).request(new URL(`${ten.origin}/hop?n=0&stop`), { followRedirects: true }));
    assert.equal(ok.status, 200);
    ok.body.resume();
    assert.equal(ten.seen.length, 11, 'ten redirects, eleven requests');

    const endless = await serve(t, { '/hop': hop });
    const e = await rejection(session(t).request(new URL(`${endless.origin}/hop?n=0`), { followRedirects: true }));
    assert.equal(e.code, 'registry');
    assert.match(e.message, /stopped after 10 redirects/);
    assert.equal(endless.seen.length, 11);
  });
});

describe('RegistryClient', () => {
  it('Bearer: a token for repository:REPO:pull from the realm, then sent on the manifest request', async (t) => {
    const registry = await serve(t, (port) => ({
      '/v2/': (_req, res) => unauthorized(res, `Bearer realm="http://127.0.0.1:${port}/token",service="fake-registry"`),
      '/token': (_req, res) => json(res, 200, { token: 'TOKEN-123', expires_in: 300 }),
      '/v2/team/app/manifests/latest': (req, res) => {
        if (req.headers.authorization !== 'Bearer TOKEN-123') unauthorized(res, `Bearer realm="http://127.0.0.1:${port}/token",service="fake-registry"`);
        else serveManifest(res);
      },
    }));
    const c = client(t, registry);
    const m = await within(c.manifest('latest'));
    assert.deepEqual(m.bytes, MANIFEST);
    const tokens = registry.seen.filter((s) => s.url.pathname === '/token');
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0].url.searchParams.get('service'), 'fake-registry');
    assert.deepEqual(tokens[0].url.searchParams.getAll('scope'), ['repository:team/app:pull']);
    assert.equal(tokens[0].headers.authorization, undefined, 'anonymous: no credentials to the realm');
    const manifests = registry.seen.filter((s) => s.url.pathname === '/v2/team/app/manifests/latest');
    assert.deepEqual(
      manifests.map((s) => s.headers.authorization),
      ['Bearer TOKEN-123'],
    );
    assert.ok(String(manifests[0].headers.accept).includes(OCI_MANIFEST));

    await within(c.manifest('latest'));
    assert.equal(registry.seen.filter((s) => s.url.pathname === '/token').length, 1, 'the token is cached per scope');
  });

  it('Bearer with credentials: the realm gets them as Basic; access_token is accepted', async (t) => {
    const registry = await serve(t, (port) => ({
      '/v2/': (_req, res) => unauthorized(res, `Bearer realm="http://127.0.0.1:${port}/token"`),
      '/token': (req, res) => {
        if (req.headers.authorization === `Basic ${b64('alice:s3cret')}`) json(res, 200, { access_token: 'ALICE-TOKEN' });
        else json(res, 401, {});
      },
      '/v2/team/app/manifests/v1': (req, res) => (req.headers.authorization === 'Bearer ALICE-TOKEN' ? serveManifest(res) : unauthorized(res, 'Bearer realm="x"')),
    }));
    await within(client(t, registry, { username: 'alice', password: 's3cret' }).manifest('v1'));
    const token = registry.seen.find((s) => s.url.pathname === '/token');
    assert.equal(token?.url.searchParams.has('service'), false, 'no service when the challenge has none');
  });

  it('Basic: the credentials on each request', async (t) => {
    const registry = await serve(t, {
      '/v2/': (_req, res) => unauthorized(res, 'Basic realm="fake"'),
      '/v2/team/app/manifests/latest': (req, res) => (req.headers.authorization === `Basic ${b64('bob:hunter2')}` ? serveManifest(res) : unauthorized(res, 'Basic realm="fake"')),
    });
    await within(client(t, registry, { username: 'bob', password: 'hunter2' }).manifest('latest'));
    assert.deepEqual(
      registry.seen.filter((s) => s.url.pathname !== '/v2/').map((s) => s.headers.authorization),
      [`Basic ${b64('bob:hunter2')}`],
    );
  });

  it('an anonymous refusal says how to log in; a missing manifest in Go\'s words', async (t) => {
    const registry = await serve(t, {
      '/v2/': (_req, res) => unauthorized(res, 'Basic realm="fake"'),
      '/v2/team/app/manifests/private': (_req, res) => unauthorized(res, 'Basic realm="fake"'),
      '/v2/team/app/manifests/gone': (_req, res) => json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }),
    });
    const c = client(t, registry);
    const denied = await rejection(c.manifest('private'));
    assert.equal(denied.code, 'unauthorized');
    assert.match(denied.message, new RegExp(`log in with "skiff login ${registry.host}"`));
    const gone = await rejection(c.manifest('gone'));
    assert.equal(gone.code, 'manifest-unknown');
    assert.equal(gone.message, `reading manifest gone in ${registry.host}/team/app: manifest unknown: manifest unknown`);
  });

  it('the digest is the sha256 of the bytes; the media type comes from the header, else the document', async (t) => {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
    const registry = await serve(t, {
      '/v2/': (_req, res) => json(res, 200, {}),
      '/v2/team/app/manifests/latest': (_req, res) => serveManifest(res, MANIFEST, `${OCI_MANIFEST}; charset=utf-8`),
      '/v2/team/app/manifests/list': (_req, res) => serveManifest(res, index, 'application/json'),
    });
    const c = client(t, registry);
    const m = await within(c.manifest('latest'));
    assert.equal(m.digest, `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`);
    assert.equal(m.mediaType, OCI_MANIFEST);
    const list = await within(c.manifest('list'));
    assert.equal(list.digest, `sha256:${createHash('sha256').update(index).digest('hex')}`);
    assert.equal(list.mediaType, 'application/vnd.oci.image.index.v1+json');
  });

  it('refuses a manifest whose Content-Length is over 4 MiB without reading it', async (t) => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const registry = await serve(t, {
      '/v2/': (_req, res) => json(res, 200, {}),
      '/v2/team/app/manifests/huge': (_req, res) => {
        res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': String(MAX_MANIFEST_BYTES + 1) });
        res.flushHeaders(); // and never a byte of body: reading it would hang
        res.on('close', closed);
      },
    });
    const e = await rejection(client(t, registry).manifest('huge'));
    assert.equal(e.code, 'registry');
    assert.match(e.message, new RegExp(`manifest of ${MAX_MANIFEST_BYTES + 1} bytes exceeds the maximum of ${MAX_MANIFEST_BYTES} bytes`));
    await within(connectionClosed);
  });

  it('refuses a chunked manifest that grows past 4 MiB', async (t) => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const registry = await serve(t, {
      '/v2/': (_req, res) => json(res, 200, {}),
      '/v2/team/app/manifests/growing': (_req, res) => {
        res.writeHead(200, { 'content-type': OCI_MANIFEST });
        let sent = 0;
        const more = (): void => {
          while (!res.destroyed && sent < 2 * MAX_MANIFEST_BYTES) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end();
        };
        res.on('error', () => {});
        more();
      },
    });
    const e = await rejection(client(t, registry).manifest('growing'));
    assert.equal(e.code, 'registry');
    assert.match(e.message, new RegExp(`manifest exceeds the maximum of ${MAX_MANIFEST_BYTES} bytes`));
  });

  it('tags() follows Link: <…>; rel="next"', async (t) => {
    const registry = await serve(t, {
      '/v2/': (_req, res) => json(res, 200, {}),
      '/v2/team/app/tags/list': (_req, res, url) => {
        if (url.searchParams.get('last') === 'b') json(res, 200, { name: 'team/app', tags: ['c'] });
        else json(res, 200, { name: 'team/app', tags: ['a', 'b', 7] }, { link: '</v2/team/app/tags/list?last=b&n=2>; rel="next"' });
      },
    });
    assert.deepEqual(await within(client(t, registry).tags()), ['a', 'b', 'c']);
    const pages = registry.seen.filter((s) => s.url.pathname === '/v2/team/app/tags/list');
    assert.deepEqual(
      pages.map((s) => s.url.search),
      ['', '?last=b&n=2'],
    );
  });

  it('two WWW-Authenticate challenges: the Bearer one is used with its own realm', async (t) => {
    const registry = await serve(t, (port) => ({
      '/v2/': (_req, res) => {
        res.setHeader('www-authenticate', [`Bearer realm="http://127.0.0.1:${port}/token",service="fake"`, 'Basic realm="fake registry"']);
        json(res, 401, {});
      },
      '/token': (_req, res) => json(res, 200, { token: 'T' }),
      '/v2/team/app/manifests/latest': (req, res) => (req.headers.authorization === 'Bearer T' ? serveManifest(res) : json(res, 401, {})),
    }));
    await within(client(t, registry).manifest('latest'));
    assert.equal(registry.seen.filter((s) => s.url.pathname === '/token').length, 1);
  });

  it('tags() uses only the path and query of a Link: another host never gets the credentials', async (t) => {
    const elsewhere = await serve(t, { '/v2/team/app/tags/list': (_req, res) => json(res, 200, { tags: ['evil'] }) });
    const registry = await serve(t, {
      '/v2/': (_req, res) => unauthorized(res, 'Basic realm="fake"'),
      '/v2/team/app/tags/list': (_req, res, url) => {
        if (url.searchParams.has('last')) json(res, 200, { tags: ['b'] });
        else json(res, 200, { tags: ['a'] }, { link: `<${elsewhere.origin}/v2/team/app/tags/list?last=a>; rel="next"` });
      },
    });
    const tags = await within(client(t, registry, { username: 'dave', password: 'Pw-link-1234' }).tags());
    assert.deepEqual(
      elsewhere.seen.map((s) => s.headers.authorization),
      [],
      'the other host saw no request carrying the credentials',
    );
    assert.deepEqual(tags, ['a', 'b'], 'as containers/image: only the path and query of the Link are used');
  });

  describe('credentials never reach an error', () => {
    const user = 'carol';
    const password = 'Pw-XYZZY-8472';
    const secrets = [password, b64(`${user}:${password}`), b64(password)];

    /** The message of the error and of every cause under it. */
    function messages(e: unknown): string {
      const out: string[] = [];
      for (let c: unknown = e; c instanceof Error; c = c.cause) out.push(c.message);
      return out.join('\n');
    }

    function assertClean(e: SkiffError): void {
      const text = messages(e);
      for (const s of secrets) assert.ok(!text.includes(s), `leaked ${s} in: ${text}`);
    }

    it('a Basic registry refusing the password', async (t) => {
      const registry = await serve(t, {
        '/v2/': (_req, res) => unauthorized(res, 'Basic realm="fake"'),
        '/v2/team/app/manifests/latest': (req, res) => json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'x-echo': String(req.headers.authorization) }),
      });
      const e = await rejection(client(t, registry, { username: user, password }).manifest('latest'));
      assert.equal(e.code, 'unauthorized');
      assertClean(e);
      await rejection(client(t, registry, { username: user, password }).checkLogin()).then(assertClean);
    });

    it('a token realm refusing the password', async (t) => {
      const registry = await serve(t, (port) => ({
        '/v2/': (_req, res) => unauthorized(res, `Bearer realm="http://127.0.0.1:${port}/token",service="s"`),
        '/token': (_req, res) => json(res, 401, {}),
      }));
      const e = await rejection(client(t, registry, { username: user, password }).manifest('latest'));
      assert.equal(e.code, 'unauthorized');
      assertClean(e);
    });

    it('a realm URL carrying secrets in its user info and query, failing or unreachable', async (t) => {
      const registry = await serve(t, (port) => ({
        '/v2/': (_req, res) => unauthorized(res, `Bearer realm="http://${user}:${password}@127.0.0.1:${port}/token?pw=${password}"`),
        '/token': (req, res) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`you sent ${req.headers.authorization} and ${req.url}`);
        },
      }));
      const failing = await rejection(client(t, registry, { username: user, password }).manifest('latest'));
      assert.equal(failing.code, 'registry');
      assert.match(failing.message, /received unexpected HTTP status: 500 Internal Server Error/);
      assertClean(failing);

      const dead = await closedPort();
      const orphan = await serve(t, { '/v2/': (_req, res) => unauthorized(res, `Bearer realm="http://${user}:${password}@127.0.0.1:${dead}/token?pw=${password}"`) });
      const unreachable = await rejection(client(t, orphan, { username: user, password }).manifest('latest'));
      assert.equal(unreachable.code, 'registry-unreachable');
      assertClean(unreachable);
    });
  });
});
