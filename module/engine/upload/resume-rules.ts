// The rules that make a resumed upload converge (issue 13), kept apart from the I/O so each can be
// tested on its own. A session the client cannot continue is not an error for the job: the client
// throws RestartSession, cancels what the server still holds, and starts a new session — bounded
// by the caller (upload-client.ts, MAX_SESSIONS_WITHOUT_PROGRESS).
import { HRESULT } from '../http/errors.js';
import { isFailure } from '../../api/hresult.js';
import { bitsErrorCodeOf, isAck } from './packets.js';
import { NoProgressError, RangeMissingError, RangeUnusableError, RepeatedAnswerError } from './resume-errors.js';
import type { AckResponse } from './session-connection.js';

/** Thrown inside the upload client: give up this session and start a new one from offset 0. */
export class RestartSession extends Error {
  constructor(
    readonly reason: Error,
    /** The server still holds the session (worth a Cancel-Session before the new one). */
    readonly serverHasIt: boolean,
  ) {
    super(reason.message);
    this.name = 'RestartSession';
  }
}

/**
 * A 502/504 that is not a BITS Ack: a proxy (forward, or a reverse proxy in front of the BITS
 * server) lost its connection upstream while the fragment was out — a dropped connection one hop
 * further, handled like one (reconnect, Ping, the server's range).
 */
export class UpstreamDropped extends Error {
  constructor(readonly reason: Error) {
    super(reason.message);
    this.name = 'UpstreamDropped';
  }
}

export function isUpstreamDrop(ack: Pick<AckResponse, 'status' | 'headers'>): boolean {
  return (ack.status === 502 || ack.status === 504) && !isAck(ack.headers);
}

/** Statuses with which servers that lost a session answer a packet naming it. */
const LOST_SESSION_STATUSES = new Set([400, 404, 409, 410, 500]);

/**
 * Has the server lost the session this answer is about? BG_E_SESSION_NOT_FOUND says so anywhere.
 * Servers that keep the session in the TCP connection answer a packet on any other connection with
 * a bare 400/404/409/410/500 (or E_INVALIDARG): on the connection that created the session those
 * statuses are real errors, on another one they mean the session is gone.
 */
export function sessionGone(ack: Pick<AckResponse, 'status' | 'headers' | 'connection'>, sessionConnection: number | null): boolean {
  const code = bitsErrorCodeOf(ack.headers);
  if (code === HRESULT.BG_E_SESSION_NOT_FOUND) return true;
  if (sessionConnection !== null && ack.connection === sessionConnection) return false;
  if (!LOST_SESSION_STATUSES.has(ack.status)) return false;
  return code === null || !isFailure(code) || code === HRESULT.E_INVALIDARG;
}

export interface FragmentAnswer {
  start: number;
  length: number;
  status: number;
  /** The usable received range the Ack named, if any. */
  named: number | null;
  /** The raw header value (either spelling), for messages. */
  raw: string | undefined;
  url: string;
}

/** Acks in a row that take no byte (416s, or 200s that do not move past the fragment's start). */
export const MAX_ACKS_WITHOUT_PROGRESS = 5;

/**
 * Decides the next offset after each Fragment answer of one session, and when to give the session
 * up: a 416 without a range twice for one offset, the same answer to the same request twice, or
 * MAX_ACKS_WITHOUT_PROGRESS answers without a byte taken (a server bouncing the offset around).
 */
export class ResumeTracker {
  private lastAnswer: string | null = null;
  private missingRetried = false;
  private stalls = 0;
  /** A fragment whose connection dropped before its answer: the server may hold it. */
  private lostFragment: { start: number; length: number } | null = null;

  constructor(
    private readonly url: string,
    private readonly total: number,
  ) {}

  /** The connection dropped while this fragment was out (its answer never came). */
  lost(start: number, length: number): void {
    this.lostFragment = { start, length };
  }

  /** The next offset, or null = send the same fragment once more (a 416 without a range, first time). */
  next(a: FragmentAnswer): number | null {
    const ok = a.status === 200 || a.status === 201;
    if (a.named === null && a.raw !== undefined && ok) throw new RangeUnusableError('Fragment', a.url, a.raw, this.total);
    const lost = this.lostFragment;
    this.lostFragment = null;
    if (a.named === null && !ok) {
      // 416 naming no (usable) range: one retry, then a new session. The retry is never the same
      // request against the same answer when it can be helped: after a dropped connection the
      // server most likely holds the fragment whose answer was lost, so the retry starts past it.
      // (Not when that would end the file: "complete" must come from the server, or a Close could
      // publish a partial upload.)
      if (this.missingRetried) throw new RestartSession(new RangeMissingError(a.url, a.start), true);
      this.missingRetried = true;
      if (lost && lost.start === a.start && a.start + lost.length < this.total) return a.start + lost.length;
      return null;
    }
    this.missingRetried = false;
    // A 200 naming no range: the server took the fragment (spec §7.2 says the header is always
    // there; servers that keep no range omit it, and Windows carries on).
    const next = a.named ?? a.start + a.length;
    const took = ok && next > a.start;
    const answer = `${a.start}:${a.status}:${next}`;
    if (!took && answer === this.lastAnswer) throw new RestartSession(new RepeatedAnswerError(a.url, a.start, a.status, next), true);
    this.lastAnswer = answer;
    this.stalls = took ? 0 : this.stalls + 1;
    if (this.stalls >= MAX_ACKS_WITHOUT_PROGRESS) throw new RestartSession(new NoProgressError(a.url, this.stalls, next), true);
    return next;
  }
}
