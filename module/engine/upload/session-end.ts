// Close-Session and Cancel-Session (spec §7.2): re-sent on 500–599 unless the server says
// BG_E_SESSION_NOT_FOUND, never on 100–499 — over the session's own connection when the caller
// passes it (servers that keep the session in the TCP connection refuse a Close on any other).
//
// What each answer means for the job [DECISION, issue 13]:
// * Cancel-Session: 200, or any answer that shows the session is unusable (404, SESSION_NOT_FOUND,
//   any other 4xx but 401/407): done — the session is gone or refused, which is all Cancel wants.
// * Close-Session after the final fragment was acknowledged, answered 100–499 (but 401/407) or
//   SESSION_NOT_FOUND: done ('refused-after-upload'). The server acknowledged every byte; this is
//   what an earlier Close whose Ack was lost looks like on the re-send, and what a server that
//   keeps the session in the connection says on a new one (it stored the file at the final
//   fragment). Failing the job would leave it in ERROR with nothing a Resume could change (the
//   same Close gets the same answer; a new upload of the URL gets 409). The one case this hides is
//   a type-0 server that timed the session out before Close; its session timeout is days.
// * 401/407: fatal as always — Resume after fixing the credentials closes the session.
// * 5xx (not SESSION_NOT_FOUND) and connection failures: re-sent on the same connection up to
//   `retries` times, then transient — the server may have failed to publish (disk full), so the job
//   retries the Close later rather than calling the file delivered.
// * Close-Session before that: the error as classified (the engine never closes an incomplete session).
import { parseHttpUrl } from '../http/request.js';
import { fallbackDue, sessionUrl } from './host-id.js';
import { cancelSessionPacket, closeSessionPacket, isAck, type Packet } from './packets.js';
import { SessionConnection } from './session-connection.js';
import { ackError, badAckError, isConnectionFailure, isSessionNotFound, UploadAbortedError } from './upload-errors.js';
import type { SessionEndRequest } from './upload-port.js';

export const DEFAULT_END_RETRIES = 3;
export const DEFAULT_END_RETRY_DELAY_MS = 1000;

/** closed = 200 Ack; gone = the server no longer knows it; refused-after-upload = see above; none = nothing to end. */
export type SessionEndResult = 'closed' | 'gone' | 'refused-after-upload' | 'none';

export function closeSession(req: SessionEndRequest): Promise<SessionEndResult> {
  return endSession(req, 'Close-Session');
}

export function cancelSession(req: SessionEndRequest): Promise<SessionEndResult> {
  return endSession(req, 'Cancel-Session');
}

async function endSession(req: SessionEndRequest, kind: 'Close-Session' | 'Cancel-Session'): Promise<SessionEndResult> {
  if (req.signal.aborted) throw new UploadAbortedError(req.signal.reason);
  let { session } = req;
  const { sessionId } = session;
  if (sessionId === null) return 'none'; // nothing on the server to end
  parseHttpUrl(req.url);
  const packet: Packet = kind === 'Close-Session' ? closeSessionPacket(sessionId) : cancelSessionPacket(sessionId);
  const now = req.now ?? Date.now;
  // Same host rule as the upload: the host-id host, unless it has been failing past the fallback
  // timeout — checked before every send, so a Close whose instance died after the final Ack goes
  // back to the farm's name once the timer runs out (its session directory is shared).
  const target = () => (fallbackDue(session, now()) ? req.url : sessionUrl(req.url, session));
  const retries = Math.max(0, req.retries ?? DEFAULT_END_RETRIES);
  const conn = req.connection ?? new SessionConnection({ signal: req.signal, sendTimeoutMs: req.requestTimeoutMs, responseTimeoutMs: req.responseTimeoutMs, headers: req.headers, tls: req.tls, transport: req.transport });
  // After the final Ack, the upload is the server's: only a 5xx or no answer can mean "not published".
  const afterUpload = kind === 'Cancel-Session' || session.uploadComplete;
  try {
    for (let attempt = 0; ; attempt++) {
      let ack;
      try {
        ack = await conn.send(target(), packet, req.signal);
      } catch (e) {
        if (!isConnectionFailure(e)) throw e;
        // The host-id host is unreachable: its fallback timer starts now, and is kept with the job
        // (as for a Fragment), so a later Close — this attempt's re-send or the job's next try —
        // falls back when it runs out.
        if (session.hostId !== null && session.hostIdFailingSince === null && !fallbackDue(session, now())) {
          session = { ...session, hostIdFailingSince: now() };
          await req.onSession?.({ ...session });
        }
        if (attempt >= retries) throw e;
        conn.reconnect();
        await delay(req.retryDelayMs ?? DEFAULT_END_RETRY_DELAY_MS, req.signal);
        continue;
      }
      if (ack.status === 200 || ack.status === 201) {
        if (!isAck(ack.headers) && !afterUpload) throw badAckError(kind, ack.url, `The answer to ${kind} is not a BITS Ack`);
        return 'closed';
      }
      const error = ackError(kind, ack.status, ack.headers, ack.url);
      const gone = ack.status === 404 || isSessionNotFound(error);
      if (gone && afterUpload) return 'gone';
      const credentials = ack.status === 401 || ack.status === 407;
      if (afterUpload && !credentials && ack.status >= 100 && ack.status <= 499) return 'refused-after-upload';
      if (ack.status >= 500 && ack.status <= 599 && !isSessionNotFound(error) && attempt < retries) {
        await delay(req.retryDelayMs ?? DEFAULT_END_RETRY_DELAY_MS, req.signal);
        continue;
      }
      // Close before the upload finished and the server lost the session: SESSION_NOT_FOUND is
      // transient, and the job's next attempt starts the upload over.
      throw error;
    }
  } finally {
    // A Close/Cancel ends the session: its connection goes too (single-threaded servers serve
    // nobody else while it is open).
    conn.close();
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new UploadAbortedError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new UploadAbortedError(signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
