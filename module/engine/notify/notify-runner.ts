// Runs a notify command line the way BITS does (spec §3.1, Portable): the program is started
// directly — never through a shell — with the parameters as its complete command line, stdin
// closed. Its output goes to the engine log, line by line and capped, since nobody else reads it.
// The caller only needs the outcome (exit code 0 = success), so this never throws.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parseWindowsCommandLine, quoteWindowsProgram, splitWindowsCommandLine } from '../../common/notify/windows-cmdline.js';

/**
 * BITS itself never kills a notify program. Portable stops it after 10 minutes [DECISION]: a hung
 * program would otherwise hold its slot forever, and BITS re-runs it after MinimumRetryDelay anyway.
 */
export const NOTIFY_TIMEOUT_MS = 10 * 60_000;
/** Captured output per run, stdout and stderr together; the rest is read and dropped. */
export const NOTIFY_MAX_OUTPUT_BYTES = 64 * 1024;

export interface RunNotifyOptions {
  program: string;
  /** The complete command line, program first (Windows quoting); null = just the program. */
  parameters: string | null;
  /** Job id for the log prefix. */
  id?: string;
  env?: NodeJS.ProcessEnv;
  /** Working directory; default: the engine's. */
  cwd?: string;
  /** Default NOTIFY_TIMEOUT_MS; 0 or Infinity = no limit. */
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** After SIGTERM (timeout/abort), SIGKILL follows this much later. Default 5000. */
  killGraceMs?: number;
  /**
   * Once the program has exited, how long to wait for its pipes to close: a background child of
   * the program may keep them open for ever. Default 2000.
   */
  outputGraceMs?: number;
  /** Aborting kills the program (e.g. the engine closes). */
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface NotifyRunResult {
  /** null when the program did not start or was ended by a signal. */
  exitCode: number | null;
  signal: string | null;
  /** Why the program did not start or did not finish on its own. */
  error?: string;
  timedOut?: boolean;
  outputTruncated?: boolean;
  pid?: number;
}

/** The spawn() arguments that make the child see `parameters` as BITS would give it. */
export function notifySpawnArgs(program: string, parameters: string | null, platform: NodeJS.Platform = process.platform): {
  args: string[];
  argv0: string;
  windowsVerbatimArguments: boolean;
} {
  if (platform === 'win32') {
    // Node joins argv0 and args with spaces, untouched when verbatim: the child gets the
    // parameters as written (up to the whitespace after the program token) and parses them itself.
    if (parameters === null) return { args: [], argv0: quoteWindowsProgram(program), windowsVerbatimArguments: true };
    const { programRaw, rest } = splitWindowsCommandLine(parameters);
    return { args: rest ? [rest] : [], argv0: programRaw, windowsVerbatimArguments: true };
  }
  const [argv0, ...args] = parameters === null ? [program] : parseWindowsCommandLine(parameters);
  return { args, argv0, windowsVerbatimArguments: false };
}

export function runNotifyCommand(opts: RunNotifyOptions): Promise<NotifyRunResult> {
  const prefix = opts.id ? `job ${opts.id}: notify` : 'notify';
  const log = (line: string) => {
    try {
      opts.log(`${prefix} ${line}`);
    } catch {
      // a failing logger must not turn into an unhandled exception in a stream callback
    }
  };
  const timeoutMs = opts.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  const budget = { left: opts.maxOutputBytes ?? NOTIFY_MAX_OUTPUT_BYTES, truncated: false, max: opts.maxOutputBytes ?? NOTIFY_MAX_OUTPUT_BYTES };

  return new Promise<NotifyRunResult>((resolve) => {
    if (opts.signal?.aborted) return resolve({ exitCode: null, signal: null, error: 'aborted before start' });
    let child: ChildProcess;
    try {
      const { args, argv0, windowsVerbatimArguments } = notifySpawnArgs(opts.program, opts.parameters);
      child = spawn(opts.program, args, {
        argv0,
        windowsVerbatimArguments,
        shell: false,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        windowsHide: true,
      });
    } catch (e) {
      // Synchronous failures: invalid arguments, or EINVAL for .bat/.cmd on Windows.
      return resolve({ exitCode: null, signal: null, error: startError(e, opts) });
    }

    const streams = [lineReader(child.stdout!, 'stdout', budget, log), lineReader(child.stderr!, 'stderr', budget, log)];
    let settled = false;
    let stopReason: { error: string; timedOut: boolean } | null = null;
    let exitInfo: { code: number | null; signal: string | null } | null = null;
    const timers: NodeJS.Timeout[] = [];

    const finish = (r: NotifyRunResult) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const s of streams) s.flush();
      if (budget.truncated) r.outputTruncated = true;
      if (child.pid !== undefined) r.pid = child.pid;
      resolve(r);
    };
    const finishExit = () => {
      const { code, signal } = exitInfo ?? { code: child.exitCode, signal: child.signalCode };
      if (child.pid === undefined) return; // 'close' after a failed start: 'error' settled it
      const r: NotifyRunResult = { exitCode: code, signal };
      if (stopReason) {
        r.error = stopReason.error;
        if (stopReason.timedOut) r.timedOut = true;
      }
      finish(r);
    };
    const stop = (error: string, timedOut: boolean) => {
      if (stopReason || exitInfo) return;
      stopReason = { error, timedOut };
      log(`${error}: stopping it`);
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs ?? 5000);
      kill.unref();
      timers.push(kill);
    };
    const onAbort = () => stop('aborted', false);

