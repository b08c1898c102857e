// The bridge's COM declarations against a source we did not write: the mingw-w64 headers (bits.h,
// bits1_5.h). Method order and IIDs are parsed from the headers; a generated C program compiled with
// x86_64-w64-mingw32-gcc and run under wine64 gives the compiler's slots, IIDs, struct sizes and
// offsets; test/wine/interop-dump reads the built bridge DLL by reflection. Both must agree slot by
// slot. bridge.tests/SpecTable.cs (our transcription of spec §1.3) stays; this is the independent one.
// A reordered copy of the bridge (GetProgress ↔ GetTimes in IBackgroundCopyJob) must be reported.
// Part of the Wine lane (npm run test:wine); it fails, never skips, when a tool is missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareInterop, mingwInclude, offsetsProgram, parseCompiled, parseHeaders, type BridgeDump, type CompiledFacts, type HeaderFacts } from './helpers/interop-headers.js';
import { REPO, WINE_CACHE, prepareWineLane, runWine, stopWineserver, withWineLane, wineEnv, type WineLane } from './helpers/wine.js';
import { reorderedBridgeSource } from './helpers/bridge-mutant.js';

const WORK = join(WINE_CACHE, 'headers');
const GCC = 'x86_64-w64-mingw32-gcc';
let lane: WineLane;
let headers: HeaderFacts;
let compiled: CompiledFacts;

function run(cmd: string, args: string[], what: string) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5 * 60_000, maxBuffer: 32 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') assert.unreachable(`${cmd} is not installed (${what}); scripts/install-test-deps.sh installs it. This test never skips.`);
  assert.is(r.status, 0, `${what} failed:\n${(r.stdout ?? '') + (r.stderr ?? '')}`.slice(-4000));
  return r.stdout;
}

/** Builds test/wine/interop-dump (into the cache) and reads a bridge DLL with it. */
function dumpBridge(dll: string): BridgeDump {
  run('dotnet', ['build', join(REPO, 'test/wine/interop-dump'), '-c', 'Release', '-nologo', '-v', 'q', '--artifacts-path', join(WINE_CACHE, 'artifacts')], 'dotnet build of test/wine/interop-dump');
  return JSON.parse(run('dotnet', [join(WINE_CACHE, 'artifacts/bin/Bits.Job2.InteropDump/release/Bits.Job2.InteropDump.dll'), dll], 'interop-dump')) as BridgeDump;
}

test('the headers are parsed: seven interfaces, IBackgroundCopyJob2 = 32 base + 8 methods, the eight structs', () => {
  headers = parseHeaders(mingwInclude());
  assert.is(headers.vtables.IBackgroundCopyJob?.length, 32);
  assert.is(headers.vtables.IBackgroundCopyJob2?.length, 40);
  assert.equal(headers.vtables.IBackgroundCopyJob2?.slice(0, 32), headers.vtables.IBackgroundCopyJob);
  assert.is(headers.vtables.IBackgroundCopyJob2?.[32], 'SetNotifyCmdLine');
  assert.equal(headers.structs.BG_AUTH_CREDENTIALS, ['Target', 'Scheme', 'Credentials']);
});

test('the C program (x86_64-w64-mingw32-gcc, run under wine64) gives the compiler\'s slots, IIDs and layouts', async () => {
  await withWineLane(async () => {
    lane = prepareWineLane();
    mkdirSync(WORK, { recursive: true });
    writeFileSync(join(WORK, 'offsets.c'), offsetsProgram(headers));
    run(GCC, ['-O0', '-o', join(WORK, 'offsets.exe'), join(WORK, 'offsets.c')], 'compiling the offsets program');
    try {
      const r = await runWine(lane, join(WORK, 'offsets.exe'), [], wineEnv(lane), 120_000);
      assert.is(r.code, 0, `offsets.exe under wine64: ${r.stderr}`);
      compiled = parseCompiled(r.stdout);
    } finally {
      stopWineserver(lane);
    }
  });
  assert.is(compiled.slots.IBackgroundCopyJob2?.RemoveCredentials, 42);
  assert.is(compiled.sizes.BG_AUTH_CREDENTIALS, 24);
  assert.is(compiled.iids.IBackgroundCopyJob2, '54b50739-686f-45eb-9dff-d6a9a0faa9af');
});

test('the bridge the lane loads agrees with the headers slot by slot (IIDs, methods, struct sizes and offsets)', () => {
  const problems = compareInterop(headers, compiled, dumpBridge(lane.bridgeDll));
  assert.equal(problems, [], problems.join('\n'));
});

test('a reordered interface (GetProgress ↔ GetTimes in IBackgroundCopyJob) is reported at both slots', () => {
  const src = join(WORK, 'mutant-src');
  rmSync(src, { recursive: true, force: true });
  cpSync(join(REPO, 'module/native/bridge'), src, { recursive: true, filter: (p) => !/\/(bin|obj)(\/|$)/.test(p) });
  const file = join(src, 'Interop/BitsInterfaces.cs');
  writeFileSync(file, reorderedBridgeSource(readFileSync(file, 'utf8')));
  run(join(REPO, 'scripts/wine/prepare.sh'), ['bridge', src, join(WORK, 'mutant')], 'building the reordered bridge');
  const problems = compareInterop(headers, compiled, dumpBridge(join(WORK, 'mutant/Bits.Job2.Bridge.dll')));
  assert.ok(problems.includes('IBackgroundCopyJob slot 12: headers GetProgress, bridge GetTimes'), problems.join('\n'));
  assert.ok(problems.includes('IBackgroundCopyJob slot 13: headers GetTimes, bridge GetProgress'), problems.join('\n'));
  assert.is(problems.length, 2, `only the two swapped slots differ:\n${problems.join('\n')}`);
});

test.run();
