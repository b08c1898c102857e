// The PowerShell module package (issue 11) as a user installs it: `pack-powershell` (the step of
// `npm run pack:powershell`) writes the .nupkg; .NET's zip and OPC readers extract it into a fresh
// folder under /tmp as <modules>/Bits.Job2/<version>/ (what Save-Module leaves: the nupkg-only parts
// removed), with no node_modules anywhere above it; the real PowerShell engine (test/pwsh-host)
// finds it BY NAME on PSModulePath and drives a download through the portable service started from
// the package. Also: no node on PATH, and add-ons built for another platform, are terminating errors
// that say what to install; the Windows native backend's C# bridge is carried and loads through
// edge-js, whose absence is an error that says how to install it; NuGet itself (dotnet restore from
// a local feed) accepts the .nupkg; the contents carry no tests, benches, C# bin/obj or dangling
// source maps.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isNupkgOnlyPart } from '../scripts/powershell/nupkg.js';
import { exportedFunctions } from '../scripts/gen-powershell.js';
import { pseudoRandomBytes, startGateServer } from './helpers/gate-server.js';
import { killServices } from './helpers/service.js';
import { sha256, sha256File } from './helpers/tmp.js';
import { describe, PS_DIR, REPO, runPwsh } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
const VERSION = pkg.version;
const work = mkdtempSync('/tmp/bj2pkg-');
const out = join(work, 'out');
const modules = join(work, 'modules');
const moduleDir = join(modules, 'Bits.Job2', VERSION);
const nupkg = join(out, `Bits.Job2.${VERSION}.nupkg`);
let entries: { name: string; size: number }[] = [];
let packMs = 0;
let nuspec = '';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

/** Pids of services started from the package for stateDir (their argv names the package's main.js). */
function packagedServicePids(stateDir: string): number[] {
  const main = join(moduleDir, 'dist/module/service/main.js');
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try {
      const argv = readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
      return argv.includes(main) && argv.includes(stateDir);
    } catch {
      return false;
    }
  }).map(Number);
}

/** The environment of a user who installed the package: none of the repository's overrides. */
function userEnv(stateDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BITS_JOB2_STATE_DIR: stateDir };
  for (const k of ['BITS_JOB2_CLI', 'BITS_JOB2_NODE', 'BITS_JOB2_BACKEND', 'NODE_PATH', 'NODE_OPTIONS']) delete env[k];
  return env;
}

test.after(() => rmSync(work, { recursive: true, force: true }));

test('pack-powershell writes Bits.Job2/<version>/ and the .nupkg; .NET extracts it as a valid OPC package', async () => {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(REPO, 'dist/scripts/pack-powershell.js'), '--out', out], { encoding: 'utf8', timeout: 120_000 });
  packMs = Date.now() - t0;
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.ok(existsSync(join(out, 'Bits.Job2', VERSION, 'Bits.Job2.psd1')), 'the Save-Module layout Bits.Job2/<version>/ is written');
  const x = await runPwsh([join(PS_DIR, 'package-extract.ps1'), '-Nupkg', nupkg, '-Dest', moduleDir], { timeoutMs: 60_000 });
  assert.is(x.code, 0, describe(x));
  entries = [...x.stdout.matchAll(/^entry: (\d+) (.+)$/gm)].map((m) => ({ size: Number(m[1]), name: m[2]! }));
  assert.match(x.stdout, /^opc: \d+ parts, manifest \/Bits\.Job2\.nuspec, creator bits-job2 contributors$/m);
  nuspec = readFileSync(join(moduleDir, 'Bits.Job2.nuspec'), 'utf8');
  // Save-Module / Install-Module keep the module's files only.
  for (const e of entries) if (isNupkgOnlyPart(e.name, 'Bits.Job2')) rmSync(join(moduleDir, e.name), { force: true });
  for (const d of ['_rels', 'package']) rmSync(join(moduleDir, d), { recursive: true, force: true });
  const size = statSync(nupkg).size;
  const unpacked = entries.reduce((n, e) => n + e.size, 0);
  console.log(`Bits.Job2.${VERSION}.nupkg: ${(size / 1048576).toFixed(2)} MB, ${entries.length} entries, ${(unpacked / 1048576).toFixed(2)} MB unpacked; pack ${(packMs / 1000).toFixed(1)} s`);
});