    child.on('error', (e) => {
      // Without a pid the program never started (ENOENT, EACCES…); later errors (a failed kill)
      // change nothing about the outcome.
      if (child.pid === undefined) finish({ exitCode: null, signal: null, error: startError(e, opts) });
    });
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      const grace = setTimeout(() => {
        for (const s of [child.stdout, child.stderr]) s?.destroy();
        log('output still open after the program exited (a background process keeps it): no longer read');
        finishExit();
      }, opts.outputGraceMs ?? 2000);
      grace.unref();
      timers.push(grace);
    });
    child.on('close', finishExit);

    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      const t = setTimeout(() => stop(`timed out after ${timeoutMs / 1000} s`, true), timeoutMs);
      timers.push(t);
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function startError(e: unknown, opts: RunNotifyOptions): string {
  const err = e as NodeJS.ErrnoException;
  const what = `cannot start '${opts.program}'`;
  switch (err?.code) {
    case 'ENOENT':
      // Node reports a missing working directory as ENOENT of the program too.
      if (opts.cwd !== undefined && !existsSync(opts.cwd)) return `${what}: the working directory '${opts.cwd}' does not exist (ENOENT)`;
      return `${what}: no such file (ENOENT)`;
    case 'EACCES':
      return `${what}: permission denied — is it executable? (EACCES)`;
    case 'EINVAL':
      return `${what}: invalid program or arguments (EINVAL; batch files need cmd.exe as the program)`;
    default:
      return `${what}: ${err instanceof Error ? err.message : String(e)}`;
  }
}

interface Budget {
  left: number;
  truncated: boolean;
  max: number;
}

/** Logs `stream` line by line within the shared byte budget; keeps draining after the cap. */
function lineReader(stream: Readable, name: string, budget: Budget, log: (line: string) => void): { flush(): void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emitLines = () => {
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) log(`${name}: ${l.replace(/\r$/, '')}`);
  };
  stream.on('data', (chunk: Buffer) => {
    if (budget.truncated) return; // keep reading so the program never blocks on a full pipe
    let piece = chunk;
    if (chunk.length > budget.left) {
      piece = chunk.subarray(0, budget.left);
      budget.truncated = true;
    }
    budget.left -= piece.length;
    pending += decoder.write(piece);
    if (budget.truncated) pending += decoder.end();
    emitLines();
    if (budget.truncated) {
      if (pending) log(`${name}: ${pending}`);
      pending = '';
      log(`output truncated after ${budget.max} bytes; the rest is discarded`);
    }
  });
  stream.on('error', () => {}); // destroyed after the grace period: nothing to report
  return {
    flush() {
      pending += decoder.end();
      if (pending) log(`${name}: ${pending.replace(/\r$/, '')}`);
      pending = '';
    },
  };
}
