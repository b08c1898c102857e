// The TS adapter of the native backend (module/native): NativeBackend over a scripted `invoke` that
// answers with envelopes shaped exactly as the C# bridge builds them (Bridge.Invoke, Envelopes.Error,
// Envelopes.JobError, JobOps.HResultWire), and load-bridge's errors. No edge-js and no BITS here:
// this proves the adapter's conversions and dispatch, not marshalling (edge-js) nor BITS behaviour.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitsError } from '../module/api/bits-error.js';
import { ErrorContext } from '../module/api/enums.js';
import { HR } from '../module/api/hresult.js';
import { BACKEND_METHODS, type Backend } from '../module/core/backend.js';
import { NativeBackend, type BridgeReply, type BridgeRequest } from '../module/native/native-backend.js';
import { BRIDGE_DLL_ENV, loadBridge } from '../module/native/load-bridge.js';
import { rejection } from './helpers/assert-bits.js';

const JOB = '6f1c2a4e-9b7d-4c1e-8a2f-3d5e7f9a1b2c';

/** A scripted bridge: records every request and answers with `answer(request)`. */
function scripted(answer: (r: BridgeRequest) => BridgeReply | Promise<BridgeReply>) {
  const requests: BridgeRequest[] = [];
  const backend = new NativeBackend(async (r) => {
    requests.push(r);
    return answer(r);
  });
  return { backend, requests };
}
const ok = (result: unknown): BridgeReply => ({ ok: true, result });

// Envelopes.Error for the off-Windows CoCreateInstance failure, verbatim as edge-js (CoreCLR)
// returned it from the real bridge DLL on this machine.
const CLASSNOTREG_ENVELOPE: BridgeReply = {
  ok: false,
  error: {
    hresult: 2147746132,
    hresultHex: '0x80040154',
    name: 'REGDB_E_CLASSNOTREG',
    context: 0,
    contextName: 'NONE',
    method: 'CoCreateInstance(BackgroundCopyManager)',
    message: 'BITS is not available on this platform (Debian GNU/Linux 12 (bookworm)): the native backend needs Windows (ole32.dll and the BITS service); use the portable backend (BITS_JOB2_BACKEND=portable). [MarshalDirectiveException: Cannot marshal \'parameter #5\': Invalid managed/unmanaged type combination (Marshaling to and from COM interface pointers isn\'t supported).]',
  },
};

// Arguments for every port method, in the port's order (Bridge.cs reads them by index).
const ARGS: Record<(typeof BACKEND_METHODS)[number], unknown[]> = {
  createJob: ['x', 0],
  getJob: [JOB],
  listJobs: [{ allUsers: true }],
  getErrorDescription: [0x80200001],
  describeJob: [JOB],
  addFiles: [JOB, [{ remoteName: 'http://h/a', localName: 'C:\\a' }]],
  listFiles: [JOB],
  resume: [JOB],
  suspend: [JOB],
  complete: [JOB],
  cancel: [JOB],
  getError: [JOB],
  setProperty: [JOB, 'priority', 2],
  setProxySettings: [JOB, 2, 'proxy:8080', null],
  getProxySettings: [JOB],
  takeOwnership: [JOB],
  setNotifyCmdLine: [JOB, 'C:\\n.exe', 'C:\\n.exe a'],
  getNotifyCmdLine: [JOB],
  getReplyProgress: [JOB],
  getReplyData: [JOB],
  setReplyFileName: [JOB, 'C:\\reply'],
  getReplyFileName: [JOB],
  setCredentials: [JOB, { target: 1, scheme: 1, userName: 'u', password: 'p' }],
  removeCredentials: [JOB, 1, 1],
};

test('every BACKEND_METHODS name dispatches one envelope { op: <that name>, args: <port order> }', async () => {
  const jobError = { hresult: 0x80070002, hresultHex: '0x80070002', name: null, context: 4, contextName: 'LOCAL_FILE', message: 'm', contextDescription: 'd', protocol: null, file: null };
  const { backend, requests } = scripted((r) =>
    ok(r.op === 'getReplyData' ? Buffer.alloc(0)
      : r.op === 'getError' ? jobError
      : ['complete', 'cancel', 'removeCredentials'].includes(r.op) ? { hresult: 0, name: 'S_OK' } : null));
  for (const op of BACKEND_METHODS) {
    await (backend[op] as (...a: unknown[]) => Promise<unknown>)(...ARGS[op]);
    const last = requests.at(-1)!;
    assert.is(last.op, op);
    assert.equal(last.args, ARGS[op], `${op} args`);
  }
  assert.is(requests.length, BACKEND_METHODS.length);
  assert.is(backend.kind, 'native');
  const asPort: Backend = backend; // compiles only if NativeBackend implements the port
  assert.ok(asPort);
});

