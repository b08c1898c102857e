// The C# bridge to BITS COM (module/native): builds for netstandard2.0 and net48 with the .NET SDK,
// and its Linux-side verification (interop declarations vs spec §1.3/§1.4 by reflection, struct
// layouts vs §2.3, conversions, the edge-js entry point's REGDB_E_CLASSNOTREG envelope off Windows)
// passes. This does not exercise BITS itself: that runs only on Windows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Runs from test/ (ts source) or dist/test/ (compiled): find the folder that holds module/native.
const REPO = [resolve(here, '..'), resolve(here, '../..')].find((d) => existsSync(join(d, 'module/native/bridge')))!;
const NATIVE = join(REPO, 'module/native');
const TIMEOUT_MS = 8 * 60_000; // the first restore may download packages

function dotnet(args: string[], cwd: string) {
  const started = Date.now();
  const r = spawnSync('dotnet', args, {
    cwd,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
  });
  const ms = Date.now() - started;
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    assert.unreachable('`dotnet` (the .NET SDK) is not on PATH: it is required to build and verify the BITS bridge (module/native). Install the .NET SDK; this test never skips.');
  }
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return { code: r.status, signal: r.signal, output, ms };
}

test('dotnet build -c Release builds the bridge for netstandard2.0 and net48', () => {
  const r = dotnet(['build', '-c', 'Release', '-nologo'], join(NATIVE, 'bridge'));
  console.log(`  bridge build (restore included): ${r.ms} ms`);
  assert.is(r.code, 0, `dotnet build failed (${r.signal ?? r.code}):\n${r.output.slice(-6000)}`);
  for (const tfm of ['netstandard2.0', 'net48']) {
    assert.ok(existsSync(join(NATIVE, 'bridge/bin/Release', tfm, 'Bits.Job2.Bridge.dll')), `no ${tfm} DLL`);
  }
  assert.match(r.output, /0 Warning\(s\)/);
});

test('the C# verification runner passes: interop vs spec §1.3, layouts vs §2.3, conversions, envelopes', () => {
  const build = dotnet(['build', '-c', 'Release', '-nologo'], join(NATIVE, 'bridge.tests'));
  console.log(`  runner build: ${build.ms} ms`);
  assert.is(build.code, 0, `runner build failed:\n${build.output.slice(-6000)}`);
  const r = dotnet(['run', '-c', 'Release', '--no-build'], join(NATIVE, 'bridge.tests'));
  console.log(`  runner: ${r.ms} ms`);
  const m = /^(\d+) passed, (\d+) failed$/m.exec(r.output);
  assert.ok(m, `no summary line in the runner's output:\n${r.output.slice(-6000)}`);
  const [passed, failed] = [Number(m![1]), Number(m![2])];
  assert.is(failed, 0, `runner failures:\n${r.output.split('\n').filter((l) => /FAIL|^\s{7}|failed:/.test(l)).join('\n')}`);
  assert.is(r.code, 0, `runner exit code ${r.code}`);
  assert.ok(passed >= 90, `only ${passed} checks ran`);
  // The checks that matter most must be among those that passed.
  for (const name of [
    'IBackgroundCopyJob2: IID, IUnknown-based, 40 methods in vtable order',
    'a reordered IBackgroundCopyJob2 (GetReplyProgress/GetReplyData swapped) is reported',
    'BG_AUTH_CREDENTIALS: x86 computed (pointer size 4) = 16 bytes',
    'reply data of 1048576 B is copied and freed exactly once',
    'the dispatch table has exactly the port methods of module/api/operations.ts (BACKEND_METHODS)',
    'E_NOTIMPL: the runtime throws NotImplementedException; ComCall gives HRESULT 0x80004001, the method and the type',
    'E_ACCESSDENIED: the runtime throws UnauthorizedAccessException; ComCall gives HRESULT 0x80070005, the method and the type',
    'snapshot: GetTimes/GetOwner/GetPriority E_NOTIMPL → those fields null + unavailable; the rest read',
  ]) {
    assert.ok(r.output.includes(`ok   ${name}`), `check not passed: ${name}`);
  }
  if (process.platform !== 'win32') {
    assert.ok(r.output.includes('ok   createJob returns the REGDB_E_CLASSNOTREG (0x80040154) error envelope'), 'REGDB_E_CLASSNOTREG envelope check missing');
  }
});

test.run();
