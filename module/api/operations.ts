// THE one API description (DESIGN §4 "One source of truth"). Every operation of spec §3 and §4 is
// described once, as data: its BITS name, the Backend/Node method, the CLI command and flags, the
// PowerShell cmdlet and parameter names, types, limits, defaults, return codes and help. The CLI
// builders are derived from it; the PowerShell generator, help and contract defaults read it too.
// Over 400 lines on purpose: it is one table, every operation next to its peers, so a reader compares
// entries at a glance (the types above the table are the schema of each entry).
import { DEFAULTS, LIMITS } from './limits.js';
import type { PortSpec } from './port.js';

export type ParamType =
  | 'jobId'
  | 'string'
  | 'int'
  | 'bool'
  | 'path'
  | 'url'
  | 'flags'
  | 'secret'
  /** A byte count: a whole number up to UINT64 (too large for 'int', which is a DWORD). */
  | 'bytes'
  | { enum: 'JobType' | 'JobPriority' | 'ProxyUsage' | 'AuthTarget' | 'AuthScheme' | 'JobState' | 'ServerNotificationType' };

export interface ParamSpec {
  /** Name in TypeScript (Backend and Node API argument). */
  name: string;
  /** CLI: positional `<name>` or flag `--name`. */
  cli: { positional: string } | { flag: string; alias?: string };
  /** PowerShell parameter name. */
  ps: string;
  type: ParamType;
  required: boolean;
  /** Accepts null (BITS NULL): in the CLI, leaving the flag out means NULL. */
  nullable?: boolean;
  default?: string | number | boolean | null;
  min?: number;
  max?: number;
  maxLength?: number;
  /** PowerShell: bind from the pipeline by property name (JobId). */
  pipelineByPropertyName?: boolean;
  /** PowerShell: also take the module's own job objects (type name BitsJob2.Job) from the pipeline by
   *  value, through an -InputObject parameter set next to the JobId one; the id is InputObject.JobId. */
  pipelineByValue?: boolean;
  help: string;
}

export interface OperationSpec {
  /** Backend + Node method name (camelCase of the BITS method). */
  name: string;
  /** The BITS interface and method this operation reproduces. */
  bits: { interface: 'IBackgroundCopyManager' | 'IBackgroundCopyJob' | 'IBackgroundCopyJob2' | 'IBackgroundCopyError' | 'IBackgroundCopyFile' | 'BITS Server Extension'; method: string };
  /** CLI command (undefined: reachable through another command, named in `via`). */
  cli?: string;
  via?: string;
  /** PowerShell cmdlet (undefined: covered by another cmdlet, named in `via`). */
  cmdlet?: {
    verb: string;
    noun: string;
    shouldProcess?: boolean;
    /** The cmdlet's synopsis when the operation's (written for the CLI) does not fit PowerShell. */
    synopsis?: string;
    /** The one property of the CLI result the cmdlet returns (a path rather than an object holding it). */
    output?: string;
    /** Trailing positional parameters that come in sets (file pairs): the cmdlet takes arrays of them,
     *  paired by position, and pipeline objects by property name, and sends every set of one job in one
     *  command (AddFileSet), after the pipeline ends. */
    collects?: readonly string[];
  };
  params: readonly ParamSpec[];
  /** The Backend method(s) behind it (module/api/port.ts); absent: not a port method (the server). */
  port?: PortSpec;
  /** The parameters' defaults are the values a new job starts with, not values this operation applies
   *  (a setter changes only what is given): help shows them as "a new job has …", never as defaults. */
  defaultsAreInitialValues?: boolean;
  /** Parameters of other operations this command and cmdlet also take, each optional, applied right
   *  after this operation through the other one (New-BitsJob2 -Priority: CreateJob, then SetPriority).
   *  `fixed`: that operation's other arguments (by name) when its parameters are given here. */
  alsoApplies?: readonly { op: string; params: readonly string[]; fixed?: Record<string, string> }[];
  returns: string;
  /** HRESULT names this operation may return (spec §3/§4), successes included. */
  codes: readonly string[];
  synopsis: string;
  description: string;
  examples: readonly { cli?: string; ps?: string; node?: string; text: string }[];
  /** Issue that implements it in the portable engine (2 = foundation). */
  issue: number;
}

const jobIdParam = {
  name: 'jobId',
  cli: { positional: 'job' },
  ps: 'JobId',
  type: 'jobId',
  required: true,
  pipelineByPropertyName: true,
  pipelineByValue: true,
  help: 'Job GUID ({...} optional) as printed by `create`/`list`; a unique prefix of 8+ hex digits works in the CLI.',
} as const satisfies ParamSpec;

const FINAL = 'BG_E_INVALID_STATE' as const;

/**
 * The description with its literal types (`as const`): TypeScript knows each operation's parameters
 * and port shape (module/api/port.ts derives the Backend from it, module/cli its typed readParams).
 */
