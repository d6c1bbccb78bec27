/**
 * A real registry for integration tests: Debian's docker-registry (distribution 2.8) on
 * 127.0.0.1 with a random port, in a private temp dir, in one of four flavours:
 *   http   plain HTTP, no auth
 *   tls    HTTPS (a server cert for 127.0.0.1/localhost signed by a fresh CA), no auth
 *   basic  tls plus htpasswd (bcrypt) auth for one random user
 *   token  tls plus Bearer token auth, the token server running in this process (HTTPS)
 * Every flavour stores blobs on the filesystem with deletes enabled.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, randomUUID, sign, X509Certificate } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { freePort } from './harness.ts';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

export type RegistryFlavour = 'http' | 'tls' | 'basic' | 'token' | 'mtls';

export interface TestRegistry {
  readonly flavour: RegistryFlavour;
  /** '127.0.0.1:PORT' */
  readonly host: string;
  /** The temp dir holding everything (storage, certs, config, registry.log); removed by stop(). */
  readonly dir: string;
  /** tls/basic/token: the PEM file of the CA that signed the server cert. */
  readonly caFile?: string;
  /** tls/basic/token: a dir holding only ca.crt, usable as --cert-dir or /etc/containers/certs.d/HOST:PORT. */
  readonly certDir?: string;
  /** mtls: certDir holds the CA and a client certificate (client.cert, client.key); this one the CA only. */
  readonly caOnlyDir?: string;
  /** basic/token: the one valid account. */
  readonly user?: string;
  readonly password?: string;
  /** token: the token server's URL (HTTPS, same CA). */
  readonly tokenRealm?: string;
  /** token: the raw (percent-encoded) query string of every request the token server saw, in order. */
  tokenRequests?: string[];
  stop(): Promise<void>;
}

const REGISTRY_BIN = '/usr/bin/docker-registry';
/** The `service` and `iss` of the token flavour. */
export const TOKEN_SERVICE = 'skiff-test-registry';
const TOKEN_ISSUER = 'skiff-test-token-issuer';