test('listJobs() without options sends args [null] (Bridge.ListJobs: not a dictionary → current user)', async () => {
  const { backend, requests } = scripted(() => ok([]));
  assert.equal(await backend.listJobs(), []);
  assert.equal(requests[0], { op: 'listJobs', args: [null] });
});

test('the off-Windows REGDB_E_CLASSNOTREG envelope → BitsError with its code, context and the bridge message', async () => {
  const { backend } = scripted(() => CLASSNOTREG_ENVELOPE);
  const e = await rejection(backend.createJob('x', 0));
  assert.is(e.hresult, 0x80040154);
  assert.is(e.code, 'REGDB_E_CLASSNOTREG');
  assert.is(e.hresultHex, '0x80040154');
  assert.is(e.context, ErrorContext.NONE);
  assert.is(e.contextName, 'NONE');
  assert.match(e.message, /BITS is not available on this platform/);
  assert.is(e.data, undefined);
});

test('an error the bridge does not name (name: null) is named from module/api\'s table', async () => {
  const { backend } = scripted(() => ({
    ok: false,
    error: { hresult: 2149580802, hresultHex: '0x80200002', name: null, context: 0, contextName: 'NONE', method: 'IBackgroundCopyJob.Resume', message: 'IBackgroundCopyJob.Resume failed: 0x80200002' },
  }));
  const e = await rejection(backend.resume(JOB));
  assert.is(e.hresult, HR.BG_E_INVALID_STATE);
  assert.is(e.code, 'BG_E_INVALID_STATE');
  assert.is(e.toJSON().name, 'BG_E_INVALID_STATE');
});

test('a signed HRESULT becomes unsigned; a code only the bridge names keeps the bridge\'s name', async () => {
  const { backend } = scripted(() => ({ ok: false, error: { hresult: -2147024809, name: 'E_INVALIDARG', context: 0, message: 'm' } }));
  const e = await rejection(backend.suspend(JOB));
  assert.is(e.hresult, 0x80070057);
  assert.is(e.code, 'E_INVALIDARG');
  const unknown = scripted(() => ({ ok: false, error: { hresult: 0x8020ffff, name: 'BG_E_SOMETHING_NEW', context: 0, message: 'm' } }));
  const e2 = await rejection(unknown.backend.suspend(JOB));
  assert.is(e2.code, 'BG_E_SOMETHING_NEW');
  assert.is(e2.toJSON().name, 'BG_E_SOMETHING_NEW');
  const unnamed = scripted(() => ({ ok: false, error: { hresult: 0x8020fffe, name: null, context: 0, message: 'm' } }));
  assert.is((await rejection(unnamed.backend.suspend(JOB))).code, '0x8020FFFE');
});

test('a call failing on a job in ERROR: context NONE, no data (as the engine); the job\'s error (named from the table) goes into the message', async () => {
  const jobError = {
    hresult: 2149122452, // 0x80190194: HTTP 404, a code the bridge does not name
    hresultHex: '0x80190194',
    name: null,
    context: 5,
    contextName: 'REMOTE_FILE',
    message: 'The requested URL does not exist on the server.',
    contextDescription: 'The error occurred while the remote file was being processed.',
    protocol: 'http',
    file: { remoteName: 'http://h/missing', localName: 'C:\\t\\missing' },
  };
  const { backend } = scripted(() => ({
    ok: false,
    error: {
      hresult: 2149580802, hresultHex: '0x80200002', name: null, context: 5, contextName: 'REMOTE_FILE',
      method: 'IBackgroundCopyJob.Complete', message: 'IBackgroundCopyJob.Complete failed: 0x80200002', jobError,
    },
  }));
  const e = await rejection(backend.complete(JOB));
  assert.is(e.code, 'BG_E_INVALID_STATE');
  assert.is(e.context, ErrorContext.NONE, 'the call has no error context (spec §4.1); the job\'s error is about its transfer');
  assert.is(e.data, undefined);
  assert.match(e.message, /^IBackgroundCopyJob\.Complete failed: 0x80200002\. The job is in error: BG_E_HTTP_ERROR_404 \(0x80190194, REMOTE_FILE\): The requested URL does not exist/);
});

