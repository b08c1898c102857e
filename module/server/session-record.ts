// A session's state (SessionRecord) and how session.json holds it (session-store.ts has the layout).
//
// A change appends the whole new state as a record of its own ("\n" + JSON) and the last record that
// parses is the state: a record cut short (kill -9 mid-write, or zeros after a power loss) does not
// parse, so the one before it holds. Appending allocates no inode; the temp file + rename it
// replaced allocated one per save, and on ext4 without a journal (this machine kind's disk)
// allocating an inode scans past every inode freed in the last one to six minutes (ext4's
// recently_deleted()): at the load bench's churn that scan was the largest part of serve's kernel
// time (perf; farm-load's file-create probe in BENCHMARKS.md). A session saves a handful of times
// (the total known, an application notified, a publish's identity), so the file stays small.
import { appendFileSync, readFileSync } from 'node:fs';

export interface SessionRecord {
  version: 1;
  /** `{GUID}`, upper-case. */
  id: string;
  createdAt: number;
  /** Last successfully processed message (ms); the session timeout counts from here. */
  lastActivityAt: number;
  clientAddress: string;
  /** Authenticated user that created the session (null/absent: no authentication on its URL). */
  user?: string | null;
  /** Upload URL as the client addressed it at Create-Session (BITS-Original-Request-URL). */
  remoteUrl: string;
  /** Decoded path segments below the root: later packets must address the same file. */
  segments: string[];
  /** Query string of the upload URL with its '?', or ''. */
  query: string;
  /** Absolute local path the upload is published to. */
  destination: string;
  /** 'none' = type 0, publish on Close; 'app' = notify a server application (types 1/2, or replyHandler). */
  notify: 'none' | 'app';
  /** Total size from the first fragment, null before it. */
  total: number | null;
  /** Bytes held: the next byte the server wants. */
  received: number;
  /** The application was notified successfully ([MC-BUP] NotifyCache): the final Ack is cached. */
  notified: boolean;
  /** BITS-Reply-URL of the cached final Ack (upload-reply), or null. */
  replyUrl: string | null;
  /** The reply lives in Replies/<id>/responsefile.bin ('file'), at a static URL ('static'), or nowhere yet. */
  reply: 'file' | 'static' | null;
  /** Publish the upload on Close-Session even though an application was notified. */
  copyToDestination: boolean;
  /**
   * The request file's identity, saved when the file is created (again before a Close-Session
   * moves it to `destination` if it is another file by then). A Close retried after the instance
   * died mid-publish (on this or another instance) finds the destination is that very file and
   * answers success instead of publishing (or failing) again.
   * `copy`: across file systems, the copy's identity, saved before the copy is moved into place.
   */
  publishing?: { dev: number; ino: number; copy?: { dev: number; ino: number } } | null;
}

/** One record of session.json, or null when it is not a whole state of session `id`. */
function parseRecord(id: string, text: string): SessionRecord | null {
  try {
    const rec = JSON.parse(text) as SessionRecord;
    return rec && rec.version === 1 && rec.id === id && Array.isArray(rec.segments) && typeof rec.destination === 'string' ? rec : null;
  } catch {
    return null;
  }
}

/**
 * The state in session.json's text: its last whole record. Records are separated by newlines; a
 * record cut short, or the zeros a power loss can leave where an append was, is skipped.
 */
export function parseState(id: string, text: string | null | undefined): SessionRecord | null {
  if (!text) return null;
  const records = text.split(/[\n\0]+/);
  for (let i = records.length - 1; i >= 0; i--) {
    const rec = records[i] ? parseRecord(id, records[i]!) : null;
    if (rec) return rec;
  }
  return null;
}

/** session.json's text, or null when it cannot be read (a session being removed, or none). */
export function readStateText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Appends `text` (a SessionRecord's JSON) as the file's new last record. */
export function appendState(file: string, text: string): void {
  // The separator first: a record an earlier write left cut short then ends before this one.
  appendFileSync(file, `\n${text}`);
}
