// `bits-job2 wait` and the one waiting rule (module/api/wait-rule.ts) in the CLI and in Node's
// waitFor, against the per-user service and a loopback server: TRANSFERRED is reached; a 404 ends a
// wait for TRANSFERRED at once with the job's error (exit 5) — the bug Wait-BitsJob2 had; a
// cancelled job ends it with BG_E_INVALID_STATE (exit 4); --timeout gives ERROR_TIMEOUT. Plus the
// progress lines of `transfer` (job id first, speed and ETA) and the rate helpers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitVerdict } from '../module/api/wait-rule.js';
import { BitsManager } from '../module/core/bits-manager.js';
import { formatEta, formatRate, RateMeter } from '../module/cli/rate.js';
import { GUID_RE, json, jsonError, makeSandbox } from './helpers/cli.js';
import { pseudoRandomBytes, startGateServer } from './helpers/gate-server.js';

async function withServer(fn: (c: { url: string; gate: Awaited<ReturnType<typeof startGateServer>>; sb: ReturnType<typeof makeSandbox> }) => Promise<void>) {
  const gate = await startGateServer();
  gate.set('/ok.bin', { body: pseudoRandomBytes(300_000, 7) });
  gate.set('/slow.bin', { body: pseudoRandomBytes(400_000, 8), drip: { chunk: 16_384, delayMs: 100 } });
  gate.set('/missing.bin', { body: Buffer.alloc(0), status: 404 });
  gate.set('/held.bin', { body: pseudoRandomBytes(1000, 9), hold: true });
  const sb = makeSandbox('bj2w-');
  try {
    await fn({ url: gate.url, gate, sb });
  } finally {
    await sb.cleanup();
    gate.release('/held.bin');
    await gate.close();
  }
}

async function jobWith(sb: ReturnType<typeof makeSandbox>, remote: string, name: string): Promise<string> {
  const id = (await sb.run(['create', name])).stdout.trim();
  assert.match(id, GUID_RE);
  const add = await sb.run(['add-file', id, remote, `${sb.stateDir}/${name}.bin`]);
  assert.is(add.code, 0, add.stderr);
  assert.is((await sb.run(['resume', id])).code, 0);
  return id;
}

test('the rule: wanted states end the wait; ERROR ends it unless wanted; ACKNOWLEDGED and CANCELLED end it; the rest waits', () => {
  assert.is(waitVerdict('TRANSFERRED', ['TRANSFERRED']), 'reached');
  assert.is(waitVerdict('ERROR', ['TRANSFERRED']), 'job-error');
  assert.is(waitVerdict('ERROR', ['TRANSFERRED', 'ERROR']), 'reached');
  assert.is(waitVerdict('CANCELLED', ['TRANSFERRED']), 'left-queue');
  assert.is(waitVerdict('ACKNOWLEDGED', ['ACKNOWLEDGED']), 'reached');
  for (const s of ['QUEUED', 'CONNECTING', 'TRANSFERRING', 'TRANSIENT_ERROR', 'SUSPENDED'] as const) assert.is(waitVerdict(s, ['TRANSFERRED']), 'waiting', s);
});

test('wait: exit 0 with the job at TRANSFERRED (--json: the job document)', () =>
  withServer(async ({ url, sb }) => {
    const id = await jobWith(sb, `${url}/ok.bin`, 'ok');
    const r = await sb.run(['wait', id, '--json', '--timeout', '60']);
    assert.is(r.code, 0, r.stderr);
    const doc = json<{ id: string; state: string; progress: { bytesTransferred: number } }>(r);
    assert.is(doc.id, id);
    assert.is(doc.state, 'TRANSFERRED');
    assert.is(doc.progress.bytesTransferred, 300_000);
    const plain = await sb.run(['wait', id.slice(0, 8)]);
    assert.is(plain.code, 0, plain.stderr);
    assert.is(plain.stdout, `TRANSFERRED ${id}\n`);
  }));

test('wait for TRANSFERRED on a 404: ends at once with BG_E_HTTP_ERROR_404 (exit 5), not at the timeout', () =>
  withServer(async ({ url, sb }) => {
    const id = await jobWith(sb, `${url}/missing.bin`, 'missing');
    const r = await sb.run(['wait', id, '--json', '--timeout', '120'], { timeoutMs: 60_000 });
    assert.is(r.code, 5, r.stderr);
    const e = jsonError(r);
    assert.is(e.name, 'BG_E_HTTP_ERROR_404');
    assert.is(e.hresultHex, '0x80190194');
    assert.match(e.message, /missing\.bin/);
    // Asked for, ERROR is an ordinary end.
    const both = await sb.run(['wait', id, '--state', 'TRANSFERRED', 'ERROR']);
    assert.is(both.code, 0, both.stderr);
    assert.is(both.stdout, `ERROR ${id}\n`);
  }));

test('wait on a job cancelled meanwhile: BG_E_INVALID_STATE (exit 4); --timeout: ERROR_TIMEOUT (exit 1), the job untouched', () =>
  withServer(async ({ url, sb }) => {
    const held = await jobWith(sb, `${url}/held.bin`, 'held');
    const timeout = await sb.run(['wait', held, '--timeout', '1', '--json']);
    assert.is(timeout.code, 1, timeout.stderr);
    const te = jsonError(timeout);
    assert.is(te.name, 'ERROR_TIMEOUT');
    assert.match(te.message, /still (QUEUED|CONNECTING) after 1 s \(waited for TRANSFERRED\)/);
    assert.match(json<{ state: string }>(await sb.run(['info', held, '--json'])).state, /^(QUEUED|CONNECTING)$/);
    assert.is((await sb.run(['cancel', held])).code, 0);
    const gone = await sb.run(['wait', held, '--json']);
    assert.is(gone.code, 4, gone.stderr);
    assert.is(jsonError(gone).name, 'BG_E_INVALID_STATE');
    assert.match(jsonError(gone).message, /reached CANCELLED while waiting for TRANSFERRED/);
  }));

