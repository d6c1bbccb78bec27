/**
 * How skiff reaches one registry: TLS from `--tls-verify`, registries.conf `insecure` and the
 * certs.d directories, credentials from `--creds` or the auth files. Pull, push, login and
 * search all open their clients here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Credentials, lookupCredentials } from '../config/auth.ts';
import { findRegistry, type RegistriesConfig } from '../config/registries.ts';
import type { TlsSettings } from '../image/transport/registry/http.ts';
import { RegistryClient } from '../image/transport/registry/client.ts';
import { SkiffError } from '../util/errors.ts';

export interface RegistryAccess {
  /** `--tls-verify`: undefined leaves it to registries.conf (`insecure`). */
  readonly tlsVerify?: boolean;
  /** `--cert-dir`: replaces the certs.d directories. */
  readonly certDir?: string;
  /** `--creds`: replaces the auth files. */
  readonly credentials?: Credentials;
  /** `--authfile`. */
  readonly authfile?: string;
}

/** `user[:password]` as `--creds` takes it. */
export function parseCreds(value: string): Credentials {
  if (value === '') throw new SkiffError('invalid-argument', 'credentials can\'t be empty');
  const colon = value.indexOf(':');
  if (colon === 0) throw new SkiffError('invalid-argument', 'username can\'t be empty');
  if (colon < 0) throw new SkiffError('invalid-argument', 'a password is required with --creds USERNAME:PASSWORD');
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** The certs.d directories for a `host[:port]`, in containers/image's order. */
export function certDirs(host: string, certDir: string | undefined, rootless: boolean): string[] {
  if (certDir) return [certDir];
  const home = process.env.HOME || homedir();
  return [
    ...(rootless ? [join(process.env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'certs.d', host)] : []),
    join('/etc/containers/certs.d', host),
    join('/etc/docker/certs.d', host),
  ];
}

/**
 * The TLS material of the first certs.d directory that exists: `*.crt` are CAs, a `*.cert`
 * is a client certificate whose key is the `*.key` of the same name.
 */
export function loadCertDir(dirs: readonly string[]): Pick<TlsSettings, 'ca' | 'cert' | 'key'> {
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      throw new SkiffError('config', `reading certificates in ${dir}: ${(e as Error).message}`);
    }
    const ca = names.filter((n) => n.endsWith('.crt')).map((n) => readFileSync(join(dir, n)));
    let cert: Buffer | undefined;
    let key: Buffer | undefined;
    for (const n of names.filter((x) => x.endsWith('.cert'))) {
      const keyName = `${n.slice(0, -'.cert'.length)}.key`;
      if (!names.includes(keyName)) throw new SkiffError('config', `missing key ${keyName} for client certificate ${n}. Note that CA certificates should use the extension .crt`);
      cert = readFileSync(join(dir, n));
      key = readFileSync(join(dir, keyName));
    }
    for (const n of names.filter((x) => x.endsWith('.key'))) {
      const certName = `${n.slice(0, -'.key'.length)}.cert`;
      if (!names.includes(certName)) throw new SkiffError('config', `missing client certificate ${certName} for key ${n}`);
    }
    return { ca, cert, key };
  }
  return {};
}

/** A client for `registry/repository`, with this access's TLS and credentials. */
export function openClient(opts: {
  registry: string;
  repository: string;
  access: RegistryAccess;
  registries: RegistriesConfig;
  rootless: boolean;
  actions: 'pull' | 'pull,push';
  /** registries.conf's `insecure` for this exact location (a mirror has its own). */
  insecure?: boolean;
}): RegistryClient {
  const insecure = opts.insecure ?? findRegistry(opts.registries, `${opts.registry}/${opts.repository}`)?.insecure ?? false;
  const verify = opts.access.tlsVerify ?? !insecure;
  const tls: TlsSettings = { verify, ...loadCertDir(certDirs(opts.registry, opts.access.certDir, opts.rootless)) };
  const credentials = opts.access.credentials ?? lookupCredentials(opts.registry, opts.repository, { authfile: opts.access.authfile });
  return new RegistryClient({ registry: opts.registry, repository: opts.repository, tls, allowHttp: !verify, credentials, actions: opts.actions });
}
