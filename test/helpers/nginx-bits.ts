// nginx as the reverse proxy / load balancer of our BITS server, with the configuration users are
// given (docs/nginx/bits-upload.conf): the file is read as is and only its lines marked "# site:"
// (addresses, ports, certificate paths) are replaced, plus a test main config around it (own
// prefix, pid, logs, temp dirs) — so what is tested is what is documented.
import { join } from 'node:path';
import { findFreePort, makeTestCertificates, type TestCertificates } from './nginx.js';
import { documentedSite, runSiteNginx } from './nginx-site.js';
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
  /** Replaces the documented client_max_body_size (a proxy that allows smaller fragments than serve). */
  clientMaxBodySize?: string;
}

export async function startBitsNginx(o: BitsNginxOptions): Promise<BitsNginx> {
  const tmp = await makeTmpDir('bits-nginx');
  const certs = o.certs ?? (await makeTestCertificates(tmp.file('certs')));
  const port = await findFreePort();
  const site = await documentedSite(DOCUMENTED_CONF);
  const replace = site.replace;
  replace(/^ *server 127\.0\.0\.1:8080; *# site:.*$/m, [o.balancing ?? '', ...o.upstreams.map((u) => `server ${u};`)].map((l) => `    ${l}`).join('\n'));
  if (o.clientMaxBodySize) replace(/^ *client_max_body_size \S+;/m, `    client_max_body_size ${o.clientMaxBodySize};`);
  replace(/^ *listen 443 ssl; *# site:.*$/m, `    listen 127.0.0.1:${port} ssl;`);
  replace(/^ *ssl_certificate +\S+; *# site$/m, `    ssl_certificate ${certs.certFile};`);
  replace(/^ *ssl_certificate_key +\S+; *# site$/m, `    ssl_certificate_key ${certs.keyFile};`);
  const nginx = await runSiteNginx(tmp, 'bits-upload.conf', site.text(), port, { workerConnections: 1024, ...(o.httpExtra ? { httpExtra: o.httpExtra } : {}) });
  return {
    url: `https://127.0.0.1:${port}/`,
    port,
    caFile: certs.caFile,
    pid: nginx.pid,
    dir: tmp.path,
    conf: site.text(),
    async stop() {
      await nginx.stop();
      await tmp.cleanup();
    },
  };
}
