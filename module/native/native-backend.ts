// The native backend: the Backend port over the C# bridge (module/native/bridge, Bridge.Invoke).
// The transport is an injected `invoke(envelope) → Promise<reply>` — edge-js's
// `edge.func({ assemblyFile, typeName: 'Bits.Job2.Bridge.Bridge', methodName: 'Invoke' })` in
// production (see load-bridge.ts), a scripted function in tests. This file is the one conversion
// point between the bridge's envelopes and the port:
//   * error envelope → the BitsError the portable engine throws for the same condition (unsigned
//     HRESULT, name from module/api's table when the bridge gives none, context, data) with the
//     bridge's message (test/native-parity.test.ts holds the two side by side);
//   * snapshots: their `error` (a JobErrorWire) named from the table, as getError's result;
//   * getReplyData's byte[] (edge-js gives a Buffer) → base64;
//   * HResultWire names the bridge leaves null → named from the table;
//   * everything else passes through: the bridge already returns the wire types of module/api/types.ts.
import { BitsError, bitsError } from '../api/bits-error.js';
import { ErrorContext } from '../api/enums.js';
import { hex, hresultName, toUnsigned } from '../api/hresult.js';
import type {
  CredentialsInput,
  FileInfoWire,
  HResultWire,
  JobErrorWire,
  JobSnapshotWire,
  NewFile,
  NotifyCmdLineWire,
  ProxySettingsWire,
  ReplyProgressWire,
  UnavailableWire,
} from '../api/types.js';
import type { JobPropertyName } from '../api/operations.js';
import type { Backend, BackendMethod } from '../api/port.js';

/** What the adapter sends: `op` is a BACKEND_METHODS name, `args` its arguments in the port's order. */
export interface BridgeRequest {
  op: BackendMethod;
  args: unknown[];
}

/** The error object of Envelopes.Error (module/native/bridge/Envelopes.cs). */
export interface BridgeErrorWire {
  hresult: number;
  hresultHex?: string;
  /** null when the bridge does not know the code (HResults.NameOf); the adapter names it from the table. */
  name?: string | null;
  context?: number;
  contextName?: string;
  method?: string;
  message?: string;
  /** Envelopes.JobError: present when the failing job is in ERROR/TRANSIENT_ERROR. */
  jobError?: (Omit<JobErrorWire, 'name'> & { name?: string | null }) | null;
  /** Code-specific data (BG_E_TOO_LARGE: { size }). */
  data?: Record<string, unknown> | null;
}

export type BridgeReply = { ok: true; result?: unknown } | { ok: false; error: BridgeErrorWire };

/** The transport: edge-js's function in production. It may reject (edge-js/CLR failure) — that becomes E_FAIL. */
export type BridgeInvoke = (request: BridgeRequest) => Promise<BridgeReply>;

const E_FAIL = 0x80004005;

/** Win32 errors (facility 7) from Complete are its renames/deletes of local files. */
function isWin32Failure(hr: number): boolean {
  return (hr & 0xffff0000) >>> 0 === 0x80070000 && hr !== 0x80070057; // E_INVALIDARG is an argument error
}

/**
 * Error envelope → the BitsError the rest of the product throws, equal to the portable engine's for
 * the same condition in everything a caller reads (test/native-parity.test.ts):
 *   * context: a failed method call has none (spec §4.1: "no error object is produced for failed
 *     method calls"), even when the job happens to be in ERROR — the bridge's `jobError` describes
 *     the job's transfer, not this call, so it goes into the message, not into context/data. The one
 *     exception is Complete failing with a Win32 error: that is a local file that could not be
 *     renamed or deleted, which the engine reports with context LOCAL_FILE.
 *   * data: only what the code defines (BG_E_TOO_LARGE: { size }).
 * `op` is the operation that failed (the bridge's `method` names the COM method).
 */
