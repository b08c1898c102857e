// Small shared pieces of the engine's answers: HRESULT results, state names in messages, the
// "final state" refusal, and removing a temp file without failing the call.
import { existsSync, rmSync } from 'node:fs';
import { bitsError, type BitsError } from '../api/bits-error.js';
import { JobState } from '../api/enums.js';
import { HR, hresultName } from '../api/hresult.js';
import type { HResultWire } from '../api/types.js';
import type { JobRecord } from './job-record.js';

export function result(hr: number): HResultWire {
  return { hresult: hr, name: hresultName(hr) };
}

export function stateName(state: number): string {
  return Object.keys(JobState).find((k) => JobState[k as keyof typeof JobState] === state) ?? String(state);
}

export function invalidState(job: JobRecord): BitsError {
  return bitsError(HR.BG_E_INVALID_STATE, `Job ${job.id} is ${stateName(job.state)}: nothing can change it any more.`);
}

/**
 * A caller's value in a message: scalars as they are, anything else as (at most 60 characters of)
 * JSON — a raw RPC client may send an object where a number belongs, and `[object Object]` tells
 * nobody what was wrong.
 */
export function shown(value: unknown): string {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    text = Object.prototype.toString.call(value); // a cycle or a BigInt inside
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** True when the file is gone afterwards. */
export function removeQuietly(path: string): boolean {
  try {
    rmSync(path, { force: true });
    return !existsSync(path);
  } catch {
    return false;
  }
}