/** Registries still running, killed if the test process exits without stop(). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export async function startRegistry(flavour: RegistryFlavour): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), `skiff-registry-${flavour}-`));
  let proc: ChildProcess | undefined;
  let tokenServer: Server | undefined;
  const stop = async (): Promise<void> => {
    if (proc) await terminate(proc);
    if (tokenServer) await closeServer(tokenServer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const tls = flavour !== 'http';
    const reg: { -readonly [K in keyof TestRegistry]: TestRegistry[K] } = { flavour, host, dir, stop };
    const config: string[] = [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${q(join(dir, 'storage'))}`,
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: ${q(host)}`,
      `  secret: ${q(randomBytes(16).toString('hex'))}`,
    ];
    if (tls) {
      const pki = makePki(dir);
      reg.caFile = pki.caFile;
      reg.certDir = pki.certDir;
      config.push('  tls:', `    certificate: ${q(pki.serverCert)}`, `    key: ${q(pki.serverKey)}`);
      if (flavour === 'mtls') {
        // The registry asks for a client certificate signed by the CA and refuses a TLS session without one.
        config.push('    clientcas:', `      - ${q(pki.caFile)}`);
        reg.caOnlyDir = join(dir, 'ca-only.d');
        mkdirSync(reg.caOnlyDir);
        writeFileSync(join(reg.caOnlyDir, 'ca.crt'), readFileSync(pki.caFile));
        writeFileSync(join(pki.certDir, 'client.cert'), readFileSync(join(dir, 'pki', 'client.crt')));
        writeFileSync(join(pki.certDir, 'client.key'), readFileSync(join(dir, 'pki', 'client.key')));
      }
      if (flavour === 'basic' || flavour === 'token') {
        reg.user = `user${randomBytes(4).toString('hex')}`;
        reg.password = randomBytes(12).toString('base64url');
      }
      if (flavour === 'basic') {
        const htpasswd = join(dir, 'htpasswd');
        writeFileSync(htpasswd, `${reg.user}:${bcryptHash(reg.password!)}\n`);
        config.push('auth:', '  htpasswd:', '    realm: skiff-test', `    path: ${q(htpasswd)}`);
      }
      if (flavour === 'token') {
        const requests: string[] = [];
        reg.tokenRequests = requests;
        tokenServer = await startTokenServer(pki, reg.user!, reg.password!, requests);
        reg.tokenRealm = `https://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
        config.push(
          'auth:',
          '  token:',
          `    realm: ${q(reg.tokenRealm)}`,
          `    service: ${q(TOKEN_SERVICE)}`,
          `    issuer: ${q(TOKEN_ISSUER)}`,
          `    rootcertbundle: ${q(pki.caFile)}`,
        );
      }
    }
    const configFile = join(dir, 'config.yml');
    writeFileSync(configFile, `${config.join('\n')}\n`);

    const logFile = join(dir, 'registry.log');
    const fd = openSync(logFile, 'a');
    // REGISTRY_* variables would override the config file.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    try {
      proc = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', fd, fd], env });
    } finally {
      closeSync(fd);
    }
    const child = proc;
    live.add(child);
    child.once('exit', () => live.delete(child));
    const client = flavour === 'mtls' && reg.certDir ? { cert: readFileSync(join(reg.certDir, 'client.cert')), key: readFileSync(join(reg.certDir, 'client.key')) } : undefined;
    await waitReady(child, host, reg.caFile, logFile, client);
    return reg;
  } catch (e) {
    const log = readLog(join(dir, 'registry.log'));
    await stop();
    if (e instanceof Error && log && !e.message.includes(log)) e.message += `\nregistry log:\n${log}`;
    throw e;
  }
}

/** YAML scalar: a JSON string is a valid double-quoted YAML string. */
function q(s: string): string {
  return JSON.stringify(s);
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Polls GET /v2/ until the registry answers with any status; fails after ~10 s or if it exits. */
async function waitReady(proc: ChildProcess, host: string, caFile: string | undefined, logFile: string, client?: { cert: Buffer; key: Buffer }): Promise<void> {
  const ca = caFile ? readFileSync(caFile) : undefined;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`docker-registry exited (${proc.exitCode ?? proc.signalCode}) before answering on ${host}:\n${readLog(logFile)}`);
    }
    if (await answers(host, ca, client)) return;
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host} within 10 s:\n${readLog(logFile)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function answers(host: string, ca: Buffer | undefined, client?: { cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const url = `${ca ? 'https' : 'http'}://${host}/v2/`;
    const req = ca ? httpsRequest(url, { ca, timeout: 1000, ...client }) : httpRequest(url, { timeout: 1000 });
    req.once('response', (res) => {
      res.resume();
      resolve(true);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
function terminate(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

function closeServer(srv: Server): Promise<void> {
  return new Promise((resolve) => {
    srv.close(() => resolve());
    srv.closeAllConnections();
  });
}

// ---- certificates ----------------------------------------------------------------------

interface Pki {
  readonly caFile: string;
  readonly certDir: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** The token signer's key and cert (signed by the CA), PEM. */
  readonly signerKey: string;
  readonly signerCert: string;
}

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
}

/** A fresh CA (P-256), a server cert for 127.0.0.1/localhost and a token-signing cert, all signed by it. */
function makePki(dir: string): Pki {
  const pki = join(dir, 'pki');
  mkdirSync(pki);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=skiff test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], pki);
  const leaf = (name: string, cn: string, ext: string): void => {
    writeFileSync(join(pki, `${name}.ext`), ext);
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], pki);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`], pki);
  };
  leaf('server', '127.0.0.1', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  leaf('signer', 'skiff test token signer', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  leaf('client', 'skiff test client', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  const certDir = join(dir, 'certs.d');
  mkdirSync(certDir);
  writeFileSync(join(certDir, 'ca.crt'), readFileSync(join(pki, 'ca.crt')));
  return {
    caFile: join(pki, 'ca.crt'),
    certDir,
    serverCert: join(pki, 'server.crt'),
    serverKey: join(pki, 'server.key'),
    signerKey: readFileSync(join(pki, 'signer.key'), 'utf8'),
    signerCert: readFileSync(join(pki, 'signer.crt'), 'utf8'),
  };
}

// ---- htpasswd --------------------------------------------------------------------------

/**
 * A bcrypt hash ($2b$, cost 5) for htpasswd, the only format distribution accepts. Node has no
 * bcrypt; Perl (perl-base, always present on Debian) calls libc's crypt(3), which on Debian is
 * libxcrypt and supports bcrypt.
 */
function bcryptHash(password: string): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = [...randomBytes(22)].map((b) => alphabet[b & 63]).join('');
  const r = spawnSync('perl', ['-e', 'print crypt($ENV{PW}, $ENV{SALT})'], {
    env: { PATH: process.env.PATH, PW: password, SALT: `$2b$05$${salt}` },
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  if (r.status !== 0 || !r.stdout.startsWith('$2b$05$') || r.stdout.length !== 60) {
    throw new Error(`perl crypt() made no bcrypt hash (${JSON.stringify(r.stdout)}): ${r.stderr}`);
  }
  return r.stdout;
}

// ---- token server ----------------------------------------------------------------------

/**
 * The Docker token protocol, GET /token?service=…&scope=repository:NAME:ACTIONS…: valid Basic
 * credentials get the actions they ask for, anonymous requests a token with no access, wrong
 * credentials 401. Tokens are ES256 JWTs with the signer's chain in `x5c`.
 */
function startTokenServer(pki: Pki, user: string, password: string, requests: string[]): Promise<Server> {
  const key = createPrivateKey(pki.signerKey);
  const x5c = [pki.signerCert, readFileSync(pki.caFile, 'utf8')].map((pem) => new X509Certificate(pem).raw.toString('base64'));
  const srv = createHttpsServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    requests.push(url.search.slice(1));
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/token') return send(404, { errors: [{ code: 'NOT_FOUND' }] });
    let subject = '';
    const auth = req.headers.authorization ?? '';
    if (auth) {
      const m = /^Basic\s+(\S+)$/i.exec(auth);
      const creds = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
      if (creds !== `${user}:${password}`) {
        res.setHeader('www-authenticate', 'Basic realm="skiff-test-token"');
        return send(401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
      }
      subject = user;
    }
    const access = subject
      ? url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean).map(parseScope).filter((a) => a !== undefined)
      : [];
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(key, x5c, {
      iss: TOKEN_ISSUER,
      sub: subject,
      aud: url.searchParams.get('service') ?? TOKEN_SERVICE,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    });
    send(200, { token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() });
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

/** `repository:NAME:ACTIONS` → an access entry (NAME may hold ':' only before the actions). */
function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function jwt(key: ReturnType<typeof createPrivateKey>, x5c: readonly string[], claims: object): string {
  const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ typ: 'JWT', alg: 'ES256', x5c })}.${b64(claims)}`;
  // JWS wants ECDSA signatures as raw r||s, not DER.
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

/** The sha256 digest of some bytes, as `sha256:HEX`. */
export function digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A ustar archive holding one regular file. */
export function tarOf(name: string, content: Buffer): Buffer {
  const h = Buffer.alloc(512);
  const field = (off: number, len: number, s: string): void => void h.write(s, off, len, 'ascii');
  const octal = (off: number, len: number, n: number): void => field(off, len, `${n.toString(8).padStart(len - 1, '0')}\0`);
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, content.length);
  octal(136, 12, 1_700_000_000);
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 8, 'ustar\u000000');
  let sum = 0;
  for (const b of h) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([h, content, pad, Buffer.alloc(1024)]);
}

/** A one-layer OCI image layout at `dir` (one file, hello.txt, holding `text`), tagged latest. */
export function writeOciLayout(dir: string, text: string): void {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const blob = (data: Buffer): { digest: string; size: number } => {
    const d = digest(data);
    writeFileSync(join(blobs, d.slice('sha256:'.length)), data);
    return { digest: d, size: data.length };
  };
  const tar = tarOf('hello.txt', Buffer.from(text));
  const layer = blob(gzipSync(tar));
  const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [digest(tar)] } })));
  const manifest = blob(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  })));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  }));
}