export function bridgeErrorToBitsError(error: BridgeErrorWire, op?: BackendMethod): BitsError {
  const hr = toUnsigned(Number(error.hresult));
  const context = op === 'complete' && isWin32Failure(hr) ? ErrorContext.LOCAL_FILE : ErrorContext.NONE;
  const data: Record<string, unknown> = { ...(error.data ?? {}) };
  let message = error.message && error.message.length > 0 ? error.message : undefined;
  if (error.jobError) {
    const j = normalizeJobError(error.jobError);
    const about = `The job is in error: ${j.name} (${j.hresultHex ?? hex(j.hresult)}, ${j.contextName ?? j.context})${j.message ? `: ${j.message}` : ''}`;
    message = message ? `${message}. ${about}` : about;
  }
  const e = new BitsError(hr, message, context, Object.keys(data).length > 0 ? data : undefined);
  // The table is the one source of names; a name only the bridge knows is kept rather than lost.
  if (error.name && hresultName(hr) !== error.name && hresultName(hr).startsWith('0x')) {
    const name = error.name;
    Object.defineProperty(e, 'code', { get: () => name, enumerable: false, configurable: true });
  }
  return e;
}

/** JobErrorWire with an unsigned HRESULT and a name (the bridge sends null for codes it does not know). */
export function normalizeJobError(j: NonNullable<BridgeErrorWire['jobError']>): JobErrorWire {
  const hr = toUnsigned(Number(j.hresult));
  const out = { ...j, hresult: hr, hresultHex: hex(hr), name: j.name ?? hresultName(hr) } as JobErrorWire;
  // Texts BITS did not give (Wine: 0x800706F4 from the descriptions) arrive as null: "" as the type says, the why in `unavailable`.
  if (out.message === null) out.message = '';
  if (out.contextDescription === null) out.contextDescription = '';
  if (j.unavailable) out.unavailable = normalizeUnavailable(j.unavailable);
  return out;
}

/** `unavailable` entries (SnapshotReader.cs) with unsigned HRESULTs and names from the table. */
function normalizeUnavailable<K extends string>(u: Partial<Record<K, UnavailableWire>>): Partial<Record<K, UnavailableWire>> {
  const out: Partial<Record<K, UnavailableWire>> = {};
  for (const [field, v] of Object.entries(u) as [K, UnavailableWire][]) {
    const hr = toUnsigned(Number(v.hresult));
    out[field] = { hresult: hr, hresultHex: hex(hr), name: v.name ?? hresultName(hr), method: v.method };
  }
  return out;
}

/** A snapshot with its `error` normalized like getError's result and its `unavailable` entries named (the bridge leaves unknown names null). */
export function normalizeSnapshot(s: JobSnapshotWire): JobSnapshotWire {
  if (!s || typeof s !== 'object' || (!s.error && !s.unavailable)) return s;
  const out = { ...s };
  if (s.error) out.error = normalizeJobError(s.error as NonNullable<BridgeErrorWire['jobError']>);
  if (s.unavailable) out.unavailable = normalizeUnavailable(s.unavailable);
  return out;
}

/** byte[] as edge-js delivers it (Buffer; Uint8Array or number[] on other hosts) → base64. */
export function replyBytesToBase64(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return Buffer.from(value as number[]).toString('base64');
  throw bitsError(E_FAIL, `native bridge: getReplyData returned ${typeof value}, not bytes.`);
}

function hresultWire(value: unknown): HResultWire {
  if (typeof value !== 'object' || value === null) throw bitsError(E_FAIL, 'native bridge: no HRESULT in the reply.');
  const v = value as { hresult: number; name?: string | null };
  const hr = toUnsigned(Number(v.hresult));
  return { hresult: hr, name: v.name ?? hresultName(hr) };
}

function isReply(r: unknown): r is BridgeReply {
  return typeof r === 'object' && r !== null && typeof (r as { ok?: unknown }).ok === 'boolean'
    && ((r as { ok: boolean }).ok || typeof (r as { error?: unknown }).error === 'object');
}

export class NativeBackend implements Backend {
  readonly kind = 'native';
  private closed = false;

  constructor(private readonly invoke: BridgeInvoke) {}

  /** One round trip: envelope out, reply in; every failure is a BitsError. */
  private async call(op: BackendMethod, args: unknown[]): Promise<unknown> {
    if (this.closed) throw bitsError(E_FAIL, 'native backend: closed.');
    let reply: unknown;
    try {
      reply = await this.invoke({ op, args });
    } catch (e) {
      if (e instanceof BitsError) throw e;
      throw new BitsError(E_FAIL, `native bridge (${op}): ${e instanceof Error ? e.message : String(e)}`, ErrorContext.UNKNOWN);
    }
    if (!isReply(reply)) throw bitsError(E_FAIL, `native bridge (${op}): malformed reply envelope.`);
    if (!reply.ok) throw bridgeErrorToBitsError(reply.error, op);
    return reply.result ?? null;
  }

