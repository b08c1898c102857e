// Bench 6: N concurrent FOREGROUND download jobs (default 100 × 8 MiB) through one service from the
// same nginx, vs one curl process fetching the same N files in parallel (`curl -Z --parallel-max N`,
// so both sides have N transfers in flight). Figures: total throughput, fairness (first/last job
// completion, Jain's index of per-job throughput), service CPU time (/proc/PID/stat utime + stime)
// and peak RSS; for curl its CPU time and peak RSS from /usr/bin/time.
//
// The spec's limits are 60 jobs per user and 300 per machine: the service here is the ordinary one,
// started with its settings BITS_JOB2_JOBS_PER_USER / BITS_JOB2_JOBS_PER_MACHINE raised (jobLimitEnv).
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JobPriority, JobState, JobType, nameOf } from '../../module/api/enums.js';
import type { DownloadFixture } from './download.js';
import { cpuProfArgs, profileDir, readProfileDir, type ProfileSummary } from './profile.js';
import { startService } from './service.js';
import { cpuMs, hrMs, MiB, mibPerS, onCleanup, procStatusKb, progress, sleep, syncDisks, tempDir, timedOk } from './util.js';

export const CONC_POLL_MS = 100;

/** The service's settings for at least `n` jobs of one user (the defaults are BITS': 60 per user, 300 per machine). */
export function jobLimitEnv(n: number): Record<string, string> {
  const limit = String(Math.max(1000, n + 10));
  return { BITS_JOB2_JOBS_PER_USER: limit, BITS_JOB2_JOBS_PER_MACHINE: limit };
}

/** Jain's fairness index of xs: (Σx)² / (n·Σx²); 1 = perfectly even, 1/n = one takes everything. */
export function jain(xs: number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return (sum * sum) / (xs.length * sq);
}

export interface BatchRun {
  /** First resume → last job TRANSFERRED (bits: seen by the poll; curl: process exit). */
  wallMs: number;
  /** Per transfer: its own start → its completion, ms. */
  perJobMs: number[];
  cpuMs: number;
  peakRssKb: number;
}

export interface ConcurrentResults {
  jobs: number;
  bytesEach: number;
  runs: number;
  bits: (BatchRun & { resumeAllMs: number })[];
  curl: BatchRun[];
  curlCommand: string;
}

/** One curl, N parallel transfers; per-transfer time_total from -w, CPU and max RSS from /usr/bin/time. */
export async function curlBatch(url: string, dir: string, n: number, bytes: number): Promise<{ run: BatchRun; command: string }> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  syncDisks();
  const timeFile = join(dir, '..', 'curl-time.txt');
  const curl = ['curl', '-s', '-f', '-Z', '--parallel-max', String(n), '--parallel-immediate', '-w', '%{time_total}\\n'];
  for (let i = 0; i < n; i++) curl.push('-o', join(dir, `c${i}.bin`), url);
  const r = await timedOk('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, ...curl], { keepStdout: true });
  const [user, sys, maxKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  for (let i = 0; i < n; i++) {
    const size = statSync(join(dir, `c${i}.bin`)).size;
    if (size !== bytes) throw new Error(`curl -Z: c${i}.bin has ${size} bytes, expected ${bytes}`);
  }
  const perJobMs = r.stdout.trim().split('\n').map((s) => Number(s) * 1000);
  if (perJobMs.length !== n) throw new Error(`curl -Z printed ${perJobMs.length} transfer times, expected ${n}`);
  rmSync(dir, { recursive: true, force: true });
  const command = `/usr/bin/time -f '%U %S %M' ${curl.slice(0, 8).join(' ')} '${curl[8]}' -o DIR/c0.bin ${url} … -o DIR/c${n - 1}.bin ${url}`;
  return { run: { wallMs: r.ms, perJobMs, cpuMs: (user! + sys!) * 1000, peakRssKb: maxKb! }, command };
}

/** N FOREGROUND jobs in one fresh service: create all (suspended), then resume all and poll listJobs. */
/**
 * How the bench resumes the N jobs: all calls sent at once, pipelined on the one connection (as curl
 * -Z --parallel-immediate starts every transfer at once), or each after the previous one's answer.
 */
export type ResumeOrder = 'pipelined' | 'sequential';

export async function bitsBatch(url: string, dir: string, n: number, bytes: number, nodeArgs: string[] = [], dist?: string, order: ResumeOrder = 'pipelined'): Promise<BatchRun & { resumeAllMs: number }> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  syncDisks();
  const svc = await startService({ main: dist ? join(dist, 'module', 'service', 'main.js') : undefined, nodeArgs, env: jobLimitEnv(n) });
  try {
    const { client, pid } = svc;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = await client.createJob(`conc ${i}`, JobType.DOWNLOAD);
      await client.setProperty(id, 'priority', JobPriority.FOREGROUND);
      await client.addFiles(id, [{ remoteName: url, localName: join(dir, `b${i}.bin`) }]);
      ids.push(id);
    }
    const cpu0 = cpuMs(pid);
    const resumedAt = new Map<string, number>();
    const start = hrMs();
    if (order === 'pipelined') {
      await Promise.all(ids.map((id) => {
        resumedAt.set(id, Date.now());
        return client.resume(id);
      }));
    } else {
      for (const id of ids) {
        resumedAt.set(id, Date.now());
        await client.resume(id);
      }
    }
    const resumeAllMs = hrMs() - start;
    const wanted = new Set(ids);
    let wallMs = NaN;
    let done: Awaited<ReturnType<typeof client.listJobs>> = [];
    for (;;) {
      await sleep(CONC_POLL_MS);
      const jobs = (await client.listJobs()).filter((j) => wanted.has(j.id));
      const bad = jobs.find((j) => j.state === JobState.ERROR || j.state === JobState.TRANSIENT_ERROR);
      if (bad) throw new Error(`concurrent job ${bad.id} went ${nameOf(JobState, bad.state)}: ${bad.error?.name} ${bad.error?.message}`);
      if (jobs.length === n && jobs.every((j) => j.state === JobState.TRANSFERRED)) {
        wallMs = hrMs() - start;
        done = jobs;
        break;
      }
      if (hrMs() - start > 600_000) throw new Error('concurrent jobs did not finish within 10 minutes');
    }
    const cpu = cpuMs(pid) - cpu0;
    const peakRssKb = procStatusKb(pid, 'VmHWM') ?? NaN;
    const perJobMs = done.map((j) => Date.parse(j.times.transferCompletionTime!) - resumedAt.get(j.id)!);
    for (const id of ids) await client.complete(id);
    for (let i = 0; i < n; i++) {
      const size = statSync(join(dir, `b${i}.bin`)).size;
      if (size !== bytes) throw new Error(`bits-job2: b${i}.bin has ${size} bytes, expected ${bytes}`);
    }
    rmSync(dir, { recursive: true, force: true });
    return { wallMs, perJobMs, cpuMs: cpu, peakRssKb, resumeAllMs };
  } finally {
    await svc.stop();
  }
}

