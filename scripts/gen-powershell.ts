// Generates the PowerShell module Bits.Job2 from module/api (DESIGN §4 "One source of truth",
// issue 6): one advanced function per cmdlet of OPERATIONS (+ Wait-BitsJob2), the private CLI
// helper, the loader, the manifest, the format view and the about topic. The cmdlets shell into
// the CLI (`node dist/module/cli/main.js ... --clixml`), so the two cannot drift.
// Usage: node dist/scripts/gen-powershell.js [outDir]   (outDir: the repository root by default)
// test/powershell-gen.test.ts regenerates in memory (powerShellFiles()) and fails on any drift.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAbout } from './powershell/emit-about.js';
import { renderFunction } from './powershell/emit-cmdlet.js';
import { renderFormat } from './powershell/emit-format.js';
import { renderInnerManifest, renderManifest } from './powershell/emit-manifest.js';
import { renderLoader } from './powershell/emit-psm1.js';
import { BOM, HEADER, INNER_MANIFEST, MANIFEST, PS_DIR } from './powershell/layout.js';
import { psCommands } from './powershell/model.js';

export { HEADER, INNER_MANIFEST, INNER_MODULE_GUID, MANIFEST, MODULE_GUID, PS_DIR } from './powershell/layout.js';
export { MANIFEST_META, moduleVersion, packageJson, renderPackagedManifest } from './powershell/emit-manifest.js';
export { renderFunction } from './powershell/emit-cmdlet.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The private CLI helper: a real PowerShell file, copied without its leading source notes. */
const PRIVATE_HELPER_SOURCE = join(root, 'scripts', 'powershell', 'Invoke-BitsJob2Cli.ps1');

/** The helper's text as emitted: the source file minus its leading `#` notes block (up to the first blank line). */
export function privateHelper(): string {
  const lines = readFileSync(PRIVATE_HELPER_SOURCE, 'utf8').replace(/^\uFEFF/, '').split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('#')) i++;
  return lines.slice(i).join('\n');
}

/** Every generated file: path relative to the repository root → text. */
export function powerShellFiles(): Map<string, string> {
  const commands = psCommands();
  const files = new Map<string, string>();
  for (const cmd of commands) files.set(`${PS_DIR}/Public/${cmd.name}.ps1`, renderFunction(cmd));
  files.set(`${PS_DIR}/Private/Invoke-BitsJob2Cli.ps1`, `${BOM}${HEADER}\n${privateHelper()}`);
  files.set(`${PS_DIR}/Bits.Job2.psm1`, renderLoader(commands));
  files.set(`${PS_DIR}/Bits.Job2.Format.ps1xml`, renderFormat());
  files.set(`${PS_DIR}/en-US/about_Bits.Job2.help.txt`, renderAbout(commands));
  files.set(INNER_MANIFEST, renderInnerManifest(commands));
  files.set(MANIFEST, renderManifest(commands));
  return files;
}

/** The names FunctionsToExport lists. */
export function exportedFunctions(): string[] {
  return psCommands()
    .map((c) => c.name)
    .sort();
}

export function writePowerShell(outDir: string): string[] {
  const written: string[] = [];
  for (const [rel, text] of powerShellFiles()) {
    const path = join(outDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written.push(rel);
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? root);
  const written = writePowerShell(out);
  console.log(`wrote ${written.length} files under ${out}`);
}
