// Bench 4: upload of one file (the download bench's random bytes) on loopback — a BITS UPLOAD job
// through the per-user service to our own server (`bits-job2 serve`, a child process) vs `curl -T`
// (HTTP PUT) of the same file to nginx with its WebDAV module (`dav_methods PUT`), plus peak RSS of
// the service, of our server and of the nginx worker that took the PUT.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JobState, JobType, nameOf } from '../../module/api/enums.js';
import type { ServiceClient } from '../../module/service/client.js';
import { startChildServer, type ChildServer } from '../../test/helpers/bits-server.js';
import { startNginx, type NginxServer } from '../../test/helpers/nginx.js';
import { POLL_MS, type DownloadFixture } from './download.js';
import { cpuProfArgs, profileDir, readProfileDir, type ProfileSummary } from './profile.js';
import { startService } from './service.js';
import { CLI_JS, NODE, nginxWorker, cpuMs, cpuSPerGiB, hrMs, MiB, mibPerS, onCleanup, procStatusKb, progress, resetPeakRss, sleep, syncDisks, tempDir, timedOkCpu } from './util.js';

/** nginx's WebDAV module, PUT only, no body size limit; the server block's root is the upload dir. */
export const NGINX_DAV_CONFIG = 'dav_methods PUT; create_full_put_path on; client_max_body_size 0; dav_access user:rw;';

export interface UploadFixture {
  src: string;
  bytes: number;
  nginx: NginxServer;
  /** nginx's worker process (the one that receives the PUT), for its RSS. */
  nginxWorkerPid: number;
  nginxRoot: string;
  server: ChildServer;
  serverRoot: string;
  serverArgs: string[];
}

export async function setUpUploads(f: DownloadFixture): Promise<UploadFixture> {
  const dir = tempDir('bj2up-');
  onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const nginxRoot = join(dir, 'nginx-put');
  const serverRoot = join(dir, 'bits-root');
  mkdirSync(nginxRoot);
  mkdirSync(serverRoot);
  const nginx = await startNginx({ root: nginxRoot, extraConfig: NGINX_DAV_CONFIG });
  onCleanup(`nginx pid ${nginx.pid}`, () => nginx.stop());
  const workers = [await nginxWorker(nginx.pid)];
  const serverArgs = ['--root', serverRoot];
  const server = await startChildServer(serverArgs);
  onCleanup(`bits-job2 serve pid ${server.pid}`, () => server.stop());
  progress(`upload: nginx (PUT) pid ${nginx.pid} worker ${workers[0]} on ${nginx.url}; bits-job2 serve pid ${server.pid} on ${server.url}`);
  return { src: join(f.www, f.bigName), bytes: f.bigBytes, nginx, nginxWorkerPid: workers[0]!, nginxRoot, server, serverRoot, serverArgs };
}

function checkSize(path: string, bytes: number, who: string): void {
  if (!existsSync(path)) throw new Error(`${who}: nothing arrived at ${path}`);
  const got = statSync(path).size;
  if (got !== bytes) throw new Error(`${who}: ${path} has ${got} bytes, expected ${bytes}`);
}

export const curlPutArgs = (src: string, url: string) => ['-s', '-f', '-T', src, url];
/** curl -T, then `sync` of the file nginx wrote: our server fdatasyncs an upload before it commits it. */
export const curlPutSyncScript = (src: string, url: string, landed: string) => `curl -s -f -T '${src}' '${url}' && sync '${landed}'`;

export interface ServerRun {
  ms: number;
  /** Peak RSS of the receiving process during this run (VmHWM after a clear_refs reset), kB. */
  serverHwmKb: number;
  /** CPU (user + system) of the sender (curl; the service) and of the receiver (nginx worker; our server) in this run, ms. */
  clientCpuMs: number;
  serverCpuMs: number;
}

