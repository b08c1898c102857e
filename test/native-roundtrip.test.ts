// The edge-js round trip off Windows: TypeScript NativeBackend → load-bridge → edge-js (CoreCLR) →
// Bits.Job2.Bridge.Fakes.FakeBridge → the real Bridge (dispatch, argument conversion, ComCall,
// envelopes, reply-buffer copy/free) → in-memory managed fakes of the BITS interop interfaces
// (module/native/bridge.fakes/FakeBits.cs). Proves the marshalling between Node and the CLR and the
// adapter's conversions end to end; BITS itself (and .NET Framework hosting) is covered only on Windows.
// Needs edge-js in .ci/edge (scripts/install-edge-js.sh, run by scripts/install-test-deps.sh) or
// $BITS_JOB2_EDGE_JS, and the .NET SDK. It fails, never skips, when either is missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobType } from '../module/api/enums.js';
import { NativeBackend, type BridgeErrorWire, type BridgeInvoke, type BridgeReply } from '../module/native/native-backend.js';
import { EDGE_JS_ENV, loadBridge } from '../module/native/load-bridge.js';
import { rejection } from './helpers/assert-bits.js';
import { PARITY_CASES, bridgeErrorEnvelope, callerView, openParityEnv } from './contract/error-parity.js';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = [resolve(here, '..'), resolve(here, '../..')].find((d) => existsSync(join(d, 'module/native/bridge')))!;
const FAKES = join(REPO, 'module/native/bridge.fakes');
const FAKES_DLL = join(FAKES, 'bin/Release/netstandard2.0/Bits.Job2.Bridge.Fakes.dll');
const EDGE_DIR = process.env[EDGE_JS_ENV] && process.env[EDGE_JS_ENV]!.trim() !== '' ? resolve(process.env[EDGE_JS_ENV]!) : join(REPO, '.ci/edge/node_modules/edge-js');

const BG_E_NOT_FOUND = 0x80200001;
const BG_E_EMPTY = 0x80200003;
const BG_E_TOO_LARGE = 0x80200020;
const MiB = 1024 * 1024;

let invoke: BridgeInvoke;
let backend: NativeBackend;

/** The reply bytes FakeBridge's fake.finishTransfer produces: byte i = (i * 31 + 7) & 0xFF. */
function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

async function fake(op: string, args: unknown[]): Promise<void> {
  const r = (await invoke({ op: op as never, args })) as BridgeReply;
  assert.ok(r.ok, `${op} failed: ${JSON.stringify(r)}`);
}

