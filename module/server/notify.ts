// STATE_NOTIFY (spec §7.4 step 5, §7.6; [MC-BUP] §3.2.5.1.3, §3.3): once every byte of an upload
// arrived, the server application gets it — by an HTTP POST to the notification URL (by reference or
// by value, the "back-end client" of [MC-BUP] §3.3) or by a call to an in-process replyHandler — and
// its answer becomes the reply. Any failure is thrown as an AckError with context 0x7, the
// application's HTTP status and an HRESULT; the session then stays un-notified so that the client's
// retry of the last fragment notifies again.
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AckError, CONTEXT_REMOTE_APPLICATION, E_FAIL, E_INVALIDARG, ERROR_INTERNET_CANNOT_CONNECT } from './ack.js';
import { MAX_URL_CHARS, type NotificationOptions } from './options.js';
import { BitsAppError, type ReplyHandler } from './reply-handler.js';

export interface NotifyInput {
  sessionId: string;
  /** The upload URL as the client addressed it (BITS-Original-Request-URL). */
  remoteUrl: string;
  /**
   * The upload URL on this server's own address (the local end of the client's connection): what
   * a relative notification URL is resolved against. Never the client's Host header, which would
   * let a client point the server's POST — uploaded bytes included — at any host it likes.
   */
  localUrl: string;
  query: string;
  clientAddress: string;
  /** Authenticated user of the session, or null. */
  user: string | null;
  size: number;
  requestFile: string;
  replyFile: string;
  timeoutMs: number;
  /** Aborted when the server closes. */
  signal: AbortSignal;
}

export interface NotifyOutcome {
  /** Where the reply is: our reply file, or an application URL sent to the client as is. */
  reply: 'file' | 'static';
  staticUrl: string | null;
  copyToDestination: boolean;
}

function appError(status: number, hresult: number, message: string): AckError {
  return new AckError(status, hresult >>> 0, CONTEXT_REMOTE_APPLICATION, message);
}

function timeoutError(ms: number): AckError {
  // [MC-BUP] §3.3.6: back-end timers → 408, context 0x7. Its HRESULT 0x80070112 is not a real
  // Win32 code; spec §11 #10 uses E_FAIL.
  return appError(408, E_FAIL, `the server application did not answer within ${ms} ms`);
}

/** A static response URL must be absolute http(s) and ≤ 2200 characters ([MC-BUP] §2.2.1.2: else 400). */
function checkStaticUrl(url: string): string {
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok || url.length > MAX_URL_CHARS) {
    throw new AckError(400, E_INVALIDARG, CONTEXT_REMOTE_APPLICATION, `the server application's static response URL is not an absolute http(s) URL of at most ${MAX_URL_CHARS} characters`);
  }
  return url;
}

/** The notification URL for one upload: relative → against the upload URL's directory; the upload's query appended. */
export function notificationUrlFor(configured: string, localUrl: string, query: string): string {
  const u = new URL(configured, localUrl);
  const extra = query.replace(/^\?/, '');
  if (extra) u.search = u.search && u.search !== '?' ? `${u.search}&${extra}` : `?${extra}`;
  return u.href;
}

// ── in-process application ──────────────────────────────────────────────────────────────────────

