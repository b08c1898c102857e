// `npm start` is one of README's two set-up commands: it must work on a fresh machine.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('the demo: a download and an upload-reply cycle through the service, checked, and its service stopped', () => {
  const demo = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'demo.js');
  const r = spawnSync(process.execPath, [demo], { encoding: 'utf8', timeout: 120_000 });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /sha256 served ([0-9a-f]{64})\n\s+published\s+\1/);
  assert.match(r.stdout, /TRANSFERRING upload \d+\/25165824 B\s+reply 0\/unknown B/, 'upload progress before the reply is known');
  assert.match(r.stdout, /TRANSFERRED\s+upload 25165824\/25165824 B\s+reply (\d+)\/\1 B/, 'reply progress complete');
  assert.match(r.stdout, /get-reply-data [0-9a-f-]+\n\s+received 25165824 bytes sha256 [0-9a-f]{64}/);
  assert.match(r.stdout, /get-reply-file [0-9a-f-]+\n\s+\/\S+\.reply/);
  assert.match(r.stdout, /notify program ran for job [0-9a-f-]{36} at \d{4}-/, 'the service ran the notify command line');
  assert.match(r.stdout, /demo OK/);
  const state = /service state: (\/tmp\/bits-job2-demo-\w+)/.exec(r.stdout)?.[1];
  assert.ok(state, 'the demo names its state dir');
  const ps = spawnSync('pgrep', ['-f', state!], { encoding: 'utf8' });
  assert.is(ps.stdout.trim(), '', 'no service left running');
});

test.run();
