// Wire types: what every backend returns (JSON-safe: numbers, strings, null). The Node facade turns
// ISO strings into Date objects; the service and the native bridge send exactly these shapes.
import type { BitsErrorJSON } from './bits-error.js';

/** BG_JOB_PROGRESS. bytesTotal is null while any file's size is unknown (BG_SIZE_UNKNOWN). */
export interface JobProgressWire {
  bytesTotal: number | null;
  bytesTransferred: number;
  filesTotal: number;
  filesTransferred: number;
}

/** BG_FILE_PROGRESS. */
export interface FileProgressWire {
  bytesTotal: number | null;
  bytesTransferred: number;
  completed: boolean;
}

/** BG_JOB_TIMES as ISO-8601 UTC strings; transferCompletionTime is null before TRANSFERRED (FILETIME 0). */
export interface JobTimesWire {
  creationTime: string;
  modificationTime: string;
  transferCompletionTime: string | null;
}

/** BG_JOB_REPLY_PROGRESS. bytesTotal null = BG_SIZE_UNKNOWN (reply download not begun). */
export interface ReplyProgressWire {
  bytesTotal: number | null;
  bytesTransferred: number;
}

export interface FileInfoWire {
  remoteName: string;
  localName: string;
  progress: FileProgressWire;
}

/** IBackgroundCopyError. `fileIndex` is null when the error is not tied to a file (BG_E_FILE_NOT_AVAILABLE). */
export interface JobErrorWire extends BitsErrorJSON {
  contextDescription: string;
  protocol: string | null;
  file: { remoteName: string; localName: string } | null;
  /** Texts BITS did not give (Wine: 0x800706F4): message/contextDescription are then "" and protocol null. */
  unavailable?: Partial<Record<'message' | 'contextDescription' | 'protocol', UnavailableWire>>;
}

export interface ProxySettingsWire {
  usage: number;
  proxyList: string | null;
  bypassList: string | null;
}

export interface NotifyCmdLineWire {
  program: string;
  parameters: string;
}

/**
 * A property a BITS implementation did not give (its getter failed with a per-property HRESULT, e.g.
 * Wine's E_NOTIMPL from GetTimes): the snapshot's field is null and `unavailable[field]` says why.
 * Only the native backend produces it; the portable engine reads every property.
 */
export interface UnavailableWire {
  hresult: number;
  hresultHex: string;
  /** null when the bridge does not know the code; the native adapter names it from the HRESULT table. */
  name: string | null;
  /** The COM method that failed, e.g. `IBackgroundCopyJob.GetTimes`. */
  method: string;
}

/** The snapshot fields that may be unavailable (id, type and state never are: without them the call fails). */
export type SnapshotField =
  | 'displayName' | 'description' | 'priority' | 'owner' | 'progress' | 'times' | 'errorCount' | 'minimumRetryDelay'
  | 'noProgressTimeout' | 'notifyFlags' | 'proxy' | 'notifyCmdLine' | 'error' | 'replyProgress' | 'replyFileName' | 'nextRetryTime';

/**
 * Everything readable about a job in one round trip (used by `info`, `list`, the PowerShell objects).
 * The field types are the portable engine's, which reads every property. A native snapshot on a
 * partial BITS may lack some: such a field holds null at run time and `unavailable` names it with
 * the HRESULT of its getter (module/native/README.md, "Snapshots on a partial BITS"). Code that
 * reads snapshots from any backend checks `unavailable` (module/core/job-info.ts, module/cli).
 */
export interface JobSnapshotWire {
  id: string;
  displayName: string;
  description: string;
  type: number;
  state: number;
  priority: number;
  owner: string;
  progress: JobProgressWire;
  times: JobTimesWire;
  errorCount: number;
  minimumRetryDelay: number;
  noProgressTimeout: number;
  notifyFlags: number;
  proxy: ProxySettingsWire;
  notifyCmdLine: NotifyCmdLineWire;
  error: JobErrorWire | null;
  replyProgress: ReplyProgressWire | null;
  replyFileName: string | null;
  /**
   * When the next attempt is due (ISO-8601 UTC) while the job waits in TRANSIENT_ERROR; null otherwise
   * (and when no retry will come: the no-progress timeout ends first, or a bandwidth policy holds it).
   * Portable: the engine's retry timer. Native: BITS has no such property, so the bridge computes
   * GetTimes' ModificationTime (set when the job entered TRANSIENT_ERROR) + GetMinimumRetryDelay —
   * an estimate, since BITS may also retry early (e.g. when the network comes back).
   */
  nextRetryTime: string | null;
  /** The fields BITS did not give (each null); absent when every property was read. */
  unavailable?: Partial<Record<SnapshotField, UnavailableWire>>;
}

export interface NewFile {
  remoteName: string;
  localName: string;
}

export interface CredentialsInput {
  target: number;
  scheme: number;
  userName: string | null;
  password: string | null;
}

/** Result of methods whose success code carries meaning (Complete, Cancel, RemoveCredentials): S_OK, S_FALSE, BG_S_*. */
export interface HResultWire {
  hresult: number;
  name: string;
}
