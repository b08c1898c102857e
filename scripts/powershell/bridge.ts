// The C# bridge of the native backend (module/native/bridge), built for the PowerShell package:
// netstandard2.0 IL, the same on every OS that builds it, loaded on Windows by edge-js. Built from a
// copy of the sources in a temporary folder so that the pack step never shares bin/ and obj/ with a
// build in the checkout (test/native-bridge.test.ts builds there, possibly at the same time).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BRIDGE_DLL_NAME = 'Bits.Job2.Bridge.dll';

/** Builds the bridge from `sourceDir` (its .csproj and .cs files) and returns the DLL's bytes. */
export function buildBridgeDll(sourceDir: string): Buffer {
  const work = mkdtempSync(join(tmpdir(), 'bj2-bridge-'));
  try {
    const src = join(work, 'src');
    cpSync(sourceDir, src, { recursive: true, filter: (p) => !/[\\/](bin|obj)$/.test(p) });
    const out = join(work, 'out');
    const r = spawnSync('dotnet', ['build', '-c', 'Release', '-f', 'netstandard2.0', '-nologo', '-clp:NoSummary', '-o', out, src], {
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
    });
    const dll = join(out, BRIDGE_DLL_NAME);
    if (r.error || r.status !== 0 || !existsSync(dll)) {
      throw new Error(
        `pack-powershell: the native bridge did not build (the package carries it for Windows; the .NET SDK is needed to pack): ` +
          `dotnet ${r.error ? r.error.message : `exit ${r.status}`}\n${(r.stdout ?? '') + (r.stderr ?? '')}`.trimEnd(),
      );
    }
    return readFileSync(dll);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
