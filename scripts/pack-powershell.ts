// `npm run pack:powershell`: the PowerShell module package, laid out as the PowerShell Gallery ships
// modules (issue 11): <out>/Bits.Job2/<ModuleVersion>/ — what Save-Module puts on disk — and
// <out>/Bits.Job2.<ModuleVersion>.nupkg of the same files (what Publish-Module uploads, what
// Install-Module downloads). It holds everything the cmdlets need on a machine with Node >= 20.19:
//   Bits.Job2.psd1                 the generated root manifest plus FileList (gen-powershell.ts)
//   module/powershell/             the generated cmdlets, loader, format view, help
//   dist/module/                   the compiled CLI, engine and service (no typings, no source maps)
//   node_modules/                  their run-time dependencies (scripts/powershell/runtime-deps.ts)
//   package.json                   "type": "module" for dist/, and the dependencies for a reinstall
//   native-addons.json             the platform, CPU and Node ABI the native add-ons were built for
//   dist/bridge/Bits.Job2.Bridge.dll  the C# bridge of the Windows native backend (netstandard2.0),
//                                     built by scripts/build-bridge.mjs as for the npm package
// Native add-ons are per platform: the package carries better-sqlite3 as built here (the machine
// that packs), and module/core/packaged-addons.ts turns a mismatch into an error that says what to
// install. edge-js (the native backend's add-on, prebuilt for Windows in its npm package) is not
// carried: a Windows user who wants real BITS installs it into the package, and load-bridge.ts
// says so when it is missing. Packing needs the .NET SDK (the bridge is built here).
// The version is package.json's, the one place: ModuleVersion and the nuspec's <version>.
// Usage: node dist/scripts/pack-powershell.js [--out <dir>]   (default dist/powershell)
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDONS_RECORD, runningTarget, type AddonsRecord } from '../module/core/packaged-addons.js';
import { exportedFunctions, MANIFEST, MANIFEST_META, moduleVersion, packageJson, PS_DIR, renderPackagedManifest } from './gen-powershell.js';
import { PACKAGED_BRIDGE_DLL_RELATIVE } from '../module/native/load-bridge.js';
import { buildBridgeDll } from './powershell/bridge.js';
import { nupkgEntries } from './powershell/nupkg.js';
import { runtimePackages } from './powershell/runtime-deps.js';
import { zip, type ZipEntry } from './powershell/zip.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODULE_NAME = 'Bits.Job2';

export interface PackResult {
  version: string;
  /** <out>/Bits.Job2/<version> */
  moduleDir: string;
  nupkg: string;
  files: string[];
  unpackedBytes: number;
  nupkgBytes: number;
  ms: number;
}

function walk(dir: string, base: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p, base) : [relative(base, p).split(sep).join('/')];
  });
}

/** JavaScript without its last-line `//# sourceMappingURL=<file>`: no map is carried (nor the sources maps name). */
function withoutSourceMap(data: Buffer): Buffer {
  const text = data.toString('utf8');
  const stripped = text.replace(/(^|\n)\/\/# sourceMappingURL=(?!data:)\S*\s*$/, '$1');
  return stripped === text ? data : Buffer.from(stripped);
}

const isJs = (rel: string) => /\.(c|m)?js$/.test(rel);

/** The package.json of the package: ESM for dist/, and the dependencies `npm install` would restore. */
function packagedPackageJson(): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const keep = ['name', 'version', 'description', 'type', 'license', 'engines', 'dependencies'];
  const out = Object.fromEntries(keep.filter((k) => k in pkg).map((k) => [k, pkg[k]]));
  return JSON.stringify({ ...out, private: true }, null, 2) + '\n';
}

