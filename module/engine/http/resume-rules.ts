// The resume rules: which request to send for a partial file, and what each response means for the
// bytes we already have (spec §8). Pure functions over status + headers, so every rule is testable
// and the I/O code in download.ts only follows verdicts.
import type { IncomingHttpHeaders } from 'node:http';
import type { RemoteValidator } from './download-port.js';
import {
  httpStatusError,
  insufficientRangeSupportError,
  invalidServerResponseError,
  missingFileSizeError,
  type HttpTransferError,
} from './errors.js';
import { canValidateResume, compareValidators, contentLength, ifRangeValue, validatorFrom } from './validator.js';

export interface RequestPlan {
  /** Where the response body will be written in the temp file (0 = whole file). */
  offset: number;
  /** Range / If-Range headers to send (empty for a whole-file GET). */
  headers: Record<string, string>;
  /**
   * What the remote file must still be: the recorded validator for a resume, or the new version
   * seen earlier in this call after a change. null = anything goes (first sight of the file).
   */
  expected: RemoteValidator | null;
  /** The caller's bytes before its offset are being thrown away (progress goes back to 0). */
  restarted: boolean;
}

/** Plan the first request for a file with `offset` durable bytes, of which `tempFileSize` exist on disk. */
export function planFirstRequest(offset: number, recorded: RemoteValidator | null, tempFileSize: number): RequestPlan {
  if (offset <= 0) return planWholeFile(null, false);
  // Without an ETag or Last-Modified we cannot send If-Range, so a server would happily give us the
  // tail of a *different* version and we would splice two files together without noticing. BITS
  // guarantees per-file consistency, so the only safe resume without a validator is from byte 0.
  if (!canValidateResume(recorded)) return planWholeFile(null, true);
  // The engine's durable offset is larger than the file on disk: someone truncated or replaced the
  // temp file. Extending it would fill the gap with zeros, so start over.
  if (tempFileSize < offset) return planWholeFile(null, true);
  return {
    offset,
    headers: { Range: `bytes=${offset}-`, 'If-Range': ifRangeValue(recorded) },
    expected: recorded,
    restarted: false,
  };
}

export function planWholeFile(expected: RemoteValidator | null, restarted: boolean): RequestPlan {
  return { offset: 0, headers: {}, expected, restarted };
}

export type Verdict =
  /** Write the body at `offset`; it ends at `total`. */
  | { kind: 'accept'; validator: RemoteValidator; total: number }
  /**
   * The remote file is not the one we expected. With `bodyUsable` the response is the whole new
   * file (a 200), so we restart with it; otherwise a fresh whole-file request is needed.
   */
  | { kind: 'changed'; validator: RemoteValidator; total: number; bodyUsable: boolean }
  /** The temp file already holds the whole remote file (416 at exactly the recorded end). */
  | { kind: 'complete'; validator: RemoteValidator; total: number }
  | { kind: 'fail'; error: HttpTransferError };

const CONTENT_RANGE = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i;
const UNSATISFIED_RANGE = /^bytes\s+\*\/(\d+)$/i;

function headerText(headers: IncomingHttpHeaders, name: string): string | null {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? null;
}

/** Fill validator fields a response left out from the expected one (a 206 may omit Last-Modified). */
function completedWith(v: RemoteValidator, expected: RemoteValidator | null): RemoteValidator {
  return {
    etag: v.etag ?? expected?.etag ?? null,
    lastModified: v.lastModified ?? expected?.lastModified ?? null,
    totalSize: v.totalSize,
  };
}

export function judgeResponse(plan: RequestPlan, status: number, headers: IncomingHttpHeaders, url: string): Verdict {
  if (status === 200) return judgeWholeFile(plan, headers, url);
  if (status === 206) return judgePartial(plan, headers, url);
  if (status === 416 && plan.offset > 0) return judgeUnsatisfiedRange(plan, headers, url);
  return { kind: 'fail', error: httpStatusError(status, url) };
}

function judgeWholeFile(plan: RequestPlan, headers: IncomingHttpHeaders, url: string): Verdict {
  const total = contentLength(headers);
  if (total === null) return { kind: 'fail', error: missingFileSizeError(url) };
  const validator = validatorFrom(headers, total);
  if (plan.offset > 0) {
    // We asked for a range with If-Range. A 200 means either the file changed (If-Range failed, as
    // it should) or the server ignores Range. Only a provably identical file proves the latter;
    // anything else restarts, which is always correct.
    if (compareValidators(plan.expected!, validator) === 'same') return { kind: 'fail', error: insufficientRangeSupportError(url) };
    return { kind: 'changed', validator, total, bodyUsable: true };
  }
  if (plan.expected && compareValidators(plan.expected, validator) === 'different') {
    return { kind: 'changed', validator, total, bodyUsable: true };
  }
  return { kind: 'accept', validator, total };
}

function judgePartial(plan: RequestPlan, headers: IncomingHttpHeaders, url: string): Verdict {
  if (plan.offset === 0) return { kind: 'fail', error: invalidServerResponseError(url, 'The server answered 206 to a request without Range') };
  const text = headerText(headers, 'content-range');
  const m = text ? CONTENT_RANGE.exec(text) : null;
  if (!m) return { kind: 'fail', error: invalidServerResponseError(url, `The 206 response has ${text ? `a malformed Content-Range "${text}"` : 'no Content-Range'}`) };
  if (m[3] === '*') return { kind: 'fail', error: missingFileSizeError(url) };
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const own = validatorFrom(headers, total);
  // A server that honoured If-Range cannot send a 206 of another version; a broken cache can. Those
  // bytes do not continue ours, so fetch the new version whole.
  if (compareValidators(plan.expected!, { ...own, totalSize: null }) === 'different') {
    return { kind: 'changed', validator: own, total, bodyUsable: false };
  }
  if (start !== plan.offset) {
    return { kind: 'fail', error: invalidServerResponseError(url, `The server sent bytes from ${start} when asked for bytes from ${plan.offset}`) };
  }
  const recordedTotal = plan.expected!.totalSize;
  if (recordedTotal !== null && total !== recordedTotal) {
    return { kind: 'fail', error: invalidServerResponseError(url, `The server reports a file size of ${total}, earlier ${recordedTotal}`) };
  }
  // We asked for "from offset to the end"; a shorter answer would leave a hole we do not track.
  if (end !== total - 1 || end < start) {
    return { kind: 'fail', error: invalidServerResponseError(url, `The server sent bytes ${start}-${end} of ${total} when asked for the rest of the file`) };
  }
  const length = contentLength(headers);
  if (length !== null && length !== end - start + 1) {
    return { kind: 'fail', error: invalidServerResponseError(url, `Content-Length ${length} does not match Content-Range ${text}`) };
  }
  return { kind: 'accept', validator: completedWith(own, plan.expected), total };
}

function judgeUnsatisfiedRange(plan: RequestPlan, headers: IncomingHttpHeaders, url: string): Verdict {
  // A 416 after If-Range means the validator matched but our offset is at (or past) the end. At
  // exactly the recorded end the file is simply complete (e.g. a crash between the last checkpoint
  // and the engine's rename); anything else is a real 416.
  const text = headerText(headers, 'content-range');
  const m = text ? UNSATISFIED_RANGE.exec(text) : null;
  const recordedTotal = plan.expected!.totalSize;
  if (m && Number(m[1]) === plan.offset && (recordedTotal === null || recordedTotal === plan.offset)) {
    return { kind: 'complete', validator: { ...plan.expected!, totalSize: plan.offset }, total: plan.offset };
  }
  return { kind: 'fail', error: httpStatusError(416, url) };
}
