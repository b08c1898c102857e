// The BITS Upload Protocol client (spec §7.3): runs one file's session from wherever the engine's
// persisted state says, until the server acknowledged the last byte. It does not close the
// session: for upload-reply the engine downloads the reply first (closing first loses it), then
// calls closeSession. Every state change goes through req.onSession before the next packet, so a
// crash or Suspend at any point resumes without re-sending acknowledged bytes.
//
// Decisions where the spec leaves room:
// * 0-byte file: Create-Session and no Fragment (there is no byte range to send); the session is
//   complete at once, with replyUrl null even for upload-reply — the engine treats that as an
//   empty reply. (The server never saw a final fragment, so its application was not notified.)
// * Upload-reply final Ack without a usable BITS-Reply-URL: fatal BG_E_INVALID_SERVER_RESPONSE,
//   with offset = size persisted; Resume re-sends only the last byte, which a server answers with
//   its cached final Ack (spec §7.4 NotifyCache), so the file is not uploaded again.
// * Host-id fallback keeps the session id: the origin may share the web farm's storage; if it does
//   not know the session it says BG_E_SESSION_NOT_FOUND and the upload restarts there.
// * Resume always converges (issue 13; the rules are in resume-rules.ts): the received range is
//   read from either spelling; a 200 or 416 naming a range moves the offset there; a 200 naming
//   none means the fragment was taken; a 416 naming none is retried once, then the session is
//   abandoned (Cancel-Session, best effort) and a new one starts from 0; the same answer to the
//   same request twice also abandons the session. A session the server lost (SESSION_NOT_FOUND,
//   or 400/404/409/410/500 on a connection other than the one that created it — servers that keep
//   the session in the TCP connection) starts a new one. New sessions are bounded: after
//   MAX_SESSIONS_WITHOUT_PROGRESS in a row without the server taking a byte (counted across calls,
//   persisted), fatal SessionRestartLimitError (a continued session refused by a 416 naming no
//   range took bytes an earlier call never saw acknowledged: not counted, see inheritedSessionId).
// * A connection that drops (reset, or a request never answered: spec §7.3 step 7 timers) after
//   the server answered on it is reopened at once: Ping, then the fragment at the recorded offset,
//   whose answer gives the server's range (spec §7.3 step 8) — `reconnects` times in a row without
//   progress (default 2), then the error is the job's (transient: the engine retries after its delay).
import { stat } from 'node:fs/promises';
import { HRESULT } from '../http/errors.js';
import { parseHttpUrl } from '../http/request.js';
import { FragmentSizer } from './fragment-size.js';
import { fallbackDue, parseHostId, sessionUrl, withoutHostId } from './host-id.js';
import {
  BITS_PROTOCOL_GUID,
  bitsErrorCodeOf,
  cancelSessionPacket,
  contentNameOf,
  createSessionPacket,
  fragmentPacket,
  headerValue,
  isAck,
  maxFragmentOf,
  parseFallbackTimeout,
  pingPacket,
  receivedRangeOf,
  type Packet,
} from './packets.js';
import { resolveReplyUrl } from './reply-url.js';
import { isUpstreamDrop, ResumeTracker, RestartSession, sessionGone, UpstreamDropped } from './resume-rules.js';
import { RangeMissingError, SessionRestartLimitError } from './resume-errors.js';
import { SessionConnection, type AckResponse } from './session-connection.js';
import {
  ackError,
  badAckError,
  fragmentTooLargeError,
  isConnectionFailure,
  isSessionNotFound,
  localFileChangedError,
  localReadError,
  protocolMismatchError,
  replyUrlError,
  UploadAbortedError,
} from './upload-errors.js';
import type { UploadCommonOptions, UploadRequest, UploadResult, UploadSessionState } from './upload-port.js';

export { closeSession, cancelSession } from './session-end.js';
export { UploadAbortedError } from './upload-errors.js';

/** New sessions in a row without the server taking a byte (persisted across calls) before the upload fails. */
export const MAX_SESSIONS_WITHOUT_PROGRESS = 4;
/** Immediate reconnects in a row without progress before a dropped connection is the job's error. */
export const DEFAULT_RECONNECTS = 2;
/** New sessions within one call; past it the reason is the job's (transient) and the engine's retry delay applies. */
export const MAX_SESSIONS_PER_CALL = 4;

export async function uploadFile(req: UploadRequest): Promise<UploadResult> {
  if (req.signal.aborted) throw new UploadAbortedError(req.signal.reason);
  parseHttpUrl(req.url); // a bad URL fails before anything is sent (fatal, as for downloads)
  // The caller may own the connection (the engine keeps it for Close-Session: servers that keep the
  // session in the TCP connection); otherwise it lives for this call.
  const conn = req.connection ?? openSessionConnection(req);
  try {
    return { session: await new UploadRun(req, conn).run() };
  } finally {
    if (!req.connection) conn.close();
  }
}

