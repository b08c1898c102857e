// Shared bits of `npm run bench`: statistics, timed child processes, progress output, the machine
// description and the cleanup stack that runs whatever happens (success, failure, Ctrl-C).
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
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

export function envInt(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${raw} is not a positive whole number`);
  return n;
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

/** Spawns `cmd args`, returns its wall time (spawn → exit, measured here with hrtime). */
export function timedRun(cmd: string, args: string[], opts: { keepStdout?: boolean; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<TimedRun> {
  return new Promise((resolveRun, rejectRun) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
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
      clearTimeout(timer);
      rejectRun(e);
    });
    child.once('close', (code) => {
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
      nginx: firstLine('sh', ['-c', '/usr/sbin/nginx -v 2>&1']),
    },
  };
}

// ── cleanup ─────────────────────────────────────────────────────────────────────────────────────

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

export async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const { what, fn } = cleanups.pop()!;
    try {
      await fn();
    } catch (e) {
      progress(`cleanup of ${what} failed: ${(e as Error).message}`);
    }
  }
}