/** Every file of the module folder except the manifest: path → contents and mode. */
function collectFiles(): Map<string, { data: Buffer; mode: number }> {
  const files = new Map<string, { data: Buffer; mode: number }>();
  const add = (rel: string, data: Buffer, mode = 0o644) => files.set(rel, { data, mode });

  for (const rel of walk(join(root, PS_DIR), root)) add(rel, readFileSync(join(root, rel)));

  const dist = join(root, 'dist/module');
  if (!existsSync(join(dist, 'cli/main.js'))) throw new Error(`pack-powershell: ${dist}/cli/main.js is missing: run \`npm run build\` first`);
  for (const rel of walk(dist, root)) {
    if (!rel.endsWith('.js')) continue; // .d.ts and .js.map are for TypeScript users of the npm package
    add(rel, withoutSourceMap(readFileSync(join(root, rel))));
  }

  const packages = runtimePackages(root);
  for (const p of packages) {
    const base = relative(root, p.dir).split(sep).join('/');
    for (const f of p.files) {
      const data = readFileSync(join(p.dir, f));
      add(`${base}/${f}`, isJs(f) ? withoutSourceMap(data) : data, f.endsWith('.node') ? 0o755 : 0o644);
    }
  }
  const native = packages.filter((p) => p.files.some((f) => f.endsWith('.node')));
  const record: AddonsRecord = { builtFor: runningTarget(), addons: native.map((p) => ({ name: p.name, version: p.version })) };
  add(ADDONS_RECORD, Buffer.from(JSON.stringify(record, null, 2) + '\n'));
  // Windows: the native backend (real BITS) needs this DLL plus edge-js, which the user installs.
  add(PACKAGED_BRIDGE_DLL_RELATIVE, buildBridgeDll(root));
  add('package.json', Buffer.from(packagedPackageJson()));
  return files;
}

export function packPowerShell(outDir: string = join(root, 'dist/powershell')): PackResult {
  const t0 = Date.now();
  const fullVersion = packageJson().version;
  const version = moduleVersion();
  if (version !== fullVersion) {
    // A prerelease needs PSData.Prerelease in the manifest and <version>x.y.z-tag</version>; not done yet.
    throw new Error(`pack-powershell: package.json's version ${fullVersion} is a prerelease; the package supports x.y.z versions only`);
  }
  const files = collectFiles();
  const fileList = [...files.keys(), MANIFEST].sort();
  files.set(MANIFEST, { data: Buffer.from(renderPackagedManifest(fileList)), mode: 0o644 });

  const moduleDir = join(outDir, MODULE_NAME, version);
  rmSync(join(outDir, MODULE_NAME), { recursive: true, force: true });
  let unpackedBytes = 0;
  const entries: ZipEntry[] = [];
  for (const rel of fileList) {
    const { data, mode } = files.get(rel)!;
    const path = join(moduleDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
    chmodSync(path, mode);
    unpackedBytes += data.length;
    entries.push({ name: rel, data, mode });
  }

  const pkg = packageJson();
  const nupkgData = zip(nupkgEntries({
    id: MODULE_NAME,
    version,
    authors: MANIFEST_META.author,
    description: pkg.description,
    copyright: MANIFEST_META.copyright,
    licenseUrl: MANIFEST_META.licenseUri,
    tags: [...MANIFEST_META.tags],
    functions: exportedFunctions(),
  }, entries));
  const nupkg = join(outDir, `${MODULE_NAME}.${version}.nupkg`);
  writeFileSync(nupkg, nupkgData);
  return { version, moduleDir, nupkg, files: fileList, unpackedBytes, nupkgBytes: nupkgData.length, ms: Date.now() - t0 };
}

function parseOut(argv: string[]): string | undefined {
  const i = argv.indexOf('--out');
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (!v) throw new Error('pack-powershell: --out needs a directory');
  return resolve(v);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = packPowerShell(parseOut(process.argv.slice(2)));
  const mb = (n: number) => `${(n / 1048576).toFixed(2)} MB`;
  console.log(`${r.moduleDir}: ${r.files.length} files, ${mb(r.unpackedBytes)}`);
  console.log(`${r.nupkg}: ${mb(r.nupkgBytes)} (packed in ${(r.ms / 1000).toFixed(1)} s)`);
}