export async function timeCurlPut(u: UploadFixture, name: string, withSync: boolean): Promise<ServerRun> {
  const landed = join(u.nginxRoot, name);
  rmSync(landed, { force: true });
  syncDisks();
  resetPeakRss(u.nginxWorkerPid);
  const url = `${u.nginx.url}/${name}`;
  const n0 = cpuMs(u.nginxWorkerPid);
  const r = withSync ? await timedOkCpu('sh', ['-c', curlPutSyncScript(u.src, url, landed)]) : await timedOkCpu('curl', curlPutArgs(u.src, url));
  const serverCpuMs = cpuMs(u.nginxWorkerPid) - n0;
  const serverHwmKb = procStatusKb(u.nginxWorkerPid, 'VmHWM') ?? NaN;
  checkSize(landed, u.bytes, 'curl -T to nginx');
  rmSync(landed, { force: true });
  return { ms: r.ms, serverHwmKb, clientCpuMs: r.cpuMs, serverCpuMs };
}

export interface BitsUploadRun extends ServerRun {
  /** resume() → the job's own transferCompletionTime (no poll granularity). */
  engineMs: number;
  serviceHwmKb: number;
}

/** Polls describeJob every `pollMs` until `state`; throws on ERROR / TRANSIENT_ERROR or after 10 minutes. */
export async function waitForState(client: ServiceClient, id: string, state: number, pollMs: number, start: number): Promise<{ ms: number; completedIso: string | null }> {
  for (;;) {
    await sleep(pollMs);
    const s = await client.describeJob(id);
    if (s.state === state) return { ms: hrMs() - start, completedIso: s.times.transferCompletionTime };
    if (s.state === JobState.ERROR || s.state === JobState.TRANSIENT_ERROR) {
      throw new Error(`bits-job2 job went ${nameOf(JobState, s.state)}: ${s.error?.name} ${s.error?.message}`);
    }
    if (hrMs() - start > 600_000) throw new Error(`bits-job2 job did not reach ${nameOf(JobState, state)} within 10 minutes`);
  }
}

/**
 * One UPLOAD job through a fresh service: create, add file, resume, poll until TRANSFERRED (the
 * server has committed the file), complete. `server` replaces the fixture's (e.g. one under
 * --cpu-prof); `nodeArgs` go to the service's node.
 */
export async function bitsUpload(u: UploadFixture, name: string, opts: { server?: { url: string; pid: number }; nodeArgs?: string[]; main?: string; env?: Record<string, string> } = {}): Promise<BitsUploadRun> {
  const server = opts.server ?? u.server;
  const landed = join(u.serverRoot, name);
  rmSync(landed, { force: true });
  syncDisks();
  const svc = await startService({ nodeArgs: opts.nodeArgs, main: opts.main, env: opts.env });
  try {
    const { client, pid } = svc;
    const id = await client.createJob('bench upload', JobType.UPLOAD);
    await client.addFiles(id, [{ remoteName: new URL(name, server.url).href, localName: u.src }]);
    resetPeakRss(server.pid);
    const client0 = cpuMs(pid);
    const server0 = cpuMs(server.pid);
    const wallStart = Date.now();
    const start = hrMs();
    await client.resume(id);
    const { ms, completedIso } = await waitForState(client, id, JobState.TRANSFERRED, POLL_MS, start);
    const clientCpuMs = cpuMs(pid) - client0;
    const serverCpuMs = cpuMs(server.pid) - server0;
    const serviceHwmKb = procStatusKb(pid, 'VmHWM') ?? NaN;
    const serverHwmKb = procStatusKb(server.pid, 'VmHWM') ?? NaN;
    await client.complete(id);
    checkSize(landed, u.bytes, 'bits-job2 upload');
    rmSync(landed, { force: true });
    return { ms, engineMs: completedIso ? Date.parse(completedIso) - wallStart : NaN, serviceHwmKb, serverHwmKb, clientCpuMs, serverCpuMs };
  } finally {
    await svc.stop();
  }
}

export interface UploadResults {
  bytes: number;
  runs: number;
  curl: ServerRun[];
  curlSync: ServerRun[];
  bits: BitsUploadRun[];
  /** Commands as run (temp paths of this run). */
  commands: { curl: string; curlSync: string; serve: string; nginxConfig: string };
  /** Idle peak RSS of the receivers before the first upload (start-up included), kB. */
  idleServerHwmKb: number;
  idleNginxWorkerHwmKb: number;
}

