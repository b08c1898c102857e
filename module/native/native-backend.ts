// The native backend: the Backend port over the C# bridge (module/native/bridge, Bridge.Invoke).
// The transport is an injected `invoke(envelope) → Promise<reply>` — edge-js's
// `edge.func({ assemblyFile, typeName: 'Bits.Job2.Bridge.Bridge', methodName: 'Invoke' })` in
// production (see load-bridge.ts), a scripted function in tests. The methods are RemoteBackend's
// (derived from module/api); this file is the one conversion point between the bridge's envelopes
// and the port, by result kind:
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
import type { FileInfoWire, HResultWire, JobErrorWire, JobSnapshotWire, UnavailableWire } from '../api/types.js';
import type { BackendMethod } from '../api/port.js';
import { RemoteBackend, type RemoteOptions } from '../io/remote-backend.js';

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

const nullWhenAbsent = (v: unknown) => v ?? null;

/** The native adapter's result normalisers: the one place bridge results become the port's types. */
const NATIVE_RESULTS: RemoteOptions['normalise'] = {
  snapshot: (v) => normalizeSnapshot(v as JobSnapshotWire),
  snapshots: (v) => ((v ?? []) as JobSnapshotWire[]).map(normalizeSnapshot),
  files: (v) => (v ?? []) as FileInfoWire[],
  hresult: hresultWire,
  jobError: (v) => {
    if (typeof v !== 'object' || v === null) throw bitsError(E_FAIL, 'native bridge (getError): no JobErrorWire in the reply.');
    return normalizeJobError(v as JobErrorWire);
  },
  bytes: replyBytesToBase64,
  void: () => undefined,
};

/** The Backend port over the bridge: RemoteBackend with the edge-js transport. */
export class NativeBackend extends RemoteBackend {
  private closed = false;

  constructor(invoke: BridgeInvoke) {
    super('native', (op, args) => this.call(invoke, op, args), {
      // Bridge.ListJobs reads a missing dictionary as "current user"; HRESULTs cross as unsigned doubles.
      encode: { listOptions: nullWhenAbsent, hresult: (v) => toUnsigned(v as number) },
      normalise: NATIVE_RESULTS,
    });
  }

  /** One round trip: envelope out, reply in; every failure is a BitsError. */
  private async call(invoke: BridgeInvoke, op: BackendMethod, args: unknown[]): Promise<unknown> {
    if (this.closed) throw bitsError(E_FAIL, 'native backend: closed.');
    let reply: unknown;
    try {
      reply = await invoke({ op, args });
    } catch (e) {
      if (e instanceof BitsError) throw e;
      throw new BitsError(E_FAIL, `native bridge (${op}): ${e instanceof Error ? e.message : String(e)}`, ErrorContext.UNKNOWN);
    }
    if (!isReply(reply)) throw bitsError(E_FAIL, `native bridge (${op}): malformed reply envelope.`);
    if (!reply.ok) throw bridgeErrorToBitsError(reply.error, op);
    return reply.result ?? null;
  }

  /** Nothing to release: the bridge's COM manager lives as long as the CLR edge-js hosts. */
  override async close(): Promise<void> {
    this.closed = true;
  }
}
