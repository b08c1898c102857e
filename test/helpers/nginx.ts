// A real nginx for download tests: a private instance (own prefix, config, pid, logs, temp dirs)
// listening on 127.0.0.1, serving a static root with ETags and Range support, plus a few redirect
// locations, and optionally HTTPS with a CA + certificate made at test time with openssl.
//
// nginx comes from the Debian package nginx-light (CI installs it in .ci/run). When it is missing
// the helper throws: a download test that silently skips proves nothing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NginxOptions {
  /** Directory served as the document root. */
  root: string;
  /** Also listen with TLS on a second port (certificate for 127.0.0.1 signed by a test CA). */
  https?: boolean;
  /** Extra directives placed inside every server block. */
  extraConfig?: string;
  /**
   * HTTP Basic (auth_basic + an htpasswd made with `openssl passwd -apr1`) on `location` (default
   * `/basic/`), which serves the same root as `/`. The access log lines then end with ` user=<name>`.
   */
  basicAuth?: { user: string; password: string; location?: string; realm?: string };
}

export interface NginxServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  httpsUrl?: string;
  /** PEM file of the CA that signed the HTTPS certificate (for `tls.ca` or NODE_EXTRA_CA_CERTS). */
  caFile?: string;
  pid: number;
  /** One line per request: `METHOD URI STATUS range="…" if_range="…" sent=BYTES`. */
  accessLogPath: string;
  readAccessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface TestCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
}

const NGINX_PACKAGE = 'nginx-light';

/** NGINX_BIN, when set, is the only candidate (so a wrong setting fails instead of falling back). */
function findNginx(): string {
  const candidates = process.env.NGINX_BIN ? [process.env.NGINX_BIN] : ['/usr/sbin/nginx', '/usr/bin/nginx'];
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  const where = process.env.CI ? 'CI must install it (.ci/run)' : 'install it';
  throw new Error(`nginx is not installed (looked in ${candidates.join(', ')}): ${where} with "apt-get install -y ${NGINX_PACKAGE}", or set NGINX_BIN.`);
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway CA and a server certificate for 127.0.0.1/localhost (and `moreIps`) signed by it, in `dir`. */
export async function makeTestCertificates(dir: string, moreIps: string[] = []): Promise<TestCertificates> {
  await mkdir(dir, { recursive: true });
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'server.pem');
  const ext = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', ...ec, '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=bits-job2 test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', ...ec, '-keyout', keyFile, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await writeFile(ext, [
    `subjectAltName=IP:127.0.0.1,DNS:localhost${moreIps.map((ip) => `,IP:${ip}`).join('')}`,
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ].join('\n') + '\n');
  run(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-set_serial', String(Date.now()), '-days', '2', '-out', certFile, '-extfile', ext]);
  return { caFile, certFile, keyFile };
}

function serverBlock(listen: string, root: string, extra: string, tlsLines: string[], downgradeTo?: string): string {
  return `
  server {
    listen ${listen};
    server_name 127.0.0.1;
    ${tlsLines.join('\n    ')}
    root ${root};
    # Relative Location headers, so clients must resolve them against the request URL.
    absolute_redirect off;
    location /redirect/ { rewrite ^/redirect/(.*)$ /$1 redirect; }
    location /redirect-twice/ { rewrite ^/redirect-twice/(.*)$ /redirect/$1 redirect; }
    location /redirect-loop { return 302 /redirect-loop; }
    ${downgradeTo ? `location /downgrade/ { rewrite ^/downgrade/(.*)$ ${downgradeTo}/$1 redirect; }` : ''}
    ${extra}
  }`;
}

/** The htpasswd line for Basic auth ({APR1} MD5 hash from openssl, which every test machine has). */
function htpasswdLine(user: string, password: string): string {
  const hash = execFileSync('openssl', ['passwd', '-apr1', '-stdin'], { input: password, stdio: ['pipe', 'pipe', 'pipe'] }).toString().trim();
  return `${user}:${hash}\n`;
}

