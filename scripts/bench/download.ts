// Bench 1: download of one file from the same private nginx on loopback — bits-job2 through the
// per-user service vs curl vs aria2c (-x1 and -x4), plus the service's peak RSS (VmHWM) for the big
// file, a 64 MiB file and an idle service.
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { once } from 'node:events';
import { JobState, JobType, nameOf } from '../../module/api/enums.js';
import { startNginx, type NginxServer } from '../../test/helpers/nginx.js';
import { startService } from './service.js';
import { nginxWorker, cpuMs, threadCpuMs, cpuSPerGiB, hrMs, MiB, onCleanup, tempDir, procStatusKb, progress, sleep, syncDisks, timedOkCpu } from './util.js';

export const POLL_MS = 100;

export interface DownloadFixture {
  dir: string;
  www: string;
  out: string;
  nginx: NginxServer;
  /** nginx's one worker (the process that serves every request), for its CPU time. */
  nginxWorkerPid: number;
  bigName: string;
  bigBytes: number;
  smallName: string;
  smallBytes: number;
  /** The file every job of the concurrent bench downloads. */
  concName: string;
  concBytes: number;
  url(name: string): string;
}

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const ws = createWriteStream(path);
  const chunk = Buffer.allocUnsafe(16 * MiB);
  for (let left = bytes; left > 0; ) {
    const n = Math.min(left, chunk.length);
    randomFillSync(chunk, 0, n);
    // copy: the stream may still hold the previous chunk while we refill
    if (!ws.write(Buffer.from(chunk.subarray(0, n)))) await once(ws, 'drain');
    left -= n;
  }
  ws.end();
  await once(ws, 'finish');
}

/** Temp dir with the served files (random bytes) and an output dir, and a private nginx serving them. */
export async function setUpDownloads(bigBytes: number, smallBytes: number, concBytes: number): Promise<DownloadFixture> {
  const dir = tempDir('bj2bench-');
  onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const www = join(dir, 'www');
  const out = join(dir, 'out');
  mkdirSync(www);
  mkdirSync(out);
  progress(`writing ${bigBytes / MiB}, ${smallBytes / MiB} and ${concBytes / MiB} MiB of random bytes under ${www}`);
  await writeRandomFile(join(www, 'big.bin'), bigBytes);
  await writeRandomFile(join(www, 'small.bin'), smallBytes);
  await writeRandomFile(join(www, 'conc.bin'), concBytes);
  syncDisks();
  const nginx = await startNginx({ root: www });
  onCleanup(`nginx pid ${nginx.pid}`, () => nginx.stop());
  const workers = [await nginxWorker(nginx.pid)];
  progress(`nginx pid ${nginx.pid} (worker ${workers[0]}) serves ${nginx.url}`);
  return {
    dir, www, out, nginx, nginxWorkerPid: workers[0]!, bigName: 'big.bin', bigBytes, smallName: 'small.bin', smallBytes, concName: 'conc.bin', concBytes,
    url: (name) => `${nginx.url}/${name}`,
  };
}

function checkSize(path: string, bytes: number, who: string): void {
  const got = statSync(path).size;
  if (got !== bytes) throw new Error(`${who} wrote ${got} bytes to ${path}, expected ${bytes}`);
}

// ── the external tools ──────────────────────────────────────────────────────────────────────────

export const curlArgs = (url: string, file: string) => ['-s', '-o', file, url];
export const ariaArgs = (conns: number, url: string, dir: string, name: string) => [
  `-x${conns}`, `-s${conns}`, '--allow-overwrite=true', '-d', dir, '-o', name, url,
];

/** One tool run: wall time, the tool's own CPU (getrusage via /usr/bin/time) and the nginx worker's CPU meanwhile. */
export interface ToolRun {
  ms: number;
  cpuMs: number;
  nginxCpuMs: number;
}

/** Runs `cmd args` under /usr/bin/time and reads the nginx worker's CPU time around it. */
async function toolRun(f: DownloadFixture, cmd: string, args: string[]): Promise<ToolRun> {
  const n0 = cpuMs(f.nginxWorkerPid);
  const r = await timedOkCpu(cmd, args);
  return { ms: r.ms, cpuMs: r.cpuMs, nginxCpuMs: cpuMs(f.nginxWorkerPid) - n0 };
}

export async function timeCurl(f: DownloadFixture, name: string, bytes: number): Promise<ToolRun> {
  const file = join(f.out, `curl-${name}`);
  rmSync(file, { force: true });
  syncDisks();
  const r = await toolRun(f, 'curl', curlArgs(f.url(name), file));
  checkSize(file, bytes, 'curl');
  rmSync(file, { force: true });
  return r;
}

