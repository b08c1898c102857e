// The Wine lane, part 1: the three contract suites (download, upload/upload-reply, IBackgroundCopyJob2)
// on the native backend over Wine's BITS — dist/test/contract/run-native.js run by Windows node.exe
// under wine64 with BITS_JOB2_BACKEND=native and BITS_JOB2_WINE=1 (the rows read wineFacts,
// test/contract/wine-facts.ts). Every row must pass, and run-native must exit with its status after
// the summary (0 here; the mutant in test/wine-native.test.ts shows 1). Prepared by
// scripts/wine/prepare.sh (.ci/wine); it fails, never skips, when a piece is missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { REPO, prepareWineLane, runNodeUnderWine, startWineserver, stopWineserver, withWineLane } from './helpers/wine.js';

test('the contract suites pass on Wine\'s BITS through node.exe → edge-js → .NET 10 → bridge, and run-native exits 0', async () => {
  await withWineLane(async () => {
    const lane = prepareWineLane();
    console.log(`  prepare: ${lane.prepareMs} ms\n${lane.prepareLog.replace(/^/gm, '    ')}`);
    startWineserver(lane);
    try {
      const r = await runNodeUnderWine(lane, join(REPO, 'dist/test/contract/run-native.js'), [], {}, 10 * 60_000);
      console.log(`  run-native under wine64: ${r.ms} ms, exit ${r.code}`);
      const out = r.stdout + r.stderr;
      const total = Number(/Total:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(r.stdout)?.[1] ?? -1);
      assert.ok(total >= 35, `all rows of the three suites ran (${total}):\n${out.slice(-8000)}`);
      assert.is(passed, total, `every row passed:\n${out.slice(-8000)}`);
      assert.match(r.stdout, /Skipped:\s+0\s/, 'nothing skipped');
      assert.match(r.stdout, /contract: native \(Wine's BITS via edge-js\)/, 'the rows ran on the Wine entry');
      assert.is(r.code, 0, 'run-native exits with its status after the summary');
    } finally {
      stopWineserver(lane);
    }
  });
});

test.run();
