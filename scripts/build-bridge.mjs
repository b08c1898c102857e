#!/usr/bin/env node
// Builds the C# bridge (netstandard2.0) that the packages ship for Windows into
// dist/bridge/Bits.Job2.Bridge.dll — `prepack` runs it, so `npm pack`/`npm publish` and the
// PowerShell package carry a DLL but no bin/ or obj/ folders. Builds a copy of the sources in a
// temporary folder so that it never races a test's or a developer's build of the same project
// (MSBuild's obj/ is not safe to share). Needs the .NET SDK. Usage: node scripts/build-bridge.mjs
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'module', 'native', 'bridge');
const target = join(root, 'dist', 'bridge', 'Bits.Job2.Bridge.dll');
const work = mkdtempSync(join(tmpdir(), 'bits-job2-bridge-'));
try {
  cpSync(sources, work, { recursive: true, filter: (path) => !['bin', 'obj'].includes(basename(path)) });
  const build = spawnSync('dotnet', ['build', '-c', 'Release', '-f', 'netstandard2.0', '-nologo', '-v', 'q'], { cwd: work, encoding: 'utf8' });
  if (build.error || build.status !== 0) {
    const why = build.error ? `dotnet could not be run (${build.error.message}): install the .NET SDK` : `dotnet build exited ${build.status}:\n${build.stdout}${build.stderr}`;
    process.stderr.write(`bits-job2: the bridge DLL the packages ship for Windows was not built — ${why}\n`);
    process.exit(1);
  }
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(work, 'bin', 'Release', 'netstandard2.0', 'Bits.Job2.Bridge.dll'), target);
} finally {
  rmSync(work, { recursive: true, force: true });
}
