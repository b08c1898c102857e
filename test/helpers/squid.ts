// A real squid for proxy tests: a private instance (own config, pid, logs, no cache) listening on
// 127.0.0.1:<ephemeral>, run in the foreground (`squid -N`) and stopped by PID. Optionally it
// requires proxy Basic auth (basic_ncsa_auth + an htpasswd file made with openssl) or proxy Digest
// auth (digest_file_auth + a `user:realm:HA1` file, -c; squid 5.7 offers MD5 with qop="auth"), or
// proxy Negotiate with Kerberos (negotiate_kerberos_auth and a service keytab, issue 18).
//
// Squid comes from the Debian package squid (CI installs it in .ci/run). When it is missing the
// helper throws: a proxy test that silently skips proves nothing.
//
// Facts checked against squid 5.7: it forwards extension methods such as BITS_POST with their body
// unchanged; it passes Range through when nothing is cached; it logs a CONNECT only when the tunnel
// closes (so readers poll: waitForLog).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, running, spawnForegroundServer, stopProcess } from './nginx.js';

export interface SquidOptions {
  /** Require proxy Basic auth (407 without it) for this user. */
  basicAuth?: { user: string; password: string; realm?: string };
  /** Require proxy Digest auth (407 without it) for this user; not together with basicAuth. */
  digestAuth?: { user: string; password: string; realm?: string };
  /**
   * Require proxy Negotiate with Kerberos (issue 18): negotiate_kerberos_auth with the service
   * keytab (HTTP/127.0.0.1 from helpers/kdc.ts, any of its entries: GSS_C_NO_NAME) and the
   * realm's krb5.conf; it checks the AP-REQ itself. Exclusive with basicAuth and digestAuth.
   */
  kerberosAuth?: { keytab: string; krb5Config: string };
}