export async function runUploadBench(u: UploadFixture, runs: number): Promise<UploadResults> {
  const r: UploadResults = {
    bytes: u.bytes, runs, curl: [], curlSync: [], bits: [],
    commands: {
      curl: `curl ${curlPutArgs(u.src, `${u.nginx.url}/curl-N.bin`).join(' ')}`,
      curlSync: `sh -c "${curlPutSyncScript(u.src, `${u.nginx.url}/curlsync-N.bin`, join(u.nginxRoot, 'curlsync-N.bin'))}"`,
      serve: `node dist/module/cli/main.js serve --host 127.0.0.1 --port 0 --json ${u.serverArgs.join(' ')}`,
      nginxConfig: NGINX_DAV_CONFIG,
    },
    idleServerHwmKb: procStatusKb(u.server.pid, 'VmHWM') ?? NaN,
    idleNginxWorkerHwmKb: procStatusKb(u.nginxWorkerPid, 'VmHWM') ?? NaN,
  };
  const rate = (ms: number) => `${mibPerS(u.bytes, ms).toFixed(0)} MiB/s`;
  const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;
  const cpu = (x: ServerRun) => `CPU ${cpuSPerGiB(x.clientCpuMs + x.serverCpuMs, u.bytes).toFixed(2)} s/GiB (sender ${cpuSPerGiB(x.clientCpuMs, u.bytes).toFixed(2)} + receiver ${cpuSPerGiB(x.serverCpuMs, u.bytes).toFixed(2)})`;
  progress(`upload: warm-up (one untimed curl -T, one untimed bits-job2 upload of the ${u.bytes / MiB} MiB file)`);
  await timeCurlPut(u, 'warm-curl.bin', false);
  await bitsUpload(u, 'warm-bits.bin');
  for (let i = 1; i <= runs; i++) {
    const c = await timeCurlPut(u, `curl-${i}.bin`, false);
    r.curl.push(c);
    progress(`upload run ${i}/${runs} curl -T        ${c.ms.toFixed(0)} ms  ${rate(c.ms)}  ${cpu(c)}  nginx worker VmHWM ${mib(c.serverHwmKb)}`);
    const cs = await timeCurlPut(u, `curlsync-${i}.bin`, true);
    r.curlSync.push(cs);
    progress(`upload run ${i}/${runs} curl -T + sync ${cs.ms.toFixed(0)} ms  ${rate(cs.ms)}  ${cpu(cs)}`);
    const b = await bitsUpload(u, `bits-${i}.bin`);
    r.bits.push(b);
    progress(`upload run ${i}/${runs} bits-job2      ${b.ms.toFixed(0)} ms (engine stamp ${b.engineMs} ms)  ${rate(b.ms)}  ${cpu(b)}  service ${mib(b.serviceHwmKb)}, server ${mib(b.serverHwmKb)}`);
  }
  return r;
}

/**
 * For a missed upload target: one upload with both ends under the V8 profiler — the service
 * (`node --cpu-prof ... service/main.js`) and a second `bits-job2 serve` on the same root
 * (`node --cpu-prof ... cli/main.js serve`); each writes its profile when it stops.
 */
export async function profileUpload(u: UploadFixture): Promise<{ service: ProfileSummary; server: ProfileSummary; uploadMs: number }> {
  const serviceDir = profileDir();
  const serverDir = profileDir();
  const child = spawn(NODE, [...cpuProfArgs(serverDir), CLI_JS, 'serve', '--host', '127.0.0.1', '--port', '0', '--json', ...u.serverArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = onCleanup(`profiled bits-job2 serve pid ${child.pid}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
  });
  try {
    let out = '';
    const info = await new Promise<{ url: string }>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += d;
        try {
          resolve(JSON.parse(out) as { url: string });
        } catch {
          /* not complete yet */
        }
      });
      child.once('exit', (code) => reject(new Error(`profiled serve exited with ${code} before printing its URL`)));
    });
    const run = await bitsUpload(u, 'profiled.bin', { server: { url: info.url, pid: child.pid! }, nodeArgs: cpuProfArgs(serviceDir) });
    await stop();
    return { service: readProfileDir(serviceDir), server: readProfileDir(serverDir), uploadMs: run.ms };
  } finally {
    await stop();
  }
}