test('Complete failing with a Win32 error (a rename) → context LOCAL_FILE, as the engine; other operations and E_INVALIDARG keep NONE', async () => {
  const denied = { ok: false as const, error: { hresult: 0x80070005, name: null, context: 0, method: 'IBackgroundCopyJob.Complete', message: 'IBackgroundCopyJob.Complete failed: 0x80070005' } };
  const e = await rejection(scripted(() => denied).backend.complete(JOB));
  assert.is(e.code, 'E_ACCESSDENIED');
  assert.is(e.contextName, 'LOCAL_FILE');
  assert.is((await rejection(scripted(() => denied).backend.resume(JOB))).contextName, 'NONE');
  const badArg = { ok: false as const, error: { hresult: 0x80070057, name: 'E_INVALIDARG', context: 0, message: 'm' } };
  assert.is((await rejection(scripted(() => badArg).backend.complete(JOB))).contextName, 'NONE');
});

test('snapshots: an error the bridge leaves unnamed is named from the table in getJob, describeJob and listJobs', async () => {
  const error = { hresult: 0x80190194, hresultHex: '0x80190194', name: null, context: 5, contextName: 'REMOTE_FILE', message: 'm', contextDescription: 'd', protocol: 'http', file: null };
  const snap = { id: JOB, state: 4, error } as unknown as Record<string, unknown>;
  const { backend } = scripted((r) => ok(r.op === 'listJobs' ? [snap, { id: JOB, state: 3, error: null }] : snap));
  assert.is((await backend.getJob(JOB)).error?.name, 'BG_E_HTTP_ERROR_404');
  assert.is((await backend.describeJob(JOB)).error?.name, 'BG_E_HTTP_ERROR_404');
  const list = await backend.listJobs();
  assert.is(list[0]!.error?.name, 'BG_E_HTTP_ERROR_404');
  assert.is(list[1]!.error, null);
});

test('getError(): the JobErrorWire result passes through, with an unsigned, named HRESULT', async () => {
  const { backend } = scripted(() => ok({
    hresult: 2147942402, hresultHex: '0x80070002', name: null, context: 4, contextName: 'LOCAL_FILE',
    message: 'The system cannot find the file specified.', contextDescription: 'local', protocol: null, file: null,
  }));
  const je = await backend.getError(JOB);
  assert.is(je.hresult, 0x80070002);
  assert.is(je.name, 'ERROR_FILE_NOT_FOUND');
  assert.is(je.protocol, null);
  assert.is(je.file, null);
});

test('BG_E_TOO_LARGE: data is exactly { size } (what the contract suite compares)', async () => {
  const { backend } = scripted(() => ({
    ok: false,
    error: { hresult: 2149580832, hresultHex: '0x80200020', name: 'BG_E_TOO_LARGE', context: 0, contextName: 'NONE', method: 'IBackgroundCopyJob2.GetReplyData', message: 'IBackgroundCopyJob2.GetReplyData failed: 0x80200020 (BG_E_TOO_LARGE)', data: { size: 1048577 } },
  }));
  const e = await rejection(backend.getReplyData(JOB));
  assert.is(e.code, 'BG_E_TOO_LARGE');
  assert.equal(e.data, { size: 1048577 });
});

test('getReplyData: byte[] (a Buffer from edge-js) → base64, for 0 B, 1 B, 1 MiB; Uint8Array and number[] too', async () => {
  const mib = Buffer.alloc(1024 * 1024, 0xab);
  for (const bytes of [Buffer.alloc(0), Buffer.from([0xff]), mib, Buffer.from('héllo ☃', 'utf8')]) {
    const { backend } = scripted(() => ok(bytes));
    const b64 = await backend.getReplyData(JOB);
    assert.is(b64, bytes.toString('base64'));
    assert.ok(Buffer.from(b64, 'base64').equals(bytes));
  }
  const sub = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
  assert.is(await scripted(() => ok(sub)).backend.getReplyData(JOB), Buffer.from([1, 2, 3]).toString('base64'));
  assert.is(await scripted(() => ok([0, 255])).backend.getReplyData(JOB), Buffer.from([0, 255]).toString('base64'));
  assert.is(await scripted(() => ok(null)).backend.getReplyData(JOB), '');
  const e = await rejection(scripted(() => ok('not bytes')).backend.getReplyData(JOB));
  assert.is(e.code, 'E_FAIL');
});