test('setup: edge-js (CoreCLR) is installed, the fakes DLL builds, loadBridge binds FakeBridge.Invoke', async () => {
  assert.ok(existsSync(join(EDGE_DIR, 'package.json')),
    `edge-js is not installed at ${EDGE_DIR}: run scripts/install-edge-js.sh (scripts/install-test-deps.sh runs it) or set ${EDGE_JS_ENV}. This test never skips.`);
  assert.ok(existsSync(join(EDGE_DIR, 'build/Release/edge_coreclr.node')), `edge-js at ${EDGE_DIR} has no build/Release/edge_coreclr.node: rerun scripts/install-edge-js.sh.`);
  const started = Date.now();
  const r = spawnSync('dotnet', ['build', '-c', 'Release', '-nologo'], {
    cwd: FAKES, encoding: 'utf8', timeout: 8 * 60_000, maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    assert.unreachable('`dotnet` (the .NET SDK) is not on PATH: the round trip builds the fakes DLL and edge-js hosts CoreCLR. Install the .NET SDK; this test never skips.');
  }
  console.log(`  fakes build: ${Date.now() - started} ms`);
  assert.is(r.status, 0, `dotnet build of ${FAKES} failed:\n${(r.stdout ?? '') + (r.stderr ?? '')}`.slice(-6000));
  assert.ok(existsSync(FAKES_DLL), `no ${FAKES_DLL}`);

  process.env.EDGE_USE_CORECLR = '1'; // before edge-js is first imported
  const t0 = Date.now();
  invoke = await loadBridge({
    allowNonWindows: true,
    dll: FAKES_DLL,
    typeName: 'Bits.Job2.Bridge.Fakes.FakeBridge',
    env: { ...process.env, [EDGE_JS_ENV]: EDGE_DIR },
  });
  backend = new NativeBackend(invoke);
  const id = await backend.createJob('warm-up', JobType.DOWNLOAD);
  console.log(`  edge-js load + CLR start + first call: ${Date.now() - t0} ms`);
  await backend.cancel(id);
});

test('createJob → getJob: canonical GUID, ISO times, bytesTotal null for BG_SIZE_UNKNOWN, non-ASCII names', async () => {
  const name = 'Rückmeldung ✓ 日本語 🚀';
  const id = await backend.createJob(name, JobType.UPLOAD_REPLY);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const s = await backend.getJob(id);
  assert.is(s.id, id);
  assert.is(s.displayName, name);
  assert.is(s.type, JobType.UPLOAD_REPLY);
  assert.is(s.state, 3); // SUSPENDED
  assert.match(s.times.creationTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(s.times.creationTime!) - Date.now()) < 60_000, `creationTime ${s.times.creationTime} is not now`);
  assert.is(s.times.transferCompletionTime, null);
  assert.is(s.progress.bytesTotal, 0);
  assert.equal(s.replyProgress, { bytesTotal: null, bytesTransferred: 0 });

  await backend.addFiles(id, [{ remoteName: 'https://example.test/ü', localName: '/tmp/データ.bin' }]);
  const s2 = await backend.describeJob(id);
  assert.is(s2.progress.bytesTotal, null, 'BG_SIZE_UNKNOWN must arrive as null');
  assert.is(s2.progress.filesTotal, 1);
  assert.equal(await backend.listFiles(id), [
    { remoteName: 'https://example.test/ü', localName: '/tmp/データ.bin', progress: { bytesTotal: null, bytesTransferred: 0, completed: false } },
  ]);
  const listed = await backend.listJobs();
  assert.ok(listed.some((j) => j.id === id && j.displayName === name), 'listJobs has the job');
  await backend.cancel(id);
});

test('resume with no files → BG_E_EMPTY BitsError; unknown job → BG_E_NOT_FOUND', async () => {
  const id = await backend.createJob('empty', JobType.DOWNLOAD);
  const e = await rejection(backend.resume(id));
  assert.is(e.hresult, BG_E_EMPTY);
  assert.is(e.code, 'BG_E_EMPTY');
  await backend.cancel(id);
  const gone = await rejection(backend.getJob(id));
  assert.is(gone.hresult, BG_E_NOT_FOUND);
  const unknown = await rejection(backend.describeJob('00000000-0000-0000-0000-000000000001'));
  assert.is(unknown.hresult, BG_E_NOT_FOUND);
  assert.is(unknown.code, 'BG_E_NOT_FOUND');
});

test('setProperty / proxy / notify command line / reply file name round trip', async () => {
  const id = await backend.createJob('props', JobType.UPLOAD_REPLY);
  await backend.setProperty(id, 'displayName', 'Ñame — ✓');
  await backend.setProperty(id, 'description', 'Beschreibung 説明');
  await backend.setProperty(id, 'priority', 1);
  await backend.setProperty(id, 'minimumRetryDelay', 61);
  await backend.setProperty(id, 'noProgressTimeout', 4294967295);
  await backend.setProperty(id, 'notifyFlags', 0x0b);
  await backend.setProxySettings(id, 2, 'http://proxy.test:3128', '<local>');
  await backend.setNotifyCmdLine(id, 'C:\\Programme\\ä.exe', '"C:\\Programme\\ä.exe" --job');
  await backend.setReplyFileName(id, 'C:\\tmp\\réponse.txt');
  const s = await backend.getJob(id);
  assert.is(s.displayName, 'Ñame — ✓');
  assert.is(s.description, 'Beschreibung 説明');
  assert.is(s.priority, 1);
  assert.is(s.minimumRetryDelay, 61);
  assert.is(s.noProgressTimeout, 4294967295);
  assert.is(s.notifyFlags, 0x0b);
  assert.equal(s.proxy, { usage: 2, proxyList: 'http://proxy.test:3128', bypassList: '<local>' });
  assert.equal(s.notifyCmdLine, { program: 'C:\\Programme\\ä.exe', parameters: '"C:\\Programme\\ä.exe" --job' });
  assert.is(s.replyFileName, 'C:\\tmp\\réponse.txt');
  assert.equal(await backend.getProxySettings(id), s.proxy);
  assert.equal(await backend.getNotifyCmdLine(id), s.notifyCmdLine);
  assert.is(await backend.getReplyFileName(id), 'C:\\tmp\\réponse.txt');
  await backend.cancel(id);
});

