// How often an upload's progress is committed to the store: like a download's checkpoints (at most
// every second or 64 MiB), not after every Fragment. A synchronous SQLite commit (an fsync) per
// acknowledged fragment stopped the stop-and-wait upload for its duration — with 64 KiB fragments
// it was most of the service's CPU time (BENCHMARKS.md, upload). Anything else in the session state
// (a new session id, the host id, the final Ack, the reply URL, the fallback timer, the restart
// count) and an offset behind the committed one are committed at once. After a crash the client resumes from
// the last committed offset and the server's Ack moves it forward (the server drops bytes it holds,
// spec §7.4), so at most one interval is sent again.
import type { UploadSessionState } from './upload-port.js';

export class UploadProgressCheckpoints {
  private lastAt = performance.now();
  private lastOffset: number;

  constructor(
    committed: UploadSessionState,
    private readonly intervalMs: number,
    private readonly bytes: number,
  ) {
    this.lastOffset = committed.offset;
  }

  /** Whether `next` (following `prev`) must be committed now; if so it counts as the new checkpoint. */
  due(prev: UploadSessionState, next: UploadSessionState): boolean {
    const onlyForward = next.offset >= this.lastOffset && sameExceptOffset(prev, next);
    if (onlyForward && next.offset - this.lastOffset < this.bytes && performance.now() - this.lastAt < this.intervalMs) return false;
    this.lastAt = performance.now();
    this.lastOffset = next.offset;
    return true;
  }
}

function sameExceptOffset(a: UploadSessionState, b: UploadSessionState): boolean {
  return a.sessionId === b.sessionId && a.hostId === b.hostId && a.hostIdFallbackTimeout === b.hostIdFallbackTimeout &&
    a.hostIdFailingSince === b.hostIdFailingSince && a.uploadComplete === b.uploadComplete && a.replyUrl === b.replyUrl &&
    (a.sessionsWithoutProgress ?? 0) === (b.sessionsWithoutProgress ?? 0);
}
