// Builds and runs PwshCompat (test/pwsh-compat), the Windows PowerShell 5.1 API check: the .NET APIs
// PowerShell files use are listed from their AST in the real engine (test/ps/api-references.ps1 in
// PwshHost) and looked up in the .NET Framework 4.8 and PowerShell Standard 5.1.1 reference
// assemblies. Throws (never skips) when dotnet or the packages are missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PS_DIR, REPO, runPwsh, describe, type PwshResult } from '../pwsh-host/host.js';

export const COMPAT_DIR = join(REPO, 'test/pwsh-compat');
export const COMPAT_DLL = join(COMPAT_DIR, 'bin/Release/net10.0/PwshCompat.dll');
let built = false;

export function ensureCompatChecker(): void {
  if (built) return;
  const r = spawnSync('dotnet', ['build', '-c', 'Release', '-nologo', '-clp:NoSummary', COMPAT_DIR], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
  });
  if (r.status !== 0 || !existsSync(COMPAT_DLL)) throw new Error(`dotnet build of ${COMPAT_DIR} failed (exit ${r.status}, ${r.error?.message ?? ''}):\n${r.stdout}${r.stderr}`);
  built = true;
}

export interface CompatResult { references: unknown[]; extract: PwshResult; code: number | null; stdout: string; stderr: string }

/** Lists the API references of `files` and checks them; `code` is PwshCompat's exit code. */
export async function checkCompat(files: string[]): Promise<CompatResult> {
  ensureCompatChecker();
  const dir = mkdtempSync(join(tmpdir(), 'bj2-compat-'));
  try {
    const list = join(dir, 'files.txt');
    const out = join(dir, 'references.json');
    writeFileSync(list, files.join('\n') + '\n');
    const extract = await runPwsh([join(PS_DIR, 'api-references.ps1'), '-ListFile', list, '-OutFile', out], { timeoutMs: 180_000 });
    if (extract.code !== 0) throw new Error(`api-references.ps1 failed: ${describe(extract)}`);
    const r = spawnSync('dotnet', [COMPAT_DLL, out], { encoding: 'utf8', timeout: 120_000 });
    const references = JSON.parse(readFileSync(out, 'utf8')) as unknown[];
    return { references, extract, code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