function basicAuthLocation(dir: string, o: NginxOptions): string {
  if (!o.basicAuth) return '';
  const location = o.basicAuth.location ?? '/basic/';
  const realm = (o.basicAuth.realm ?? 'bits-job2 test').replace(/"/g, '');
  return `location ${location} { auth_basic "${realm}"; auth_basic_user_file ${dir}/htpasswd; alias ${o.root.replace(/\/$/, '')}/; }`;
}

function nginxConfig(dir: string, o: NginxOptions, port: number, httpsPort: number | null, certs: TestCertificates | null): string {
  const asRoot = process.getuid?.() === 0;
  const extra = `${o.extraConfig ?? ''}\n    ${basicAuthLocation(dir, o)}`;
  const http = serverBlock(`127.0.0.1:${port}`, o.root, extra, []);
  const https =
    httpsPort && certs
      ? serverBlock(`127.0.0.1:${httpsPort} ssl`, o.root, extra, [`ssl_certificate ${certs.certFile};`, `ssl_certificate_key ${certs.keyFile};`], `http://127.0.0.1:${port}`)
      : '';
  const userField = o.basicAuth ? ' user=$remote_user' : '';
  return `
# Workers started by root would drop to "nobody", who cannot read mkdtemp's 0700 directories.
${asRoot ? 'user root root;' : ''}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  default_type application/octet-stream;
  log_format bits escape=none '$request_method $uri $status range="$http_range" if_range="$http_if_range" sent=$body_bytes_sent${userField}';
  access_log ${dir}/access.log bits;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  sendfile on;
  etag on;
  keepalive_timeout 5s;
${http}
${https}
}
`;
}

/** Resolves once something accepts connections on 127.0.0.1:port; rejects if `child` exits first. */
export function waitForPort(port: number, child: ChildProcess, timeoutMs: number, name = 'nginx'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode})`));
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`${name} did not listen on port ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

// Last resort: never leave a server behind if a test forgets stop() or crashes (squid.ts and
// apache.ts register theirs here too).
export const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 5000).unref())]);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Starts a server binary in the foreground (nginx, apache2, squid), registers it with the exit
 * safety net and waits until every port listens. On failure it stops the process and throws with
 * the tail of its stderr and of its log file.
 */
export async function spawnForegroundServer(bin: string, args: string[], ports: number[], name: string, logFile: string, timeoutMs: number, env?: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  running.add(child.pid!);
  try {
    for (const port of ports) await waitForPort(port, child, timeoutMs, name);
  } catch (e) {
    await stopProcess(child);
    running.delete(child.pid!);
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    throw new Error(`${(e as Error).message}\n${stderr.slice(-4000)}${log.slice(-4000)}`);
  }
  return child;
}

async function startOnce(bin: string, dir: string, o: NginxOptions, certs: TestCertificates | null): Promise<NginxServer> {
  const port = await findFreePort();
  const httpsPort = o.https ? await findFreePort() : null;
  const conf = join(dir, 'nginx.conf');
  if (o.basicAuth) await writeFile(join(dir, 'htpasswd'), htpasswdLine(o.basicAuth.user, o.basicAuth.password));
  await writeFile(conf, nginxConfig(dir, o, port, httpsPort, certs));
  const child = await spawnForegroundServer(bin, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], httpsPort ? [port, httpsPort] : [port], 'nginx', join(dir, 'error.log'), 10_000);
  const accessLogPath = join(dir, 'access.log');
  return {
    url: `http://127.0.0.1:${port}`,
    ...(httpsPort ? { httpsUrl: `https://127.0.0.1:${httpsPort}`, caFile: certs!.caFile } : {}),
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

export async function startNginx(o: NginxOptions): Promise<NginxServer> {
  const bin = findNginx();
  const dir = await mkdtemp(join(tmpdir(), 'bits-nginx-'));
  try {
    const certs = o.https ? await makeTestCertificates(join(dir, 'tls')) : null;
    // findFreePort can race with another process grabbing the port; a couple of retries cover it.
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce(bin, dir, o, certs);
      } catch (e) {
        if (attempt >= 3 || !/in use/i.test((e as Error).message)) throw e;
      }
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
