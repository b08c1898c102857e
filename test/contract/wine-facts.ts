// What Wine 8.0's BITS (qmgr) answers, as data: the contract rows read it in the Wine lane
// (BITS_JOB2_WINE=1, test/wine-contract.test.ts) and assert exactly these answers, so a change in
// our code or in Wine shows. Measured through the real chain (dist/test/wine/probe.js under wine64;
// the table in module/native/README.md, "What Wine's BITS answers", is the same data in prose).
// Wine is a partial BITS: stubs answer E_NOTIMPL, several setters store nothing, AddFile validates
// nothing, sizes stay BG_SIZE_UNKNOWN, there is no TRANSIENT_ERROR, no upload protocol, no notify
// command line and no reply. It proves the binding (slots, marshalling, codes), not BITS semantics.
import type { SnapshotField } from '../../module/api/types.js';
import type { EngineFacts } from './contract-suite.js';

export interface WineFacts {
  /** Port operations whose COM method Wine stubs, with the method and the code it answers. */
  stubs: Record<string, { method: string; code: string }>;
  /** Snapshot fields Wine does not give: null in the snapshot, `unavailable[field]` = { method, name }. */
  unavailable: Partial<Record<SnapshotField, { method: string; name: string }>>;
  /** The IBackgroundCopyError texts Wine does not give (0x800706F4), each "" (protocol null). */
  errorTextsUnavailable: { code: string; methods: Record<'message' | 'contextDescription' | 'protocol', string> };
  /** Values Wine reports whatever was set (SetPriority etc. answer S_OK and store nothing). */
  fixed: { minimumRetryDelay: number; noProgressTimeout: number; notifyFlags: number };
  /** Properties whose setter answers S_OK but stores nothing. */
  storesNothing: string[];
  /** Cancel's success code: a download job with files → BG_S_UNABLE_TO_DELETE_FILES (its temp-file cleanup reports failure, in any state); no files, or upload jobs → S_OK. */
  cancelCode: { downloadWithFiles: string; noDownloadFiles: string };
  /** RemoveCredentials answers S_OK even when nothing was set (Windows: S_FALSE). */
  removeCredentialsCode: string;
  /** A refused connection: ERROR (not TRANSIENT_ERROR), and GetError has nothing. */
  refused: { state: 'ERROR'; getError: string };
  /** Job-level BytesTotal once files are added: BG_SIZE_UNKNOWN (null) even after the transfer; per file it is known. */
  jobBytesTotalAfterAdd: null;
  /** Upload/upload-reply jobs: Wine has no BITS upload protocol; it sends a GET, the upload server answers 404. */
  uploadEndsIn: { state: 'ERROR'; name: string; context: string };
  /** IBackgroundCopyManager.GetJob still finds ACKNOWLEDGED/CANCELLED jobs (Windows: BG_E_NOT_FOUND). */
  finalJobsFound: true;
  /** Files of a job are listed and transferred newest first; queued jobs run one at a time, the newest first. */
  newestFirst: true;
}

export const WINE_TABLE: WineFacts = {
  stubs: {
    suspend: { method: 'IBackgroundCopyJob.Suspend', code: 'E_NOTIMPL' },
    takeOwnership: { method: 'IBackgroundCopyJob.TakeOwnership', code: 'E_NOTIMPL' },
    'setProperty(displayName)': { method: 'IBackgroundCopyJob.SetDisplayName', code: 'E_NOTIMPL' },
    'setProperty(notifyFlags)': { method: 'IBackgroundCopyJob.SetNotifyFlags', code: 'E_NOTIMPL' },
    setProxySettings: { method: 'IBackgroundCopyJob.SetProxySettings', code: 'E_NOTIMPL' },
    getProxySettings: { method: 'IBackgroundCopyJob.GetProxySettings', code: 'E_NOTIMPL' },
    getErrorDescription: { method: 'IBackgroundCopyManager.GetErrorDescription', code: 'E_NOTIMPL' },
    setNotifyCmdLine: { method: 'IBackgroundCopyJob2.SetNotifyCmdLine', code: 'E_NOTIMPL' },
    getNotifyCmdLine: { method: 'IBackgroundCopyJob2.GetNotifyCmdLine', code: 'E_NOTIMPL' },
    getReplyProgress: { method: 'IBackgroundCopyJob2.GetReplyProgress', code: 'E_NOTIMPL' },
    getReplyData: { method: 'IBackgroundCopyJob2.GetReplyData', code: 'E_NOTIMPL' },
    setReplyFileName: { method: 'IBackgroundCopyJob2.SetReplyFileName', code: 'E_NOTIMPL' },
    getReplyFileName: { method: 'IBackgroundCopyJob2.GetReplyFileName', code: 'E_NOTIMPL' },
  },
  unavailable: {
    description: { method: 'IBackgroundCopyJob.GetDescription', name: '0x800703E6' }, // until SetDescription
    priority: { method: 'IBackgroundCopyJob.GetPriority', name: 'E_NOTIMPL' },
    owner: { method: 'IBackgroundCopyJob.GetOwner', name: 'E_NOTIMPL' },
    times: { method: 'IBackgroundCopyJob.GetTimes', name: 'E_NOTIMPL' },
    errorCount: { method: 'IBackgroundCopyJob.GetErrorCount', name: 'E_NOTIMPL' },
    proxy: { method: 'IBackgroundCopyJob.GetProxySettings', name: 'E_NOTIMPL' },
    notifyCmdLine: { method: 'IBackgroundCopyJob2.GetNotifyCmdLine', name: 'E_NOTIMPL' },
  },
  errorTextsUnavailable: {
    code: '0x800706F4',
    methods: {
      message: 'IBackgroundCopyError.GetErrorDescription',
      contextDescription: 'IBackgroundCopyError.GetErrorContextDescription',
      protocol: 'IBackgroundCopyError.GetProtocol',
    },
  },
  fixed: { minimumRetryDelay: 30, noProgressTimeout: 900, notifyFlags: 3 },
  storesNothing: ['priority', 'minimumRetryDelay', 'noProgressTimeout'],
  cancelCode: { downloadWithFiles: 'BG_S_UNABLE_TO_DELETE_FILES', noDownloadFiles: 'S_OK' },
  removeCredentialsCode: 'S_OK',
  refused: { state: 'ERROR', getError: 'BG_E_ERROR_INFORMATION_UNAVAILABLE' },
  jobBytesTotalAfterAdd: null,
  uploadEndsIn: { state: 'ERROR', name: 'BG_E_HTTP_ERROR_404', context: 'REMOTE_FILE' },
  finalJobsFound: true,
  newestFirst: true,
};

/** The contract facts of the Wine lane: no per-user caps (Wine has none), BIT*.tmp temp files, plus the table. */
export const WINE_FACTS: EngineFacts = {
  jobsPerUser: 'unlimited-for-admin',
  filesPerJob: 'unlimited-for-admin',
  tempFilePattern: /^BIT[0-9A-F]+\.tmp$/i,
  generatedReplyName: 'in-upload-directory',
  rangeRequests: 'bounded',
  wine: WINE_TABLE,
};
