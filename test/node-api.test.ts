// The Node facade (BitsManager / BitsJob) over the in-process engine: names instead of numbers,
// Date objects, waitFor with AbortSignal and error rejection, the async iterator, typed results.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BitsError, BitsManager, HR } from '../module/index.js';
import { PortableEngine } from '../module/engine/index.js';
import { pseudoRandomBytes, startGateServer, type GateServer } from './helpers/gate-server.js';

interface Ctx { dir: string; manager: BitsManager; http: GateServer }
const test = suite<Ctx>('Node API');
const body = pseudoRandomBytes(200_000, 5);

test.before.each(async (c) => {
  c.dir = mkdtempSync(join(tmpdir(), 'bj2-api-'));
  c.manager = await BitsManager.open(await PortableEngine.open({ stateDir: join(c.dir, 'state') }));
  c.http = await startGateServer();
  c.http.set('/f.bin', { body, drip: { chunk: 20_000, delayMs: 10 } });
});
test.after.each(async (c) => {
  await c.manager.close();
  await c.http.close();
  rmSync(c.dir, { recursive: true, force: true });
});

test('create → addFile → resume → waitFor(TRANSFERRED) with progress → complete', async (c) => {
  const job = await c.manager.createJob('api', { type: 'DOWNLOAD' });
  assert.is(await job.getState(), 'SUSPENDED');
  assert.is(await job.getType(), 'DOWNLOAD');
  assert.is(await job.getPriority(), 'NORMAL');
  const times = await job.getTimes();
  assert.instance(times.creationTime, Date);
  assert.is(times.transferCompletionTime, null);
  const dest = join(c.dir, 'out.bin');
  await job.addFile(`${c.http.url}/f.bin`, dest);
  await job.resume();
  const seen: number[] = [];
  const info = await job.waitFor('TRANSFERRED', { intervalMs: 5, onProgress: (i) => seen.push(i.progress.bytesTransferred) });
  assert.is(info.state, 'TRANSFERRED');
  assert.instance(info.times.transferCompletionTime, Date);
  assert.ok(seen.length >= 2, 'progress reported more than once');
  assert.ok(seen.every((v, i) => i === 0 || v >= seen[i - 1]!), 'progress never goes backwards');
  const r = await job.complete();
  assert.is(r.hresult, HR.S_OK);
  assert.ok(readFileSync(dest).equals(body));
  assert.is(await job.getState(), 'ACKNOWLEDGED', 'a held job object still reads its final state');
  try {
    await c.manager.getJob(job.id);
    assert.unreachable('final jobs left the queue');
  } catch (e) {
    assert.instance(e, BitsError);
    assert.is((e as BitsError).code, 'BG_E_NOT_FOUND');
    assert.is((e as BitsError).hresultHex, '0x80200001');
  }
});

test('waitFor rejects with the job error when the job enters ERROR', async (c) => {
  const job = await c.manager.createJob('api 404');
  await job.addFile(`${c.http.url}/missing.bin`, join(c.dir, 'm.bin'));
  await job.resume();
  try {
    await job.waitFor('TRANSFERRED', { intervalMs: 5 });
    assert.unreachable('should reject');
  } catch (e) {
    assert.instance(e, BitsError);
    assert.is((e as BitsError).code, 'BG_E_HTTP_ERROR_404');
    assert.is((e as BitsError).contextName, 'REMOTE_FILE');
  }
  const err = await job.getError();
  assert.is(err.context, 'REMOTE_FILE');
  assert.is((await job.waitFor('ERROR')).state, 'ERROR', 'waiting for ERROR itself resolves');
});

test('waitFor honours an AbortSignal; watch() is an async iterator of changes', async (c) => {
  const job = await c.manager.createJob('api abort');
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  try {
    await job.waitFor('TRANSFERRED', { signal: ac.signal, intervalMs: 5 });
    assert.unreachable('should abort');
  } catch (e) {
    assert.is((e as Error).name, 'AbortError');
  }
  await job.addFile(`${c.http.url}/f.bin`, join(c.dir, 'w.bin'));
  await job.resume();
  const states = new Set<string>();
  for await (const info of job.watch({ intervalMs: 5 })) {
    states.add(info.state);
    if (info.state === 'TRANSFERRED') break;
  }
  assert.ok(states.has('TRANSFERRED'));
  assert.ok(states.size >= 2, `saw ${[...states].join(', ')}`);
  await job.cancel();
});

test('setters take names or numbers; bad names are E_INVALIDARG before reaching the backend', async (c) => {
  const job = await c.manager.createJob('api set');
  await job.setPriority('FOREGROUND');
  assert.is(await job.getPriority(), 'FOREGROUND');
  await job.setPriority(3);
  assert.is(await job.getPriority(), 'LOW');
  await job.setDescription('desc');
  assert.is(await job.getDescription(), 'desc');
  try {
    await job.setPriority('URGENT' as never);
    assert.unreachable();
  } catch (e) {
    assert.is((e as BitsError).code, 'E_INVALIDARG');
    assert.match((e as Error).message, /FOREGROUND/);
  }
  try {
    await c.manager.createJob('x', { type: 'SIDEWAYS' as never });
    assert.unreachable();
  } catch (e) {
    assert.is((e as BitsError).code, 'E_INVALIDARG');
  }
  const list = await c.manager.listJobs();
  assert.ok(list.some((x) => x.job.id === job.id && x.info.description === 'desc'));
});

test.run();
