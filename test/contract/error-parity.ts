// Error parity between the portable engine and the native adapter (issue 5): a table of conditions,
// each produced for real on a PortableEngine, with the HRESULT and COM method the C# bridge reports
// for the same condition on BITS; `bridgeErrorEnvelope` builds the error envelope exactly as
// Envelopes.Error / ComCall.Failure (module/native/bridge) do, and `callerView` is everything a caller
// of a BitsError reads except the message text. Used by test/native-parity.test.ts (scripted bridge,
// every row) and test/native-roundtrip.test.ts (the real bridge DLL on the managed fakes, the rows
// the fakes can produce — which also checks this mirror against the real Envelopes.Error).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitsError } from '../../module/api/bits-error.js';
import { AuthScheme, AuthTarget, ErrorContext, JobType, ProxyUsage, nameOf } from '../../module/api/enums.js';
import { HR, hex, toUnsigned } from '../../module/api/hresult.js';
import { LIMITS } from '../../module/api/limits.js';
import type { Backend, BackendMethod } from '../../module/api/port.js';
import { PortableEngine } from '../../module/engine/engine.js';
import type { BridgeErrorWire } from '../../module/native/native-backend.js';
import { startBitsServer, type RunningBitsServer } from '../../module/server/index.js';
import { waitState } from '../helpers/assert-bits.js';
import { pseudoRandomBytes, startGateServer, type GateServer } from '../helpers/gate-server.js';

/** The codes module/native/bridge/HResults.cs names itself (Envelopes.Error sends null for the rest). */
export const BRIDGE_NAMED: Record<number, string> = Object.fromEntries(
  ['S_OK', 'S_FALSE', 'BG_S_PARTIAL_COMPLETE', 'BG_S_UNABLE_TO_DELETE_FILES', 'E_NOTIMPL', 'E_NOINTERFACE', 'E_FAIL', 'E_INVALIDARG',
    'REGDB_E_CLASSNOTREG', 'BG_E_NOT_FOUND', 'BG_E_FILE_NOT_AVAILABLE', 'BG_E_PROTOCOL_NOT_AVAILABLE', 'BG_E_ERROR_INFORMATION_UNAVAILABLE', 'BG_E_TOO_LARGE']
    .map((n) => [HR[n]!, n]),
);

const contextName = (c: number) => String(nameOf(ErrorContext, c) ?? c);

/** Envelopes.JobError for an IBackgroundCopyError (what the bridge puts in `jobError` and returns from getError). */
export function bridgeJobError(e: { hresult: number; context: number; description: string; contextDescription: string; protocol: string | null; file: { remoteName: string; localName: string } | null }) {
  const u = toUnsigned(e.hresult);
  return {
    hresult: u, hresultHex: hex(u), name: BRIDGE_NAMED[u] ?? null, context: e.context, contextName: contextName(e.context),
    message: e.description.trim(), contextDescription: e.contextDescription.trim(), protocol: e.protocol, file: e.file,
  };
}

/**
 * The error envelope of Envelopes.Error: a COM failure (ComCall.Failure: "<method> failed: 0x… (NAME)[: detail]")
 * or, with `argument`, a BridgeArgumentException (method "Bridge.Invoke", E_INVALIDARG).
 */
export function bridgeErrorEnvelope(hresult: number, method: string, extra: { detail?: string; jobError?: ReturnType<typeof bridgeJobError>; data?: Record<string, unknown>; argument?: boolean } = {}): BridgeErrorWire {
  const u = toUnsigned(hresult);
  const name = BRIDGE_NAMED[u] ?? null;
  const context = extra.jobError?.context ?? 0;
  const message = extra.argument
    ? `Bridge.Invoke: BridgeArgumentException: ${extra.detail ?? ''}`
    : `${method} failed: ${hex(u)}${name ? ` (${name})` : ''}${extra.detail ? `: ${extra.detail}` : ''}`;
  return {
    hresult: u, hresultHex: hex(u), name, context, contextName: contextName(context), method: extra.argument ? 'Bridge.Invoke' : method, message,
    ...(extra.jobError ? { jobError: extra.jobError } : {}),
    ...(extra.data ? { data: extra.data } : {}),
  };
}