/** The connection of one upload session, for uploadFile, closeSession and cancelSession alike. */
export function openSessionConnection(req: UploadCommonOptions): SessionConnection {
  return new SessionConnection({
    signal: req.signal,
    sendTimeoutMs: req.requestTimeoutMs,
    responseTimeoutMs: req.responseTimeoutMs,
    headers: req.headers,
    tls: req.tls,
    transport: req.transport,
    pacer: req.pacer,
  });
}

class UploadRun {
  private s: UploadSessionState;
  private readonly total: number;
  private readonly sizer: FragmentSizer;
  private readonly contentName: string;
  private readonly now: () => number;
  private connected = false;
  /** Connection number that created the current session; null = another call or connection did. */
  private sessionConnection: number | null = null;
  private tracker: ResumeTracker;
  /** The host whose connection carried the last answer (a drop there is mid-session, not an unreachable server). */
  private answeredBy: string | null = null;
  private reconnectsLeft: number;
  private readonly reconnects: number;
  private sessionsThisCall = 0;
  /**
   * The session this call was given to continue (after a pause, a transient error or a crash), or
   * null. An earlier call may have sent it bytes whose Ack never came — a service killed mid-Fragment
   * leaves a server that streams to disk holding more than the job recorded — so when a server
   * that names no range refuses to continue it (RangeMissingError), that session did take bytes:
   * its restart is not counted as one "without progress". Sessions made in this call still are, so
   * a server that refuses everything still ends in SessionRestartLimitError.
   */
  private readonly inheritedSessionId: string | null;
  /** The Fragment on the wire, for the resume rules when its connection drops. */
  private inFlight: { start: number; length: number } | null = null;

  constructor(
    private readonly req: UploadRequest,
    private readonly conn: SessionConnection,
  ) {
    this.s = { ...req.session };
    this.inheritedSessionId = req.session.uploadComplete ? null : req.session.sessionId;
    this.total = req.expectedFile.size;
    this.sizer = new FragmentSizer(req);
    this.contentName = contentNameOf(req.localPath);
    this.now = req.now ?? Date.now;
    this.tracker = new ResumeTracker(req.url, this.total);
    this.reconnects = Math.max(0, req.reconnects ?? DEFAULT_RECONNECTS);
    this.reconnectsLeft = this.reconnects;
  }

  async run(): Promise<UploadSessionState> {
    if (this.s.uploadComplete) return { ...this.s };
    await this.checkLocalFile();
    // A stored session is resumed with a Ping first (spec §7.3 step 8); a new one starts with Create-Session.
    let resuming = this.s.sessionId !== null;
    for (;;) {
      try {
        if (fallbackDue(this.s, this.now())) {
          await this.emit(withoutHostId(this.s));
          resuming = this.s.sessionId !== null;
        }
        if (this.s.sessionId === null) {
          await this.createSession();
          if (this.s.hostId !== null) await this.ping(); // proves the host-id host is reachable (spec §7.2)
        } else if (resuming) {
          await this.ping();
        }
        resuming = false;
        while (!this.s.uploadComplete) {
          if (this.total === 0) await this.emit({ ...this.s, offset: 0, uploadComplete: true, replyUrl: null });
          else await this.fragment();
        }
        return { ...this.s };
      } catch (e) {
        if (e instanceof RestartSession || isSessionNotFound(e)) {
          await this.restart(e instanceof RestartSession ? e : new RestartSession(e as Error, false));
          continue;
        }
        if (isConnectionFailure(e) && this.s.hostId !== null) {
          const now = this.now();
          if (this.s.hostIdFailingSince === null) await this.emit({ ...this.s, hostIdFailingSince: now });
          if (fallbackDue(this.s, now)) {
            resuming = true;
            continue; // the top of the loop moves the session back to the origin host
          }
        }
        // A dropped connection (or a proxy's dropped upstream) mid-session: at once, Ping, then the
        // server's range — bounded by reconnects in a row without progress.
        const midSession = isConnectionFailure(e) && this.s.sessionId !== null && this.answeredBy === new URL(this.target()).host;
        if ((e instanceof UpstreamDropped || midSession) && this.reconnectsLeft > 0) {
          this.reopen(!(e instanceof UpstreamDropped));
          resuming = true;
          continue;
        }
        if (e instanceof UpstreamDropped) throw e.reason;
        throw e;
      }
    }
  }

  private reopen(newConnection: boolean): void {
    this.reconnectsLeft--;
    // The server may hold the fragment whose answer was lost (resume-rules.ts uses that on a 416 without range).
    if (this.inFlight) this.tracker.lost(this.inFlight.start, this.inFlight.length);
    this.inFlight = null;
    if (newConnection) {
      this.answeredBy = null;
      this.conn.reconnect();
    }
  }

