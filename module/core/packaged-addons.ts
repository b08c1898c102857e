// The PowerShell module package (scripts/pack-powershell.ts) carries node_modules with native
// add-ons (better-sqlite3, which the portable engine and the service need) compiled on the packing
// machine, and records for which platform, CPU and Node ABI in <package root>/native-addons.json.
// Node refuses an add-on of another ABI with a dlopen error, and in the detached service that only
// shows as "the service did not answer within 10 s" — so before the portable engine or the service
// is opened, the record is compared with this Node, and a mismatch is a BitsError that says what to
// install. Without the record (npm install, a checkout: npm built the add-ons for this machine)
// nothing is checked.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BitsError } from '../api/bits-error.js';
import { ErrorContext } from '../api/enums.js';

export const ADDONS_RECORD = 'native-addons.json';
/** data.reason of the mismatch error: the PowerShell module makes it a terminating error. */
export const ADDON_MISMATCH_REASON = 'NativeAddonMismatch';
/** REGDB_E_CLASSNOTREG, as for a missing native backend: a component this backend needs is absent. */
const REGDB_E_CLASSNOTREG = 0x80040154;

export interface AddonTarget {
  platform: string;
  arch: string;
  /** process.versions.modules: NODE_MODULE_VERSION, the ABI a non-N-API add-on is tied to. */
  modules: string;
  /** The Node version the add-ons were built with (for the message). */
  node: string;
}

export interface AddonsRecord {
  builtFor: AddonTarget;
  addons: { name: string; version: string }[];
}

/** This file is <root>/dist/module/core/packaged-addons.js in the package. */
export function packageRootOfThisFile(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

export function runningTarget(): AddonTarget {
  return { platform: process.platform, arch: process.arch, modules: process.versions.modules, node: process.versions.node };
}

function describe(t: AddonTarget): string {
  return `${t.platform}-${t.arch}, Node ${t.node} (ABI ${t.modules})`;
}

export function readAddonsRecord(root: string): AddonsRecord | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, ADDONS_RECORD), 'utf8');
  } catch {
    return undefined;
  }
  return JSON.parse(text) as AddonsRecord;
}

/** The error for add-ons built for `built` run by `running`, or undefined when they match. */
export function addonMismatch(record: AddonsRecord, running: AddonTarget, root: string): BitsError | undefined {
  const b = record.builtFor;
  if (b.platform === running.platform && b.arch === running.arch && b.modules === running.modules) return undefined;
  const names = record.addons.map((a) => `${a.name} ${a.version}`).join(', ');
  const modules = join(root, 'node_modules');
  const fix =
    `Install add-ons built for this machine into the package: delete ${join(modules, 'better-sqlite3')}, then run ` +
    `\`npm install --omit=dev --prefix "${root}"\` (Windows and macOS download a prebuilt better-sqlite3; Linux compiles it ` +
    `and needs a C++ toolchain and Node's headers), or run Node ${b.node.split('.')[0]} on ${b.platform}-${b.arch} ` +
    `(BITS_JOB2_NODE names the node to use).` +
    (running.platform === 'win32'
      ? ` On Windows, BITS_JOB2_BACKEND=native uses real BITS and needs no SQLite: the package carries its C# bridge; install edge-js with \`npm install edge-js --prefix "${root}"\`.`
      : '');
  return new BitsError(
    REGDB_E_CLASSNOTREG,
    `The portable engine and the service cannot run here: this package's native add-ons (${names}) were built for ${describe(b)}, ` +
      `and this is ${describe(running)}. ${fix}`,
    ErrorContext.NONE,
    { reason: ADDON_MISMATCH_REASON, builtFor: b, running, hint: `delete ${join(modules, 'better-sqlite3')}, then run \`npm install --omit=dev --prefix "${root}"\`` },
  );
}

let checked: BitsError | null | undefined;
/** Throws the mismatch error when this is a package whose add-ons do not fit this Node (checked once). */
export function assertPackagedAddonsFit(): void {
  if (checked === undefined) {
    const root = packageRootOfThisFile();
    const record = readAddonsRecord(root);
    checked = (record && addonMismatch(record, runningTarget(), root)) || null;
  }
  if (checked) throw checked;
}
