// Close-Session and Cancel-Session (spec §7.2): re-sent on 500–599 unless the server says
// BG_E_SESSION_NOT_FOUND, never on 100–499.
//
// A session the server no longer knows (404, or BG_E_SESSION_NOT_FOUND) [DECISION]:
// * Cancel-Session: done — the session is gone, which is all Cancel wants.
// * Close-Session after the final fragment was acknowledged: done — the server acknowledged every
//   byte, and this is exactly what an earlier Close whose Ack was lost looks like on the re-send;
//   failing the job would make the user upload a file the server already has. (The one case this
//   hides is a server that timed the session out before Close, which loses a type-0 upload; the
//   server's session timeout is days, far beyond the engine's retry delays.)
// * Close-Session before that: the error as classified (the engine never closes an incomplete session).
import { parseHttpUrl } from '../http/request.js';
import { fallbackDue, sessionUrl } from './host-id.js';
import { cancelSessionPacket, closeSessionPacket, isAck, type Packet } from './packets.js';
import { SessionConnection } from './session-connection.js';
import { ackError, badAckError, isSessionNotFound, UploadAbortedError } from './upload-errors.js';
import type { SessionEndRequest } from './upload-port.js';

export const DEFAULT_END_RETRIES = 3;
export const DEFAULT_END_RETRY_DELAY_MS = 1000;

export function closeSession(req: SessionEndRequest): Promise<void> {
  return endSession(req, 'Close-Session');
}

export function cancelSession(req: SessionEndRequest): Promise<void> {
  return endSession(req, 'Cancel-Session');
}

async function endSession(req: SessionEndRequest, kind: 'Close-Session' | 'Cancel-Session'): Promise<void> {
  if (req.signal.aborted) throw new UploadAbortedError(req.signal.reason);
  const { session } = req;
  if (session.sessionId === null) return; // nothing on the server to end
  parseHttpUrl(req.url);
  const packet: Packet = kind === 'Close-Session' ? closeSessionPacket(session.sessionId) : cancelSessionPacket(session.sessionId);
  // Same host rule as the upload: the host-id host, unless it has been failing past the fallback timeout.
  const url = fallbackDue(session, (req.now ?? Date.now)()) ? req.url : sessionUrl(req.url, session);
  const retries = Math.max(0, req.retries ?? DEFAULT_END_RETRIES);
  const conn = new SessionConnection({ signal: req.signal, sendTimeoutMs: req.requestTimeoutMs, responseTimeoutMs: req.responseTimeoutMs, headers: req.headers, tls: req.tls, transport: req.transport });
  try {
    for (let attempt = 0; ; attempt++) {
      const ack = await conn.send(url, packet);
      if (ack.status === 200 || ack.status === 201) {
        if (!isAck(ack.headers)) throw badAckError(kind, ack.url, `The answer to ${kind} is not a BITS Ack`);
        return;
      }
      const error = ackError(kind, ack.status, ack.headers, ack.url);
      const gone = ack.status === 404 || isSessionNotFound(error);
      if (gone && (kind === 'Cancel-Session' || session.uploadComplete)) return;
      if (ack.status >= 500 && ack.status <= 599 && !isSessionNotFound(error) && attempt < retries) {
        await delay(req.retryDelayMs ?? DEFAULT_END_RETRY_DELAY_MS, req.signal);
        continue;
      }
      // Close before the upload finished and the server lost the session: SESSION_NOT_FOUND is
      // transient, and the job's next attempt starts the upload over.
      throw error;
    }
  } finally {
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
