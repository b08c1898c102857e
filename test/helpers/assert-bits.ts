// Assertions for BITS results: the HRESULT name a call fails with, waiting for a job state.
import * as assert from 'uvu/assert';
import { BitsError } from '../../module/api/bits-error.js';
import { HttpTransferError } from '../../module/engine/http/errors.js';
import { hresultName } from '../../module/api/hresult.js';
import { JobState, nameOf } from '../../module/api/enums.js';
import type { Backend } from '../../module/api/port.js';
import type { JobSnapshotWire } from '../../module/api/types.js';

/** Asserts that `p` rejects with a BitsError (any code); returns it. */
export async function rejection(p: Promise<unknown>, what = ''): Promise<BitsError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BitsError, `${what} expected a BitsError, got ${String(e)}`);
    return e as BitsError;
  }
  assert.unreachable(`${what} expected a rejection, but the call succeeded`);
  throw new Error('unreachable');
}

/** Asserts that `p` rejects with a BitsError whose HRESULT is named `name`; returns the error. */
export async function rejectsWith(p: Promise<unknown>, name: string, what = ''): Promise<BitsError> {
  const e = await rejection(p, what);
  assert.is(hresultName(e.hresult), name, `${what} ${e.message}`);
  return e;
}

export function stateOf(s: JobSnapshotWire): string {
  return String(nameOf(JobState, s.state));
}

/** Polls describeJob until `pred` holds (default timeout 15 s). */
export async function waitJob(backend: Backend, id: string, pred: (s: JobSnapshotWire) => boolean, what: string, timeoutMs = 15000): Promise<JobSnapshotWire> {
  const until = Date.now() + timeoutMs;
  let last: JobSnapshotWire | undefined;
  while (Date.now() < until) {
    last = await backend.describeJob(id);
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.unreachable(`timed out waiting for ${what}; last state ${last ? stateOf(last) : '?'} ${JSON.stringify(last?.error ?? null)}`);
  throw new Error('unreachable');
}

export function waitState(backend: Backend, id: string, state: keyof typeof JobState, timeoutMs?: number): Promise<JobSnapshotWire> {
  return waitJob(backend, id, (s) => s.state === JobState[state], state, timeoutMs);
}

/** Awaits `p` and returns the HttpTransferError it rejects with (HRESULT, context, transient flag). */
export async function transferFailure(p: Promise<unknown>, what = 'the transfer'): Promise<HttpTransferError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HttpTransferError) return e;
    throw new Error(`expected an HttpTransferError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error(`expected ${what} to fail, it succeeded`);
}
