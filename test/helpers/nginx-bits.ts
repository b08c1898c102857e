// nginx as the reverse proxy / load balancer of our BITS server, with the configuration users are
// given (docs/nginx/bits-upload.conf): the file is read as is and only its lines marked "# site:"
// (addresses, ports, certificate paths) are replaced, plus a test main config around it (own
// prefix, pid, logs, temp dirs) — so what is tested is what is documented.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { findFreePort, makeTestCertificates, running, spawnForegroundServer, stopProcess, type TestCertificates } from './nginx.js';
import { REPO } from './service.js';
import { makeTmpDir } from './tmp.js';

export const DOCUMENTED_CONF = join(REPO, 'docs/nginx/bits-upload.conf');

export interface BitsNginx {
  /** https://127.0.0.1:PORT/ */
  url: string;
  port: number;
  caFile: string;
  pid: number;
  dir: string;
  /** The upstream block as written (for the farm's affinity rules). */
  conf: string;
  stop(): Promise<void>;
}

export interface BitsNginxOptions {
  /** `server` lines of the upstream block, e.g. ['127.0.0.1:8080'] (options allowed: 'x:1 max_fails=1'). */
  upstreams: string[];
  /** Replaces the whole upstream block's balancing (e.g. a `hash` line); default round-robin. */
  balancing?: string;
  /** Extra directives in the http block (maps for affinity). */
  httpExtra?: string;
  /** Certificates to use instead of new ones (the load bench trusts one CA through NODE_EXTRA_CA_CERTS). */
  certs?: TestCertificates;
}

export async function startBitsNginx(o: BitsNginxOptions): Promise<BitsNginx> {
  const tmp = await makeTmpDir('bits-nginx');
  const certs = o.certs ?? (await makeTestCertificates(tmp.file('certs')));
  const port = await findFreePort();
  let conf = await readFile(DOCUMENTED_CONF, 'utf8');
  const replace = (pattern: RegExp, value: string) => {
    if (!pattern.test(conf)) throw new Error(`${DOCUMENTED_CONF} no longer has a line matching ${pattern}: update the test helper with the docs`);
    conf = conf.replace(pattern, value);
  };
  replace(/^ *server 127\.0\.0\.1:8080; *# site:.*$/m, [o.balancing ?? '', ...o.upstreams.map((u) => `server ${u};`)].map((l) => `    ${l}`).join('\n'));
  replace(/^ *listen 443 ssl; *# site:.*$/m, `    listen 127.0.0.1:${port} ssl;`);
  replace(/^ *ssl_certificate +\S+; *# site$/m, `    ssl_certificate ${certs.certFile};`);
  replace(/^ *ssl_certificate_key +\S+; *# site$/m, `    ssl_certificate_key ${certs.keyFile};`);
  await writeFile(tmp.file('bits-upload.conf'), conf);
  const asRoot = process.getuid?.() === 0;
  await writeFile(tmp.file('nginx.conf'), `
${asRoot ? 'user root root;' : ''}
daemon off;
worker_processes 1;
pid ${tmp.path}/nginx.pid;
error_log ${tmp.path}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${tmp.path}/access.log;
  client_body_temp_path ${tmp.path}/client_body;
  proxy_temp_path ${tmp.path}/proxy;
  fastcgi_temp_path ${tmp.path}/fastcgi;
  uwsgi_temp_path ${tmp.path}/uwsgi;
  scgi_temp_path ${tmp.path}/scgi;
  ${o.httpExtra ?? ''}
  include ${tmp.path}/bits-upload.conf;
}
`);
  const bin = process.env.NGINX_BIN ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : '/usr/bin/nginx');
  const child = await spawnForegroundServer(bin, ['-p', tmp.path, '-c', tmp.file('nginx.conf'), '-e', tmp.file('error.log')], [port], 'nginx', tmp.file('error.log'), 10_000);
  return {
    url: `https://127.0.0.1:${port}/`,
    port,
    caFile: certs.caFile,
    pid: child.pid!,
    dir: tmp.path,
    conf,
    async stop() {
      await stopProcess(child);
      running.delete(child.pid!);
      await tmp.cleanup();
    },
  };
}
