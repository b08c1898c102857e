// Helpers for the service tests: a private state dir per test (short, under /tmp, so the socket path
// fits in sun_path), child Node processes, and stopping every service started for that dir by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { processAlive } from '../../module/server/process-alive.js';

/** Repository root (this file runs as dist/test/helpers/service.js). */
export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const MAIN_JS = join(REPO, 'dist/module/service/main.js');
export const CLIENT_URL = pathToFileURL(join(REPO, 'dist/module/service/client.js')).href;
export const CONTROL_URL = pathToFileURL(join(REPO, 'dist/module/service/control.js')).href;

export interface ServiceCtx {
  stateDir: string;
  socketPath: string;
  logPath: string;
  lockPath: string;
  /** Remember a service pid to kill at the end (pids from the lock and /proc are found anyway). */
  track(pid: number): void;
}

/** Whether `pid` still runs: the server's own check (module/server/process-alive.ts). */
export const isAlive = processAlive;

export function readLockPid(stateDir: string): number | undefined {
  try {
    const first = readFileSync(join(stateDir, 'service.lock'), 'utf8').split('\n', 1)[0];
    return /^\d+$/.test(first) ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** Linux: pids of every service process (main.js) started for this state dir, whatever became of its lock. */
export function servicePids(stateDir: string): number[] {
  if (process.platform !== 'linux') {
    const p = readLockPid(stateDir);
    return p !== undefined && isAlive(p) ? [p] : [];
  }
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.includes(MAIN_JS) && argv.includes(stateDir)) {
      // A zombie (exited, not yet reaped) still has a /proc entry but an empty cmdline, so it is not counted.
      pids.push(Number(name));
    }
  }
  return pids;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Stops every service of the state dir: SIGTERM, then SIGKILL for whatever is still alive after 3 s. */
export async function killServices(stateDir: string, extra: Iterable<number> = []): Promise<void> {
  const pids = new Set<number>([...extra, ...servicePids(stateDir)]);
  const lockPid = readLockPid(stateDir);
  if (lockPid !== undefined && lockPid !== process.pid) pids.add(lockPid);
  pids.delete(process.pid);
  const alive = [...pids].filter(isAlive);
  for (const p of alive) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  try {
    await waitFor(() => alive.every((p) => !isAlive(p)), 3000, 'services to stop');
  } catch {
    for (const p of alive.filter(isAlive)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await waitFor(() => alive.every((p) => !isAlive(p)), 3000, 'services to die').catch(() => {});
  }
}

/** Runs `fn` with a fresh state dir; afterwards every service of that dir is stopped by PID and the dir removed. */
export async function withService<T>(fn: (ctx: ServiceCtx) => Promise<T>): Promise<T> {
  const stateDir = mkdtempSync('/tmp/bj2t-');
  const tracked = new Set<number>();
  const ctx: ServiceCtx = {
    stateDir,
    socketPath: join(stateDir, 'service.sock'),
    logPath: join(stateDir, 'service.log'),
    lockPath: join(stateDir, 'service.lock'),
    track: (pid) => void tracked.add(pid),
  };
  try {
    return await fn(ctx);
  } finally {
    await killServices(stateDir, tracked);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export interface NodeResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs an ES module given as text in a child `node`, with `args` as process.argv.slice(1) (that is how `node -e` passes them). */
export function runNode(script: string, args: string[] = [], timeoutMs = 30_000): Promise<NodeResult> {
  return runProcess(process.execPath, ['--input-type=module', '-e', script, ...args], timeoutMs);
}

export function runProcess(cmd: string, args: string[], timeoutMs = 30_000): Promise<NodeResult> {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectRun(new Error(`${cmd} ${args.join(' ').slice(0, 200)} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      rejectRun(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
}
