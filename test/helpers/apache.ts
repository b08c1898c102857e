// A real Apache httpd for Digest tests: a private instance (own ServerRoot, config, pid, logs,
// mutex dir) listening on 127.0.0.1:<ephemeral>, run in the foreground as one process
// (`apache2 -X`) and stopped by PID. It serves `root` at `/` and, behind mod_auth_digest
// (AuthType Digest, AuthDigestAlgorithm MD5, qop=auth, an htdigest-format user file), at
// `/digest/` — static files with ETag and Range, like any BITS download server.
//
// Facts checked against Apache 2.4 (Debian): mod_auth_digest knows only MD5 — "AuthDigestAlgorithm
// SHA-256" and even "MD5-sess" are configuration errors — so SHA-256 is tested against a node:http
// fixture instead. Apache refuses to serve as root: started by root it switches to nobody/nogroup,
// so the helper makes `root` and its own directory world-readable (0755/0644).
//
// NTLM (issue 18): mod_auth_gssapi with the gss-ntlmssp mechanism validates NTLMv2 itself against
// a user file (NTLM_USER_FILE, "DOMAIN:user:password" lines, read by gss-ntlmssp in the apache
// process) — a real NTLM server, not a helper that accepts everything. GssapiConnectionBound keeps
// the authentication on the connection, as IIS does. `ntlmAuth` protects `/ntlm/` (files) and,
// with `bitsBackend`, `/bits-ntlm/` (reverse proxy to our BITS server: BITS_POST passes through
// mod_proxy_http); `ntlmProxy` makes the instance a forward proxy that wants NTLM (407,
// Proxy-Authenticate) for every request.
//
// apache2 comes from the Debian package apache2 (CI installs it in .ci/run). When it is missing
// the helper throws: a test that silently skips proves nothing.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, running, spawnForegroundServer, stopProcess } from './nginx.js';

export interface ApacheOptions {
  /** Directory served at `/` and (with digestAuth) at the Digest location; made world-readable. */
  root: string;
  digestAuth?: {
    user: string;
    password: string;
    realm?: string;
    /** Default `/digest/`. */
    location?: string;
    /** AuthDigestNonceLifetime in seconds (default Apache's 300): short values make nonces go stale. */
    nonceLifetimeSeconds?: number;
  };
  ntlmAuth?: {
    users: { domain: string; user: string; password: string }[];
    /** Reverse-proxied at /bits-ntlm/ behind NTLM (our BITS server's URL, trailing slash). */
    bitsBackend?: string;
  };
  /** Forward proxy (ProxyRequests On) wanting NTLM from its clients; needs ntlmAuth for the users. */
  ntlmProxy?: boolean;
  /**
   * Kerberos (issue 18): mod_auth_gssapi with the krb5 mechanism only and the service keytab
   * (HTTP/127.0.0.1 from test/helpers/kdc.ts) protects `/krb/` (files) and, with `bitsBackend`,
   * `/bits-krb/` (reverse proxy to our BITS server). Each request is challenged (no
   * GssapiConnectionBound), and the 200 carries the server's mutual-authentication token.
   */
  kerberosAuth?: { keytab: string; krb5Config: string; bitsBackend?: string };
}