test("Node's waitFor follows the same rule: a 404 rejects a wait for TRANSFERRED with the job's error and file", () =>
  withServer(async ({ url, sb }) => {
    const id = await jobWith(sb, `${url}/missing.bin`, 'node');
    process.env.BITS_JOB2_STATE_DIR = sb.stateDir;
    const manager = await BitsManager.open('service');
    try {
      const err = await manager.job(id).waitFor('TRANSFERRED', { intervalMs: 50, signal: AbortSignal.timeout(60_000) }).then(() => undefined, (e: unknown) => e);
      assert.ok(err, 'rejected');
      const be = err as { code: string; data?: { jobId?: string; file?: { remoteName: string } } };
      assert.is(be.code, 'BG_E_HTTP_ERROR_404');
      assert.is(be.data?.jobId, id);
      assert.is(be.data?.file?.remoteName, `${url}/missing.bin`);
    } finally {
      await manager.close();
      delete process.env.BITS_JOB2_STATE_DIR;
    }
  }));

test('transfer names the job first and its progress lines carry speed and ETA', () =>
  withServer(async ({ url, sb }) => {
    const r = await sb.run(['transfer', 'slow', `${url}/slow.bin`, `${sb.stateDir}/slow.bin`, '--interval', '100'], { timeoutMs: 60_000 });
    assert.is(r.code, 0, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /^transfer: job [0-9a-f-]{36}$/);
    assert.ok(r.stdout.includes(lines[0]!.slice('transfer: job '.length)), 'the same id as at the end');
    const moving = lines.filter((l) => l.startsWith('TRANSFERRING'));
    assert.ok(moving.length > 0, r.stderr);
    for (const l of moving) assert.match(l, /, (-|\d+(\.\d)? (B|KiB|MiB)\/s), ETA (-|\d+:\d\d)$/, l);
  }));

test('transfer --retry-delay/--no-progress-timeout set the job; an unreachable host ends in ERROR at once with 0; --timeout gives up, the job goes on', () =>
  withServer(async ({ url, sb }) => {
    const dead = await sb.run(['transfer', 'dead', 'http://127.0.0.1:9/x.bin', `${sb.stateDir}/dead.bin`, '--retry-delay', '5', '--no-progress-timeout', '0', '--json'], { timeoutMs: 60_000 });
    assert.is(dead.code, 5, dead.stderr);
    const e = jsonError(dead);
    assert.is(e.name, 'ERROR_INTERNET_CANNOT_CONNECT');
    const listed = json<{ id: string; displayName: string; minimumRetryDelay: number; noProgressTimeout: number }[]>(await sb.run(['list', '--json']));
    const job = listed.find((j) => j.displayName === 'dead')!;
    assert.is(job.minimumRetryDelay, 5);
    assert.is(job.noProgressTimeout, 0);
    const held = await sb.run(['transfer', 'held', `${url}/held.bin`, `${sb.stateDir}/held.bin`, '--timeout', '1', '--json'], { timeoutMs: 30_000 });
    assert.is(held.code, 1, held.stderr);
    const te = jsonError(held);
    assert.is(te.name, 'ERROR_TIMEOUT');
    assert.match(te.hint, /goes on in the background: `bits-job2 wait [0-9a-f-]{36}`/);
    const id = te.jobId ?? te.data?.jobId ?? /[0-9a-f-]{36}/.exec(te.message)![0];
    assert.match(json<{ state: string }>(await sb.run(['info', id, '--json'])).state, /^(QUEUED|CONNECTING)$/);
  }));

test('RateMeter: a moving average over its window, restarted when bytes go back; ETA from it', () => {
  const m = new RateMeter(5000);
  m.add(0, 0);
  assert.is(m.bytesPerSecond(), null, 'no speed from one sample');
  m.add(100_000, 200);
  assert.is(m.bytesPerSecond(), null, 'nor from a span under 400 ms');
  m.add(1_000_000, 1000);
  assert.is(m.bytesPerSecond(), 1_000_000);
  assert.is(m.secondsLeft(1_000_000, 3_000_000), 2);
  assert.is(m.secondsLeft(1_000_000, null), null);
  // The window forgets the fast start: 10 s later at 100 kB/s.
  for (let t = 2000; t <= 11_000; t += 1000) m.add(1_000_000 + (t - 1000) * 100, t);
  assert.is(Math.round(m.bytesPerSecond()!), 100_000);
  m.add(10, 12_000);
  assert.is(m.bytesPerSecond(), null, 'bytes went back: start over');
  assert.is(formatEta(7), '0:07');
  assert.is(formatEta(754), '12:34');
  assert.is(formatEta(3723), '1:02:03');
  assert.is(formatEta(null), '-');
  assert.is(formatRate(3 * 1024 * 1024), '3.0 MiB/s');
  assert.is(formatRate(null), '-');
});

test.run();
