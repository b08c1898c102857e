// The Backend port: the one contract every backend implements (portable engine in-process, the
// service client, the native bridge). Job-id based and JSON-safe so that it crosses a socket or
// edge-js unchanged; method names are the operation names of module/api. Every failure is a
// BitsError (thrown, or rejected).
import type {
  CredentialsInput,
  FileInfoWire,
  HResultWire,
  JobErrorWire,
  JobSnapshotWire,
  NewFile,
  NotifyCmdLineWire,
  ProxySettingsWire,
  ReplyProgressWire,
} from '../api/types.js';
import type { JobPropertyName } from '../api/operations.js';

export type JobPropertyValues = Partial<{
  displayName: string;
  description: string;
  priority: number;
  minimumRetryDelay: number;
  noProgressTimeout: number;
  notifyFlags: number;
}>;

export interface Backend {
  /** 'portable' | 'service' | 'native' — for messages and tests. */
  readonly kind: string;

  // IBackgroundCopyManager
  createJob(displayName: string, type: number): Promise<string>;
  /** GetJob: jobs that left the queue (ACKNOWLEDGED/CANCELLED) are BG_E_NOT_FOUND. */
  getJob(jobId: string): Promise<JobSnapshotWire>;
  listJobs(options?: { allUsers?: boolean }): Promise<JobSnapshotWire[]>;
  getErrorDescription(hresult: number): Promise<string>;

  // IBackgroundCopyJob (on a job object: also works for final-state jobs the backend remembers)
  describeJob(jobId: string): Promise<JobSnapshotWire>;
  addFiles(jobId: string, files: NewFile[]): Promise<void>;
  listFiles(jobId: string): Promise<FileInfoWire[]>;
  resume(jobId: string): Promise<void>;
  suspend(jobId: string): Promise<void>;
  complete(jobId: string): Promise<HResultWire>;
  cancel(jobId: string): Promise<HResultWire>;
  getError(jobId: string): Promise<JobErrorWire>;
  /** Sets one property through its BITS setter; validation and codes are the setter's. */
  setProperty(jobId: string, name: JobPropertyName, value: string | number): Promise<void>;
  setProxySettings(jobId: string, usage: number, proxyList: string | null, bypassList: string | null): Promise<void>;
  getProxySettings(jobId: string): Promise<ProxySettingsWire>;
  takeOwnership(jobId: string): Promise<void>;

  // IBackgroundCopyJob2
  setNotifyCmdLine(jobId: string, program: string | null, parameters: string | null): Promise<void>;
  getNotifyCmdLine(jobId: string): Promise<NotifyCmdLineWire>;
  getReplyProgress(jobId: string): Promise<ReplyProgressWire>;
  /** Reply bytes as base64 (JSON-safe); the facade returns a Buffer. */
  getReplyData(jobId: string): Promise<string>;
  setReplyFileName(jobId: string, replyFileName: string | null): Promise<void>;
  getReplyFileName(jobId: string): Promise<string | null>;
  setCredentials(jobId: string, credentials: CredentialsInput): Promise<void>;
  removeCredentials(jobId: string, target: number, scheme: number): Promise<HResultWire>;

  /** Releases the backend (closes the store, the socket, ...). Jobs keep running where the backend is a service. */
  close(): Promise<void>;
}

/** The RPC-callable method names (everything but `kind` and `close`). */
export const BACKEND_METHODS = [
  'createJob', 'getJob', 'listJobs', 'getErrorDescription',
  'describeJob', 'addFiles', 'listFiles', 'resume', 'suspend', 'complete', 'cancel', 'getError',
  'setProperty', 'setProxySettings', 'getProxySettings', 'takeOwnership',
  'setNotifyCmdLine', 'getNotifyCmdLine', 'getReplyProgress', 'getReplyData', 'setReplyFileName',
  'getReplyFileName', 'setCredentials', 'removeCredentials',
] as const satisfies readonly (keyof Backend)[];
export type BackendMethod = (typeof BACKEND_METHODS)[number];