/** Everything a caller reads from a BitsError but the message text (which legitimately differs). */
export function callerView(e: unknown) {
  const b = e as BitsError;
  const json = b instanceof BitsError ? b.toJSON() : undefined;
  return {
    isBitsError: e instanceof BitsError,
    errorName: b?.name,
    code: b?.code,
    hresult: b?.hresult,
    hresultHex: b?.hresultHex,
    context: b?.context,
    contextName: b?.contextName,
    data: b?.data ?? null,
    jsonKeys: json ? Object.keys(json).sort() : null,
    jsonName: json?.name,
    messageIsText: typeof b?.message === 'string' && b.message.length > 0,
  };
}

/** A getError/snapshot JobErrorWire without its two texts (descriptions are BITS's own, localized, on Windows). */
export function jobErrorView(j: Record<string, unknown>) {
  const { message, contextDescription, ...rest } = j;
  return { ...rest, keys: Object.keys(j).sort(), hasTexts: typeof message === 'string' && typeof contextDescription === 'string' };
}

/** The servers and directory the engine side of the table needs. */
export interface ParityEnv {
  engine: PortableEngine;
  dir: string;
  http: GateServer;
  replies: RunningBitsServer;
  close(): Promise<void>;
}

export async function openParityEnv(): Promise<ParityEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-parity-'));
  mkdirSync(join(dir, 'state'));
  mkdirSync(join(dir, 'replies'));
  const engine = await PortableEngine.open({ stateDir: join(dir, 'state') });
  const http = await startGateServer();
  http.set('/a.bin', { body: pseudoRandomBytes(5000, 3) });
  const replies = await startBitsServer({
    root: join(dir, 'replies'),
    replyHandler: () => ({ reply: Buffer.alloc(LIMITS.replyDataMax + 1, 0x61) }),
  });
  return {
    engine, dir, http, replies,
    close: async () => {
      await engine.close();
      await http.close();
      await replies.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ParityCase {
  title: string;
  /** The operation that fails (the native adapter is called with it). */
  op: BackendMethod;
  /** Brings the engine into the condition; returns the job id the failing call uses. */
  prepare(env: ParityEnv): Promise<string>;
  /** The failing call, the same on both backends. */
  call(b: Backend, jobId: string): Promise<unknown>;
  /** What the bridge reports for the condition on BITS: the HRESULT and the COM method (or a bridge argument check). */
  bridge: { hresult: number; method: string; argument?: boolean; data?: Record<string, unknown>; jobError?: ReturnType<typeof bridgeJobError> };
}

const ZERO = '00000000-0000-0000-0000-000000000000';
const job = (type: number) => async (env: ParityEnv) => env.engine.createJob('parity', type);
const cancelled = async (env: ParityEnv) => {
  const id = await env.engine.createJob('parity', JobType.DOWNLOAD);
  await env.engine.cancel(id);
  return id;
};
const creds = (target: number, scheme: number, userName: string | null, password: string | null) => ({ target, scheme, userName, password });

/** A download job in ERROR (404 from the gate server): its job error as the engine has it and as the bridge reports it. */
async function downloadInError(env: ParityEnv): Promise<string> {
  const id = await env.engine.createJob('parity 404', JobType.DOWNLOAD);
  await env.engine.addFiles(id, [{ remoteName: `${env.http.url}/missing.bin`, localName: join(env.dir, `m-${id}.bin`) }]);
  await env.engine.resume(id);
  await waitState(env.engine, id, 'ERROR');
  return id;
}
const ERROR_404 = bridgeJobError({
  hresult: HR.BG_E_HTTP_ERROR_404!, context: ErrorContext.REMOTE_FILE, description: 'The requested URL does not exist on the server.',
  contextDescription: 'The error occurred while the remote file was being processed.', protocol: 'http',
  file: { remoteName: 'http://127.0.0.1/missing.bin', localName: 'C:\\t\\m.bin' },
});

export const PARITY_CASES: ParityCase[] = [
  { title: 'unknown job id → BG_E_NOT_FOUND', op: 'getJob', prepare: async () => ZERO, call: (b, id) => b.getJob(id),
    bridge: { hresult: HR.BG_E_NOT_FOUND!, method: 'IBackgroundCopyManager.GetJob' } },
  { title: 'a job id that is not a GUID → BG_E_NOT_FOUND', op: 'getJob', prepare: async () => 'not-a-guid', call: (b, id) => b.getJob(id),
    bridge: { hresult: HR.BG_E_NOT_FOUND!, method: 'IBackgroundCopyManager.GetJob' } },
  { title: 'Resume of an unknown job → BG_E_NOT_FOUND', op: 'resume', prepare: async () => ZERO, call: (b, id) => b.resume(id),
    bridge: { hresult: HR.BG_E_NOT_FOUND!, method: 'IBackgroundCopyManager.GetJob' } },
  { title: 'GetJob of a cancelled job (left the queue) → BG_E_NOT_FOUND', op: 'getJob', prepare: cancelled, call: (b, id) => b.getJob(id),
    bridge: { hresult: HR.BG_E_NOT_FOUND!, method: 'IBackgroundCopyManager.GetJob' } },
  { title: 'CreateJob with a 257-character name → E_INVALIDARG', op: 'createJob', prepare: async () => '', call: (b) => b.createJob('n'.repeat(LIMITS.displayNameMax + 1), JobType.DOWNLOAD),
    bridge: { hresult: HR.E_INVALIDARG!, method: 'IBackgroundCopyManager.CreateJob' } },
  { title: 'CreateJob with type 9 → E_INVALIDARG', op: 'createJob', prepare: async () => '', call: (b) => b.createJob('t', 9),
    bridge: { hresult: HR.E_INVALIDARG!, method: 'IBackgroundCopyManager.CreateJob' } },
  { title: 'the 61st job of a (non-admin) user → BG_E_TOO_MANY_JOBS_PER_USER', op: 'createJob',
    prepare: async (env) => { for (let i = (await env.engine.listJobs()).length; i < LIMITS.jobsPerUser; i++) await env.engine.createJob(`fill ${i}`, 0); return ''; },
    call: (b) => b.createJob('one too many', JobType.DOWNLOAD),
    bridge: { hresult: HR.BG_E_TOO_MANY_JOBS_PER_USER!, method: 'IBackgroundCopyManager.CreateJob' } },
  { title: 'SetDisplayName over 256 characters → BG_E_STRING_TOO_LONG', op: 'setProperty', prepare: job(JobType.DOWNLOAD),
    call: (b, id) => b.setProperty(id, 'displayName', 'x'.repeat(LIMITS.displayNameMax + 1)),
    bridge: { hresult: HR.BG_E_STRING_TOO_LONG!, method: 'IBackgroundCopyJob.SetDisplayName' } },
  { title: 'SetDescription over 1024 characters → BG_E_STRING_TOO_LONG', op: 'setProperty', prepare: job(JobType.DOWNLOAD),
    call: (b, id) => b.setProperty(id, 'description', 'd'.repeat(LIMITS.descriptionMax + 1)),
    bridge: { hresult: HR.BG_E_STRING_TOO_LONG!, method: 'IBackgroundCopyJob.SetDescription' } },
  { title: 'SetPriority(4) → E_NOTIMPL', op: 'setProperty', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.setProperty(id, 'priority', 4),
    bridge: { hresult: HR.E_NOTIMPL!, method: 'IBackgroundCopyJob.SetPriority' } },
  { title: 'SetNotifyFlags(0x40) → E_NOTIMPL', op: 'setProperty', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.setProperty(id, 'notifyFlags', 0x40),
    bridge: { hresult: HR.E_NOTIMPL!, method: 'IBackgroundCopyJob.SetNotifyFlags' } },
  { title: 'SetMinimumRetryDelay(-1) → E_INVALIDARG (the bridge refuses a value that is no ULONG)', op: 'setProperty', prepare: job(JobType.DOWNLOAD),
    call: (b, id) => b.setProperty(id, 'minimumRetryDelay', -1),
    bridge: { hresult: HR.E_INVALIDARG!, method: 'Bridge.Invoke', argument: true } },
  { title: 'Resume with no files → BG_E_EMPTY', op: 'resume', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.resume(id),
    bridge: { hresult: HR.BG_E_EMPTY!, method: 'IBackgroundCopyJob.Resume' } },
  { title: 'AddFile with a relative local path → E_INVALIDARG', op: 'addFiles', prepare: job(JobType.DOWNLOAD),
    call: (b, id) => b.addFiles(id, [{ remoteName: 'http://127.0.0.1/a.bin', localName: 'relative/x.bin' }]),
    bridge: { hresult: HR.E_INVALIDARG!, method: 'IBackgroundCopyJob.AddFileSet' } },
  { title: 'a second file in an UPLOAD job → BG_E_TOO_MANY_FILES', op: 'addFiles',
    prepare: async (env) => {
      const id = await env.engine.createJob('up', JobType.UPLOAD);
      const src = join(env.dir, `src-${id}.bin`);
      writeFileSync(src, 'x');
      await env.engine.addFiles(id, [{ remoteName: `${env.replies.url}a.bin`, localName: src }]);
      return id;
    },
    call: (b, id) => b.addFiles(id, [{ remoteName: 'http://127.0.0.1/b.bin', localName: join(tmpdir(), 'b.bin') }]),
    bridge: { hresult: HR.BG_E_TOO_MANY_FILES!, method: 'IBackgroundCopyJob.AddFileSet' } },
  { title: 'file 201 of a (non-admin) job → BG_E_TOO_MANY_FILES_IN_JOB', op: 'addFiles',
    prepare: async (env) => {
      const id = await env.engine.createJob('many', JobType.DOWNLOAD);
      await env.engine.addFiles(id, Array.from({ length: LIMITS.filesPerJob }, (_, i) => ({ remoteName: `${env.http.url}/a.bin?${i}`, localName: join(env.dir, `f${i}.bin`) })));
      return id;
    },
    call: (b, id) => b.addFiles(id, [{ remoteName: 'http://127.0.0.1/a.bin', localName: join(tmpdir(), 'one-more.bin') }]),
    bridge: { hresult: HR.BG_E_TOO_MANY_FILES_IN_JOB!, method: 'IBackgroundCopyJob.AddFileSet' } },
  { title: 'GetReplyData on a DOWNLOAD job → E_NOTIMPL (spec §3.4)', op: 'getReplyData', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.getReplyData(id),
    bridge: { hresult: HR.E_NOTIMPL!, method: 'IBackgroundCopyJob2.GetReplyData' } },
  { title: 'GetReplyProgress on a DOWNLOAD job → E_NOTIMPL (spec §3.3)', op: 'getReplyProgress', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.getReplyProgress(id),
    bridge: { hresult: HR.E_NOTIMPL!, method: 'IBackgroundCopyJob2.GetReplyProgress' } },
  { title: 'SetReplyFileName on a DOWNLOAD job → E_NOTIMPL (spec §3.5)', op: 'setReplyFileName', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.setReplyFileName(id, join(tmpdir(), 'r.reply')),
    bridge: { hresult: HR.E_NOTIMPL!, method: 'IBackgroundCopyJob2.SetReplyFileName' } },
  { title: 'GetReplyData before TRANSFERRED → BG_E_INVALID_STATE', op: 'getReplyData', prepare: job(JobType.UPLOAD_REPLY), call: (b, id) => b.getReplyData(id),
    bridge: { hresult: HR.BG_E_INVALID_STATE!, method: 'IBackgroundCopyJob2.GetReplyData' } },
  { title: 'a reply over 1 MiB → BG_E_TOO_LARGE with data { size }', op: 'getReplyData',
    prepare: async (env) => {
      const id = await env.engine.createJob('big reply', JobType.UPLOAD_REPLY);
      const src = join(env.dir, `big-${id}.bin`);
      writeFileSync(src, 'x');
      await env.engine.addFiles(id, [{ remoteName: `${env.replies.url}big.bin`, localName: src }]);
      await env.engine.resume(id);
      await waitState(env.engine, id, 'TRANSFERRED');
      return id;
    },
    call: (b, id) => b.getReplyData(id),
    bridge: { hresult: HR.BG_E_TOO_LARGE!, method: 'IBackgroundCopyJob2.GetReplyData', data: { size: LIMITS.replyDataMax + 1 } } },
  { title: 'Complete of an UPLOAD job that is not TRANSFERRED → BG_E_INVALID_STATE', op: 'complete', prepare: job(JobType.UPLOAD), call: (b, id) => b.complete(id),
    bridge: { hresult: HR.BG_E_INVALID_STATE!, method: 'IBackgroundCopyJob.Complete' } },
  { title: 'a second Complete → BG_E_INVALID_STATE', op: 'complete',
    prepare: async (env) => { const id = await env.engine.createJob('done', JobType.DOWNLOAD); await env.engine.complete(id); return id; },
    call: (b, id) => b.complete(id), bridge: { hresult: HR.BG_E_INVALID_STATE!, method: 'IBackgroundCopyJob.Complete' } },
  { title: 'a second Cancel → BG_E_INVALID_STATE', op: 'cancel', prepare: cancelled, call: (b, id) => b.cancel(id),
    bridge: { hresult: HR.BG_E_INVALID_STATE!, method: 'IBackgroundCopyJob.Cancel' } },
  { title: 'Suspend of a cancelled job → BG_E_INVALID_STATE', op: 'suspend', prepare: cancelled, call: (b, id) => b.suspend(id),
    bridge: { hresult: HR.BG_E_INVALID_STATE!, method: 'IBackgroundCopyJob.Suspend' } },
  { title: 'SetNotifyCmdLine on a cancelled job → BG_E_INVALID_STATE', op: 'setNotifyCmdLine', prepare: cancelled, call: (b, id) => b.setNotifyCmdLine(id, process.execPath, null),
    bridge: { hresult: HR.BG_E_INVALID_STATE!, method: 'IBackgroundCopyJob2.SetNotifyCmdLine' } },
  { title: 'SetNotifyCmdLine with a program over MAX_PATH → BG_E_STRING_TOO_LONG', op: 'setNotifyCmdLine', prepare: job(JobType.DOWNLOAD),
    call: (b, id) => b.setNotifyCmdLine(id, join(tmpdir(), 'p'.repeat(LIMITS.notifyProgramMax)), null),
    bridge: { hresult: HR.BG_E_STRING_TOO_LONG!, method: 'IBackgroundCopyJob2.SetNotifyCmdLine' } },
  { title: 'GetError of a job not in ERROR → BG_E_ERROR_INFORMATION_UNAVAILABLE', op: 'getError', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.getError(id),
    bridge: { hresult: HR.BG_E_ERROR_INFORMATION_UNAVAILABLE!, method: 'IBackgroundCopyJob.GetError' } },
  { title: 'SetCredentials with target 0 → BG_E_INVALID_AUTH_TARGET', op: 'setCredentials', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.setCredentials(id, creds(0, AuthScheme.BASIC, 'u', 'p')),
    bridge: { hresult: HR.BG_E_INVALID_AUTH_TARGET!, method: 'IBackgroundCopyJob2.SetCredentials' } },
  { title: 'SetCredentials with scheme 9 → BG_E_INVALID_AUTH_SCHEME', op: 'setCredentials', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.setCredentials(id, creds(AuthTarget.SERVER, 9, 'u', 'p')),
    bridge: { hresult: HR.BG_E_INVALID_AUTH_SCHEME!, method: 'IBackgroundCopyJob2.SetCredentials' } },
  { title: 'SetCredentials with a 301-character user name → BG_E_USERNAME_TOO_LARGE', op: 'setCredentials', prepare: job(JobType.DOWNLOAD),
    call: (b, id) => b.setCredentials(id, creds(AuthTarget.SERVER, AuthScheme.BASIC, 'x'.repeat(LIMITS.userNameMax + 1), 'p')),
    bridge: { hresult: HR.BG_E_USERNAME_TOO_LARGE!, method: 'IBackgroundCopyJob2.SetCredentials' } },
  { title: 'SetCredentials with a password over 65536 characters → BG_E_PASSWORD_TOO_LARGE', op: 'setCredentials', prepare: job(JobType.DOWNLOAD),
    call: (b, id) => b.setCredentials(id, creds(AuthTarget.SERVER, AuthScheme.BASIC, 'u', 'p'.repeat(LIMITS.passwordMax + 1))),
    bridge: { hresult: HR.BG_E_PASSWORD_TOO_LARGE!, method: 'IBackgroundCopyJob2.SetCredentials' } },
  { title: 'SetCredentials BASIC without a user → E_INVALIDARG', op: 'setCredentials', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.setCredentials(id, creds(AuthTarget.SERVER, AuthScheme.BASIC, null, null)),
    bridge: { hresult: HR.E_INVALIDARG!, method: 'IBackgroundCopyJob2.SetCredentials' } },
  { title: 'RemoveCredentials with target 3 → BG_E_INVALID_AUTH_TARGET', op: 'removeCredentials', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.removeCredentials(id, 3, AuthScheme.BASIC),
    bridge: { hresult: HR.BG_E_INVALID_AUTH_TARGET!, method: 'IBackgroundCopyJob2.RemoveCredentials' } },
  { title: 'SetProxySettings with usage 7 → E_NOTIMPL', op: 'setProxySettings', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.setProxySettings(id, 7, null, null),
    bridge: { hresult: HR.E_NOTIMPL!, method: 'IBackgroundCopyJob.SetProxySettings' } },
  { title: 'SetProxySettings OVERRIDE without a list → E_INVALIDARG', op: 'setProxySettings', prepare: job(JobType.DOWNLOAD), call: (b, id) => b.setProxySettings(id, ProxyUsage.OVERRIDE, null, null),
    bridge: { hresult: HR.E_INVALIDARG!, method: 'IBackgroundCopyJob.SetProxySettings' } },
  { title: 'a proxy list over 32000 characters → BG_E_PROXY_LIST_TOO_LARGE', op: 'setProxySettings', prepare: job(JobType.DOWNLOAD),
    call: (b, id) => b.setProxySettings(id, ProxyUsage.OVERRIDE, 'p'.repeat(LIMITS.proxyListMax + 1), null),
    bridge: { hresult: HR.BG_E_PROXY_LIST_TOO_LARGE!, method: 'IBackgroundCopyJob.SetProxySettings' } },
  { title: 'a bypass list over 32000 characters → BG_E_PROXY_BYPASS_LIST_TOO_LARGE', op: 'setProxySettings', prepare: job(JobType.DOWNLOAD),
    call: (b, id) => b.setProxySettings(id, ProxyUsage.OVERRIDE, 'proxy:1', 'b'.repeat(LIMITS.proxyListMax + 1)),
    bridge: { hresult: HR.BG_E_PROXY_BYPASS_LIST_TOO_LARGE!, method: 'IBackgroundCopyJob.SetProxySettings' } },
  { title: 'a call that fails on a job in ERROR: context NONE and no job error in data (spec §4.1: no error object for failed calls)', op: 'getReplyData',
    prepare: downloadInError, call: (b, id) => b.getReplyData(id),
    bridge: { hresult: HR.E_NOTIMPL!, method: 'IBackgroundCopyJob2.GetReplyData', jobError: ERROR_404 } },
  { title: 'Complete whose rename fails → E_ACCESSDENIED, context LOCAL_FILE', op: 'complete',
    prepare: async (env) => {
      const id = await env.engine.createJob('rename fails', JobType.DOWNLOAD);
      const dest = join(env.dir, `d-${id}.bin`);
      await env.engine.addFiles(id, [{ remoteName: `${env.http.url}/a.bin`, localName: dest }]);
      await env.engine.resume(id);
      await waitState(env.engine, id, 'TRANSFERRED');
      mkdirSync(dest);
      writeFileSync(join(dest, 'occupied'), 'x');
      return id;
    },
    call: (b, id) => b.complete(id),
    bridge: { hresult: HR.E_ACCESSDENIED!, method: 'IBackgroundCopyJob.Complete' } },
];

/** The job in ERROR of the table, for the getError/snapshot rows. */
export { downloadInError, ERROR_404 };
