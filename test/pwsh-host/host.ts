// Builds and runs PwshHost (test/pwsh-host), the small C# host that runs a .ps1 in a real
// PowerShell 7.6 runspace (Microsoft.PowerShell.SDK 7.6.9), for the tests of issue 6.
//   ensurePwshHost()  -> builds it once per process with `dotnet build -c Release` (throws, never
//                        skips, with a clear message when dotnet is missing or the build fails)
//   runPwsh(args)     -> runs `dotnet PwshHost.dll ...args`, resolves code/stdout/stderr
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file runs from dist/test/pwsh-host/). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const HOST_DIR = join(REPO, 'test/pwsh-host');
export const HOST_DLL = join(HOST_DIR, 'bin/Release/net10.0/PwshHost.dll');
export const PS_DIR = join(REPO, 'test/ps');

export interface BuildInfo { ms: number; output: string }
let built: BuildInfo | undefined;

function sleep(ms: number) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }

/** Builds the host (incremental: a few seconds when nothing changed). Test files may run two at a
 *  time, so a lock directory keeps two builds out of the same obj/ folder. */
export function ensurePwshHost(): BuildInfo {
  if (built) return built;
  const probe = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'PwshHost needs the .NET 10 SDK: `dotnet` was not found or failed on PATH ' +
        `(${probe.error?.message ?? probe.stderr}). Install the .NET SDK (CI: scripts/install-test-deps.sh).`,
    );
  }
  const lock = join(HOST_DIR, 'obj/.build-lock');
  mkdirSync(join(HOST_DIR, 'obj'), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try { mkdirSync(lock); break; } catch {
      // A lock older than 5 minutes is left over from a killed run.
      try { if (Date.now() - statSync(lock).mtimeMs > 300_000) { rmdirSync(lock); continue; } } catch { continue; }
      if (Date.now() > deadline) throw new Error(`PwshHost build lock ${lock} held for too long`);
      sleep(250);
    }
  }
  try {
    const t0 = Date.now();
    const r = spawnSync('dotnet', ['build', '-c', 'Release', '-nologo', '-clp:NoSummary', HOST_DIR], {
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
    });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.status !== 0 || !existsSync(HOST_DLL)) {
      throw new Error(`dotnet build of ${HOST_DIR} failed (exit ${r.status}, ${r.error?.message ?? ''}):\n${output}`);
    }
    built = { ms: Date.now() - t0, output };
    return built;
  } finally {
    try { rmdirSync(lock); } catch { /* already gone */ }
  }
}

export interface PwshResult { code: number | null; stdout: string; stderr: string; ms: number }

/** Runs PwshHost with the given arguments: a script path (or -e '<text>') and its arguments. */
export function runPwsh(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<PwshResult> {
  ensurePwshHost();
  const t0 = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn('dotnet', [HOST_DLL, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolvePromise({ code, stdout, stderr, ms: Date.now() - t0 }); });
    child.stdin.end(opts.input ?? '');
  });
}

/** A readable dump of a run for assertion messages. */
export function describe(r: PwshResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