test('credentials: removeCredentials S_FALSE when none, S_OK after setCredentials', async () => {
  const id = await backend.createJob('creds', JobType.UPLOAD_REPLY);
  assert.equal(await backend.removeCredentials(id, 1, 1), { hresult: 1, name: 'S_FALSE' });
  await backend.setCredentials(id, { target: 1, scheme: 1, userName: 'bénutzer', password: 'pässwörd' });
  assert.equal(await backend.removeCredentials(id, 1, 1), { hresult: 0, name: 'S_OK' });
  assert.equal(await backend.removeCredentials(id, 1, 1), { hresult: 1, name: 'S_FALSE' });
  await backend.cancel(id);
});

test('getReplyData of 0 B / 1 B / 1 MiB → exact base64; 1 MiB + 1 → BG_E_TOO_LARGE with data.size; complete', async () => {
  for (const n of [0, 1, MiB]) {
    const id = await backend.createJob(`reply ${n}`, JobType.UPLOAD_REPLY);
    await backend.addFiles(id, [{ remoteName: 'https://example.test/up', localName: '/tmp/up.bin' }]);
    await backend.resume(id);
    await fake('fake.finishTransfer', [id, n]);
    const s = await backend.getJob(id);
    assert.is(s.state, 6); // TRANSFERRED
    assert.match(s.times.transferCompletionTime!, /Z$/);
    assert.equal(s.replyProgress, { bytesTotal: n, bytesTransferred: n });
    const b64 = await backend.getReplyData(id);
    assert.ok(Buffer.from(b64, 'base64').equals(pattern(n)), `reply of ${n} B differs`);
    assert.equal(await backend.complete(id), { hresult: 0, name: 'S_OK' });
  }
  const id = await backend.createJob('too large', JobType.UPLOAD_REPLY);
  await backend.addFiles(id, [{ remoteName: 'https://example.test/up', localName: '/tmp/up.bin' }]);
  await fake('fake.finishTransfer', [id, MiB + 1]);
  const e = await rejection(backend.getReplyData(id));
  assert.is(e.hresult, BG_E_TOO_LARGE);
  assert.is(e.code, 'BG_E_TOO_LARGE');
  assert.is(e.data?.size, MiB + 1);
  await backend.cancel(id);
});

test('a job in ERROR: getJob carries the JobErrorWire, getError returns it', async () => {
  const id = await backend.createJob('err', JobType.DOWNLOAD);
  await backend.addFiles(id, [{ remoteName: 'https://example.test/x', localName: '/tmp/x' }]);
  await fake('fake.fail', [id, 0x80190194, 5, false, 'http']);
  const s = await backend.getJob(id);
  assert.is(s.state, 4);
  assert.is(s.error?.hresult, 0x80190194);
  assert.is(s.error?.context, 5);
  assert.is(s.nextRetryTime, null, 'ERROR: no retry is due');
  const err = await backend.getError(id);
  assert.is(err.hresult, 0x80190194);
  assert.is(err.protocol, 'http');
  await backend.cancel(id);
});

test('a job in TRANSIENT_ERROR: nextRetryTime is ModificationTime + MinimumRetryDelay (BITS has no such property)', async () => {
  const id = await backend.createJob('transient', JobType.DOWNLOAD);
  await backend.addFiles(id, [{ remoteName: 'https://example.test/x', localName: '/tmp/x' }]);
  await backend.setProperty(id, 'minimumRetryDelay', 75);
  await fake('fake.fail', [id, 0x80072efd, 6, true, 'http']);
  const s = await backend.getJob(id);
  assert.is(s.state, 5);
  assert.ok(s.nextRetryTime, 'set in TRANSIENT_ERROR');
  assert.is(Date.parse(s.nextRetryTime!) - Date.parse(s.times.modificationTime), 75_000);
  await backend.resume(id);
  assert.is((await backend.getJob(id)).nextRetryTime, null, 'QUEUED again: none');
  await backend.cancel(id);
});

