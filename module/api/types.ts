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

/** Everything readable about a job in one round trip (used by `info`, `list`, the PowerShell objects). */
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