export async function runConcurrentBench(f: DownloadFixture, n: number, bytesEach: number, runs: number): Promise<ConcurrentResults> {
  const work = tempDir('bj2cc-');
  onCleanup(`temp dir ${work}`, () => rmSync(work, { recursive: true, force: true }));
  const name = f.concName;
  const url = f.url(name);
  const r: ConcurrentResults = { jobs: n, bytesEach, runs, bits: [], curl: [], curlCommand: '' };
  const total = n * bytesEach;
  const line = (who: string, b: BatchRun) =>
    `${who} ${b.wallMs.toFixed(0)} ms ${mibPerS(total, b.wallMs).toFixed(0)} MiB/s, jobs ${Math.min(...b.perJobMs).toFixed(0)}..${Math.max(...b.perJobMs).toFixed(0)} ms, Jain ${jain(b.perJobMs.map((ms) => bytesEach / ms)).toFixed(3)}, CPU ${b.cpuMs.toFixed(0)} ms, RSS ${(b.peakRssKb / 1024).toFixed(1)} MiB`;
  progress(`concurrent: ${n} × ${bytesEach / MiB} MiB; one untimed curl batch, then ${runs} interleaved runs`);
  await curlBatch(url, join(work, 'curl'), n, bytesEach);
  for (let i = 1; i <= runs; i++) {
    const c = await curlBatch(url, join(work, 'curl'), n, bytesEach);
    r.curl.push(c.run);
    r.curlCommand = c.command;
    progress(`concurrent run ${i}/${runs} ${line('curl -Z   ', c.run)}`);
    const b = await bitsBatch(url, join(work, 'bits'), n, bytesEach);
    r.bits.push(b);
    progress(`concurrent run ${i}/${runs} ${line('bits-job2', b)} (resume of all: ${b.resumeAllMs.toFixed(0)} ms)`);
  }
  return r;
}

/**
 * For a missed RSS target: the same batch (a) with the service under the V8 profiler (where its CPU
 * time goes, including the resume calls) and (b) with a 1 MiB young generation
 * (--max-semi-space-size=1: is the peak garbage waiting for a collection, or live data?).
 */
export async function probeConcurrent(f: DownloadFixture, n: number, bytesEach: number): Promise<{ profile: ProfileSummary; profiledRun: BatchRun & { resumeAllMs: number }; smallSemi: BatchRun & { resumeAllMs: number }; smallSemiArgs: string[] }> {
  const work = tempDir('bj2cp-');
  onCleanup(`temp dir ${work}`, () => rmSync(work, { recursive: true, force: true }));
  const dir = profileDir();
  const url = f.url(f.concName);
  const profiledRun = await bitsBatch(url, join(work, 'bits'), n, bytesEach, cpuProfArgs(dir));
  const profile = readProfileDir(dir);
  const smallSemiArgs = ['--max-semi-space-size=1'];
  const smallSemi = await bitsBatch(url, join(work, 'bits'), n, bytesEach, smallSemiArgs);
  return { profile, profiledRun, smallSemi, smallSemiArgs };
}
