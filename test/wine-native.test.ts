// The Wine lane, part 2: real transfers through the Windows chain against nginx on loopback
// (test/wine/scenarios.ts, run by node.exe under wine64): a 3 MiB download with every state and its
// sha256, a 404 read through getError, Cancel of a job in ERROR, credentials on a real job, a stubbed
// getter in a snapshot. Then the same scenarios against a deliberately reordered bridge
// (GetProgress ↔ GetTimes, test/helpers/bridge-mutant.ts), which must fail: the lane catches a
// vtable slot error that compiles and marshals fine. And run-native's exit status on failure, under
// Wine and on Linux (its success under Wine: test/wine-contract.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNginx, type NginxServer } from './helpers/nginx.js';
import { reorderedBridgeSource } from './helpers/bridge-mutant.js';
import { REPO, WINE_CACHE, prepareWineLane, runNodeUnderWine, startWineserver, stopWineserver, winPath, withWineLane, type WineLane } from './helpers/wine.js';

const SCENARIOS = join(REPO, 'dist/test/wine/scenarios.js');
let nginx: NginxServer;
let root: string;
let env: Record<string, string>;

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), 'bj2-wine-www-'));
  const big = randomBytes(3 * 1024 * 1024);
  writeFileSync(join(root, 'big.bin'), big);
  writeFileSync(join(root, 'small.txt'), 'hello from nginx\n');
  nginx = await startNginx({ root, extraConfig: 'limit_rate 1m;' }); // 3 s for big.bin: every state is seen
  env = { BITS_JOB2_WINE_NGINX: nginx.url, BITS_JOB2_WINE_SHA256: createHash('sha256').update(big).digest('hex') };
});

test.after(async () => {
  await nginx?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function scenarios(lane: WineLane, bridgeDll?: string) {
  startWineserver(lane);
  try {
    return await runNodeUnderWine(lane, SCENARIOS, [], bridgeDll ? { ...env, BITS_JOB2_BRIDGE_DLL: winPath(bridgeDll) } : env, 5 * 60_000);
  } finally {
    stopWineserver(lane);
  }
}

test('nginx on loopback through Wine\'s BITS: download + sha256, 404 via getError, Cancel in ERROR, credentials, stubbed getter', async () => {
  await withWineLane(async () => {
    const r = await scenarios(prepareWineLane());
    console.log(`  scenarios under wine64: ${r.ms} ms, exit ${r.code}`);
    assert.match(r.stdout, /Total:\s+4\s/, r.stdout + r.stderr);
    assert.match(r.stdout, /Passed:\s+4\s/, r.stdout + r.stderr);
    assert.is(r.code, 0);
  });
  const log = (await nginx.readAccessLog()).join('\n');
  assert.match(log, /GET \/big\.bin 200/, 'Wine\'s BITS fetched big.bin from nginx');
  assert.match(log, /GET \/missing\.bin 404/);
});

test('a reordered interface in the bridge (GetProgress ↔ GetTimes) makes the lane fail, and the runner exits 1', async () => {
  await withWineLane(async () => {
    const lane = prepareWineLane();
    const src = join(WINE_CACHE, 'mutant-src');
    rmSync(src, { recursive: true, force: true });
    cpSync(join(REPO, 'module/native/bridge'), src, { recursive: true, filter: (p) => !/\/(bin|obj)(\/|$)/.test(p) });
    const file = join(src, 'Interop/BitsInterfaces.cs');
    writeFileSync(file, reorderedBridgeSource(readFileSync(file, 'utf8')));
    const b = spawnSync(join(REPO, 'scripts/wine/prepare.sh'), ['bridge', src, join(WINE_CACHE, 'mutant')], { encoding: 'utf8' });
    assert.is(b.status, 0, b.stdout + b.stderr);
    const r = await scenarios(lane, join(WINE_CACHE, 'mutant/Bits.Job2.Bridge.dll'));
    assert.is(r.code, 1, `the mutant must fail the scenarios:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /Passed:\s+0\s/, 'every scenario fails');
    // Our "GetTimes" lands in Wine's GetProgress slot: S_OK and a BG_JOB_PROGRESS read as three FILETIMEs
    // (zeros → null), where Wine's real GetTimes answers E_NOTIMPL.
    assert.match(r.stdout, /FAIL .*"a stubbed getter: the snapshot reports IBackgroundCopyJob\.GetTimes/, r.stdout);
    assert.match(r.stdout, /creationTime/, r.stdout);
  });
});

test('run-native under wine64 with a bridge that cannot load: every row fails, the summary, then exit 1 (not a hang)', async () => {
  await withWineLane(async () => {
    const lane = prepareWineLane();
    startWineserver(lane);
    try {
      const r = await runNodeUnderWine(lane, join(REPO, 'dist/test/contract/run-native.js'), [], { BITS_JOB2_BRIDGE_DLL: 'Z:\\nonexistent\\Bits.Job2.Bridge.dll' }, 5 * 60_000);
      assert.match(r.stdout, /Total:\s+35\s/, r.stdout + r.stderr);
      assert.match(r.stdout, /Passed:\s+0\s/, r.stdout);
      assert.match(r.stdout, /The native bridge DLL named by BITS_JOB2_BRIDGE_DLL does not exist/, 'each row reports why');
      assert.is(r.code, 1);
    } finally {
      stopWineserver(lane);
    }
  });
});

test('run-native on Linux: without BITS_JOB2_BACKEND=native it exits 2; with it, it prints the summary and exits 1 (no BITS here)', () => {
  const runNative = join(REPO, 'dist/test/contract/run-native.js');
  const none = spawnSync(process.execPath, [runNative], { encoding: 'utf8', env: { ...process.env, BITS_JOB2_BACKEND: '' }, timeout: 60_000 });
  assert.is(none.status, 2, none.stderr);
  const native = spawnSync(process.execPath, [runNative], { encoding: 'utf8', env: { ...process.env, BITS_JOB2_BACKEND: 'native' }, timeout: 120_000 });
  assert.is(native.signal, null, 'it exits by itself (not killed by the timeout)');
  assert.match(native.stdout, /Total:\s+35/);
  assert.is(native.status, 1);
});

test.run();