test('job objects are held: a finished job still reads CANCELLED/ACKNOWLEDGED, a second Cancel/Complete is BG_E_INVALID_STATE, getJob is BG_E_NOT_FOUND, the reply stays readable', async () => {
  const id = await backend.createJob('held', JobType.DOWNLOAD);
  await backend.cancel(id);
  assert.is((await backend.describeJob(id)).state, 8); // CANCELLED, from the held job object
  assert.is((await rejection(backend.cancel(id))).code, 'BG_E_INVALID_STATE');
  assert.is((await rejection(backend.suspend(id))).code, 'BG_E_INVALID_STATE');
  assert.is((await rejection(backend.getJob(id))).code, 'BG_E_NOT_FOUND', 'the manager no longer finds it');
  const r = await backend.createJob('held reply', JobType.UPLOAD_REPLY);
  await backend.addFiles(r, [{ remoteName: 'https://example.test/up', localName: '/tmp/up.bin' }]);
  await fake('fake.finishTransfer', [r, 3]);
  await backend.complete(r);
  assert.is((await backend.describeJob(r)).state, 7); // ACKNOWLEDGED
  assert.ok(Buffer.from(await backend.getReplyData(r), 'base64').equals(pattern(3)), 'reply readable after Complete');
  assert.is((await rejection(backend.complete(r))).code, 'BG_E_INVALID_STATE');
});

test('held job objects are pruned once 1024 are held: final ones are dropped, live ones kept', async () => {
  const held = async () => {
    const reply = await invoke({ op: 'fake.heldJobs' as never, args: [] });
    assert.ok(reply.ok);
    return (reply as { result: number }).result;
  };
  const live = await backend.createJob('stays', JobType.DOWNLOAD);
  const start = await held();
  const finished: string[] = [];
  for (let i = start; i < 1024; i++) {
    const id = await backend.createJob(`prune ${i}`, JobType.DOWNLOAD);
    await backend.cancel(id);
    finished.push(id);
  }
  assert.is(await held(), 1024);
  const next = await backend.createJob('after the prune', JobType.DOWNLOAD);
  assert.ok((await held()) < 100, `final jobs dropped: ${await held()} held`);
  assert.is((await backend.describeJob(live)).state, 3, 'a live job is still reachable');
  assert.is((await rejection(backend.describeJob(finished[0]!))).code, 'BG_E_NOT_FOUND', 'a dropped final job is gone, as in BITS once released');
  await backend.cancel(live);
  await backend.cancel(next);
});

