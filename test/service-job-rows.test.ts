// listJobs through the service travels as rows (module/service/job-rows.ts). The rows must give back
// exactly the engine's snapshots (every field, same key order), the client must return through the
// service what describeJob returns for each job, and a service without listJobsRows (an older
// version still running) must still answer listJobs through the client.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JobType, ProxyUsage } from '../module/api/enums.js';
import { bitsError } from '../module/api/bits-error.js';
import type { JobSnapshotWire } from '../module/api/types.js';
import { PortableEngine } from '../module/engine/engine.js';
import { ServiceClient } from '../module/service/client.js';
import { fromJobRows, JOB_ROW_FIELDS, toJobRows } from '../module/service/job-rows.js';
import { runService } from '../module/service/server.js';
import { socketPath } from '../module/service/socket-path.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync('/tmp/bj2jr-');
  dirs.push(d);
  return d;
};
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** An engine with jobs of every type and with the optional properties set. */
async function engineWithJobs(stateDir: string): Promise<{ engine: PortableEngine; ids: string[] }> {
  const engine = await PortableEngine.open({ stateDir });
  const ids = [
    await engine.createJob('download "one" ✓', JobType.DOWNLOAD),
    await engine.createJob('upload two', JobType.UPLOAD),
    await engine.createJob('reply three', JobType.UPLOAD_REPLY),
  ];
  await engine.addFiles(ids[0]!, [{ remoteName: 'http://127.0.0.1:9/a.bin', localName: join(stateDir, 'a.bin') }]);
  await engine.setProperty(ids[0]!, 'description', 'line one\nline two');
  await engine.setProxySettings(ids[1]!, ProxyUsage.OVERRIDE, 'http://proxy:8080', '<local>');
  await engine.setNotifyCmdLine(ids[2]!, '/bin/echo', '"/bin/echo" done');
  return { engine, ids };
}

test('rows give back the engine snapshots exactly (every field, same key order)', async () => {
  const { engine } = await engineWithJobs(tempDir());
  try {
    const snapshots = await engine.listJobs();
    assert.is(snapshots.length, 3);
    const rows = JSON.parse(JSON.stringify(toJobRows(snapshots)));
    assert.equal(rows.fields, [...JOB_ROW_FIELDS]);
    const back = fromJobRows(rows);
    assert.is(JSON.stringify(back), JSON.stringify(snapshots));
  } finally {
    await engine.close();
  }
});

test('a reply with other columns is refused, not misread', () => {
  const rows = toJobRows([]) as { fields: string[]; rows: unknown[][] };
  assert.equal(rows, { fields: [...JOB_ROW_FIELDS], rows: [] });
  assert.throws(() => fromJobRows({ ...rows, fields: rows.fields.slice(1) }), /other columns/);
  assert.throws(() => fromJobRows(null), /other columns/);
});

test('a result that is not a list of snapshots travels unchanged', () => {
  for (const odd of [[{ argc: 0 }], [], null, 'text', [{ id: 'x', progress: {} }]]) {
    const sent = JSON.parse(JSON.stringify(toJobRows(odd))) as unknown;
    if (Array.isArray(odd) && odd.length === 0) continue; // an empty list is an empty list of rows
    assert.equal(fromJobRows(sent), odd as never);
  }
});

test('through a service: listJobs equals describeJob of each job', async () => {
  const stateDir = tempDir();
  const { engine, ids } = await engineWithJobs(stateDir);
  const handle = await runService({ stateDir, engine, log: () => {} });
  const client = await ServiceClient.connect({ stateDir, autoStart: false });
  try {
    const listed = await client.listJobs();
    assert.equal(listed.map((j) => j.id).sort(), [...ids].sort());
    for (const j of listed) assert.is(JSON.stringify(j), JSON.stringify(await client.describeJob(j.id)));
  } finally {
    await client.close();
    await handle.close();
  }
});

test('a service without listJobsRows (older version) still answers listJobs', async () => {
  const stateDir = tempDir();
  const snapshot = { id: 'x', displayName: 'old service' } as unknown as JobSnapshotWire;
  const asked: string[] = [];
  const server = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const req = JSON.parse(buffered.slice(0, nl)) as { id: number; method: string };
        buffered = buffered.slice(nl + 1);
        asked.push(req.method);
        const reply =
          req.method === 'listJobs'
            ? { id: req.id, result: [snapshot] }
            : req.method === 'ping'
              ? { id: req.id, result: { pid: process.pid, version: 'old', stateDir, startedAt: new Date().toISOString() } }
              : { id: req.id, error: bitsError(0x80004001, `The bits-job2 service has no method '${req.method}'.`).toJSON() };
        socket.write(JSON.stringify(reply) + '\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath(stateDir), resolve));
  const client = await ServiceClient.connect({ stateDir, autoStart: false });
  try {
    assert.equal(await client.listJobs(), [snapshot]);
    assert.equal(await client.listJobs(), [snapshot]);
    // Asked for rows once, then straight for listJobs.
    assert.equal(asked.filter((m) => m.startsWith('listJobs')), ['listJobsRows', 'listJobs', 'listJobs']);
  } finally {
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

test.run();