export async function notifyHandler(handler: ReplyHandler, input: NotifyInput): Promise<NotifyOutcome> {
  const abort = new AbortController();
  const onClose = () => abort.abort(input.signal.reason);
  input.signal.addEventListener('abort', onClose, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort(new Error('notification timeout'));
      reject(timeoutError(input.timeoutMs));
    }, input.timeoutMs);
  });
  try {
    const result = await Promise.race([
      Promise.resolve().then(() =>
        handler({
          uploadPath: input.requestFile,
          size: input.size,
          remoteUrl: input.remoteUrl,
          sessionId: input.sessionId,
          query: input.query,
          clientAddress: input.clientAddress,
          user: input.user,
          signal: abort.signal,
        }),
      ),
      timedOut,
    ]);
    const r = result ?? {};
    const copyToDestination = r.copyToDestination === true;
    if (r.staticResponseUrl) return { reply: 'static', staticUrl: checkStaticUrl(r.staticResponseUrl), copyToDestination };
    await mkdir(dirname(input.replyFile), { recursive: true });
    if (r.reply !== undefined) await writeFile(input.replyFile, typeof r.reply === 'string' ? Buffer.from(r.reply, 'utf8') : r.reply);
    else if (r.replyFile) await copyFile(r.replyFile, input.replyFile);
    else await writeFile(input.replyFile, '');
    return { reply: 'file', staticUrl: null, copyToDestination };
  } catch (e) {
    if (e instanceof AckError) throw e;
    if (e instanceof BitsAppError) throw appError(e.status, e.hresult, e.message);
    throw appError(500, E_FAIL, `the reply handler failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener('abort', onClose);
  }
}

// ── application behind a notification URL ──────────────────────────────────────────────────────

/** BITS-Error-Code / BITS-Error of the application's answer, when it sent a parseable one. */
function appHResult(res: http.IncomingMessage): number | undefined {
  const raw = (res.headers['bits-error-code'] ?? res.headers['bits-error']) as string | undefined;
  if (!raw) return undefined;
  const m = /^\s*(?:0x)?([0-9a-f]{1,8})\s*$/i.exec(raw);
  return m ? parseInt(m[1]!, 16) >>> 0 : undefined;
}

export async function notifyUrl(notification: NotificationOptions, input: NotifyInput): Promise<NotifyOutcome> {
  const url = notificationUrlFor(notification.url, input.localUrl, input.query);
  const byValue = notification.type === 'value';
  const headers: Record<string, string | number> = {
    Accept: '*/*',
    'User-Agent': 'BITSExts 1.5', // what Windows sends (spec §7.6 [OBS]); applications may look for it
    'BITS-Original-Request-URL': input.remoteUrl,
    'Content-Length': byValue ? input.size : 0,
  };
  // Our addition: the user the server authenticated (percent-encoded UTF-8), so the application
  // need not authenticate again. Absent without authentication.
  if (input.user !== null) headers['BITS-Authenticated-User'] = encodeURIComponent(input.user);
  if (!byValue) {
    headers['BITS-Request-DataFile-Name'] = input.requestFile;
    headers['BITS-Response-DataFile-Name'] = input.replyFile;
  }
  // The application writes the reply there by reference; by value we write its response body there.
  await mkdir(dirname(input.replyFile), { recursive: true });
  const bodyFile = input.replyFile + '.body';
  const abort = new AbortController();
  const onClose = () => abort.abort(input.signal.reason);
  input.signal.addEventListener('abort', onClose, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort(new Error('notification timeout'));
  }, input.timeoutMs);
  try {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers, agent: false, signal: abort.signal }, resolve);
      req.on('error', reject);
      if (byValue) pipeline(createReadStream(input.requestFile), req).catch(reject);
      else req.end();
    });
    const status = res.statusCode ?? 500;
    if (status < 200 || status > 299) {
      res.resume();
      throw appError(status, appHResult(res) ?? 0x80190000 + status, `the server application answered ${status}`);
    }
    const staticHeader = res.headers['bits-static-response-url'] as string | undefined;
    const copyToDestination = res.headers['bits-copy-file-to-destination'] !== undefined;
    if (staticHeader && staticHeader.trim()) {
      res.resume();
      return { reply: 'static', staticUrl: checkStaticUrl(staticHeader.trim()), copyToDestination };
    }
    await pipeline(res, createWriteStream(bodyFile));
    // By reference the application normally writes the response file itself ([MC-BUP] §3.4.5.2 also
    // allows the reply as the response body): a file it wrote wins, else the body is the reply.
    const wrote = !byValue && (await stat(input.replyFile).then(() => true, () => false));
    if (wrote) await rm(bodyFile, { force: true });
    else await rename(bodyFile, input.replyFile);
    return { reply: 'file', staticUrl: null, copyToDestination };
  } catch (e) {
    await rm(bodyFile, { force: true });
    if (e instanceof AckError) throw e;
    if (timedOut) throw timeoutError(input.timeoutMs);
    throw appError(502, ERROR_INTERNET_CANNOT_CONNECT, `the server application at ${url} could not be reached: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener('abort', onClose);
  }
}
