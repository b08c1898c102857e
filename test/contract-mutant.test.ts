// Proof that the contract suite catches bugs: against every deliberately broken backend it must
// report failures (and name the rule that was bent), while the real engine passes it.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MUTATIONS } from './contract/mutant-backend.js';

const runner = join(dirname(fileURLToPath(import.meta.url)), 'contract', 'run-mutant.js');
const expectedFailure: Record<keyof typeof MUTATIONS, RegExp> = {
  'resume-empty-ok': /BG_E_EMPTY/,
  'notify-default-0': /every default/,
  'final-jobs-found': /leave the queue|BG_E_NOT_FOUND/,
  'double-complete-ok': /second Complete|BG_E_INVALID_STATE/,
  'no-retry-floor': /raised to 5/,
};

for (const name of Object.keys(MUTATIONS) as (keyof typeof MUTATIONS)[]) {
  test(`the contract suite fails against mutant '${name}'`, () => {
    const r = spawnSync(process.execPath, [runner, name], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 120_000 });
    const out = r.stdout + r.stderr;
    assert.is.not(r.status, 0, `exit status for ${name}`);
    const failed = /Total:\s+(\d+)\s+Passed:\s+(\d+)/.exec(out);
    assert.ok(failed && Number(failed[1]) > Number(failed[2]), `some tests failed:\n${out.slice(-400)}`);
    assert.match(out, expectedFailure[name]);
  });
}

test.run();