export const OPERATION_TABLE = [
  // ── IBackgroundCopyManager ────────────────────────────────────────────────────────────────────
  {
    name: 'createJob',
    bits: { interface: 'IBackgroundCopyManager', method: 'CreateJob' },
    port: { method: 'createJob', args: [['displayName', 'string'], ['type', 'int']], result: 'jobId', readOnly: false, native: { on: 'manager' }, facade: false },
    cli: 'create',
    cmdlet: { verb: 'New', noun: 'BitsJob2', shouldProcess: true, synopsis: 'Creates a job (SUSPENDED) and returns it as a BitsJob2.Job object.' },
    params: [
      { name: 'displayName', cli: { positional: 'name' }, ps: 'DisplayName', type: 'string', required: true, maxLength: LIMITS.displayNameMax, help: `Display name, up to ${LIMITS.displayNameMax} characters (empty is allowed, as in BITS); several jobs may share one.` },
      { name: 'type', cli: { flag: 'type', alias: 't' }, ps: 'TransferType', type: { enum: 'JobType' }, required: false, default: 'DOWNLOAD', help: 'DOWNLOAD, UPLOAD or UPLOAD_REPLY.' },
    ],
    // bitsadmin /create and CreateJob take only the name and type; scripts then set the rest one call at
    // a time. The CLI and New-BitsJob2 take the common ones at once; if one fails the new job is cancelled.
    alsoApplies: [
      { op: 'setProperties', params: ['description', 'priority', 'minimumRetryDelay', 'noProgressTimeout'] },
      { op: 'setCredentials', params: ['scheme', 'userName', 'password'], fixed: { target: 'SERVER' } },
    ],
    returns: 'the new job (a BitsJob2.Job object; JobId is its GUID), which starts SUSPENDED',
    codes: ['S_OK', 'E_INVALIDARG', 'BG_E_TOO_MANY_JOBS_PER_USER', 'BG_E_TOO_MANY_JOBS_PER_MACHINE'],
    synopsis: 'Creates a job (SUSPENDED) and prints its id.',
    description: `Creates a BITS job owned by the current user. The job starts SUSPENDED: add files, set properties, then resume it. At most ${LIMITS.jobsPerUser} jobs per user and ${LIMITS.jobsPerMachine} per machine.`,
    examples: [
      { cli: 'bits-job2 create "Nightly report"', text: 'Create a download job.' },
      { cli: 'bits-job2 create inventory --type UPLOAD_REPLY', text: 'Create an upload-reply job.' },
      { ps: "New-BitsJob2 -DisplayName 'Nightly report'", text: 'Create a download job.' },
      { node: "const job = await manager.createJob('Nightly report')", text: 'Create a download job.' },
    ],
    issue: 2,
  },
  {
    name: 'getJob',
    bits: { interface: 'IBackgroundCopyManager', method: 'GetJob' },
    port: { method: 'getJob', args: [['jobId', 'jobId']], result: 'snapshot', readOnly: true, native: { on: 'queued', call: 'Snapshot' }, facade: false },
    cli: 'info',
    cmdlet: { verb: 'Get', noun: 'BitsJob2' },
    params: [jobIdParam],
    returns: 'job snapshot: every property, progress, times, error',
    codes: ['S_OK', 'BG_E_NOT_FOUND', 'E_ACCESSDENIED'],
    synopsis: 'Shows every property of a job: state, progress, times, error, files.',
    description: 'Looks a job up by id. Jobs that reached ACKNOWLEDGED or CANCELLED have left the queue; `info` still shows them while the engine remembers them.',
    examples: [
      { cli: 'bits-job2 info 3f2c9a10', text: 'Show a job by id prefix.' },
      { cli: 'bits-job2 info 3f2c9a10 --json', text: 'Machine-readable snapshot.' },
      { ps: 'Get-BitsJob2 -JobId $id', text: 'Get one job.' },
    ],
    issue: 2,
  },
  {
    name: 'listJobs',
    bits: { interface: 'IBackgroundCopyManager', method: 'EnumJobs' },
    port: { method: 'listJobs', args: [['options', 'listOptions']], result: 'snapshots', readOnly: true, native: { on: 'manager' }, facade: false },
    cli: 'list',
    cmdlet: { verb: 'Get', noun: 'BitsJob2' },
    params: [
      { name: 'allUsers', cli: { flag: 'all-users' }, ps: 'AllUsers', type: 'bool', required: false, default: false, help: 'Every user\'s jobs (BG_JOB_ENUM_ALL_USERS; administrators only).' },
      { name: 'displayNamePattern', cli: { flag: 'name' }, ps: 'Name', type: 'string', required: false, help: 'Only jobs whose display name matches this pattern: * any characters, ? one, case-insensitive (as Get-BitsTransfer -Name). Applied to the list BITS returns.' },
    ],
    returns: 'job snapshots of the queue (final-state jobs are never listed)',
    codes: ['S_OK', 'E_ACCESSDENIED'],
    synopsis: 'Lists your jobs in the queue.',
    description: 'Enumerates the caller\'s jobs. Jobs in ACKNOWLEDGED or CANCELLED have left the queue and are not listed.',
    examples: [
      { cli: 'bits-job2 list', text: 'A table of your jobs.' },
      { cli: 'bits-job2 list --json', text: 'The same as JSON.' },
      { cli: "bits-job2 list --name 'nightly*'", text: 'Jobs whose name starts with nightly.' },
      { ps: 'Get-BitsJob2', text: 'All your jobs.' },
      { ps: "Get-BitsJob2 -Name 'nightly*' | Remove-BitsJob2", text: 'Cancel every job whose name starts with nightly.' },
    ],
    issue: 2,
  },
  {
    name: 'getErrorDescription',
    bits: { interface: 'IBackgroundCopyManager', method: 'GetErrorDescription' },
    port: { method: 'getErrorDescription', args: [['hresult', 'hresult']], result: 'string', readOnly: true, native: { on: 'manager' }, facade: false },
    cli: 'explain',
    params: [
      { name: 'hresult', cli: { positional: 'hresult' }, ps: 'HResult', type: 'string', required: true, help: 'HRESULT in hex (0x80200001), decimal, or its name (BG_E_NOT_FOUND).' },
    ],
    returns: 'text',
    codes: ['S_OK'],
    synopsis: 'Explains an HRESULT: its name and meaning.',
    description: 'Prints the name and the meaning of a BITS or HTTP HRESULT.',
    examples: [{ cli: 'bits-job2 explain 0x80190194', text: 'What does BG_E_HTTP_ERROR_404 mean?' }],
    issue: 2,
  },

  // ── IBackgroundCopyJob ────────────────────────────────────────────────────────────────────────
  {
    name: 'describeJob',
    bits: { interface: 'IBackgroundCopyJob', method: 'GetId/GetDisplayName/GetState/GetProgress/GetTimes/... on the job object' },
    port: { method: 'describeJob', args: [['jobId', 'jobId']], result: 'snapshot', readOnly: true, native: { call: 'Snapshot' }, facade: false },
    via: 'info',
    params: [jobIdParam],
    returns: 'job snapshot: every property, progress, times, error',
    codes: ['S_OK', 'BG_E_NOT_FOUND'],
    synopsis: 'Every property of a job, read on the job object.',
    description: 'Unlike GetJob, also answers for jobs that left the queue (ACKNOWLEDGED/CANCELLED) while the backend remembers them: what a job object of BITS keeps answering.',
    examples: [{ cli: 'bits-job2 info 3f2c9a10', text: 'The snapshot `info` prints.' }],
    issue: 2,
  },
  {
    name: 'addFiles',
    bits: { interface: 'IBackgroundCopyJob', method: 'AddFileSet' },
    port: { method: 'addFiles', args: [['jobId', 'jobId'], ['files', 'files']], result: 'void', readOnly: false },
    cli: 'add-file',
    cmdlet: { verb: 'Add', noun: 'BitsJob2File', shouldProcess: true, collects: ['remoteName', 'localName'] },
    params: [
      jobIdParam,
      { name: 'remoteName', cli: { positional: 'remote' }, ps: 'RemoteName', type: 'url', required: true, maxLength: LIMITS.remoteUrlMax, help: `http:// or https:// URL, ≤ ${LIMITS.remoteUrlMax} characters, no wildcards.` },
      { name: 'localName', cli: { positional: 'local' }, ps: 'LocalName', type: 'path', required: true, maxLength: LIMITS.MAX_PATH, help: `Absolute local path ≤ ${LIMITS.MAX_PATH} characters; its directory must exist and be writable.` },
    ],
    returns: 'nothing',
    codes: ['S_OK', 'E_INVALIDARG', 'BG_E_TOO_MANY_FILES', 'BG_E_TOO_MANY_FILES_IN_JOB', 'E_ACCESSDENIED', FINAL],
    synopsis: 'Adds a file (remote URL and local path) to a job.',
    description: `Adds a file to the job. Download jobs hold up to ${LIMITS.filesPerJob} files, transferred one after another; upload jobs hold exactly one. Files may be added to a TRANSFERRED download job, which then needs Resume.`,
    examples: [
      { cli: 'bits-job2 add-file 3f2c9a10 https://example.com/a.iso /data/a.iso', text: 'Add one file.' },
      { ps: "Add-BitsJob2File -JobId $id -RemoteName https://example.com/a.iso -LocalName C:\\data\\a.iso", text: 'Add one file.' },
      { ps: "Add-BitsJob2File -JobId $id -RemoteName https://example.com/a.iso, https://example.com/b.iso -LocalName C:\\data\\a.iso, C:\\data\\b.iso", text: 'Two files in one AddFileSet call (paired by position).' },
      { ps: "Import-Csv files.csv | Add-BitsJob2File -JobId $id", text: 'Every row (columns RemoteName, LocalName) in one AddFileSet call.' },
    ],
    issue: 2,
  },
  {
    name: 'listFiles',
    bits: { interface: 'IBackgroundCopyJob', method: 'EnumFiles' },
    port: { method: 'listFiles', args: [['jobId', 'jobId']], result: 'files', readOnly: true },
    via: 'info',
    params: [jobIdParam],
    returns: 'files with remote name, local name and BG_FILE_PROGRESS',
    codes: ['S_OK'],
    synopsis: 'Lists the files of a job with their progress.',
    description: 'A snapshot of the job\'s files in transfer order.',
    examples: [{ cli: 'bits-job2 info 3f2c9a10', text: 'Files are part of `info`.' }],
    issue: 2,
  },
  {
    name: 'resume',
    bits: { interface: 'IBackgroundCopyJob', method: 'Resume' },
    port: { method: 'resume', args: [['jobId', 'jobId']], result: 'void', readOnly: false },
    cli: 'resume',
    cmdlet: { verb: 'Resume', noun: 'BitsJob2', shouldProcess: true },
    params: [jobIdParam],
    returns: 'nothing',
    codes: ['S_OK', 'BG_E_EMPTY', FINAL],
    synopsis: 'Queues a job for transfer (SUSPENDED, ERROR or TRANSIENT_ERROR → QUEUED).',
    description: 'Activates the job. The transfer goes on in the background service after this command exits. A job without files stays SUSPENDED (BG_E_EMPTY). Resuming during TRANSIENT_ERROR retries at once.',
    examples: [
      { cli: 'bits-job2 resume 3f2c9a10', text: 'Start or retry a job.' },
      { ps: 'Get-BitsJob2 | Resume-BitsJob2', text: 'Resume every job.' },
    ],
    issue: 2,
  },
  {
    name: 'suspend',
    bits: { interface: 'IBackgroundCopyJob', method: 'Suspend' },
    port: { method: 'suspend', args: [['jobId', 'jobId']], result: 'void', readOnly: false },
    cli: 'suspend',
    cmdlet: { verb: 'Suspend', noun: 'BitsJob2', shouldProcess: true },
    params: [jobIdParam],
    returns: 'nothing',
    codes: ['S_OK', FINAL],
    synopsis: 'Pauses a job (→ SUSPENDED).',
    description: 'Stops all activity of the job until Resume, Complete or Cancel. Suspending a suspended job succeeds.',
    examples: [{ cli: 'bits-job2 suspend 3f2c9a10', text: 'Pause a job.' }],
    issue: 2,
  },
  {
    name: 'complete',
    bits: { interface: 'IBackgroundCopyJob', method: 'Complete' },
    port: { method: 'complete', args: [['jobId', 'jobId']], result: 'hresult', readOnly: false },
    cli: 'complete',
    cmdlet: { verb: 'Complete', noun: 'BitsJob2', shouldProcess: true },
    params: [
      jobIdParam,
      { name: 'force', cli: { flag: 'force' }, ps: 'Force', type: 'bool', required: false, default: false, help: 'Complete a download job that is not TRANSFERRED although files are unfinished: they are deleted (BITS\'s BG_S_PARTIAL_COMPLETE). Without it the CLI and cmdlet refuse and list them.' },
    ],
    returns: 'S_OK, BG_S_PARTIAL_COMPLETE or BG_S_UNABLE_TO_DELETE_FILES',
    codes: ['S_OK', 'BG_S_PARTIAL_COMPLETE', 'BG_S_UNABLE_TO_DELETE_FILES', FINAL],
    synopsis: 'Publishes the transferred files and ends the job (→ ACKNOWLEDGED).',
    description: 'Download jobs: renames every fully transferred temporary file to its final name and deletes the rest (BG_S_PARTIAL_COMPLETE when some were unfinished; the CLI and cmdlet ask for --force / -Force before discarding any and name each one). Upload jobs: only in TRANSFERRED; makes the reply file available. A second Complete fails with BG_E_INVALID_STATE.',
    examples: [
      { cli: 'bits-job2 complete 3f2c9a10', text: 'Publish the files.' },
      { ps: 'Get-BitsJob2 | Where-Object JobState -eq Transferred | Complete-BitsJob2', text: 'Complete every finished job.' },
    ],
    issue: 2,
  },
  {
    name: 'cancel',
    bits: { interface: 'IBackgroundCopyJob', method: 'Cancel' },
    port: { method: 'cancel', args: [['jobId', 'jobId']], result: 'hresult', readOnly: false },
    cli: 'cancel',
    cmdlet: { verb: 'Remove', noun: 'BitsJob2', shouldProcess: true },
    params: [jobIdParam],
    returns: 'S_OK or BG_S_UNABLE_TO_DELETE_FILES',
    codes: ['S_OK', 'BG_S_UNABLE_TO_DELETE_FILES', FINAL],
    synopsis: 'Cancels a job (→ CANCELLED) and deletes its temporary files.',
    description: 'Irreversible. Deletes temporary and uncommitted download files and the reply file; an unfinished upload session is cancelled on the server.',
    examples: [
      { cli: 'bits-job2 cancel 3f2c9a10', text: 'Cancel a job.' },
      { ps: 'Remove-BitsJob2 -JobId $id -WhatIf', text: 'Show what would be cancelled.' },
    ],
    issue: 2,
  },
  {
    name: 'getError',
    bits: { interface: 'IBackgroundCopyJob', method: 'GetError' },
    port: { method: 'getError', args: [['jobId', 'jobId']], result: 'jobError', readOnly: true },
    via: 'info',
    params: [jobIdParam],
    returns: 'IBackgroundCopyError: HRESULT, context, descriptions, protocol, file',
    codes: ['S_OK', 'BG_E_ERROR_INFORMATION_UNAVAILABLE'],
    synopsis: 'The error of a job in ERROR or TRANSIENT_ERROR.',
    description: 'Only available while the job is in ERROR or TRANSIENT_ERROR.',
    examples: [{ cli: 'bits-job2 info 3f2c9a10', text: 'The error is part of `info`.' }],
    issue: 2,
  },
  {
    name: 'setProperties',
    bits: { interface: 'IBackgroundCopyJob', method: 'SetDisplayName/SetDescription/SetPriority/SetNotifyFlags/SetMinimumRetryDelay/SetNoProgressTimeout' },
    port: { method: 'setProperty', args: [['jobId', 'jobId'], ['name', 'propertyName'], ['value', 'propertyValue']], result: 'void', readOnly: false, facade: false },
    cli: 'set',
    cmdlet: { verb: 'Set', noun: 'BitsJob2', shouldProcess: true },
    defaultsAreInitialValues: true,
    params: [
      jobIdParam,
      { name: 'displayName', cli: { flag: 'display-name' }, ps: 'DisplayName', type: 'string', required: false, maxLength: LIMITS.displayNameMax, help: `New display name (≤ ${LIMITS.displayNameMax}; BG_E_STRING_TOO_LONG beyond).` },
      { name: 'description', cli: { flag: 'description' }, ps: 'Description', type: 'string', required: false, maxLength: LIMITS.descriptionMax, default: DEFAULTS.description, help: `Description (≤ ${LIMITS.descriptionMax}).` },
      { name: 'priority', cli: { flag: 'priority' }, ps: 'Priority', type: { enum: 'JobPriority' }, required: false, default: 'NORMAL', help: 'FOREGROUND (runs now, all concurrently), HIGH, NORMAL or LOW (one background job at a time).' },
      { name: 'minimumRetryDelay', cli: { flag: 'retry-delay' }, ps: 'RetryInterval', type: 'int', required: false, default: DEFAULTS.minimumRetryDelay, min: 0, help: `Seconds to wait after a transient error before retrying; values below ${LIMITS.minimumRetryDelayFloor} become ${LIMITS.minimumRetryDelayFloor}.` },
      { name: 'noProgressTimeout', cli: { flag: 'no-progress-timeout' }, ps: 'RetryTimeout', type: 'int', required: false, default: DEFAULTS.noProgressTimeout, min: 0, help: 'Seconds of transient errors without progress before the job goes to ERROR; 0 makes every error fatal.' },
      { name: 'notifyFlags', cli: { flag: 'notify-flags' }, ps: 'NotifyFlags', type: 'flags', required: false, default: DEFAULTS.notifyFlags, min: 0, max: 0x3f, help: 'Bit mask: 1 TRANSFERRED, 2 ERROR, 4 DISABLE, 8 MODIFICATION, 0x10 FILE_TRANSFERRED, 0x20 FILE_RANGES_TRANSFERRED.' },
    ],
    returns: 'nothing',
    codes: ['S_OK', 'E_INVALIDARG', 'BG_E_STRING_TOO_LONG', 'E_NOTIMPL', FINAL],
    synopsis: 'Changes job properties: name, description, priority, retry delay, no-progress timeout, notify flags.',
    description: 'Each given property is set in turn through its BITS setter; the first failure stops the command and names the property.',
    examples: [
      { cli: 'bits-job2 set 3f2c9a10 --priority FOREGROUND --retry-delay 30', text: 'Run now and retry quickly.' },
      { ps: 'Set-BitsJob2 -JobId $id -Priority High', text: 'Raise the priority.' },
    ],
    issue: 2,
  },
  {
    name: 'setProxySettings',
    bits: { interface: 'IBackgroundCopyJob', method: 'SetProxySettings' },
    port: { method: 'setProxySettings', args: [['jobId', 'jobId'], ['usage', 'int'], ['proxyList', 'nullableString'], ['bypassList', 'nullableString']], result: 'void', readOnly: false, facade: false },
    cli: 'set-proxy',
    cmdlet: { verb: 'Set', noun: 'BitsJob2Proxy', shouldProcess: true },
    params: [
      jobIdParam,
      { name: 'usage', cli: { flag: 'usage' }, ps: 'ProxyUsage', type: { enum: 'ProxyUsage' }, required: true, help: 'PRECONFIG (environment), NO_PROXY, OVERRIDE (use --list), AUTODETECT.' },
      { name: 'proxyList', cli: { flag: 'list' }, ps: 'ProxyList', type: 'string', required: false, nullable: true, maxLength: LIMITS.proxyListMax, help: 'OVERRIDE only: space-separated `[scheme=][scheme://]host[:port]` entries.' },
      { name: 'bypassList', cli: { flag: 'bypass' }, ps: 'ProxyBypass', type: 'string', required: false, nullable: true, maxLength: LIMITS.proxyListMax, help: 'OVERRIDE only: hosts that skip the proxy (`*` wildcards, `<local>`).' },
    ],
    returns: 'nothing',
    codes: ['S_OK', 'E_NOTIMPL', 'E_INVALIDARG', 'BG_E_PROXY_LIST_TOO_LARGE', 'BG_E_PROXY_BYPASS_LIST_TOO_LARGE', FINAL],
    synopsis: 'Sets how the job uses a proxy.',
    description: 'Lists must be absent unless OVERRIDE; OVERRIDE needs a list. Entries are validated at transfer time (BG_E_INVALID_PROXY_INFO).',
    examples: [{ cli: "bits-job2 set-proxy 3f2c9a10 --usage OVERRIDE --list 'http://proxy:3128' --bypass '<local>'", text: 'Use a fixed proxy.' }],
    issue: 4,
  },
  {
    name: 'getProxySettings',
    bits: { interface: 'IBackgroundCopyJob', method: 'GetProxySettings' },
    port: { method: 'getProxySettings', args: [['jobId', 'jobId']], result: 'proxy', readOnly: true, facade: false },
    via: 'info',
    params: [jobIdParam],
    returns: '{ usage, proxyList, bypassList }',
    codes: ['S_OK'],
    synopsis: 'How the job uses a proxy.',
    description: 'Part of the job snapshot (`proxy`).',
    examples: [{ cli: 'bits-job2 info 3f2c9a10 --json', text: 'The proxy settings are in `proxy`.' }],
    issue: 4,
  },
  {
    name: 'takeOwnership',
    bits: { interface: 'IBackgroundCopyJob', method: 'TakeOwnership' },
    port: { method: 'takeOwnership', args: [['jobId', 'jobId']], result: 'void', readOnly: false },
    cli: 'take-ownership',
    params: [jobIdParam],
    returns: 'nothing',
    codes: ['S_OK', 'E_ACCESSDENIED', 'BG_E_NEW_OWNER_NO_FILE_ACCESS', 'BG_E_NEW_OWNER_DIFF_MAPPING', FINAL],
    synopsis: 'Makes the caller the owner of a job (administrators only).',
    description: 'Administrators only (E_ACCESSDENIED otherwise). Portable backends: root takes another user\'s job into its own store; the job keeps its id, files and state, loses its credentials and notify command line (as in BITS), and leaves the former owner\'s queue.',
    examples: [{ cli: 'bits-job2 take-ownership 3f2c9a10', text: 'Take over a job.' }],
    issue: 5,
  },

  // ── IBackgroundCopyJob2 ───────────────────────────────────────────────────────────────────────
  {
    name: 'setNotifyCmdLine',
    bits: { interface: 'IBackgroundCopyJob2', method: 'SetNotifyCmdLine' },
    port: { method: 'setNotifyCmdLine', args: [['jobId', 'jobId'], ['program', 'nullableString'], ['parameters', 'nullableString']], result: 'void', readOnly: false },
    cli: 'set-notify-cmdline',
    cmdlet: { verb: 'Set', noun: 'BitsJob2NotifyCmdLine', shouldProcess: true },
    params: [
      jobIdParam,
      { name: 'program', cli: { flag: 'program' }, ps: 'Program', type: 'path', required: false, nullable: true, maxLength: LIMITS.notifyProgramMax, help: `Absolute path of the program (≤ ${LIMITS.notifyProgramMax}); no search path, no %VAR% expansion.` },
      { name: 'parameters', cli: { flag: 'parameters' }, ps: 'Parameters', type: 'string', required: false, nullable: true, maxLength: LIMITS.notifyParametersMax, help: `Full command line (≤ ${LIMITS.notifyParametersMax}) whose first token is the program itself.` },
    ],
    returns: 'nothing',
    codes: ['S_OK', 'BG_E_STRING_TOO_LONG', 'E_INVALIDARG', FINAL],
    synopsis: 'Sets the program BITS runs when the job is TRANSFERRED or in ERROR.',
    description: 'The program runs without a shell when the job enters TRANSFERRED or ERROR (per notify flags), and again after the retry delay if it exits non-zero while the job is neither completed nor cancelled. Both omitted removes it.',
    examples: [{ cli: "bits-job2 set-notify-cmdline 3f2c9a10 --program /usr/bin/node --parameters '/usr/bin/node /opt/done.js 3f2c9a10'", text: 'Run a script when done.' }],
    issue: 4,
  },
  {
    name: 'getNotifyCmdLine',
    bits: { interface: 'IBackgroundCopyJob2', method: 'GetNotifyCmdLine' },
    port: { method: 'getNotifyCmdLine', args: [['jobId', 'jobId']], result: 'notifyCmdLine', readOnly: true },
    cli: 'get-notify-cmdline',
    cmdlet: { verb: 'Get', noun: 'BitsJob2NotifyCmdLine' },
    params: [jobIdParam],
    returns: '{ program, parameters } ("" when unset)',
    codes: ['S_OK'],
    synopsis: 'Shows the notify command line of a job.',
    description: 'Both strings are empty when none is set.',
    examples: [{ cli: 'bits-job2 get-notify-cmdline 3f2c9a10', text: 'Show the notify program.' }],
    issue: 4,
  },
  {
    name: 'getReplyProgress',
    bits: { interface: 'IBackgroundCopyJob2', method: 'GetReplyProgress' },
    port: { method: 'getReplyProgress', args: [['jobId', 'jobId']], result: 'replyProgress', readOnly: true },
    cli: 'get-reply-progress',
    cmdlet: { verb: 'Get', noun: 'BitsJob2ReplyProgress' },
    params: [jobIdParam],
    returns: 'BG_JOB_REPLY_PROGRESS (bytesTotal null until the reply download begins)',
    codes: ['S_OK', 'E_NOTIMPL'],
    synopsis: 'Progress of the reply download of an upload-reply job.',
    description: 'E_NOTIMPL for download and upload jobs.',
    examples: [{ cli: 'bits-job2 get-reply-progress 3f2c9a10', text: 'How much of the reply arrived.' }],
    issue: 3,
  },
  {
    name: 'getReplyData',
    bits: { interface: 'IBackgroundCopyJob2', method: 'GetReplyData' },
    port: { method: 'getReplyData', args: [['jobId', 'jobId']], result: 'bytes', readOnly: true },
    cli: 'get-reply-data',
    cmdlet: { verb: 'Get', noun: 'BitsJob2ReplyData' },
    params: [jobIdParam],
    returns: 'reply bytes (≤ 1 MiB; empty when the server sent none)',
    codes: ['S_OK', 'E_NOTIMPL', 'BG_E_TOO_LARGE', FINAL],
    synopsis: 'The reply of an upload-reply job as bytes.',
    description: `Only for UPLOAD_REPLY jobs in TRANSFERRED (or ACKNOWLEDGED). Replies over ${LIMITS.replyDataMax} bytes fail with BG_E_TOO_LARGE carrying the size: read the reply file instead.`,
    examples: [{ cli: 'bits-job2 get-reply-data 3f2c9a10 --out reply.bin', text: 'Save the reply.' }],
    issue: 3,
  },
  {
    name: 'setReplyFileName',
    bits: { interface: 'IBackgroundCopyJob2', method: 'SetReplyFileName' },
    port: { method: 'setReplyFileName', args: [['jobId', 'jobId'], ['replyFileName', 'nullableString']], result: 'void', readOnly: false },
    cli: 'set-reply-file',
    cmdlet: { verb: 'Set', noun: 'BitsJob2ReplyFileName', shouldProcess: true },
    params: [
      jobIdParam,
      { name: 'replyFileName', cli: { positional: 'path' }, ps: 'Path', type: 'path', required: false, nullable: true, maxLength: LIMITS.MAX_PATH, help: 'Absolute path for the reply; omit (or "") to let the engine generate one.' },
    ],
    returns: 'nothing',
    codes: ['S_OK', 'E_INVALIDARG', 'E_ACCESSDENIED', 'E_NOTIMPL', FINAL],
    synopsis: 'Chooses where the reply of an upload-reply job is stored.',
    description: 'Set it before the first Resume; refused once the reply download has begun.',
    examples: [{ cli: 'bits-job2 set-reply-file 3f2c9a10 /data/reply.xml', text: 'Store the reply here.' }],
    issue: 3,
  },
  {
    name: 'getReplyFileName',
    bits: { interface: 'IBackgroundCopyJob2', method: 'GetReplyFileName' },
    port: { method: 'getReplyFileName', args: [['jobId', 'jobId']], result: 'nullableString', readOnly: true },
    cli: 'get-reply-file',
    cmdlet: { verb: 'Get', noun: 'BitsJob2ReplyFileName', output: 'replyFileName' },
    params: [jobIdParam],
    returns: 'path or null',
    codes: ['S_OK', 'E_NOTIMPL'],
    synopsis: 'Where the reply of an upload-reply job is (or will be) stored.',
    description: 'The explicit or generated name; null when neither a name nor a file was set. Open it only after Complete.',
    examples: [{ cli: 'bits-job2 get-reply-file 3f2c9a10', text: 'Print the reply path.' }],
    issue: 3,
  },
  {
    name: 'setCredentials',
    bits: { interface: 'IBackgroundCopyJob2', method: 'SetCredentials' },
    port: { method: 'setCredentials', args: [['jobId', 'jobId'], ['credentials', 'credentials']], result: 'void', readOnly: false, facade: false },
    cli: 'set-credentials',
    cmdlet: { verb: 'Set', noun: 'BitsJob2Credential', shouldProcess: true },
    params: [
      jobIdParam,
      { name: 'target', cli: { flag: 'target' }, ps: 'Target', type: { enum: 'AuthTarget' }, required: true, help: 'SERVER or PROXY.' },
      { name: 'scheme', cli: { flag: 'scheme' }, ps: 'Scheme', type: { enum: 'AuthScheme' }, required: true, help: 'BASIC, DIGEST, NTLM, NEGOTIATE or PASSPORT.' },
      { name: 'userName', cli: { flag: 'user' }, ps: 'UserName', type: 'string', required: false, nullable: true, maxLength: LIMITS.userNameMax, help: `User name (≤ ${LIMITS.userNameMax}); omit for implicit credentials (NTLM/NEGOTIATE).` },
      { name: 'password', cli: { flag: 'password-stdin' }, ps: 'Credential', type: 'secret', required: false, nullable: true, maxLength: LIMITS.passwordMax, help: 'Read from standard input (or BITS_JOB2_PASSWORD); never from the command line.' },
    ],
    returns: 'nothing',
    codes: ['S_OK', 'BG_E_INVALID_AUTH_TARGET', 'BG_E_INVALID_AUTH_SCHEME', 'BG_E_USERNAME_TOO_LARGE', 'BG_E_PASSWORD_TOO_LARGE', 'E_INVALIDARG', FINAL],
    synopsis: 'Sets server or proxy credentials for one authentication scheme.',
    description: 'One credential per (target, scheme); setting it again replaces it. There is no getter: the password is never returned, printed or stored in plain text.',
    examples: [{ cli: 'printf %s "$PW" | bits-job2 set-credentials 3f2c9a10 --target SERVER --scheme BASIC --user alice --password-stdin', text: 'Basic credentials from stdin.' }],
    issue: 4,
  },
  {
    name: 'removeCredentials',
    bits: { interface: 'IBackgroundCopyJob2', method: 'RemoveCredentials' },
    port: { method: 'removeCredentials', args: [['jobId', 'jobId'], ['target', 'int'], ['scheme', 'int']], result: 'hresult', readOnly: false, facade: false },
    cli: 'remove-credentials',
    cmdlet: { verb: 'Remove', noun: 'BitsJob2Credential', shouldProcess: true },
    params: [
      jobIdParam,
      { name: 'target', cli: { flag: 'target' }, ps: 'Target', type: { enum: 'AuthTarget' }, required: true, help: 'SERVER or PROXY.' },
      { name: 'scheme', cli: { flag: 'scheme' }, ps: 'Scheme', type: { enum: 'AuthScheme' }, required: true, help: 'BASIC, DIGEST, NTLM, NEGOTIATE or PASSPORT.' },
    ],
    returns: 'S_OK (removed) or S_FALSE (none was set)',
    codes: ['S_OK', 'S_FALSE', 'BG_E_INVALID_AUTH_TARGET', 'BG_E_INVALID_AUTH_SCHEME', FINAL],
    synopsis: 'Removes the credentials of one target and scheme.',
    description: 'Returns S_FALSE (exit code 0, "nothing to remove") when none were set.',
    examples: [{ cli: 'bits-job2 remove-credentials 3f2c9a10 --target SERVER --scheme BASIC', text: 'Forget server credentials.' }],
    issue: 4,
  },

  // ── The server side (IIS BITS Server Extension) ───────────────────────────────────────────────
  {
    // Node: startBitsServer(options) of bits-job2/server; each parameter is one of its options and
    // names the IIS property it stands for. Runs until stopped (SIGINT/SIGTERM; the cmdlet: Ctrl+C).
    name: 'startBitsServer',
    bits: { interface: 'BITS Server Extension', method: 'BITS Upload Protocol server ([MC-BUP])' },
    cli: 'serve',
    cmdlet: { verb: 'Start', noun: 'BitsJob2Server', shouldProcess: true },
    params: [
      { name: 'root', cli: { flag: 'root' }, ps: 'Root', type: 'path', required: true, help: 'Directory uploads are published to (IIS: the virtual directory); it must exist.' },
      { name: 'host', cli: { flag: 'host' }, ps: 'ListenAddress', type: 'string', required: false, default: '127.0.0.1', help: 'Interface to listen on (0.0.0.0 or :: for other machines).' },
      { name: 'port', cli: { flag: 'port' }, ps: 'Port', type: 'int', required: false, default: 0, min: 0, max: 65535, help: 'TCP port (0 picks a free one; the URL is printed).' },
      { name: 'urlPrefix', cli: { flag: 'url-prefix' }, ps: 'UrlPrefix', type: 'string', required: false, default: '/', help: 'URL path that maps to the root directory.' },
      { name: 'sessionsDir', cli: { flag: 'sessions-dir' }, ps: 'SessionDirectory', type: 'path', required: false, help: 'Session data directory (default <root>/BITS-Sessions).' },
      { name: 'farm', cli: { flag: 'farm' }, ps: 'Farm', type: 'bool', required: false, default: false, help: 'This instance shares --sessions-dir with others behind a load balancer (sessions leased in <sessions>/sessions.db, docs/server-production.md "A farm"); without it the registry is in memory (no SQLite) and this must be the only process on the directory.' },
      { name: 'allowOverwrites', cli: { flag: 'allow-overwrites' }, ps: 'AllowOverwrite', type: 'bool', required: false, default: false, help: 'Let an upload replace an existing file (BITSAllowOverwrites; otherwise refused with 409).' },
      { name: 'maxUploadSize', cli: { flag: 'max-upload-size' }, ps: 'MaximumUploadSize', type: 'bytes', required: false, help: 'Largest upload in bytes (BITSMaximumUploadSize; default unlimited).' },
      { name: 'sessionTimeoutSeconds', cli: { flag: 'session-timeout' }, ps: 'SessionTimeout', type: 'int', required: false, default: 1209600, min: 0, help: 'Seconds an idle session is kept (BITSSessionTimeout; default 1209600 = 14 days).' },
      { name: 'maxSessionsPerClient', cli: { flag: 'max-sessions-per-client' }, ps: 'MaximumSessionsPerClient', type: 'int', required: false, default: 50, min: 0, help: 'Open sessions per client address (BITSNumberOfSessionsLimit; 0 = no limit).' },
      { name: 'maxFragmentBytes', cli: { flag: 'max-fragment-size' }, ps: 'MaximumFragmentSize', type: 'bytes', required: false, default: 268435456, help: 'Largest fragment body in bytes; larger ones get 413. The Create-Session and Ping Acks name it (BITS-Job2-Max-Fragment-Size), so bits-job2 clients send fragments up to it (others stay at 13 MB).' },
      { name: 'hostId', cli: { flag: 'host-id' }, ps: 'HostId', type: 'string', required: false, maxLength: 300, help: 'Host name clients must use for the rest of a session (BITSHostId, web farms).' },
      { name: 'hostIdFallbackTimeout', cli: { flag: 'host-id-fallback-timeout' }, ps: 'HostIdFallbackTimeout', type: 'int', required: false, default: 86400, min: 0, help: 'Seconds before clients fall back to the original host (BITSHostIdFallbackTimeout).' },
      { name: 'notifyUrl', cli: { flag: 'notify-url' }, ps: 'NotificationUrl', type: 'url', required: false, maxLength: 2200, help: 'Server application URL notified of each upload (BITSServerNotificationURL; http, may be relative to the upload URL).' },
      { name: 'notifyType', cli: { flag: 'notify-type' }, ps: 'NotificationType', type: { enum: 'ServerNotificationType' }, required: false, default: 'REFERENCE', help: 'REFERENCE: post the file paths; VALUE: post the bytes (BITSServerNotificationType). Needs --notify-url.' },
      { name: 'replyHandler', cli: { flag: 'reply-handler' }, ps: 'ReplyHandler', type: 'path', required: false, help: 'A JS module whose default export (ctx) => {reply|replyFile|staticResponseUrl|copyToDestination} is the server application.' },
      { name: 'echoReply', cli: { flag: 'echo-reply' }, ps: 'EchoReply', type: 'bool', required: false, default: false, help: 'Built-in application: replies "received <n> bytes sha256 <hex>".' },
      // Production (issue 17): TLS, client authentication, reverse proxy, allow-list, log format. Secrets come in files, never as values.
      { name: 'tlsCert', cli: { flag: 'tls-cert' }, ps: 'TlsCertificateFile', type: 'path', required: false, help: 'Serve HTTPS with this PEM certificate (chain); re-read on SIGHUP without dropping sessions. Needs the key too.' },
      { name: 'tlsKey', cli: { flag: 'tls-key' }, ps: 'TlsKeyFile', type: 'path', required: false, help: 'PEM private key (unencrypted) of the TLS certificate.' },
      { name: 'auth', cli: { flag: 'auth' }, ps: 'Authentication', type: 'string', required: false, help: 'basic or digest: clients must authenticate, Basic (over TLS) or Digest (RFC 7616, SHA-256/MD5), against the users file.' },
      { name: 'users', cli: { flag: 'users' }, ps: 'UsersFile', type: 'path', required: false, help: 'Users file: htpasswd (user:hash; bcrypt, {SHA}, $apr1$) for basic, htdigest (user:realm:HA1) for digest. Re-read on SIGHUP.' },
      { name: 'authRealm', cli: { flag: 'auth-realm' }, ps: 'AuthenticationRealm', type: 'string', required: false, help: 'Realm of the challenge (default "BITS uploads"); for digest, the realm of the users file lines used.' },
      { name: 'authPath', cli: { flag: 'auth-path' }, ps: 'AuthenticationPath', type: 'string', required: false, help: 'Comma-separated URL path prefixes that need authentication (default: all).' },
      { name: 'trustProxy', cli: { flag: 'trust-proxy' }, ps: 'TrustedProxy', type: 'string', required: false, help: 'Comma-separated addresses of reverse proxies (nginx) whose X-Forwarded-For / X-Forwarded-Proto name the client.' },
      { name: 'allow', cli: { flag: 'allow' }, ps: 'AllowClient', type: 'string', required: false, help: 'Comma-separated client addresses or CIDR ranges allowed at all (others get 403).' },
      { name: 'idleTimeoutSeconds', cli: { flag: 'idle-timeout' }, ps: 'IdleTimeout', type: 'int', required: false, default: 300, min: 1, max: 86400, help: 'Seconds without a byte after which a connection is cut, a stalled fragment body too (counted in /metrics).' },
      { name: 'headersTimeoutSeconds', cli: { flag: 'headers-timeout' }, ps: 'HeadersTimeout', type: 'int', required: false, default: 60, min: 1, max: 3600, help: 'Seconds a client has to send a whole request head; slower ones (slowloris) get 408 and are cut.' },
      { name: 'minBodyRate', cli: { flag: 'min-body-rate' }, ps: 'MinimumBodyRate', type: 'int', required: false, default: 128, min: 0, help: 'Slowest fragment body accepted, in bytes/s averaged over --min-body-rate-window; slower bodies (a slow trickle the idle timeout never sees) are cut and counted as slow_body in /metrics. 0 = no minimum. The default is half the lowest Windows BITS bandwidth policy (2 kbit/s) and 1/40 of a 56 kbit/s modem.' },
      { name: 'minBodyRateWindowSeconds', cli: { flag: 'min-body-rate-window' }, ps: 'MinimumBodyRateWindow', type: 'int', required: false, default: 60, min: 1, max: 3600, help: 'Seconds the minimum body rate is averaged over (time the server itself holds the body up does not count).' },
      { name: 'logFormat', cli: { flag: 'log-format' }, ps: 'LogFormat', type: 'string', required: false, help: 'text or json: log every request and session event on stderr; json is one object a line ({time, pid, event: request|session|error, ...}).' },
    ],
    returns: '{ url, host, port, pid, root, mode } once listening; runs until stopped',
    codes: ['S_OK', 'E_INVALIDARG'],
    synopsis: 'Runs a BITS upload server (upload and upload-reply jobs) on this machine.',
    description:
      'Serves the BITS Upload Protocol (BITS_POST): uploads to http://HOST:PORT/<path> land in <root>/<path> when the client closes its session. ' +
      'With a notification URL, a reply handler or the echo reply, the upload goes to a server application instead and its answer is the reply of upload-reply jobs; ' +
      'give only one of them. Uploaded files and replies are also served by GET/HEAD with Range. Runs until Ctrl+C (SIGINT) or SIGTERM; sessions in progress survive a restart.',
    examples: [
      { cli: 'bits-job2 serve --root /srv/uploads --port 8080', text: 'Plain uploads into /srv/uploads.' },
      { cli: 'bits-job2 serve --root /tmp/up --echo-reply', text: 'Upload-reply jobs get a checksum of what arrived.' },
      { cli: 'bits-job2 serve --root /srv/up --notify-url http://127.0.0.1:9000/app --notify-type value', text: 'Post each upload to an application; its response is the reply.' },
      { ps: "Start-BitsJob2Server -Root C:\\uploads -Port 8080", text: 'Serve uploads in the foreground until Ctrl+C; the server object (Url, Port, ProcessId) is written first.' },
      { ps: "$server = Start-BitsJob2Server -Root C:\\uploads -EchoReply -NoWait\n$server.Url\nStop-Process -Id $server.ProcessId", text: 'Start the server in the background, use its URL, stop it.' },
      { node: "const server = await startBitsServer({ root: '/srv/uploads', port: 8080 })", text: 'The same server in your own process.' },
    ],
    issue: 3,
  },
] as const satisfies readonly OperationSpec[];

