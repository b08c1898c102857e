// `npm start` is one of README's two set-up commands: it must work on a fresh machine.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('the demo downloads through the service, checks the sha256 and stops its service', () => {
  const demo = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'demo.js');
  const r = spawnSync(process.execPath, [demo], { encoding: 'utf8', timeout: 120_000 });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /sha256 served:\s+([0-9a-f]{64})\nsha256 published: \1/);
  assert.match(r.stdout, /demo OK/);
  const state = /state: (\/tmp\/bits-job2-demo-\w+)/.exec(r.stdout)?.[1];
  assert.ok(state, 'the demo names its state dir');
  const ps = spawnSync('pgrep', ['-f', state!], { encoding: 'utf8' });
  assert.is(ps.stdout.trim(), '', 'no service left running');
});

test.run();