  /**
   * Starts over with a new session (spec §7.3 step 6). The host id stays: [MC-BUP] 3.1.5.1.2 sends
   * Create-Session to it too. A session the server still holds is cancelled first, so it does not
   * linger (or block a new upload of the same URL) until the server's session timeout.
   */
  private async restart(why: RestartSession): Promise<void> {
    const tookUnacknowledgedBytes = why.reason instanceof RangeMissingError && this.s.sessionId !== null && this.s.sessionId === this.inheritedSessionId;
    const sessions = (this.s.sessionsWithoutProgress ?? 0) + (tookUnacknowledgedBytes ? 0 : 1);
    if (sessions >= MAX_SESSIONS_WITHOUT_PROGRESS) throw new SessionRestartLimitError(this.req.url, sessions, why.reason);
    // Sessions that each took bytes and were still given up: not fatal, but not for ever in one call.
    if (++this.sessionsThisCall >= MAX_SESSIONS_PER_CALL) throw why.reason;
    if (why.serverHasIt && this.s.sessionId !== null) await this.cancelQuietly(this.s.sessionId);
    this.sessionConnection = null;
    this.tracker = new ResumeTracker(this.req.url, this.total);
    await this.emit({ ...this.s, sessionId: null, offset: 0, uploadComplete: false, replyUrl: null, hostIdFailingSince: null, sessionsWithoutProgress: sessions });
  }

  private async cancelQuietly(sessionId: string): Promise<void> {
    try {
      await this.send(cancelSessionPacket(sessionId));
    } catch (e) {
      if (e instanceof UploadAbortedError) throw e;
      // Best effort: the server's session timeout removes it otherwise.
    }
  }

  private async emit(next: UploadSessionState): Promise<void> {
    if (!next.sessionsWithoutProgress) delete next.sessionsWithoutProgress; // absent = 0 (older stores have none)
    this.s = next;
    await this.req.onSession({ ...next });
  }

  private target(): string {
    return sessionUrl(this.req.url, this.s);
  }

  /** Sends a packet to the session's current host; resolves with whatever status the server answered. */
  private async send(packet: Packet): Promise<AckResponse> {
    if (this.req.signal.aborted) throw new UploadAbortedError(this.req.signal.reason);
    return this.conn.send(this.target(), packet);
  }

  /** Bookkeeping for any Ack that proves the current host answers. */
  private async answered(): Promise<void> {
    this.answeredBy = new URL(this.target()).host;
    if (!this.connected) {
      this.connected = true;
      this.req.onConnected?.();
    }
    // The fallback timer resets on a successful exchange (spec §7.3 step 3, §7.5).
    if (this.s.hostIdFailingSince !== null) await this.emit({ ...this.s, hostIdFailingSince: null });
  }

  private async createSession(): Promise<void> {
    const ack = await this.send(createSessionPacket());
    if (ack.status !== 200 && ack.status !== 201) throw ackError('Create-Session', ack.status, ack.headers, ack.url);
    if (!isAck(ack.headers)) throw badAckError('Create-Session', ack.url, 'The answer to Create-Session is not a BITS Ack');
    const protocol = headerValue(ack.headers, 'bits-protocol')?.trim();
    if (protocol && protocol.toLowerCase() !== BITS_PROTOCOL_GUID) throw protocolMismatchError(ack.url, protocol);
    // Echoed byte for byte later: servers may use any HTTP-legal string (spec §7.1).
    const sessionId = headerValue(ack.headers, 'bits-session-id');
    if (!sessionId) throw badAckError('Create-Session', ack.url, 'The Create-Session Ack carried no BITS-Session-Id');
    const hostId = parseHostId(headerValue(ack.headers, 'bits-host-id'));
    this.sessionConnection = ack.connection;
    this.learnLimit(ack);
    await this.emit({
      sessionId,
      hostId,
      hostIdFallbackTimeout: hostId === null ? null : parseFallbackTimeout(headerValue(ack.headers, 'bits-host-id-fallback-timeout')),
      hostIdFailingSince: null,
      offset: 0,
      uploadComplete: false,
      replyUrl: null,
      sessionsWithoutProgress: this.s.sessionsWithoutProgress,
    });
    await this.answered();
  }

  private async ping(): Promise<void> {
    const ack = await this.send(pingPacket());
    // Any status 200/201 is success, whatever BITS-Error-Code says (servers answer `1`).
    if (ack.status !== 200 && ack.status !== 201) throw ackError('Ping', ack.status, ack.headers, ack.url);
    if (!isAck(ack.headers)) throw badAckError('Ping', ack.url, 'The answer to Ping is not a BITS Ack');
    this.learnLimit(ack);
    await this.answered();
  }