/** curl, then `sync FILE` (fsync of the output): the durability bits-job2 gives before TRANSFERRED. */
export const curlSyncScript = (url: string, file: string) => `curl -s -o '${file}' '${url}' && sync '${file}'`;

export async function timeCurlSync(f: DownloadFixture, name: string, bytes: number): Promise<ToolRun> {
  const file = join(f.out, `curlsync-${name}`);
  rmSync(file, { force: true });
  syncDisks();
  const r = await toolRun(f, 'sh', ['-c', curlSyncScript(f.url(name), file)]);
  checkSize(file, bytes, 'curl + sync');
  rmSync(file, { force: true });
  return r;
}

export async function timeAria(f: DownloadFixture, name: string, bytes: number, conns: number): Promise<ToolRun> {
  const outName = `aria${conns}-${name}`;
  const file = join(f.out, outName);
  rmSync(file, { force: true });
  syncDisks();
  const r = await toolRun(f, 'aria2c', ariaArgs(conns, f.url(name), f.out, outName));
  checkSize(file, bytes, `aria2c -x${conns}`);
  rmSync(file, { force: true });
  return r;
}

// ── bits-job2 through the service ───────────────────────────────────────────────────────────────

export interface BitsRun {
  /** resume() called → TRANSFERRED seen by the 100 ms describeJob poll. */
  pollMs: number;
  /** resume() called → the job's own transferCompletionTime (no poll granularity). */
  engineMs: number;
  /** complete() round trip (rename of the temp file to the destination). */
  completeMs: number;
  /** Service peak RSS (VmHWM) read at the end of the download, kB. */
  vmHwmKb: number;
  /** Service CPU (utime + stime, all threads) from resume to TRANSFERRED seen, ms; and the nginx worker's meanwhile. */
  cpuMs: number;
  /** The same split by thread: the main thread (JS, socket reads), the others (thread pool: page-cache writes, fsyncs; V8 helpers). */
  mainThreadCpuMs: number;
  otherThreadsCpuMs: number;
  nginxCpuMs: number;
  pid: number;
}

/**
 * One download through a fresh service (fresh state dir): create job, add file, resume, poll
 * describeJob every 100 ms until TRANSFERRED, read VmHWM, complete, stop the service.
 * `during(pid)` runs after the service is up and before resume (e.g. to attach strace).
 */
export async function bitsDownload(
  f: DownloadFixture,
  name: string,
  bytes: number,
  opts: { nodeArgs?: string[]; env?: Record<string, string>; main?: string; during?: (pid: number) => Promise<void> } = {},
): Promise<BitsRun> {
  const dest = join(f.out, `bits-${name}`);
  rmSync(dest, { force: true });
  syncDisks();
  const svc = await startService({ nodeArgs: opts.nodeArgs, env: opts.env, main: opts.main });
  try {
    const { client, pid } = svc;
    const id = await client.createJob('bench download', JobType.DOWNLOAD);
    await client.addFiles(id, [{ remoteName: f.url(name), localName: dest }]);
    if (opts.during) await opts.during(pid);
    const cpu0 = cpuMs(pid);
    const threads0 = threadCpuMs(pid);
    const nginx0 = cpuMs(f.nginxWorkerPid);
    const wallStart = Date.now();
    const start = hrMs();
    await client.resume(id);
    let pollMs = NaN;
    let completedIso: string | null = null;
    for (;;) {
      await sleep(POLL_MS);
      const s = await client.describeJob(id);
      if (s.state === JobState.TRANSFERRED) {
        pollMs = hrMs() - start;
        completedIso = s.times.transferCompletionTime;
        break;
      }
      if (s.state === JobState.ERROR || s.state === JobState.TRANSIENT_ERROR) {
        throw new Error(`bits-job2 job went ${nameOf(JobState, s.state)}: ${s.error?.name} ${s.error?.message}`);
      }
      if (hrMs() - start > 600_000) throw new Error('bits-job2 download did not finish within 10 minutes');
    }
    const cpu = cpuMs(pid) - cpu0;
    const threads = threadCpuMs(pid);
    const nginxCpu = cpuMs(f.nginxWorkerPid) - nginx0;
    const vmHwmKb = procStatusKb(pid, 'VmHWM') ?? NaN;
    const engineMs = completedIso ? Date.parse(completedIso) - wallStart : NaN;
    const c0 = hrMs();
    await client.complete(id);
    const completeMs = hrMs() - c0;
    checkSize(dest, bytes, 'bits-job2');
    rmSync(dest, { force: true });
    return {
      pollMs, engineMs, completeMs, vmHwmKb, cpuMs: cpu, nginxCpuMs: nginxCpu, pid,
      mainThreadCpuMs: threads.main - threads0.main, otherThreadsCpuMs: threads.others - threads0.others,
    };
  } finally {
    await svc.stop();
  }
}