test('one version from package.json; nuspec metadata and Gallery tags; FileList = the files', () => {
  const written = readFileSync(join(out, 'Bits.Job2', VERSION, 'Bits.Job2.psd1'), 'utf8');
  const manifest = readFileSync(join(moduleDir, 'Bits.Job2.psd1'), 'utf8');
  assert.ok(manifest.includes(`ModuleVersion = '${VERSION}'`), 'ModuleVersion is package.json\'s version');
  assert.is(written, manifest, 'the folder and the nupkg hold the same manifest');
  const spec = nuspec;
  assert.match(spec, `<id>Bits.Job2</id>`);
  assert.match(spec, `<version>${VERSION}</version>`);
  assert.match(spec, '<authors>bits-job2 contributors</authors>');
  assert.match(spec, '<licenseUrl>https://opensource.org/licenses/MIT</licenseUrl>');
  const tags = /<tags>([^<]*)<\/tags>/.exec(spec)![1]!.split(' ');
  for (const t of ['PSModule', 'PSEdition_Desktop', 'PSEdition_Core', 'PSIncludes_Function', 'BITS']) assert.ok(tags.includes(t), `tag ${t}`);
  for (const f of exportedFunctions()) assert.ok(tags.includes(`PSFunction_${f}`) && tags.includes(`PSCommand_${f}`), `tags of ${f}`);
  const fileList = [...manifest.slice(manifest.indexOf('FileList = @(')).split(')')[0]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!).sort();
  const onDisk = walk(moduleDir).map((p) => relative(moduleDir, p).split(sep).join('/')).sort();
  assert.equal(fileList, onDisk, 'FileList lists exactly the installed files');
  assert.equal(entries.map((e) => e.name).filter((n) => !isNupkgOnlyPart(n, 'Bits.Job2')).sort(), onDisk);
});

