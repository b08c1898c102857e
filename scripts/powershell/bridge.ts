// The C# bridge of the native backend for the PowerShell package: the same DLL the npm package
// ships, built by the one builder, scripts/build-bridge.mjs (a copy of the sources, so it never
// shares bin/ and obj/ with a build in the checkout), into dist/bridge/.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGED_BRIDGE_DLL_RELATIVE } from '../../module/native/load-bridge.js';

/** Builds the bridge of the repository at `root` and returns the DLL's bytes. */
export function buildBridgeDll(root: string): Buffer {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-bridge.mjs')], { encoding: 'utf8', timeout: 300_000 });
  if (r.error || r.status !== 0) {
    throw new Error(`pack-powershell: the native bridge did not build (the package carries it for Windows; the .NET SDK is needed to pack): ${r.error?.message ?? r.stderr}`.trimEnd());
  }
  return readFileSync(join(root, PACKAGED_BRIDGE_DLL_RELATIVE));
}
