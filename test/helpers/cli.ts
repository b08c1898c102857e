// Runs the real CLI (`node dist/module/cli/main.js`) in a child process with a private state dir
// (short, under /tmp, so the service socket path fits), and stops the service of that dir by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, isAlive, killServices, readLockPid, waitFor } from './service.js';

export const CLI_JS = join(REPO, 'dist/module/cli/main.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Extra environment (merged over a clean copy of ours; BITS_JOB2_* of the test runner are dropped). */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (stdin is always closed so nothing waits for it). */
  input?: string | Buffer;
  /** BITS_JOB2_STATE_DIR of the child. */
  stateDir?: string;
  cwd?: string;
  timeoutMs?: number;
  /** Called with the child right after spawn (to send signals). */
  onSpawn?(child: import('node:child_process').ChildProcess): void;
}

export function cliEnv(stateDir: string | undefined, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BITS_JOB2_') && k !== 'NO_COLOR') env[k] = v;
  if (stateDir) env.BITS_JOB2_STATE_DIR = stateDir;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_JS, ...args], {
      env: cliEnv(opts.stateDir, opts.env),
      cwd: opts.cwd ?? REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined); // the CLI may exit without reading stdin
    if (opts.input !== undefined) child.stdin.write(opts.input);
    child.stdin.end();
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bits-job2 ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr: ${Buffer.concat(err).toString()}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    opts.onSpawn?.(child);
  });
}

/** Parses stdout as the one JSON document `--json` promises; fails with the whole output otherwise. */
export function json<T = any>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** Parses the `{"error": {...}}` document that --json writes on stderr. */
export function jsonError(r: CliResult): any {
  try {
    return (JSON.parse(r.stderr) as { error: unknown }).error;
  } catch {
    throw new Error(`stderr is not one JSON error document (exit ${r.code}):\n${r.stderr}`);
  }
}

export interface CliSandbox {
  stateDir: string;
  run(args: string[], opts?: Omit<RunOptions, 'stateDir'>): Promise<CliResult>;
  /** Stops the service of this state dir by PID and removes the dir. */
  cleanup(): Promise<void>;
}

/** Stops the service of `stateDir`: SIGTERM to the pid in its lock (then every service process of the dir). */
export async function stopServiceByPid(stateDir: string): Promise<void> {
  const pid = readLockPid(stateDir);
  if (pid !== undefined && pid !== process.pid && isAlive(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await waitFor(() => !isAlive(pid), 10_000, `service ${pid} to stop`).catch(() => undefined);
  }
  await killServices(stateDir);
}

export function makeSandbox(prefix = 'bj2c-'): CliSandbox {
  const stateDir = mkdtempSync(`/tmp/${prefix}`);
  return {
    stateDir,
    run: (args, opts = {}) => runCli(args, { ...opts, stateDir }),
    async cleanup() {
      await stopServiceByPid(stateDir);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Control characters other than newline and tab (progress bars use \r and ESC). */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\x00-\x08\x0b-\x1f\x7f]/;

/** runCli against one state dir, keeping every result: for tests that scan all the CLI printed afterwards. */
export function recordingCli(stateDir: string): { cli(args: string[], opts?: Omit<RunOptions, 'stateDir'>): Promise<CliResult>; outputs: CliResult[] } {
  const outputs: CliResult[] = [];
  return {
    outputs,
    async cli(args, opts = {}) {
      const r = await runCli(args, { stateDir, ...opts });
      outputs.push(r);
      return r;
    },
  };
}
