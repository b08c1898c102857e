// The HTTP downloader behind the engine's DownloadPort (spec §8): one file, one call, resuming
// from the engine's durable offset when the server and the validators allow it.
import type { TransportOptions } from '../transport-port.js';
import { TransportSession } from '../transport/connector.js';
import type { DownloadRequest, DownloadResult, DownloadTlsOptions, HeadOptions, HeadResult, RemoteValidator } from './download-port.js';
import { writeBody } from './body-writer.js';
import { PACED_READ_STEP_BYTES, pacedBody } from '../rate/paced-body.js';
import { pacerIdle } from '../rate/pacer.js';
import { DownloadAbortedError, httpStatusError, missingFileSizeError, remoteFileChangedError } from './errors.js';
import { openResponse, parseHttpUrl } from './request.js';
import { judgeResponse, planFirstRequest, planWholeFile } from './resume-rules.js';
import { TempFile } from './temp-file.js';
import { contentLength, lastModifiedDate, validatorFrom } from './validator.js';

export { HttpTransferError, DownloadAbortedError } from './errors.js';

/** Spec §8: request and response timers are 5 minutes each. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_MAX_REDIRECTS = 10;
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;
export const DEFAULT_CHECKPOINT_BYTES = 64 * 1024 * 1024;

/** How many times the remote file may be seen changing within one call before we give up (spec §8 [DECISION]). */
const CHANGES_TOLERATED = 1;

export async function downloadFile(req: DownloadRequest): Promise<DownloadResult> {
  if (req.signal.aborted) throw new DownloadAbortedError(req.signal.reason);
  parseHttpUrl(req.url); // a bad URL fails before the disk is touched
  // Proxy settings are validated here, at transfer time (BG_E_INVALID_PROXY_INFO), also before the disk is touched.
  const session = newSession(req);
  try {
    const file = await TempFile.open(req.tempPath);
    try {
      return await transfer(req, file, session);
    } finally {
      await file.close().catch(() => undefined);
    }
  } finally {
    session.close();
  }
}

function newSession(o: { transport?: TransportOptions; tls?: DownloadTlsOptions; requestTimeoutMs?: number }): TransportSession {
  return new TransportSession({ transport: o.transport, tls: o.tls, keepAlive: false, connectTimeoutMs: o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS });
}

async function transfer(req: DownloadRequest, file: TempFile, session: TransportSession): Promise<DownloadResult> {
  let plan = planFirstRequest(req.offset, req.validator, await file.size());
  let changes = 0;
  for (;;) {
    // Bytes past the durable offset were never confirmed: drop them before asking for the rest.
    await file.truncate(plan.offset);
    const { response, finalUrl } = await openResponse(req.url, {
      method: 'GET',
      headers: { ...req.headers, ...plan.headers },
      signal: req.signal,
      requestTimeoutMs: req.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      maxRedirects: req.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
      session,
      readStepBytes: pacerIdle(req.pacer) ? undefined : PACED_READ_STEP_BYTES,
    });
    const verdict = judgeResponse(plan, response.statusCode ?? 0, response.headers, finalUrl);
    if (verdict.kind !== 'accept' && !(verdict.kind === 'changed' && verdict.bodyUsable)) response.destroy();
    if (verdict.kind === 'fail') throw verdict.error;
    if (verdict.kind === 'complete') {
      req.onResponse?.({ validator: verdict.validator, finalUrl, restarted: false, offset: verdict.total });
      return finish(req, file, verdict.validator, finalUrl, verdict.total);
    }
    if (verdict.kind === 'changed' && ++changes > CHANGES_TOLERATED) {
      response.destroy();
      throw remoteFileChangedError(finalUrl);
    }
    if (verdict.kind === 'changed' && !verdict.bodyUsable) {
      plan = planWholeFile(verdict.validator, true);
      continue;
    }
    // A usable 'changed' response is the whole new version: start over with it instead of asking again.
    const restarted = verdict.kind === 'changed' || plan.restarted;
    const offset = verdict.kind === 'changed' ? 0 : plan.offset;
    try {
      if (verdict.kind === 'changed') await file.truncate(0);
      req.onResponse?.({ validator: verdict.validator, finalUrl, restarted, offset });
      if (restarted) {
        // The engine's recorded offset points into bytes that no longer exist; replace it before the
        // body arrives so a crash now cannot resume the new version onto the old prefix.
        await file.datasync();
        req.onCheckpoint?.(0, verdict.validator);
      }
    } catch (e) {
      response.destroy();
      throw e;
    }
    await writeBody(req.pacer ? pacedBody(response, req.pacer) : response, {
      url: finalUrl,
      file,
      start: offset,
      total: verdict.total,
      validator: verdict.validator,
      idleTimeoutMs: req.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      signal: req.signal,
      checkpoints: {
        intervalMs: req.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
        bytes: req.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES,
      },
      onProgress: req.onProgress,
      onCheckpoint: req.onCheckpoint,
    });
    return finish(req, file, verdict.validator, finalUrl, verdict.total);
  }
}

/** Whole file on disk: stamp it with the server time, make it durable, report the final checkpoint. */
async function finish(req: DownloadRequest, file: TempFile, validator: RemoteValidator, finalUrl: string, total: number): Promise<DownloadResult> {
  const mtime = lastModifiedDate(validator);
  if (mtime) await file.setModifiedTime(mtime);
  await file.sync();
  await file.close();
  const done: RemoteValidator = { ...validator, totalSize: total };
  req.onCheckpoint?.(total, done);
  return { validator: done, finalUrl, size: total };
}

/** HEAD (following redirects) to learn a file's size and validators, e.g. for multi-file jobs. */
export async function headFile(url: string, opts: HeadOptions = {}): Promise<HeadResult> {
  const session = newSession(opts);
  try {
    const { response, finalUrl } = await openResponse(url, {
      method: 'HEAD',
      headers: opts.headers ?? {},
      signal: opts.signal ?? new AbortController().signal,
      requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      maxRedirects: opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
      session,
    });
    response.resume(); // a HEAD response has no body; let the socket finish
    const status = response.statusCode ?? 0;
    if (status !== 200) throw httpStatusError(status, finalUrl);
    // Spec §8: HEAD must return the size; a server that does not cannot serve a multi-file job.
    const total = contentLength(response.headers);
    if (total === null) throw missingFileSizeError(finalUrl);
    return { validator: validatorFrom(response.headers, total), finalUrl };
  } finally {
    session.close();
  }
}
