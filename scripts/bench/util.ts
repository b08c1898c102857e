// Shared bits of `npm run bench`: statistics, timed child processes, progress output, the machine
// description and the cleanup stack that runs whatever happens (success, failure, Ctrl-C).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file runs as dist/scripts/bench/util.js). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI_JS = join(REPO, 'dist', 'module', 'cli', 'main.js');
export const NODE = process.execPath;

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const MiB = 1024 * 1024;

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

const t0 = Date.now();
/** Progress line on stderr with the elapsed time of the whole bench. */
export function progress(msg: string): void {
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface TimedRun {
  ms: number;
  code: number | null;
  stdoutBytes: number;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();
let interrupted = false;

/**
 * Ctrl-C: no new child processes from now on, and the running ones (curl, aria2c, a CLI that could
 * still start a service) are killed and awaited, so that cleanup sees everything they started.
 */
export async function interruptChildren(): Promise<void> {
  interrupted = true;
  const waits = [...children].map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('close', () => r()))));
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(waits);
}

/** Spawns `cmd args`, returns its wall time (spawn → exit, measured here with hrtime). */
export function timedRun(cmd: string, args: string[], opts: { keepStdout?: boolean; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<TimedRun> {
  if (interrupted) return Promise.reject(new Error('interrupted'));
  return new Promise((resolveRun, rejectRun) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
    children.add(child);
    let stdoutBytes = 0;
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      if (opts.keepStdout) out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.once('error', (e) => {
      children.delete(child);
      clearTimeout(timer);
      rejectRun(e);
    });
    child.once('close', (code) => {
      children.delete(child);
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      resolveRun({ ms, code, stdoutBytes, stdout: Buffer.concat(out).toString(), stderr });
    });
  });
}

/** Like timedRun but fails when the command does not exit 0. */
export async function timedOk(cmd: string, args: string[], opts: Parameters<typeof timedRun>[2] = {}): Promise<TimedRun> {
  const r = await timedRun(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code}: ${r.stderr.slice(0, 2000)}`);
  return r;
}

export function hrMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Flushes dirty pages so that one measurement does not pay for the previous one's writeback. */
export function syncDisks(): void {
  try {
    execFileSync('sync');
  } catch {
    /* best effort */
  }
}

export function procStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  memTotalMiB: number;
  node: string;
  date: string;
  kernel: string;
  tools: Record<string, string>;
  /** `git describe`-like: HEAD commit and whether the working tree differs from it. */
  source: string;
  /** 1-minute load average when the bench started (other work on the machine skews every figure). */
  loadAtStart: number;
  /** The whole /proc/loadavg line at the start. */
  loadavgAtStart: string;
}

export function load1(): number {
  return loadavg()[0];
}

function sourceVersion(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'module'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} + uncommitted changes under module/` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n').find((l) => l.trim()) ?? '?';
  } catch {
    return 'not found';
  }
}

export function describeMachine(): Machine {
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    /* os.cpus() is close enough */
  }
  return {
    nproc,
    cpuModel: cpus()[0]?.model ?? '?',
    memTotalMiB: Math.round(totalmem() / MiB),
    node: process.version,
    date: new Date().toISOString(),
    kernel: firstLine('uname', ['-sr']),
    tools: {
      curl: firstLine('curl', ['--version']),
      aria2c: firstLine('aria2c', ['--version']),
      nginx: firstLine('sh', ['-c', '/usr/sbin/nginx -v 2>&1']) + (firstLine('sh', ['-c', '/usr/sbin/nginx -V 2>&1 | grep -o -- --with-http_dav_module']) === '--with-http_dav_module' ? ' (--with-http_dav_module)' : ' (no dav module)'),
      dotnet: firstLine('dotnet', ['--version']),
    },
    source: sourceVersion(),
    loadAtStart: load1(),
    loadavgAtStart: loadavgLine(),
  };
}

// ── cleanup ─────────────────────────────────────────────────────────────────────────────────────

const tempDirs = new Set<string>();