  // IBackgroundCopyManager
  async createJob(displayName: string, type: number): Promise<string> {
    return (await this.call('createJob', [displayName, type])) as string;
  }
  async getJob(jobId: string): Promise<JobSnapshotWire> {
    return normalizeSnapshot((await this.call('getJob', [jobId])) as JobSnapshotWire);
  }
  async listJobs(options?: { allUsers?: boolean }): Promise<JobSnapshotWire[]> {
    return (((await this.call('listJobs', [options ?? null])) ?? []) as JobSnapshotWire[]).map(normalizeSnapshot);
  }
  async getErrorDescription(hresult: number): Promise<string> {
    return (await this.call('getErrorDescription', [toUnsigned(hresult)])) as string;
  }

  // IBackgroundCopyJob
  async describeJob(jobId: string): Promise<JobSnapshotWire> {
    return normalizeSnapshot((await this.call('describeJob', [jobId])) as JobSnapshotWire);
  }
  async addFiles(jobId: string, files: NewFile[]): Promise<void> {
    await this.call('addFiles', [jobId, files]);
  }
  async listFiles(jobId: string): Promise<FileInfoWire[]> {
    return ((await this.call('listFiles', [jobId])) ?? []) as FileInfoWire[];
  }
  async resume(jobId: string): Promise<void> {
    await this.call('resume', [jobId]);
  }
  async suspend(jobId: string): Promise<void> {
    await this.call('suspend', [jobId]);
  }
  async complete(jobId: string): Promise<HResultWire> {
    return hresultWire(await this.call('complete', [jobId]));
  }
  async cancel(jobId: string): Promise<HResultWire> {
    return hresultWire(await this.call('cancel', [jobId]));
  }
  async getError(jobId: string): Promise<JobErrorWire> {
    const r = await this.call('getError', [jobId]);
    if (typeof r !== 'object' || r === null) throw bitsError(E_FAIL, 'native bridge (getError): no JobErrorWire in the reply.');
    return normalizeJobError(r as JobErrorWire);
  }
  async setProperty(jobId: string, name: JobPropertyName, value: string | number): Promise<void> {
    await this.call('setProperty', [jobId, name, value]);
  }
  async setProxySettings(jobId: string, usage: number, proxyList: string | null, bypassList: string | null): Promise<void> {
    await this.call('setProxySettings', [jobId, usage, proxyList, bypassList]);
  }
  async getProxySettings(jobId: string): Promise<ProxySettingsWire> {
    return (await this.call('getProxySettings', [jobId])) as ProxySettingsWire;
  }
  async takeOwnership(jobId: string): Promise<void> {
    await this.call('takeOwnership', [jobId]);
  }

  // IBackgroundCopyJob2
  async setNotifyCmdLine(jobId: string, program: string | null, parameters: string | null): Promise<void> {
    await this.call('setNotifyCmdLine', [jobId, program, parameters]);
  }
  async getNotifyCmdLine(jobId: string): Promise<NotifyCmdLineWire> {
    return (await this.call('getNotifyCmdLine', [jobId])) as NotifyCmdLineWire;
  }
  async getReplyProgress(jobId: string): Promise<ReplyProgressWire> {
    return (await this.call('getReplyProgress', [jobId])) as ReplyProgressWire;
  }
  async getReplyData(jobId: string): Promise<string> {
    return replyBytesToBase64(await this.call('getReplyData', [jobId]));
  }
  async setReplyFileName(jobId: string, replyFileName: string | null): Promise<void> {
    await this.call('setReplyFileName', [jobId, replyFileName]);
  }
  async getReplyFileName(jobId: string): Promise<string | null> {
    return (await this.call('getReplyFileName', [jobId])) as string | null;
  }
  async setCredentials(jobId: string, credentials: CredentialsInput): Promise<void> {
    await this.call('setCredentials', [jobId, credentials]);
  }
  async removeCredentials(jobId: string, target: number, scheme: number): Promise<HResultWire> {
    return hresultWire(await this.call('removeCredentials', [jobId, target, scheme]));
  }

  /** Nothing to release: the bridge's COM manager lives as long as the CLR edge-js hosts. */
  async close(): Promise<void> {
    this.closed = true;
  }
}
