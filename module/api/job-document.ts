// A job snapshot as the CLI prints it (`list`, `list --json`): exactly the JSON document of
// jobJson(toJobInfo(snapshot)) (module/cli, module/core), built without the detours that made `list` of 10,000 jobs slow
// (BENCHMARKS.md): enum names come from maps built once instead of a scan per value, and times stay
// the ISO strings they are on the wire instead of becoming Dates that JSON.stringify turns back into
// the same strings. A time that is not in Date#toISOString's own form still goes through Date, so the
// output is the same for any input. test/cli-job-document.test.ts holds the two to each other.
// It lives in api, below every layer, because the service makes the same document for the CLI
// (module/service/list-text.ts: `list --json` printed as the service wrote it).
import { ErrorContext, JobPriority, JobState, JobType, ProxyUsage, nameOf, type ErrorContextName } from './enums.js';
import type { JobErrorWire, JobSnapshotWire } from './types.js';
import type { Infer } from './shape.js';
import type { jobShape } from './outputs.js';

/** value → first name with that value (what nameOf returns), built once per enumeration. */
function reverse(table: Record<string, number>): Map<unknown, string> {
  const m = new Map<unknown, string>();
  for (const [name, value] of Object.entries(table)) if (!m.has(value)) m.set(value, name);
  return m;
}
const TYPE = reverse(JobType);
const STATE = reverse(JobState);
const PRIORITY = reverse(JobPriority);
const PROXY_USAGE = reverse(ProxyUsage);

/**
 * Strings that Date#toISOString would give back unchanged: its exact shape with fields in range.
 * Days past the 28th go the slow way (whether they exist depends on the month).
 */
const CANONICAL_ISO = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** What JSON.stringify(toDate(iso)) writes, as a value: the string itself, or null for an invalid date. */
function isoJson(iso: string): string;
function isoJson(iso: string | null): string | null;
function isoJson(iso: string | null): string | null {
  if (iso === null) return null;
  if (typeof iso === 'string' && CANONICAL_ISO.test(iso)) return iso;
  return new Date(iso).toJSON();
}

/** A job of `list` (the shape of module/api/outputs.ts), its times as the ISO strings it prints. */
export type JobDocument = Omit<Infer<typeof jobShape>, 'times' | 'nextRetryTime'> & {
  times: { creationTime: string; modificationTime: string; transferCompletionTime: string | null };
  nextRetryTime: string | null;
};
type ErrorDocument = NonNullable<JobDocument['error']>;

/** A wire error with its context as a name (core/job-info.ts's JobErrorInfo is this). */
export function errorDocument(e: JobErrorWire): ErrorDocument & { context: ErrorContextName } {
  return {
    hresult: e.hresult,
    hresultHex: e.hresultHex,
    name: e.name,
    context: (nameOf(ErrorContext, e.context) ?? 'UNKNOWN') as ErrorContextName,
    message: e.message,
    contextDescription: e.contextDescription,
    protocol: e.protocol,
    file: e.file,
  };
}

/** jobJson(toJobInfo(w)) as JSON.stringify sees it (same keys, same order, same values). */
export function jobDocument(w: JobSnapshotWire): JobDocument {
  const doc: JobDocument = {
    id: w.id,
    displayName: w.displayName,
    description: w.description,
    type: TYPE.get(w.type) as JobDocument['type'],
    state: STATE.get(w.state) as JobDocument['state'],
    priority: (w.priority === null ? null : PRIORITY.get(w.priority)) as JobDocument['priority'],
    owner: w.owner,
    progress: w.progress,
    times: (w.times === null ? null : {
      creationTime: isoJson(w.times.creationTime),
      modificationTime: isoJson(w.times.modificationTime),
      transferCompletionTime: isoJson(w.times.transferCompletionTime),
    }) as JobDocument['times'],
    errorCount: w.errorCount,
    minimumRetryDelay: w.minimumRetryDelay,
    noProgressTimeout: w.noProgressTimeout,
    notifyFlags: w.notifyFlags,
    proxy: (w.proxy === null ? null : { usage: PROXY_USAGE.get(w.proxy.usage) as JobDocument['proxy']['usage'], proxyList: w.proxy.proxyList, bypassList: w.proxy.bypassList }) as JobDocument['proxy'],
    notifyCmdLine: w.notifyCmdLine,
    error: w.error ? errorDocument(w.error) : null,
    replyProgress: w.replyProgress,
    replyFileName: w.replyFileName,
    nextRetryTime: isoJson(w.nextRetryTime ?? null),
  };
  if (w.unavailable) (doc as { unavailable?: JobSnapshotWire['unavailable'] }).unavailable = w.unavailable; // fields BITS did not give (null above), as toJobInfo
  return doc;
}