/** VmHWM of a fresh service that only answered ping (its baseline), kB. */
export async function idleServiceHwm(): Promise<number> {
  const svc = await startService();
  try {
    await sleep(200);
    return procStatusKb(svc.pid, 'VmHWM') ?? NaN;
  } finally {
    await svc.stop();
  }
}

// ── the whole bench ─────────────────────────────────────────────────────────────────────────────

export interface DownloadResults {
  bytes: number;
  smallBytes: number;
  runs: number;
  curlMs: number[];
  curlSyncMs: number[];
  aria1Ms: number[];
  aria4Ms: number[];
  /** The same runs with their CPU (tool's own, and the nginx worker's), in run order. */
  curlRuns: ToolRun[];
  curlSyncRuns: ToolRun[];
  aria1Runs: ToolRun[];
  aria4Runs: ToolRun[];
  bits: BitsRun[];
  bitsSmall: BitsRun[];
  idleHwmKb: number[];
  url: string;
  outDir: string;
}

export async function runDownloadBench(f: DownloadFixture, runs: number): Promise<DownloadResults> {
  const r: DownloadResults = {
    bytes: f.bigBytes, smallBytes: f.smallBytes, runs, curlMs: [], curlSyncMs: [], aria1Ms: [], aria4Ms: [],
    curlRuns: [], curlSyncRuns: [], aria1Runs: [], aria4Runs: [], bits: [], bitsSmall: [], idleHwmKb: [],
    url: f.url(f.bigName), outDir: f.out,
  };
  const mbs = (ms: number, bytes = f.bigBytes) => `${(bytes / MiB / (ms / 1000)).toFixed(0)} MB/s`;
  const cpu = (t: { cpuMs: number; nginxCpuMs: number }) => `CPU ${cpuSPerGiB(t.cpuMs, f.bigBytes).toFixed(2)} s/GiB (nginx ${cpuSPerGiB(t.nginxCpuMs, f.bigBytes).toFixed(2)})`;
  progress('warm-up: one untimed curl of the big file (page cache, nginx)');
  await timeCurl(f, f.bigName, f.bigBytes);
  for (let i = 1; i <= runs; i++) {
    const c = await timeCurl(f, f.bigName, f.bigBytes);
    r.curlMs.push(c.ms);
    r.curlRuns.push(c);
    progress(`run ${i}/${runs} curl        ${c.ms.toFixed(0)} ms  ${mbs(c.ms)}  ${cpu(c)}`);
    const cs = await timeCurlSync(f, f.bigName, f.bigBytes);
    r.curlSyncMs.push(cs.ms);
    r.curlSyncRuns.push(cs);
    progress(`run ${i}/${runs} curl + sync ${cs.ms.toFixed(0)} ms  ${mbs(cs.ms)}  ${cpu(cs)}`);
    const a1 = await timeAria(f, f.bigName, f.bigBytes, 1);
    r.aria1Ms.push(a1.ms);
    r.aria1Runs.push(a1);
    progress(`run ${i}/${runs} aria2c -x1  ${a1.ms.toFixed(0)} ms  ${mbs(a1.ms)}  ${cpu(a1)}`);
    const a4 = await timeAria(f, f.bigName, f.bigBytes, 4);
    r.aria4Ms.push(a4.ms);
    r.aria4Runs.push(a4);
    progress(`run ${i}/${runs} aria2c -x4  ${a4.ms.toFixed(0)} ms  ${mbs(a4.ms)}  ${cpu(a4)}`);
    const b = await bitsDownload(f, f.bigName, f.bigBytes);
    r.bits.push(b);
    progress(`run ${i}/${runs} bits-job2   ${b.pollMs.toFixed(0)} ms (engine stamp ${b.engineMs} ms)  ${mbs(b.pollMs)}  ${cpu(b)} main thread ${cpuSPerGiB(b.mainThreadCpuMs, f.bigBytes).toFixed(2)}, others ${cpuSPerGiB(b.otherThreadsCpuMs, f.bigBytes).toFixed(2)}  VmHWM ${(b.vmHwmKb / 1024).toFixed(1)} MiB`);
  }
  for (let i = 1; i <= runs; i++) {
    const b = await bitsDownload(f, f.smallName, f.smallBytes);
    r.bitsSmall.push(b);
    progress(`run ${i}/${runs} bits-job2 ${f.smallBytes / MiB} MiB  ${b.pollMs.toFixed(0)} ms  VmHWM ${(b.vmHwmKb / 1024).toFixed(1)} MiB`);
    const idle = await idleServiceHwm();
    r.idleHwmKb.push(idle);
    progress(`run ${i}/${runs} idle service VmHWM ${(idle / 1024).toFixed(1)} MiB`);
  }
  return r;
}
