// nginx as the load balancer of a farm of serve instances, with the configuration users are given
// (docs/nginx/bits-farm.conf): read as is, only the lines marked "# site:" replaced. Each instance's
// BITS-Host-Id is its own loopback address on nginx's port (127.0.0.2, .3, .4: every 127/8 address
// is loopback on Linux), which the documented `map $host` sends to that one instance; the farm name
// is 127.0.0.1.
import { join } from 'node:path';
import { findFreePort, makeTestCertificates, type TestCertificates } from './nginx.js';
import { documentedSite, runSiteNginx } from './nginx-site.js';
import { REPO } from './service.js';
import { makeTmpDir } from './tmp.js';

export const FARM_CONF = join(REPO, 'docs/nginx/bits-farm.conf');
/** The documented file names three instances. */
export const FARM_SIZE = 3;

export interface FarmNginx {
  /** https://127.0.0.1:PORT/ : the farm name. */
  url: string;
  port: number;
  caFile: string;
  /** BITS-Host-Id of instance i (0-based): `127.0.0.{i+2}:PORT`. */
  hostId(i: number): string;
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

/** nginx's port is chosen first: the instances need it in their --host-id before nginx can name theirs. */
export async function reserveFarmPort(): Promise<number> {
  return findFreePort();
}

/** Loopback address of instance i's BITS-Host-Id (the farm name is 127.0.0.1). */
export const farmHostIp = (i: number): string => `127.0.0.${i + 2}`;

/** `certs`: certificates to use instead of new ones (they must name every farmHostIp). */
export async function startFarmNginx(port: number, instancePorts: number[], certs?: TestCertificates): Promise<FarmNginx> {
  if (instancePorts.length !== FARM_SIZE) throw new Error(`the documented farm has ${FARM_SIZE} instances`);
  const hostIp = farmHostIp;
  const tmp = await makeTmpDir('bits-farm-nginx');
  certs ??= await makeTestCertificates(tmp.file('certs'), instancePorts.map((_, i) => hostIp(i)));
  const site = await documentedSite(FARM_CONF);
  const replace = site.replace;
  instancePorts.forEach((p, i) => {
    const n = i + 1;
    replace(new RegExp(`^( *server 127\\.0\\.0\\.1:)808${n}( .*# site: instance ${n})$`, 'm'), `$1${p}$2`);
    replace(new RegExp(`^(upstream bits_host_${n} \\{ server 127\\.0\\.0\\.1:)808${n}(;.*# site: instance ${n})$`, 'm'), `$1${p}$2`);
    replace(new RegExp(`^ *bits${n}\\.example\\.com( +bits_host_${n};) *# site:.*$`, 'm'), `    ${hostIp(i)}$1`);
  });
  replace(/^ *listen 443 ssl; *# site:.*$/m, ['127.0.0.1', ...instancePorts.map((_, i) => hostIp(i))].map((ip) => `    listen ${ip}:${port} ssl;`).join('\n'));
  replace(/^ *server_name .*# site$/m, '    server_name _;');
  replace(/^ *ssl_certificate +\S+; *# site$/m, `    ssl_certificate ${certs.certFile};`);
  replace(/^ *ssl_certificate_key +\S+; *# site$/m, `    ssl_certificate_key ${certs.keyFile};`);
  const nginx = await runSiteNginx(tmp, 'bits-farm.conf', site.text(), port, { workerConnections: 4096 });
  return {
    url: `https://127.0.0.1:${port}/`,
    port,
    caFile: certs.caFile,
    hostId: (i) => `${hostIp(i)}:${port}`,
    dir: tmp.path,
    pid: nginx.pid,
    async stop() {
      await nginx.stop();
      await tmp.cleanup();
    },
  };
}
