// Brief profiles for missed targets: V8 CPU profiles (node --cpu-prof, or the inspector in-process)
// reduced to "where the time went" tables, and strace -c syscall summaries of the service.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, relative } from 'node:path';
import { NODE, onCleanup, progress, REPO, sleep, tempDir, timedOk } from './util.js';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileRow {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  /** Wall time covered by the profile. */
  totalMs: number;
  /** Sampled time not spent idle. */
  busyMs: number;
  idleMs: number;
  topFunctions: ProfileRow[];
  topFiles: ProfileRow[];
}

function shortUrl(url: string): string {
  if (!url) return '(native/VM)';
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  if (path.startsWith('/')) {
    const rel = relative(REPO, path);
    return rel.startsWith('..') ? path : rel;
  }
  return path;
}

/** Self time per function and per file, from the samples. */
export function summarizeProfile(p: CpuProfile, top = 12): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    total += us;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const where = shortUrl(f.url);
    const name = f.url ? `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}` : f.functionName || '(anonymous)';
    fn.set(name, (fn.get(name) ?? 0) + us);
    const bucket = f.url ? where.replace(/(node_modules\/[^/]+)\/.*/, '$1') : f.functionName;
    file.set(bucket, (file.get(bucket) ?? 0) + us);
  }
  const busy = total - idle;
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: busy > 0 ? (100 * us) / busy : 0 }));
  return { totalMs: (p.endTime - p.startTime) / 1000, busyMs: busy / 1000, idleMs: idle / 1000, topFunctions: rows(fn), topFiles: rows(file) };
}

export function readProfileDir(dir: string, top = 12): ProfileSummary {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile written in ${dir}`);
  // the biggest one is the process we care about (a CLI may spawn nothing else, the service neither)
  const pick = files.map((f) => ({ f, size: readFileSync(join(dir, f)).length })).sort((a, b) => b.size - a.size)[0].f;
  return summarizeProfile(JSON.parse(readFileSync(join(dir, pick), 'utf8')) as CpuProfile, top);
}

export function profileDir(): string {
  const dir = tempDir('bj2prof-');
  onCleanup(`profile dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Node flags for a service that writes a CPU profile into `dir` when it exits (not allowed in NODE_OPTIONS). */
export function cpuProfArgs(dir: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=500'];
}

/** A CLI command run once under --cpu-prof. */
export async function profileCommand(args: string[], top = 12): Promise<ProfileSummary & { wallMs: number }> {
  const dir = profileDir();
  const r = await timedOk(NODE, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200', ...args]);
  return { ...readProfileDir(dir, top), wallMs: r.ms };
}

/**
 * `fn` run `times` times under the inspector's profiler in this very process. The inspector's own
 * `dispatch` frame (the Profiler.start/stop round trip itself) is dropped from the result.
 */
export async function profileInProcess(fn: () => Promise<unknown>, times = 1, top = 12): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    for (let i = 0; i < times; i++) await fn();
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    const inspector = new Set(profile.nodes.filter((n) => n.callFrame.functionName === 'dispatch' && !n.callFrame.url).map((n) => n.id));
    const keep = profile.samples.map((id) => !inspector.has(id));
    return summarizeProfile({ ...profile, samples: profile.samples.filter((_, i) => keep[i]), timeDeltas: profile.timeDeltas.filter((_, i) => keep[i]) }, top);
  } finally {
    session.disconnect();
  }
}

export interface StraceHandle {
  /** Stops strace (SIGINT) and returns its -c table. */
  stop(): Promise<string>;
}

/** `strace -c -f -p PID`: counts and times every syscall of the process (and its threads) until stop(). */
export async function straceAttach(pid: number): Promise<StraceHandle> {
  const dir = profileDir();
  const out = join(dir, 'strace.txt');
  const child = spawn('strace', ['-c', '-f', '-p', String(pid), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const kill = onCleanup(`strace pid ${child.pid}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  // strace says "Process N attached" on stderr once it is in
  for (let i = 0; i < 100 && !/attached/.test(stderr); i++) await sleep(20);
  if (!/attached/.test(stderr)) {
    await kill();
    throw new Error(`strace did not attach to ${pid}: ${stderr}`);
  }
  return {
    stop: async () => {
      child.kill('SIGINT');
      await exited;
      await kill();
      return readFileSync(out, 'utf8');
    },
  };
}

/** The first `rows` syscall lines of an strace -c table (header kept). */
export function straceTop(table: string, rows = 10): string {
  const lines = table.split('\n').filter((l) => l.trim());
  const head = lines.findIndex((l) => /^-+ /.test(l));
  if (head < 0) return table.trim();
  const body = lines.slice(head + 1).filter((l) => !/^-+ /.test(l) && !/ total$/.test(l));
  const total = lines.find((l) => / total$/.test(l));
  return [...lines.slice(0, head + 1), ...body.slice(0, rows), ...(total ? [total] : [])].join('\n');
}

export function logTop(title: string, s: ProfileSummary, n = 6): void {
  progress(`${title}: busy ${s.busyMs.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms`);
  for (const r of s.topFunctions.slice(0, n)) progress(`   ${r.pct.toFixed(1).padStart(5)}%  ${r.name}`);
}
