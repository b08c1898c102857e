// The service runs with the V8 options of module/service/node-flags.ts (its memory bound, issue 16)
// however it is started: a client that finds no service starts it with them, in front of main.js,
// and the administrator's scan of running services still recognises that command line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { ServiceClient } from '../module/service/client.js';
import { SERVICE_NODE_FLAGS } from '../module/service/node-flags.js';
import { runningServices } from '../module/service/user-stores.js';
import { killServices, MAIN_JS } from './helpers/service.js';

test('a service started on demand by a client carries the launcher flags before main.js', async () => {
  assert.ok(SERVICE_NODE_FLAGS.length > 0);
  const stateDir = mkdtempSync('/tmp/bj2flags-');
  let pid: number | undefined;
  try {
    const client = await ServiceClient.connect({ stateDir, startTimeoutMs: 20_000 });
    pid = client.service!.pid;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const main = argv.indexOf(MAIN_JS);
    assert.ok(main > 0, `main.js in ${argv.join(' ')}`);
    assert.equal(argv.slice(1, main), [...SERVICE_NODE_FLAGS]);
    assert.equal(argv.slice(main + 1, main + 3), ['--state-dir', stateDir]);
    // It answers like any service (the flags did not stop node from starting it), and the
    // administrator's scan of /proc finds it and its state dir behind the flags.
    assert.equal(await client.listJobs(), []);
    assert.ok(runningServices().some((s) => s.stateDir === stateDir), 'runningServices() finds the service');
    await client.close();
  } finally {
    await killServices(stateDir, pid !== undefined ? [pid] : []);
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test.run();