test('success results pass through unchanged (wire types of module/api/types.ts)', async () => {
  const snapshot = {
    id: JOB, displayName: 'x', description: '', type: 2, state: 0, priority: 2, owner: 'S-1-5-21-1',
    progress: { bytesTotal: null, bytesTransferred: 0, filesTotal: 1, filesTransferred: 0 },
    times: { creationTime: '2024-01-02T03:04:05.678Z', modificationTime: '2024-01-02T03:04:05.678Z', transferCompletionTime: null },
    errorCount: 0, minimumRetryDelay: 600, noProgressTimeout: 1209600, notifyFlags: 3,
    proxy: { usage: 0, proxyList: null, bypassList: null }, notifyCmdLine: { program: '', parameters: '' },
    error: null, replyProgress: { bytesTotal: null, bytesTransferred: 0 }, replyFileName: null,
  };
  assert.equal(await scripted(() => ok(snapshot)).backend.getJob(JOB), snapshot);
  assert.equal(await scripted(() => ok([snapshot])).backend.listJobs({ allUsers: false }), [snapshot]);
  assert.is(await scripted(() => ok(JOB)).backend.createJob('x', 2), JOB);
  const files = [{ remoteName: 'http://h/a', localName: 'C:\\a', progress: { bytesTotal: 10, bytesTransferred: 10, completed: true } }];
  assert.equal(await scripted(() => ok(files)).backend.listFiles(JOB), files);
  assert.equal(await scripted(() => ok({ usage: 2, proxyList: 'p:1', bypassList: null })).backend.getProxySettings(JOB), { usage: 2, proxyList: 'p:1', bypassList: null });
  assert.equal(await scripted(() => ok({ bytesTotal: null, bytesTransferred: 0 })).backend.getReplyProgress(JOB), { bytesTotal: null, bytesTransferred: 0 });
  assert.is(await scripted(() => ok(null)).backend.getReplyFileName(JOB), null);
  assert.is(await scripted(() => ok('Not found.')).backend.getErrorDescription(0x80200001), 'Not found.');
  assert.is(await scripted(() => ok(null)).backend.resume(JOB), undefined);
});

test('HResultWire results (complete/cancel/removeCredentials): S_FALSE and BG_S_* kept; a null name filled from the table', async () => {
  assert.equal(await scripted(() => ok({ hresult: 1, name: 'S_FALSE' })).backend.removeCredentials(JOB, 1, 1), { hresult: 1, name: 'S_FALSE' });
  assert.equal(await scripted(() => ok({ hresult: 0x00200017, name: 'BG_S_PARTIAL_COMPLETE' })).backend.complete(JOB), { hresult: 0x00200017, name: 'BG_S_PARTIAL_COMPLETE' });
  assert.equal(await scripted(() => ok({ hresult: 0x00200017, name: null })).backend.cancel(JOB), { hresult: 0x00200017, name: 'BG_S_PARTIAL_COMPLETE' });
});

test('transport failures: a rejecting invoke and a malformed reply are E_FAIL naming the operation; closed backend refuses', async () => {
  const { backend } = scripted(() => { throw new Error('CLR crashed'); });
  const e = await rejection(backend.getJob(JOB));
  assert.is(e.code, 'E_FAIL');
  assert.match(e.message, /getJob/);
  assert.match(e.message, /CLR crashed/);
  const bad = await rejection(scripted(() => ({ nope: 1 }) as unknown as BridgeReply).backend.getJob(JOB));
  assert.is(bad.code, 'E_FAIL');
  assert.match(bad.message, /malformed/);
  const c = scripted(() => ok(null));
  await c.backend.close();
  assert.is((await rejection(c.backend.resume(JOB))).code, 'E_FAIL');
  assert.is(c.requests.length, 0);
});