export interface SquidServer {
  /** http://127.0.0.1:PORT */
  url: string;
  host: string;
  port: number;
  pid: number;
  /** One line per request: `METHOD URL STATUS USER` (USER is `-` when none; URL is host:port for CONNECT). */
  accessLogPath: string;
  readAccessLog(): Promise<string[]>;
  /** Polls the access log until a line satisfies `match` (squid logs a tunnel only when it closes). */
  waitForLog(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

const SQUID_PACKAGE = 'squid';
const NCSA_AUTH = '/usr/lib/squid/basic_ncsa_auth';
const DIGEST_AUTH = '/usr/lib/squid/digest_file_auth';
const KERBEROS_AUTH = '/usr/lib/squid/negotiate_kerberos_auth';
const DEFAULT_REALM = 'bits-job2 test proxy';

const realmOf = (a: { realm?: string }): string => (a.realm ?? DEFAULT_REALM).replace(/[\r\n]/g, '');

function findSquid(): string {
  const candidates = process.env.SQUID_BIN ? [process.env.SQUID_BIN] : ['/usr/sbin/squid', '/usr/bin/squid'];
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  const where = process.env.CI ? 'CI must install it (.ci/run)' : 'install it';
  throw new Error(`squid is not installed (looked in ${candidates.join(', ')}): ${where} with "apt-get install -y ${SQUID_PACKAGE}", or set SQUID_BIN.`);
}

function htpasswdLine(user: string, password: string): string {
  const hash = execFileSync('openssl', ['passwd', '-apr1', '-stdin'], { input: password, stdio: ['pipe', 'pipe', 'pipe'] }).toString().trim();
  return `${user}:${hash}\n`;
}

/** digest_file_auth -c line: user:realm:MD5(user:realm:password), so the password is not stored in clear. */
function digestLine(user: string, realm: string, password: string): string {
  if (/[:\r\n]/.test(user) || /[:\r\n]/.test(realm)) throw new Error('digestAuth: user and realm may not contain ":" or line breaks (digest_file_auth file format)');
  return `${user}:${realm}:${createHash('md5').update(`${user}:${realm}:${password}`, 'utf8').digest('hex')}\n`;
}

function squidConfig(dir: string, port: number, o: SquidOptions): string {
  const asRoot = process.getuid?.() === 0;
  const scheme = o.basicAuth
    ? [`auth_param basic program ${NCSA_AUTH} ${dir}/passwd`, `auth_param basic realm ${realmOf(o.basicAuth)}`, 'auth_param basic children 2']
    : o.digestAuth
      ? [`auth_param digest program ${DIGEST_AUTH} -c ${dir}/passwd`, `auth_param digest realm ${realmOf(o.digestAuth)}`, 'auth_param digest children 2']
      : o.kerberosAuth
        ? [`auth_param negotiate program ${KERBEROS_AUTH} -s GSS_C_NO_NAME -k ${o.kerberosAuth.keytab} -t none`, 'auth_param negotiate children 2', 'auth_param negotiate keep_alive on']
        : null;
  const auth = scheme
    ? [...scheme, 'acl authed proxy_auth REQUIRED', 'http_access deny !localnet', 'http_access allow authed', 'http_access deny all']
    : ['http_access allow localnet', 'http_access deny all'];
  return [
    `http_port 127.0.0.1:${port}`,
    'visible_hostname bits-job2-test-squid',
    // Root squid switches to this user, which must be able to write the (0777) private dir.
    ...(asRoot ? ['cache_effective_user proxy'] : []),
    `pid_filename ${dir}/squid.pid`,
    `cache_log ${dir}/cache.log`,
    'logformat bits %rm %ru %>Hs %un',
    'strip_query_terms off',
    `access_log stdio:${dir}/access.log bits`,
    'cache_store_log none',
    'cache deny all',
    'cache_mem 8 MB',
    `coredump_dir ${dir}`,
    'pinger_enable off',
    'netdb_filename none',
    'shutdown_lifetime 0 seconds',
    // Tests use 127.0.0.1 servers on ephemeral ports: no Safe_ports/SSL_ports restrictions.
    'acl localnet src 127.0.0.1/32',
    ...auth,
    '',
  ].join('\n');
}

export async function startSquid(o: SquidOptions = {}): Promise<SquidServer> {
  const bin = findSquid();
  if ([o.basicAuth, o.digestAuth, o.kerberosAuth].filter(Boolean).length > 1) throw new Error('startSquid: basicAuth, digestAuth and kerberosAuth are exclusive');
  if (o.kerberosAuth && !existsSync(KERBEROS_AUTH)) throw new Error(`${KERBEROS_AUTH} is missing: install the squid package ("apt-get install -y ${SQUID_PACKAGE}").`);
  if (o.basicAuth && !existsSync(NCSA_AUTH)) throw new Error(`${NCSA_AUTH} is missing: install the squid package ("apt-get install -y ${SQUID_PACKAGE}").`);
  if (o.digestAuth && !existsSync(DIGEST_AUTH)) throw new Error(`${DIGEST_AUTH} is missing: install the squid package ("apt-get install -y ${SQUID_PACKAGE}").`);
  const dir = await mkdtemp(join(tmpdir(), 'bits-squid-'));
  try {
    await chmod(dir, 0o777);
    if (o.basicAuth || o.digestAuth) {
      const line = o.basicAuth ? htpasswdLine(o.basicAuth.user, o.basicAuth.password) : digestLine(o.digestAuth!.user, realmOf(o.digestAuth!), o.digestAuth!.password);
      await writeFile(join(dir, 'passwd'), line);
      await chmod(join(dir, 'passwd'), 0o644);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce(bin, dir, o);
      } catch (e) {
        if (attempt >= 3 || !/in use|did not listen/i.test((e as Error).message)) throw e;
      }
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

async function startOnce(bin: string, dir: string, o: SquidOptions): Promise<SquidServer> {
  const port = await findFreePort();
  const conf = join(dir, 'squid.conf');
  await writeFile(conf, squidConfig(dir, port, o));
  await chmod(conf, 0o644);
  // The Kerberos helper inherits squid's environment: the test realm's krb5.conf and keytab.
  const env = o.kerberosAuth ? { KRB5_CONFIG: o.kerberosAuth.krb5Config, KRB5_KTNAME: `FILE:${o.kerberosAuth.keytab}` } : undefined;
  const child = await spawnForegroundServer(bin, ['-N', '-d', '1', '-f', conf], [port], 'squid', join(dir, 'cache.log'), 15_000, env);
  const accessLogPath = join(dir, 'access.log');
  const readAccessLog = async () => (existsSync(accessLogPath) ? (await readFile(accessLogPath, 'utf8')).split('\n').filter(Boolean) : []);
  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    pid: child.pid!,
    accessLogPath,
    readAccessLog,
    waitForLog: async (match, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = (await readAccessLog()).find(match);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`squid logged no matching line within ${timeoutMs} ms:\n${(await readAccessLog()).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: async () => {
      await stopProcess(child);
      running.delete(child.pid!);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