// The parity rows (test/contract/error-parity.ts) the fakes can produce, through the real bridge DLL:
// the envelope Envelopes.Error really emits equals the mirror native-parity.test.ts uses (all but the
// message detail, which is the fake's text), and the adapter's BitsError equals the engine's.
const ZERO = '00000000-0000-0000-0000-000000000000';
const onFakes: Record<string, () => Promise<string>> = {
  'unknown job id → BG_E_NOT_FOUND': async () => ZERO,
  'a job id that is not a GUID → BG_E_NOT_FOUND': async () => 'not-a-guid',
  'Resume of an unknown job → BG_E_NOT_FOUND': async () => ZERO,
  'GetJob of a cancelled job (left the queue) → BG_E_NOT_FOUND': async () => { const id = await backend.createJob('c', 0); await backend.cancel(id); return id; },
  'CreateJob with type 9 → E_INVALIDARG': async () => '',
  'SetMinimumRetryDelay(-1) → E_INVALIDARG (the bridge refuses a value that is no ULONG)': () => backend.createJob('d', 0),
  'Resume with no files → BG_E_EMPTY': () => backend.createJob('e', 0),
  'GetReplyData on a DOWNLOAD job → E_NOTIMPL (spec §3.4)': () => backend.createJob('d', 0),
  'GetReplyData before TRANSFERRED → BG_E_INVALID_STATE': () => backend.createJob('r', JobType.UPLOAD_REPLY),
  'a reply over 1 MiB → BG_E_TOO_LARGE with data { size }': async () => {
    const id = await backend.createJob('big', JobType.UPLOAD_REPLY);
    await backend.addFiles(id, [{ remoteName: 'https://example.test/up', localName: '/tmp/up.bin' }]);
    await fake('fake.finishTransfer', [id, MiB + 1]);
    return id;
  },
  'Complete of an UPLOAD job that is not TRANSFERRED → BG_E_INVALID_STATE': () => backend.createJob('u', JobType.UPLOAD),
  'a second Complete → BG_E_INVALID_STATE': async () => {
    const id = await backend.createJob('done', JobType.DOWNLOAD);
    await backend.addFiles(id, [{ remoteName: 'https://example.test/x', localName: '/tmp/x' }]);
    await fake('fake.finishTransfer', [id, 0]);
    await backend.complete(id);
    return id;
  },
  'a second Cancel → BG_E_INVALID_STATE': async () => { const id = await backend.createJob('c', 0); await backend.cancel(id); return id; },
  'Suspend of a cancelled job → BG_E_INVALID_STATE': async () => { const id = await backend.createJob('c', 0); await backend.cancel(id); return id; },
  'SetNotifyCmdLine on a cancelled job → BG_E_INVALID_STATE': async () => { const id = await backend.createJob('c', 0); await backend.cancel(id); return id; },
  'GetError of a job not in ERROR → BG_E_ERROR_INFORMATION_UNAVAILABLE': () => backend.createJob('g', 0),
  'a call that fails on a job in ERROR: context NONE and no job error in data (spec §4.1: no error object for failed calls)': async () => {
    const id = await backend.createJob('err', JobType.DOWNLOAD);
    await backend.addFiles(id, [{ remoteName: 'https://example.test/x', localName: '/tmp/x' }]);
    await fake('fake.fail', [id, 0x80190194, 5, false, 'http']);
    return id;
  },
};

test('error parity through the real bridge DLL (fakes): envelope = the mirror; BitsError = the engine\'s', async () => {
  const rows = PARITY_CASES.filter((c) => c.title in onFakes);
  assert.is(rows.length, Object.keys(onFakes).length, 'every fake row names a parity case');
  for (const c of rows) {
    const env = await openParityEnv();
    let engineError;
    try {
      engineError = await rejection(c.call(env.engine, await c.prepare(env)), `engine: ${c.title}`);
    } finally {
      await env.close();
    }
    let last: BridgeReply | undefined;
    const recording = new NativeBackend(async (r) => (last = await invoke(r)));
    const nativeError = await rejection(c.call(recording, await onFakes[c.title]!()), `native: ${c.title}`);
    assert.ok(last && !last.ok, c.title);
    const real = (last as { error: BridgeErrorWire }).error;
    const mirror = bridgeErrorEnvelope(c.bridge.hresult, c.bridge.method, { argument: c.bridge.argument, data: c.bridge.data, jobError: c.bridge.jobError });
    const { message: realMessage, jobError: realJobError, ...realRest } = real;
    const { message: mirrorMessage, jobError: mirrorJobError, ...mirrorRest } = mirror;
    assert.equal(realRest, mirrorRest, `${c.title}: envelope`);
    assert.ok(realMessage!.startsWith(mirrorMessage!), `${c.title}: message ${realMessage} starts with ${mirrorMessage}`);
    if (mirrorJobError) {
      assert.equal(Object.keys(realJobError!).sort(), Object.keys(mirrorJobError).sort());
      for (const k of ['hresult', 'hresultHex', 'name', 'context', 'contextName', 'protocol'] as const) assert.is(realJobError![k], mirrorJobError[k], `jobError.${k}`);
    } else {
      assert.is(realJobError, undefined, `${c.title}: no jobError`);
    }
    assert.equal(callerView(nativeError), callerView(engineError), c.title);
  }
});

// The per-call overhead is measured by the bench (scripts/bench/native-overhead.ts), never asserted here.

test.run();