// ---- load-bridge ----

function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-nat-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('loadBridge off Windows: REGDB_E_CLASSNOTREG naming the platform', async () => {
  const e = await rejection(loadBridge({ platform: 'linux' }));
  assert.is(e.code, 'REGDB_E_CLASSNOTREG');
  assert.match(e.message, /this is linux/);
  assert.match(e.message, /BITS_JOB2_BACKEND=service/);
});

test('loadBridge: DLL not built → E_FAIL with the build command; env override naming a missing file → E_FAIL naming the variable', async () => {
  await withTmp(async (dir) => {
    const e = await rejection(loadBridge({ platform: 'win32', dll: join(dir, 'none.dll') }));
    assert.is(e.code, 'E_FAIL');
    assert.match(e.message, /not built/);
    assert.match(e.message, /cd module\/native\/bridge && dotnet build -c Release/);
    const e2 = await rejection(loadBridge({ platform: 'win32', env: { [BRIDGE_DLL_ENV]: join(dir, 'gone.dll') } }));
    assert.is(e2.code, 'E_FAIL');
    assert.match(e2.message, new RegExp(BRIDGE_DLL_ENV));
    assert.match(e2.message, /gone\.dll/);
  });
});

test('loadBridge: edge-js not installed → E_FAIL saying to install and approve it (the real import, edge-js is absent here)', async () => {
  await withTmp(async (dir) => {
    const dll = join(dir, 'Bits.Job2.Bridge.dll');
    writeFileSync(dll, 'MZ');
    let real: BitsError | undefined;
    try {
      await loadBridge({ platform: 'win32', dll });
    } catch (e) {
      real = e as BitsError;
    }
    // edge-js is not a dependency (npm ci never installs it), so the real import fails wherever this runs.
    assert.ok(real, 'loadBridge without edge-js rejects');
    assert.is(real.code, 'E_FAIL');
    assert.match(real.message, /edge-js/);
    const missing = Object.assign(new Error("Cannot find package 'edge-js'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const e = await rejection(loadBridge({ platform: 'win32', dll, importEdge: async () => { throw missing; } }));
    assert.is(e.code, 'E_FAIL');
    assert.match(e.message, /edge-js is not installed/);
    assert.match(e.message, /npm install edge-js/);
    assert.match(e.message, /approve-scripts edge-js/);
  });
});

test('loadBridge binds Bits.Job2.Bridge.Bridge.Invoke through edge.func and adapts its callback (CJS default export)', async () => {
  await withTmp(async (dir) => {
    const dll = join(dir, 'Bits.Job2.Bridge.dll');
    writeFileSync(dll, 'MZ');
    const seen: unknown[] = [];
    const fakeEdge = {
      func(options: unknown) {
        seen.push(options);
        return (input: unknown, cb: (e: unknown, r: unknown) => void) => setImmediate(() => cb(null, CLASSNOTREG_ENVELOPE));
      },
    };
    const invoke = await loadBridge({ platform: 'win32', dll, importEdge: async () => ({ default: fakeEdge }) });
    assert.equal(seen, [{ assemblyFile: dll, typeName: 'Bits.Job2.Bridge.Bridge', methodName: 'Invoke' }]);
    assert.equal(await invoke({ op: 'createJob', args: ['x', 0] }), CLASSNOTREG_ENVELOPE);
    const e = await rejection(new NativeBackend(invoke).createJob('x', 0));
    assert.is(e.code, 'REGDB_E_CLASSNOTREG');
    // edge.func throwing (assembly not loadable) → E_FAIL naming the DLL
    const broken = { func() { throw new Error('Could not load file or assembly'); } };
    const e2 = await rejection(loadBridge({ platform: 'win32', dll, importEdge: async () => broken }));
    assert.is(e2.code, 'E_FAIL');
    assert.match(e2.message, /Could not load file or assembly/);
    // a callback error → rejection → E_FAIL from the adapter
    const failing = { func: () => (_i: unknown, cb: (e: unknown, r: unknown) => void) => cb(new Error('edge: boom'), null) };
    const inv2 = await loadBridge({ platform: 'win32', dll, importEdge: async () => failing });
    const e3 = await rejection(new NativeBackend(inv2).resume(JOB));
    assert.match(e3.message, /edge: boom/);
  });
});

test.run();