export interface ApacheServer {
  /** http://127.0.0.1:PORT */
  url: string;
  pid: number;
  /** One line per request: `METHOD URI STATUS USER range="…"` (USER and the range `-` when absent). */
  accessLogPath: string;
  readAccessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

const APACHE_PACKAGE = 'apache2';
const MODULES = '/usr/lib/apache2/modules';
/** Where the gss-ntlmssp package registers its mechanism with MIT GSSAPI. */
const GSS_NTLMSSP = '/etc/gss/mech.d/mech.ntlmssp.conf';

function findApache(): string {
  const candidates = process.env.APACHE_BIN ? [process.env.APACHE_BIN] : ['/usr/sbin/apache2', '/usr/sbin/httpd'];
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  const where = process.env.CI ? 'CI must install it (.ci/run)' : 'install it';
  throw new Error(`apache2 is not installed (looked in ${candidates.join(', ')}): ${where} with "apt-get install -y ${APACHE_PACKAGE}", or set APACHE_BIN.`);
}

/** htdigest format: user:realm:MD5(user:realm:password) — what `htdigest -c` writes. */
function htdigestLine(user: string, realm: string, password: string): string {
  return `${user}:${realm}:${createHash('md5').update(`${user}:${realm}:${password}`).digest('hex')}\n`;
}

function apacheConfig(dir: string, port: number, o: ApacheOptions): string {
  const mod = (name: string, file: string) => `LoadModule ${name}_module ${MODULES}/mod_${file}.so`;
  const d = o.digestAuth;
  const root = o.root.replace(/\/$/, '');
  const digest = d
    ? [
        `Alias ${d.location ?? '/digest/'} ${root}/`,
        `<Location ${d.location ?? '/digest/'}>`,
        '  AuthType Digest',
        `  AuthName "${d.realm ?? 'bits-job2 digest'}"`,
        `  AuthDigestDomain ${d.location ?? '/digest/'}`,
        '  AuthDigestProvider file',
        `  AuthUserFile ${dir}/htdigest`,
        '  AuthDigestAlgorithm MD5',
        ...(d.nonceLifetimeSeconds !== undefined ? [`  AuthDigestNonceLifetime ${d.nonceLifetimeSeconds}`] : []),
        '  Require valid-user',
        '</Location>',
      ]
    : [];
  const gss = ['  AuthType GSSAPI', '  AuthName "bits-job2 ntlm"', '  GssapiAllowedMech ntlmssp', '  GssapiConnectionBound On', '  Require valid-user'];
  const n = o.ntlmAuth;
  const ntlm = n
    ? [
        `Alias /ntlm/ ${root}/`,
        '<Location /ntlm/>',
        ...gss,
        '</Location>',
        ...(n.bitsBackend ? ['<Location /bits-ntlm/>', `  ProxyPass ${n.bitsBackend}`, ...gss, '</Location>'] : []),
      ]
    : [];
  const forward = o.ntlmProxy ? ['ProxyRequests On', '<Proxy "*">', ...gss, '</Proxy>'] : [];
  const k = o.kerberosAuth;
  const krbAuth = k ? ['  AuthType GSSAPI', '  AuthName "bits-job2 kerberos"', `  GssapiCredStore keytab:${k.keytab}`, '  GssapiAllowedMech krb5', '  Require valid-user'] : [];
  const kerberos = k
    ? [`Alias /krb/ ${root}/`, '<Location /krb/>', ...krbAuth, '</Location>', ...(k.bitsBackend ? ['<Location /bits-krb/>', `  ProxyPass ${k.bitsBackend}`, ...krbAuth, '</Location>'] : [])]
    : [];
  const gssModules = n || k ? [mod('auth_gssapi', 'auth_gssapi'), mod('proxy', 'proxy'), mod('proxy_http', 'proxy_http')] : [];
  return [
    `ServerRoot ${dir}`,
    `Listen 127.0.0.1:${port}`,
    mod('mpm_event', 'mpm_event'),
    mod('authn_core', 'authn_core'),
    mod('authn_file', 'authn_file'),
    mod('authz_core', 'authz_core'),
    mod('authz_user', 'authz_user'),
    mod('auth_digest', 'auth_digest'),
    mod('alias', 'alias'),
    mod('mime', 'mime'),
    ...gssModules,
    'TypesConfig /etc/mime.types',
    // Ignored unless started by root, which Apache refuses to serve as.
    'User nobody',
    'Group nogroup',
    'ServerName 127.0.0.1',
    `PidFile ${dir}/httpd.pid`,
    `DefaultRuntimeDir ${dir}`,
    `Mutex file:${dir} default`,
    `ErrorLog ${dir}/error.log`,
    'LogLevel warn',
    'LogFormat "%m %U %>s %u range=\\"%{Range}i\\"" bits',
    `CustomLog ${dir}/access.log bits`,
    'KeepAliveTimeout 5',
    `DocumentRoot ${root}`,
    `<Directory ${root}>`,
    '  Require all granted',
    '</Directory>',
    ...digest,
    ...ntlm,
    ...forward,
    ...kerberos,
    '',
  ].join('\n');
}

async function worldReadable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await worldReadable(p);
    else if (e.isFile()) await chmod(p, 0o644);
  }
}

export async function startApache(o: ApacheOptions): Promise<ApacheServer> {
  const bin = findApache();
  if (!existsSync(`${MODULES}/mod_auth_digest.so`)) throw new Error(`${MODULES}/mod_auth_digest.so is missing: install "${APACHE_PACKAGE}".`);
  const dir = await mkdtemp(join(tmpdir(), 'bits-apache-'));
  try {
    await chmod(dir, 0o755);
    await worldReadable(o.root);
    if (o.kerberosAuth && !existsSync(`${MODULES}/mod_auth_gssapi.so`)) throw new Error('Kerberos tests need mod_auth_gssapi: apt-get install -y libapache2-mod-auth-gssapi (scripts/install-test-deps.sh).');
    if (o.ntlmAuth) {
      if (!existsSync(`${MODULES}/mod_auth_gssapi.so`) || !existsSync(GSS_NTLMSSP)) {
        throw new Error(`NTLM tests need mod_auth_gssapi and gss-ntlmssp: apt-get install -y libapache2-mod-auth-gssapi gss-ntlmssp (scripts/install-test-deps.sh).`);
      }
      await writeFile(join(dir, 'ntlm-users'), o.ntlmAuth.users.map((u) => `${u.domain}:${u.user}:${u.password}\n`).join(''), { mode: 0o644 });
    }
    if (o.digestAuth) {
      const d = o.digestAuth;
      await writeFile(join(dir, 'htdigest'), htdigestLine(d.user, d.realm ?? 'bits-job2 digest', d.password), { mode: 0o644 });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce(bin, dir, o);
      } catch (e) {
        if (attempt >= 3 || !/in use|Address already/i.test((e as Error).message)) throw e;
      }
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

async function startOnce(bin: string, dir: string, o: ApacheOptions): Promise<ApacheServer> {
  const port = await findFreePort();
  const conf = join(dir, 'httpd.conf');
  await writeFile(conf, apacheConfig(dir, port, o), { mode: 0o644 });
  const env: Record<string, string> | undefined = o.ntlmAuth || o.kerberosAuth ? {} : undefined;
  if (o.ntlmAuth) env!.NTLM_USER_FILE = join(dir, 'ntlm-users');
  if (o.kerberosAuth) Object.assign(env!, { KRB5_CONFIG: o.kerberosAuth.krb5Config, KRB5_KTNAME: `FILE:${o.kerberosAuth.keytab}` });
  const child = await spawnForegroundServer(bin, ['-X', '-f', conf], [port], 'apache2', join(dir, 'error.log'), 15_000, env);
  const accessLogPath = join(dir, 'access.log');
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    accessLogPath,
    readAccessLog: async () => (existsSync(accessLogPath) ? (await readFile(accessLogPath, 'utf8')).split('\n').filter(Boolean) : []),
    stop: async () => {
      await stopProcess(child);
      running.delete(child.pid!);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