/** mkdtemp under /tmp (short paths: a service socket must fit in sun_path), remembered for sweepTempDirsSync. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(`/tmp/${prefix}`);
  tempDirs.add(dir);
  return dir;
}

/** Last resort before exiting: removes every temp dir the bench made (normally already gone). */
export function sweepTempDirsSync(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

const cleanups: { what: string; fn: () => unknown }[] = [];

/** Registers an undo step; steps run last-in first-out by runCleanups(). Returns a function that runs it early. */
export function onCleanup(what: string, fn: () => unknown): () => Promise<void> {
  const entry = { what, fn };
  cleanups.push(entry);
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i < 0) return;
    cleanups.splice(i, 1);
    await entry.fn();
  };
}

let cleaning: Promise<void> | null = null;

/** Runs every registered step; a second caller (Ctrl-C during a failure) waits for the same run. */
export function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const { what, fn } = cleanups.pop()!;
      try {
        await fn();
      } catch (e) {
        progress(`cleanup of ${what} failed: ${(e as Error).message}`);
      }
    }
  })().finally(() => (cleaning = null));
  return cleaning;
}

// ── per-process figures from /proc ──────────────────────────────────────────────────────────────

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on every Linux we target). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, all threads) the process has used so far, ms; NaN when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)", which may itself contain spaces: state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * CPU time (user + system, ms) of the process's main thread (tid = pid: JS, socket reads) and of all
 * its other threads (libuv's thread pool: file writes copying into the page cache, fsyncs; V8's
 * helpers), from /proc/PID/task/TID/stat; NaN when the process is gone.
 */
export function threadCpuMs(pid: number): { main: number; others: number } {
  let main = NaN;
  let others = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let ms: number;
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ms = ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
      } catch {
        continue; // the thread ended meanwhile
      }
      if (tid === String(pid)) main = ms;
      else others += ms;
    }
  } catch {
    return { main: NaN, others: NaN };
  }
  return { main, others };
}

/**
 * Resets the process's peak RSS (VmHWM) to its current RSS (`echo 5 > /proc/PID/clear_refs`, Linux
 * ≥ 4.0), so that the next VmHWM read is the peak of what happened in between.
 */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch (e) {
    // Without the reset a VmHWM read would be the lifetime peak, not this run's: refuse to guess.
    throw new Error(`cannot reset the peak RSS of pid ${pid} (/proc/${pid}/clear_refs): ${(e as Error).message}`);
  }
}

/** Direct children of a process (e.g. nginx's worker under its master). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** nginx's one worker under its master, waiting up to 5 s for the master to fork it. */
export async function nginxWorker(masterPid: number): Promise<number> {
  for (let waited = 0; ; waited += 50) {
    const workers = childPids(masterPid);
    if (workers.length === 1) return workers[0]!;
    if (workers.length > 1 || waited >= 5000) throw new Error(`nginx ${masterPid} has ${workers.length} worker processes, expected 1`);
    await sleep(50);
  }
}

/** The whole /proc/loadavg line ("1-min 5-min 15-min running/total last-pid"). */
export function loadavgLine(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return loadavg().map((x) => x.toFixed(2)).join(' ');
  }
}

export const mibPerS = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000);

/** A tool's run with the CPU it used: user + system of the process and everything it waited for. */
export interface CpuRun extends TimedRun {
  cpuMs: number;
}

/**
 * `cmd args` under `/usr/bin/time -f '%U %S'` (getrusage of the waited children, all threads, 10 ms
 * resolution): wall time as timedOk measures it, plus the CPU the tool itself spent.
 */
export async function timedOkCpu(cmd: string, args: string[], opts: Parameters<typeof timedRun>[2] = {}): Promise<CpuRun> {
  const dir = mkdtempSync('/tmp/bj2cpu-');
  const timeFile = join(dir, 'time.txt');
  try {
    const r = await timedOk('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, cmd, ...args], opts);
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { ...r, cpuMs: (user! + sys!) * 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const GiB = 1024 * MiB;

/** CPU seconds per GiB moved. */
export const cpuSPerGiB = (cpuMsSpent: number, bytes: number): number => cpuMsSpent / 1000 / (bytes / GiB);