  /** A server that names its fragment limit (ours) sets the ceiling; others leave the Windows 13 MB. */
  private learnLimit(ack: AckResponse): void {
    const limit = maxFragmentOf(ack.headers);
    if (limit !== null) this.sizer.serverLimit(limit);
  }

  private async fragment(): Promise<void> {
    await this.checkLocalFile();
    // The server has every byte but this client has not seen the final Ack (e.g. it carried no
    // reply URL): re-send the last byte; the server answers with its cached final Ack (spec §7.4).
    const start = Math.min(this.s.offset, this.total - 1);
    const length = Math.min(this.sizer.size, this.total - start);
    const sessionId = this.s.sessionId!;
    const began = performance.now();
    this.inFlight = { start, length };
    const ack = await this.send(fragmentPacket(sessionId, this.contentName, start, length, this.total, this.req.localPath));
    if (isUpstreamDrop(ack)) throw new UpstreamDropped(ackError('Fragment', ack.status, ack.headers, ack.url));
    this.inFlight = null;
    const elapsed = performance.now() - began;

    if (ack.status === 413 && !isSessionNotFoundAck(ack)) {
      if (!this.sizer.on413(length)) throw fragmentTooLargeError(ack.headers, ack.url, length);
      await this.answered();
      return;
    }
    const ok = ack.status === 200 || ack.status === 201;
    if (!ok && ack.status !== 416) {
      const error = ackError('Fragment', ack.status, ack.headers, ack.url);
      if (sessionGone(ack, this.sessionConnection)) throw new RestartSession(error, false);
      throw error;
    }
    if (ok && !isAck(ack.headers)) throw badAckError('Fragment', ack.url, 'The answer to a Fragment is not a BITS Ack');
    const { next: named, raw } = receivedRangeOf(ack.headers, this.total);
    const next = this.tracker.next({ start, length, status: ack.status, named, raw, url: ack.url });
    await this.answered();
    if (next === null) return; // a 416 without a range: the same fragment once more
    if (ok && next === start + length) this.sizer.onAck(length, elapsed);
    const tookBytes = ok && next > start;

    // The whole file is there. Only a 200 is the final Ack (a 416 saying so carries no reply URL;
    // re-sending the last byte fetches the real one).
    if (next === this.total && (ok || !this.req.wantReply)) {
      const replyUrl = this.req.wantReply ? await this.replyUrlOf(ack) : null;
      await this.emit({ ...this.s, offset: next, uploadComplete: true, replyUrl, ...(tookBytes ? { sessionsWithoutProgress: 0 } : {}) });
      return;
    }
    if (tookBytes) this.reconnectsLeft = this.reconnects;
    await this.emit({ ...this.s, offset: next, ...(tookBytes ? { sessionsWithoutProgress: 0 } : {}) });
  }

  /** Upload-reply: the final Ack must name the reply (spec §7.3 step 3); resolved per §7.6. */
  private async replyUrlOf(ack: AckResponse): Promise<string> {
    const raw = headerValue(ack.headers, 'bits-reply-url');
    // Record that the server has every byte, so Resume only re-asks for the final Ack.
    if (!raw?.trim()) {
      await this.emit({ ...this.s, offset: this.total });
      throw replyUrlError(ack.url, 'The final Ack of the upload carried no BITS-Reply-URL');
    }
    try {
      return resolveReplyUrl(ack.url, raw);
    } catch (e) {
      await this.emit({ ...this.s, offset: this.total });
      throw e;
    }
  }

  /** Spec §7.3 step 9: size and time stamp must still be those of the job's start. */
  private async checkLocalFile(): Promise<void> {
    const { localPath, expectedFile } = this.req;
    let st;
    try {
      st = await stat(localPath);
    } catch (e) {
      throw localReadError(e, localPath);
    }
    if (!st.isFile()) throw localFileChangedError(localPath, 'is no longer a regular file');
    if (st.size !== expectedFile.size) throw localFileChangedError(localPath, `changed size from ${expectedFile.size} to ${st.size} bytes`);
    // Whole milliseconds: the engine may persist a truncated time stamp.
    if (Math.trunc(st.mtimeMs) !== Math.trunc(expectedFile.mtimeMs)) {
      throw localFileChangedError(localPath, `was modified (time stamp ${new Date(st.mtimeMs).toISOString()}, expected ${new Date(expectedFile.mtimeMs).toISOString()})`);
    }
  }
}

/** A 413 that also says "session not found" is about the session, not the size. */
function isSessionNotFoundAck(ack: AckResponse): boolean {
  return bitsErrorCodeOf(ack.headers) === HRESULT.BG_E_SESSION_NOT_FOUND;
}
