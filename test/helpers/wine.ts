// The Wine lane's runner: prepares the Windows chain (scripts/wine/prepare.sh → .ci/wine/lane.env)
// and runs Windows node.exe under wine64 with the variables the chain needs (recipe:
// module/native/README.md, "The Wine lane"). The lane has one prefix; BITS jobs live in its
// wineserver's memory, so the lane's test files must not overlap on it (run-all runs two files at a
// time): each takes the lane lock (withWineLane) around prepare + its wineserver session.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLockFile } from './lock-file.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file is test/helpers/ or dist/test/helpers/). */
export const REPO = [resolve(here, '../..'), resolve(here, '../../..')].find((d) => existsSync(join(d, 'module/native/bridge')))!;
export const WINE_CACHE = process.env.BITS_JOB2_WINE_CACHE ?? join(REPO, '.ci/wine');

export interface WineLane {
  wine: string;
  wineserver: string;
  prefix: string;
  nodeExe: string;
  edgeJs: string;
  appRoot: string;
  bridgeDll: string;
  /** test/pwsh-host published self-contained for win-x64. */
  pwshHost: string;
  /** What prepare.sh printed (which steps ran, how long they took). */
  prepareLog: string;
  prepareMs: number;
}

/** `/a/b` → `Z:\a\b` (Wine maps / to Z:). */
export function winPath(p: string): string {
  return 'Z:' + resolve(p).replace(/\//g, '\\');
}

/** Runs scripts/wine/prepare.sh (idempotent; seconds when warm) and reads lane.env. Throws with its output on failure. */
export function prepareWineLane(): WineLane {
  const t0 = Date.now();
  const r = spawnSync(join(REPO, 'scripts/wine/prepare.sh'), [], { encoding: 'utf8', timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) throw new Error(`scripts/wine/prepare.sh failed (${r.error?.message ?? `exit ${r.status}`}):\n${log.slice(-6000)}`);
  const env = Object.fromEntries(
    readFileSync(join(WINE_CACHE, 'lane.env'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as Record<string, string>;
  return {
    wine: env.WINE!, wineserver: env.WINESERVER!, prefix: env.WINEPREFIX!, nodeExe: env.NODE_EXE!,
    edgeJs: env.EDGE_JS!, appRoot: env.APP_ROOT!, bridgeDll: env.BRIDGE_DLL!, pwshHost: env.PWSH_HOST!, prepareLog: log, prepareMs: Date.now() - t0,
  };
}

/** The environment of the Windows chain: Wine's, edge-js on CoreCLR standalone, our bridge, the native backend. */
export function wineEnv(lane: WineLane, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WINEPREFIX: lane.prefix,
    WINEARCH: 'win64',
    WINEDEBUG: '-all',
    // mscoree stays enabled at run time: Wine's loader needs it to load .NET's IL-only DLLs.
    WINEDLLOVERRIDES: 'mshtml=',
    EDGE_USE_CORECLR: '1',
    EDGE_APP_ROOT: winPath(lane.appRoot),
    BITS_JOB2_EDGE_JS: winPath(lane.edgeJs),
    BITS_JOB2_BRIDGE_DLL: winPath(lane.bridgeDll),
    BITS_JOB2_BACKEND: 'native',
    BITS_JOB2_WINE: '1',
    FORCE_COLOR: '0',
    ...extra,
  };
}

export interface WineRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `wine64 <exe> ...args` and waits for it. stdout/stderr go to files (a Linux pipe as the
 * stdout of a Windows console program gives EBADF under Wine) and are read afterwards.
 * A start that fails within a second with no output (seen once right after the previous file's
 * `wineserver -k`: wine64 exited 1 after 12 ms while that server was still going away) is retried
 * once after a second, and said so on the console with what wine64 printed.
 */
export async function runWine(lane: WineLane, exe: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 5 * 60_000): Promise<WineRun> {
  const r = await runWineOnce(lane, exe, args, env, timeoutMs);
  if (r.code === 0 || r.ms > 1000 || r.stdout !== '') return r;
  console.log(`  [wine] ${exe} failed to start (exit ${r.code} after ${r.ms} ms): ${r.stderr.trim() || '(no output)'}; retrying once`);
  await new Promise((done) => setTimeout(done, 1000));
  return runWineOnce(lane, exe, args, env, timeoutMs);
}

function runWineOnce(lane: WineLane, exe: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<WineRun> {
  const dir = join(WINE_CACHE, 'runs');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  const out = openSync(`${base}.out`, 'w');
  const err = openSync(`${base}.err`, 'w');
  const t0 = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(lane.wine, [exe, ...args], { env, stdio: ['ignore', out, err] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      closeSync(out);
      closeSync(err);
      const stdout = readFileSync(`${base}.out`, 'utf8');
      const stderr = readFileSync(`${base}.err`, 'utf8') + (Date.now() - t0 >= timeoutMs ? `\n[wine] killed after ${timeoutMs} ms\n` : '');
      rmSync(`${base}.out`, { force: true });
      rmSync(`${base}.err`, { force: true });
      resolvePromise({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Runs a compiled JS file of this repository with Windows node.exe under Wine (the native backend over Wine's BITS). */
export function runNodeUnderWine(lane: WineLane, script: string, args: string[] = [], extraEnv: Record<string, string> = {}, timeoutMs?: number): Promise<WineRun> {
  return runWine(lane, lane.nodeExe, [winPath(script), ...args], wineEnv(lane, extraEnv), timeoutMs);
}

/** Starts this prefix's wineserver persistently (BITS jobs live in it; later starts are fast). */
export function startWineserver(lane: WineLane): void {
  // stdio ignored: the server daemonizes and would hold inherited pipes open (spawnSync would never return).
  spawnSync(lane.wineserver, ['-p'], { env: { ...process.env, WINEPREFIX: lane.prefix }, stdio: 'ignore' });
}

/** Ends every Wine process of the prefix, qmgr's jobs with it (`wineserver -k`), and waits for it. */
export function stopWineserver(lane: WineLane): void {
  const env = { ...process.env, WINEPREFIX: lane.prefix };
  spawnSync(lane.wineserver, ['-k'], { env, stdio: 'ignore' });
  spawnSync(lane.wineserver, ['-w'], { env, stdio: 'ignore', timeout: 30_000 });
}

/** Serializes the lane's test files on the one prefix (run-all runs two files at a time; lock-file.ts). */
export async function withWineLane<T>(body: () => Promise<T>, timeoutMs = 20 * 60_000): Promise<T> {
  mkdirSync(WINE_CACHE, { recursive: true });
  const release = await acquireLockFile(join(WINE_CACHE, 'lane.lock'), 'the Wine lane', timeoutMs);
  try {
    return await body();
  } finally {
    release();
  }
}