/** The same list as OperationSpec, for code that walks every operation. */
export const OPERATIONS: readonly OperationSpec[] = OPERATION_TABLE;

/** Settable job properties and their defaults, the data behind `set` and the contract defaults. */
export const JOB_PROPERTIES = [
  { name: 'displayName', bits: 'DisplayName', default: undefined, maxLength: LIMITS.displayNameMax },
  { name: 'description', bits: 'Description', default: DEFAULTS.description, maxLength: LIMITS.descriptionMax },
  { name: 'priority', bits: 'Priority', default: DEFAULTS.priority },
  { name: 'minimumRetryDelay', bits: 'MinimumRetryDelay', default: DEFAULTS.minimumRetryDelay, floor: LIMITS.minimumRetryDelayFloor },
  { name: 'noProgressTimeout', bits: 'NoProgressTimeout', default: DEFAULTS.noProgressTimeout },
  { name: 'notifyFlags', bits: 'NotifyFlags', default: DEFAULTS.notifyFlags, mask: 0x3f },
] as const;
export type JobPropertyName = (typeof JOB_PROPERTIES)[number]['name'];

/** An operation's name. */
export type OperationName = (typeof OPERATION_TABLE)[number]['name'];
/** The description entry of `name`, with its literal types (typed parameters, port shape). */
export type OperationOf<N extends OperationName> = Extract<(typeof OPERATION_TABLE)[number], { name: N }>;

export function operation<N extends OperationName>(name: N): OperationOf<N>;
export function operation(name: string): OperationSpec;
export function operation(name: string): OperationSpec {
  const op = OPERATIONS.find((o) => o.name === name);
  if (!op) throw new Error(`no operation ${name} in module/api`);
  return op;
}

/** One parameter an operation also takes from another (OperationSpec.alsoApplies), always optional. */
export interface AlsoAppliedParam {
  /** The operation that applies it. */
  via: OperationSpec;
  param: ParamSpec;
  fixed: Record<string, string>;
}

/** The parameters `op` also takes from other operations, in declaration order, made optional. */
export function alsoAppliedParams(op: OperationSpec): AlsoAppliedParam[] {
  return (op.alsoApplies ?? []).flatMap((a) => {
    const via = operation(a.op);
    return a.params.map((name) => {
      const p = via.params.find((x) => x.name === name);
      if (!p) throw new Error(`module/api: ${op.name}.alsoApplies names ${a.op}.${name}, which does not exist`);
      return { via, param: { ...p, required: false }, fixed: a.fixed ?? {} };
    });
  });
}
