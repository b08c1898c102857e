// The systemd unit of the upload server (docs/systemd/bits-job2-serve.service, issue 17 step 6):
// systemd-analyze verifies it and rates its hardening offline (exposure at most 2.0, "OK"), and
// its ExecStart command line starts our real CLI (root and port swapped for a test directory).
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packet, rawRequest, startChildServer } from './helpers/bits-server.js';
import { CLI_JS } from './helpers/cli.js';
import { REPO } from './helpers/service.js';
import { makeTmpDir } from './helpers/tmp.js';

const run = promisify(execFile);
const UNIT = `${REPO}/docs/systemd/bits-job2-serve.service`;
const tmp = await makeTmpDir('bits-serve-systemd');
test.after(() => tmp.cleanup());

const unit = await readFile(UNIT, 'utf8');
const execStart = /^ExecStart=\/usr\/bin\/bits-job2 (.*)$/m.exec(unit);

test('systemd-analyze verify passes and security --offline rates the unit OK (exposure ≤ 2.0)', async () => {
  assert.ok(execStart, 'ExecStart runs /usr/bin/bits-job2');
  // verify checks that the binary exists: point it at this checkout's CLI.
  const local = tmp.file('bits-job2-serve.service');
  await writeFile(local, unit.replace('/usr/bin/bits-job2 ', `${process.execPath} ${CLI_JS} `));
  const v = await run('systemd-analyze', ['verify', local]);
  assert.is(v.stderr.trim(), '', 'no warnings');
  const sec = await run('systemd-analyze', ['security', '--offline=yes', '--no-pager', local]);
  const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(sec.stdout);
  assert.ok(m, sec.stdout.slice(-500));
  assert.ok(Number(m![1]) <= 2.0, `exposure ${m![1]}`);
});

test('the ExecStart command line starts the server (root and port swapped), SIGTERM stops it cleanly', async () => {
  const args = execStart![1]!.split(/\s+/).slice(1).map((a) => (a === '/srv/bits' ? tmp.path : a === '8080' ? '0' : a));
  const s = await startChildServer(args);
  assert.is((await rawRequest(s.port, packet('/', 'Ping'))).status, 200);
  assert.is(await s.stop(), 0);
});

test.run();
