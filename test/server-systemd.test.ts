// The systemd units of the upload server (docs/systemd/, issue 17 step 6): the single instance
// bits-job2-serve.service and the farm template bits-job2-serve@.service. systemd-analyze verifies
// each (the template as an instance, bits-job2-serve@<port>.service) and rates its hardening
// offline (exposure at most 2.0, "OK"); their ExecStart command lines start our real CLI (root
// swapped for a test directory; the template's %i is a free port), two template instances as a farm.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packet, rawRequest, startChildServer } from './helpers/bits-server.js';
import { CLI_JS } from './helpers/cli.js';
import { REPO } from './helpers/service.js';
import { makeTmpDir } from './helpers/tmp.js';

const run = promisify(execFile);
const UNIT = `${REPO}/docs/systemd/bits-job2-serve.service`;
const TEMPLATE = `${REPO}/docs/systemd/bits-job2-serve@.service`;
const tmp = await makeTmpDir('bits-serve-systemd');
test.after(() => tmp.cleanup());

const unit = await readFile(UNIT, 'utf8');
const execStart = /^ExecStart=\/usr\/bin\/bits-job2 (.*)$/m.exec(unit);
const template = await readFile(TEMPLATE, 'utf8');
const templateExecStart = /^ExecStart=\/usr\/bin\/bits-job2 (.*)$/m.exec(template);

for (const [name, text, file] of [['bits-job2-serve.service', unit, 'bits-job2-serve.service'], ['bits-job2-serve@.service', template, 'bits-job2-serve@8081.service']] as const) {
  test(`${name}: systemd-analyze verify passes and security --offline rates it OK (exposure ≤ 2.0)`, async () => {
    assert.match(text, /^ExecStart=\/usr\/bin\/bits-job2 serve /m, 'ExecStart runs /usr/bin/bits-job2');
    for (const hardening of ['ProtectSystem=strict', 'ReadWritePaths=/srv/bits', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'User=bits-upload', 'CapabilityBoundingSet=']) {
      assert.ok(text.split('\n').includes(hardening), `${name} has ${hardening}`);
    }
    // verify checks that the binary exists: point it at this checkout's CLI. A template is
    // verified as one of its instances.
    await mkdir(tmp.file(name), { recursive: true });
    const local = `${tmp.file(name)}/${file}`;
    await writeFile(local, text.replace('/usr/bin/bits-job2 ', `${process.execPath} ${CLI_JS} `));
    const v = await run('systemd-analyze', ['verify', local]);
    assert.is(v.stderr.trim(), '', 'no warnings');
    const sec = await run('systemd-analyze', ['security', '--offline=yes', '--no-pager', local]);
    const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(sec.stdout);
    assert.ok(m, sec.stdout.slice(-500));
    assert.ok(Number(m![1]) <= 2.0, `exposure ${m![1]}`);
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('two instances of the template, %i = their ports, run as one farm: a session created at one is closed at the other', async () => {
  assert.ok(templateExecStart, 'the template has an ExecStart');
  const root = tmp.file('farm-root');
  await mkdir(root);
  const ports = [await freePort(), await freePort()];
  const servers = await Promise.all(
    ports.map((port) => startChildServer(templateExecStart![1]!.replaceAll('%i', String(port)).split(/\s+/).slice(1).map((a) => a.replace(/^\/srv\/bits/, root)))),
  );
  try {
    assert.equal(servers.map((s) => s.port), ports, 'each instance listens on its %i');
    const created = await rawRequest(ports[0]!, packet('/farm.bin', 'Create-Session'));
    assert.is(created.status, 200, created.rawHead);
    const id = created.headers['bits-session-id']!;
    // The other instance knows the session: --farm on the shared --sessions-dir.
    const closed = await rawRequest(ports[1]!, packet('/farm.bin', 'Close-Session', { sessionId: id }));
    assert.is(closed.status, 200, closed.rawHead);
    assert.ok(servers[1]!.stderr().split('\n').some((l) => l.startsWith('{') && (JSON.parse(l) as { session?: string }).session === id), 'the JSON log names the session');
  } finally {
    for (const s of servers) assert.is(await s.stop(), 0, 'SIGTERM stops an instance cleanly');
  }
});

test('the ExecStart command line starts the server (root and port swapped), SIGTERM stops it cleanly', async () => {
  const args = execStart![1]!.split(/\s+/).slice(1).map((a) => (a === '/srv/bits' ? tmp.path : a === '8080' ? '0' : a));
  const s = await startChildServer(args);
  assert.is((await rawRequest(s.port, packet('/', 'Ping'))).status, 200);
  assert.is(await s.stop(), 0);
});

test.run();