test('a NuGet client accepts the .nupkg: dotnet restore from a local feed installs Bits.Job2 with its files', () => {
  const dir = join(work, 'nuget');
  mkdirSync(join(dir, 'feed'), { recursive: true });
  copyFileSync(nupkg, join(dir, 'feed', basename(nupkg)));
  writeFileSync(join(dir, 'nuget.config'), '<?xml version="1.0" encoding="utf-8"?>\n<configuration><packageSources><clear /><add key="local" value="feed" /></packageSources></configuration>\n');
  writeFileSync(join(dir, 'consumer.csproj'), `<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup><ItemGroup><PackageReference Include="Bits.Job2" Version="${VERSION}" /></ItemGroup></Project>\n`);
  const r = spawnSync('dotnet', ['restore', '--packages', join(dir, 'packages'), dir], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const installed = join(dir, 'packages', 'bits.job2', VERSION);
  for (const f of ['bits.job2.nuspec', 'Bits.Job2.psd1', 'dist/module/cli/main.js']) assert.ok(existsSync(join(installed, f)), `NuGet extracted ${f}`);
});

test('contents: no tests, benches, fixtures, C# bin/obj, typings or source maps; compiled JS names no map', () => {
  const names = entries.map((e) => e.name);
  const bad = names.filter((n) => /(^|\/)(test|tests|__tests__|bench|fixtures|bin|obj)\//.test(n) || /^(scripts|typings|module\/native)\//.test(n) || /\.(map|ts|cs|csproj)$/.test(n));
  assert.equal(bad, [], 'files a user never runs');
  for (const must of ['Bits.Job2.psd1', 'module/powershell/Bits.Job2.psm1', 'dist/module/cli/main.js', 'dist/module/service/main.js', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'node_modules/yargs/package.json', 'node_modules/xml2js/package.json', 'native-addons.json', 'package.json']) {
    assert.ok(names.includes(must), `carries ${must}`);
  }
  for (const p of walk(moduleDir).filter((f) => /\.(c|m)?js$/.test(f))) {
    const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(p, 'utf8'));
    if (m && !m[1]!.startsWith('data:')) assert.ok(existsSync(join(dirname(p), m[1]!)), `${relative(moduleDir, p)} names a missing map ${m[1]}`);
  }
  // Nothing above the module folder can lend it packages: it must run on what it carries.
  for (let d = dirname(moduleDir); d !== dirname(d); d = dirname(d)) assert.not.ok(existsSync(join(d, 'node_modules')), `${d}/node_modules exists`);
  assert.not.ok(existsSync('/node_modules'), '/node_modules exists');
});

test('Import-Module Bits.Job2 by name, a download through the service started from the package, Get-Help -Examples', async () => {
  const http = await startGateServer();
  const body = pseudoRandomBytes(250_000, 31);
  http.set('/pkg.bin', { body });
  const stateDir = mkdtempSync('/tmp/bj2k-');
  const dest = join(stateDir, 'pkg.bin');
  try {
    const p = await runPester(join(PS_DIR, 'package-e2e.Tests.ps1'), {
      data: { ModulesDir: modules, Version: VERSION, Url: `${http.url}/pkg.bin`, Dest: dest, Size: body.length },
      cwd: work,
      env: userEnv(stateDir),
      timeoutMs: 300_000,
    });
    assertPester(p);
    const r = p.run;
    assert.match(r.stdout, `cli: ${join(moduleDir, 'dist/module/cli/main.js')}\n`);
    assert.match(r.stdout, /^example: New-BitsJob2 /m);
    assert.is(await sha256File(dest), sha256(body), 'sha256 of the published file = the served bytes');
    assert.ok(packagedServicePids(stateDir).length >= 1, 'the service runs from the package folder');
  } finally {
    await killServices(stateDir, packagedServicePids(stateDir));
    await http.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('without node on PATH: a terminating error naming BITS_JOB2_NODE and Node.js to install', async () => {
  const stateDir = mkdtempSync('/tmp/bj2k-');
  try {
    const r = await terminating({ ModulesDir: modules, Expect: 'BitsJob2NodeNotFound', NoNode: true }, { cwd: work, env: userEnv(stateDir) });
    assert.match(r.stdout, /^message: .*Install Node\.js.*BITS_JOB2_NODE/m);
    assert.match(r.stdout, /^category: ObjectNotFound$/m);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('add-ons built for another platform and Node: a terminating error naming them and what to install, no service started', async () => {
  const recordPath = join(moduleDir, 'native-addons.json');
  const record = readFileSync(recordPath, 'utf8');
  // As if packed on Windows with Node 22 (ABI 127).
  const other = JSON.parse(record) as { builtFor: Record<string, string> };
  other.builtFor = { platform: 'win32', arch: 'x64', modules: '127', node: '22.12.0' };
  writeFileSync(recordPath, JSON.stringify(other));
  const stateDir = mkdtempSync('/tmp/bj2k-');
  try {
    const r = await terminating({ ModulesDir: modules, Expect: 'BitsJob2NativeAddonMismatch' }, { cwd: work, env: userEnv(stateDir) });
    assert.match(r.stdout, /^category: NotInstalled$/m);
    assert.match(r.stdout, /better-sqlite3 \d+\.\d+\.\d+\) were built for win32-x64, Node 22\.12\.0 \(ABI 127\), and this is linux-x64/);
    assert.match(r.stdout, `npm install --omit=dev --prefix "${moduleDir}"`);
    assert.match(r.stdout, /^action: delete .*better-sqlite3, then run `npm install/m);
    assert.is(packagedServicePids(stateDir).length, 0, 'no service was spawned to fail');
    assert.not.ok(existsSync(join(stateDir, 'service.lock')));
  } finally {
    writeFileSync(recordPath, record);
    await killServices(stateDir, packagedServicePids(stateDir));
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('BITS_JOB2_BACKEND=native where it cannot run (here: not Windows): a terminating error saying what to use', async () => {
  const stateDir = mkdtempSync('/tmp/bj2k-');
  try {
    const r = await terminating({ ModulesDir: modules, Expect: 'BitsJob2NativeBackendUnavailable' }, {
      cwd: work,
      env: { ...userEnv(stateDir), BITS_JOB2_BACKEND: 'native' },
    });
    assert.match(r.stdout, /^message: REGDB_E_CLASSNOTREG \(0x80040154\): .*The native backend needs Windows BITS; this is linux\. Use BITS_JOB2_BACKEND=service \(default\) or portable\./m);
    assert.match(r.stdout, /^category: NotInstalled$/m);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('Windows native backend: the package carries the C# bridge; without edge-js the error says how to install it; with edge-js the bridge answers', async () => {
  assert.ok(entries.some((e) => e.name === 'dist/bridge/Bits.Job2.Bridge.dll'), 'the bridge DLL is packaged');
  // edge-js as a user would add it (here the one scripts/install-edge-js.sh built for this machine).
  const edge = process.env.BITS_JOB2_EDGE_JS?.trim() ? process.env.BITS_JOB2_EDGE_JS : join(REPO, '.ci/edge/node_modules/edge-js');
  assert.ok(existsSync(join(edge, 'package.json')), `edge-js is not installed at ${edge}: run scripts/install-edge-js.sh (install-test-deps.sh runs it)`);
  const probe = join(work, 'native-probe.mjs');
  writeFileSync(probe, [
    `const m = await import(${JSON.stringify(join(moduleDir, 'dist/module/native/load-bridge.js'))});`,
    `console.log('dll: ' + m.bridgeDllPath({}).path);`,
    // As on Windows without edge-js: the package's DLL is found, edge-js is not (nothing above /tmp lends it).
    `try { await m.loadBridge({ platform: 'win32', env: {} }); console.log('loaded without edge-js'); } catch (e) { console.log('missing: ' + e.message); }`,
    `const invoke = await m.loadBridge({ allowNonWindows: true, env: { BITS_JOB2_EDGE_JS: ${JSON.stringify(edge)} } });`,
    `console.log('reply: ' + JSON.stringify(await invoke({ op: 'listJobs', args: [] })));`,
  ].join('\n'));
  const r = spawnSync(process.execPath, [probe], { cwd: work, encoding: 'utf8', timeout: 60_000, env: { ...userEnv(work), EDGE_USE_CORECLR: '1' } });
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, `dll: ${join(moduleDir, 'dist/bridge/Bits.Job2.Bridge.dll')}\n`);
  assert.match(r.stdout, `missing: Unspecified failure. edge-js is not installed: the native backend reaches the bridge through it. Install it into the PowerShell package with \`npm install edge-js --prefix "${moduleDir}"\``);
  // The packaged bridge itself runs (under CoreCLR) and reports what is missing off Windows: BITS.
  const reply = JSON.parse(/^reply: (.*)$/m.exec(r.stdout)![1]!) as { ok: boolean; error: { name: string; method: string } };
  assert.is(reply.ok, false);
  assert.is(reply.error.name, 'REGDB_E_CLASSNOTREG');
  assert.is(reply.error.method, 'CoCreateInstance(BackgroundCopyManager)');
});

/** Runs package-terminating.Tests.ps1 (its Its assert the terminating error); resolves the host's output
 *  for the wording checks, which the file writes with Write-Host. */
async function terminating(data: Record<string, unknown>, opts: { cwd: string; env: NodeJS.ProcessEnv }) {
  const report = await runPester(join(PS_DIR, 'package-terminating.Tests.ps1'), { data, ...opts });
  assertPester(report);
  return report.run;
}

mkdirSync(out, { recursive: true });
test.run();
