// The text of each job in the `list --json` document, kept between listings, so that a job whose
// snapshot has not changed since the last listing is not formatted again. Formatting was most of
// the service's time for a list of 10,000 jobs (BENCHMARKS.md "list of 10000": JSON.stringify of
// 8.9 MB and its UTF-8 encoding were ~50 of ~65 ms); comparing a snapshot with the one its text was
// made from is a walk over a few dozen fields (~1 µs), and the text is then copied, not made. A
// script or a monitor that lists over and over gets only the jobs that moved formatted again.
//
// The output is byte for byte what prettyArrayChunks(snapshots.map(jobDocument), '\n') makes
// (test/service-list-text-cache holds them together): the pretty printer indents an item of a
// top-level array the same wherever it stands, so an item's text can be cut out of one document and
// put into another. Items are cut out of the text of a chunk of jobs (one JSON.stringify per
// CHUNK_ITEMS jobs, as before) at the lines "  }," that close a top-level item: a string value never
// holds a raw newline (JSON escapes it), and a nested object's closing brace is indented deeper.
//
// Snapshots are fresh objects made for each listing (engine/snapshot.ts), so the one kept here is
// never changed behind the cache's back. Memory: while listings come, about the document's size in
// texts plus the snapshots kept to compare with; a cache unused for IDLE_MS is dropped, so a service
// nobody lists holds nothing, and entries of jobs missing from a listing go at that listing.
import { jobDocument } from '../api/job-document.js';
import type { JobSnapshotWire } from '../api/types.js';
import { CHUNK_ITEMS } from '../common/json-chunks.js';

/** A cache not used for this long is dropped. */
export const IDLE_MS = 60_000;

interface Entry {
  snapshot: JobSnapshotWire;
  /** The job's item of the pretty-printed array (UTF-8): "  {" ... "\n  }", no separator. */
  text: Buffer;
  /** The last listing that had this job. */
  listing: number;
}

const ITEM_END = Buffer.from('\n  },\n');
const OPEN = Buffer.from('[\n');
const SEPARATOR = Buffer.from(',\n');

export class ListTextCache {
  private entries = new Map<string, Entry>();
  private idleTimer: NodeJS.Timeout | undefined;
  private listings = 0;
  /** Jobs the last listing formatted (the others' text was copied). */
  formattedLast = 0;

  constructor(private readonly idleMs = IDLE_MS) {}

  /**
   * The bytes of JSON.stringify(snapshots.map(jobDocument), null, 2) + `trailer`, in pieces. The
   * text is made before this returns: a result that is not snapshots fails here (an error reply).
   */
  pieces(snapshots: unknown, trailer = '\n'): Generator<Buffer> {
    if (!Array.isArray(snapshots)) throw new TypeError(`listJobs answered ${typeof snapshots}, not a list of jobs`);
    const texts = this.itemTexts(snapshots as JobSnapshotWire[]);
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.clear(), this.idleMs).unref();
    return arrayPieces(texts, trailer);
  }

  clear(): void {
    this.entries = new Map();
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private itemTexts(snapshots: JobSnapshotWire[]): Buffer[] {
    // Entries are updated in place and stamped with the listing that saw them; the ones a listing
    // did not see are swept after it (a new Map per listing was a fifth of the cache's time).
    const listing = ++this.listings;
    const texts = new Array<Buffer>(snapshots.length);
    const stale: number[] = [];
    for (let i = 0; i < snapshots.length; i++) {
      const s = snapshots[i] as JobSnapshotWire | null; // not trusted: formatItems rejects what is not a snapshot
      const hit = s ? this.entries.get(s.id) : undefined;
      if (hit && sameJson(hit.snapshot, s)) {
        texts[i] = hit.text;
        hit.listing = listing;
      } else {
        stale.push(i);
      }
    }
    for (let at = 0; at < stale.length; at += CHUNK_ITEMS) {
      const batch = stale.slice(at, at + CHUNK_ITEMS);
      const items = formatItems(batch.map((i) => snapshots[i]!));
      batch.forEach((i, k) => {
        texts[i] = items[k]!;
        this.entries.set(snapshots[i]!.id, { snapshot: snapshots[i]!, text: items[k]!, listing });
      });
    }
    if (this.entries.size > snapshots.length) {
      for (const [id, e] of this.entries) if (e.listing !== listing) this.entries.delete(id);
    }
    this.formattedLast = stale.length;
    return texts;
  }
}

/** Each snapshot's item text, cut out of one JSON.stringify of their documents (views of one Buffer). */
function formatItems(snapshots: JobSnapshotWire[]): Buffer[] {
  const docs = snapshots.map(jobDocument);
  // "[\n" + items joined by ",\n" + "\n]"; an item is "  {" ... "\n  }".
  const bytes = Buffer.from(JSON.stringify(docs, null, 2));
  const items: Buffer[] = [];
  let at = OPEN.length;
  for (let end = bytes.indexOf(ITEM_END, at); end >= 0; end = bytes.indexOf(ITEM_END, at)) {
    items.push(bytes.subarray(at, end + 4)); // with its "\n  }"
    at = end + ITEM_END.length;
  }
  items.push(bytes.subarray(at, bytes.length - 2)); // without the closing "\n]"
  if (items.length !== docs.length) throw new Error(`list text: ${docs.length} jobs formatted into ${items.length} items`);
  return items;
}

/** The array document of `items` (item texts) + `trailer`, CHUNK_ITEMS items per piece. */
function* arrayPieces(items: readonly Buffer[], trailer: string): Generator<Buffer> {
  if (items.length === 0) {
    yield Buffer.from('[]' + trailer);
    return;
  }
  for (let i = 0; i < items.length; i += CHUNK_ITEMS) {
    const end = Math.min(items.length, i + CHUNK_ITEMS);
    const parts: Buffer[] = [i === 0 ? OPEN : SEPARATOR];
    for (let k = i; k < end; k++) {
      if (k > i) parts.push(SEPARATOR);
      parts.push(items[k]!);
    }
    if (end === items.length) parts.push(Buffer.from('\n]' + trailer));
    yield Buffer.concat(parts);
  }
}

/**
 * Whether two snapshots (plain JSON values) hold the same values. Key order is not compared: a
 * snapshot's keys come from one object literal (engine/snapshot.ts), always in its order.
 * NaN counts as changed. for-in, not Object.keys: no arrays made for ~100,000 objects a listing.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const k in x) {
    if (!(k in y) || !sameJson(x[k], y[k])) return false;
    keys++;
  }
  for (const _ in y) keys--;
  return keys === 0;
}
