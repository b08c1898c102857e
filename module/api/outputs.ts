// The CLI's machine documents as a contract (issue 14 item 3): for every command, the shape of what
// `--json` prints (the same document `--clixml` carries) and the PowerShell type name of its top
// object (each item of a top array). Declared once in the shape language of shape.ts, so that
//   - the CLI's presenters print through printOutput(command, value), typed by `OutputOf`: the
//     compiler checks each presenter against its shape (module/cli/context.ts);
//   - the PowerShell generator takes the type names, OutputType and the special cmdlet outputs
//     (`cmdlet`) from here (scripts/powershell/model.ts);
//   - test/cli-outputs.test.ts runs every command for real and checks its document with checkShape.
// A new member of a document is one line here (e.g. a field of `job`).
import { ErrorContext, JobPriority, JobState, JobType, ProxyUsage } from './enums.js';
import * as s from './shape.js';

// ---- the documents' parts ----------------------------------------------------------------------

const hresult = s.object({ hresult: s.number, hresultHex: s.string, name: s.string });
/** BitsError#toJSON: `data` is code-specific (e.g. `size` of BG_E_TOO_LARGE). */
const bitsError = s.object({
  hresult: s.number, hresultHex: s.string, name: s.string, context: s.number, contextName: s.string, message: s.string,
  data: s.optional(s.map(s.json)),
});
const unavailable = s.object({ hresult: s.number, hresultHex: s.string, name: s.nullable(s.string), method: s.string });

/** A job snapshot as the CLI prints it (JobInfo of module/core: enum names, times). */
export const jobShape = s.object({
  id: s.string,
  displayName: s.string,
  description: s.string,
  type: s.enumNames(JobType),
  state: s.enumNames(JobState),
  priority: s.enumNames(JobPriority),
  owner: s.string,
  progress: s.object({ bytesTotal: s.nullable(s.number), bytesTransferred: s.number, filesTotal: s.number, filesTransferred: s.number }),
  times: s.object({ creationTime: s.time, modificationTime: s.time, transferCompletionTime: s.nullable(s.time) }),
  errorCount: s.number,
  minimumRetryDelay: s.number,
  noProgressTimeout: s.number,
  notifyFlags: s.number,
  proxy: s.object({ usage: s.enumNames(ProxyUsage), proxyList: s.nullable(s.string), bypassList: s.nullable(s.string) }),
  notifyCmdLine: s.object({ program: s.string, parameters: s.string }),
  error: s.nullable(s.object({
    hresult: s.number, hresultHex: s.string, name: s.string, context: s.enumNames(ErrorContext), message: s.string,
    contextDescription: s.string, protocol: s.nullable(s.string), file: s.nullable(s.object({ remoteName: s.string, localName: s.string })),
  })),
  replyProgress: s.nullable(s.object({ bytesTotal: s.nullable(s.number), bytesTransferred: s.number })),
  replyFileName: s.nullable(s.string),
  /** When the next attempt is due while the job is in TRANSIENT_ERROR, else null. */
  nextRetryTime: s.nullable(s.time),
  /** The properties a native backend could not read (each then null). */
  unavailable: s.optional(s.map(unavailable)),
}, { nullWhenUnavailable: true });

const newFile = s.object({ remoteName: s.string, localName: s.string });
const fileInfo = s.object({ remoteName: s.string, localName: s.string, progress: s.object({ bytesTotal: s.nullable(s.number), bytesTransferred: s.number, completed: s.boolean }) });
const jobResult = s.extend(hresult, { jobId: s.string });
/** One job of a batch (`resume a b`, `cancel --all`): its result, or its error with the exit code. */
const batchItem = s.union(jobResult, s.object({ jobId: s.string, error: s.extend(bitsError, { exitCode: s.number, hint: s.optional(s.string) }) }));
/** resume/suspend/complete/cancel/take-ownership: one job's result, or an array for several. */
const jobAction = s.union(jobResult, s.array(batchItem));
const serviceStatus = s.object({
  running: s.boolean, pid: s.optional(s.number), socketPath: s.string, stateDir: s.string, version: s.optional(s.string), startedAt: s.optional(s.time),
});
const loginItem = s.object({
  platform: s.string, path: s.nullable(s.string), content: s.optional(s.string), changed: s.boolean, applied: s.boolean,
  commands: s.array(s.string), leftOut: s.array(s.string), notes: s.array(s.string),
});

/**
 * How a cmdlet returns the document, when not as the object itself: `bytes` — the bytes of the
 * base64 member `member` (byte[], or a string with -AsString; -OutFile is the CLI flag `outFlag`);
 * `server` — the command runs until stopped, the document arrives once it listens (-NoWait returns then).
 */
export type CmdletOutput = { kind: 'bytes'; member: string; outFlag: string } | { kind: 'server' };

export interface OutputSpec {
  /** The PowerShell type name of the top object (of each item of a top array) in CLIXML and in the cmdlets. */
  typeName: string;
  shape: s.Shape;
  cmdlet?: CmdletOutput;
}

const RESULT = 'BitsJob2.Result';
const JOB = 'BitsJob2.Job';

/** Every command's machine document, by command (a subcommand as `service status`). */
export const OUTPUTS = {
  create: { typeName: JOB, shape: jobShape },
  'add-file': { typeName: RESULT, shape: s.union(s.extend(newFile, { jobId: s.string }), s.object({ jobId: s.string, files: s.array(newFile) })) },
  resume: { typeName: RESULT, shape: jobAction },
  suspend: { typeName: RESULT, shape: jobAction },
  complete: { typeName: RESULT, shape: jobAction },
  cancel: { typeName: RESULT, shape: jobAction },
  'take-ownership': { typeName: RESULT, shape: jobAction },
  /** `ownerName` (the account of `owner`) with --all-users only. */
  list: { typeName: JOB, shape: s.array(s.extend(jobShape, { ownerName: s.optional(s.nullable(s.string)) })) },
  info: { typeName: JOB, shape: s.extend(jobShape, { files: s.array(fileInfo) }) },
  set: {
    typeName: RESULT,
    shape: s.object({
      jobId: s.string,
      set: s.object({
        displayName: s.optional(s.string), description: s.optional(s.string), priority: s.optional(s.number),
        minimumRetryDelay: s.optional(s.number), noProgressTimeout: s.optional(s.number), notifyFlags: s.optional(s.number),
      }),
    }),
  },
  explain: {
    typeName: 'BitsJob2.Explanation',
    shape: s.object({
      hresult: s.number, hresultHex: s.string, name: s.string, message: s.string, severity: s.names(['failure', 'success']),
      facility: s.number, code: s.number, exitCode: s.number, causes: s.array(s.string), fixes: s.array(s.string),
    }),
  },
  doctor: {
    typeName: 'BitsJob2.Doctor',
    shape: s.object({
      ok: s.boolean, backend: s.names(['service', 'portable', 'native']),
      checks: s.array(s.object({ check: s.string, status: s.names(['ok', 'warn', 'fail']), detail: s.string, fix: s.optional(s.string) })),
    }),
  },
  /** The job after Complete with what Complete returned and the files (its replyFileName read before
   *  Complete, upload-reply); --no-wait: the job after Resume, without them. */
  transfer: { typeName: JOB, shape: s.extend(jobShape, { complete: s.optional(hresult), files: s.optional(s.array(newFile)) }) },
  wait: { typeName: JOB, shape: jobShape },
  monitor: { typeName: 'BitsJob2.Monitor', shape: s.object({ time: s.time, jobs: s.array(jobShape) }) },
  'service start': { typeName: 'BitsJob2.ServiceStatus', shape: s.object({ pid: s.number, alreadyRunning: s.boolean }) },
  'service stop': { typeName: 'BitsJob2.ServiceStatus', shape: s.object({ stopped: s.boolean, pid: s.optional(s.number) }) },
  'service status': { typeName: 'BitsJob2.ServiceStatus', shape: serviceStatus },
  'service install': { typeName: 'BitsJob2.LoginItem', shape: loginItem },
  'service uninstall': { typeName: 'BitsJob2.LoginItem', shape: loginItem },
  serve: {
    typeName: 'BitsJob2.Server',
    shape: s.object({ url: s.string, host: s.string, port: s.number, pid: s.number, root: s.string, mode: s.string }),
    cmdlet: { kind: 'server' },
  },
  'set-proxy': { typeName: RESULT, shape: s.object({ jobId: s.string, usage: s.union(s.enumNames(ProxyUsage), s.number), proxyList: s.nullable(s.string), bypassList: s.nullable(s.string) }) },
  'set-notify-cmdline': { typeName: RESULT, shape: s.object({ jobId: s.string, program: s.nullable(s.string), parameters: s.nullable(s.string), warnings: s.array(s.string) }) },
  'get-notify-cmdline': { typeName: 'BitsJob2.NotifyCmdLine', shape: s.object({ jobId: s.string, program: s.string, parameters: s.string }) },
  'get-reply-progress': { typeName: 'BitsJob2.ReplyProgress', shape: s.object({ jobId: s.string, bytesTotal: s.nullable(s.number), bytesTransferred: s.number }) },
  /** `base64` holds the bytes; with --out, `out` names the file they went to instead. */
  'get-reply-data': {
    typeName: 'BitsJob2.ReplyData',
    shape: s.object({ jobId: s.string, size: s.number, out: s.optional(s.string), base64: s.optional(s.string) }),
    cmdlet: { kind: 'bytes', member: 'base64', outFlag: 'out' },
  },
  'set-reply-file': { typeName: RESULT, shape: s.object({ jobId: s.string, replyFileName: s.nullable(s.string) }) },
  'get-reply-file': { typeName: 'BitsJob2.ReplyFileName', shape: s.object({ jobId: s.string, replyFileName: s.nullable(s.string) }) },
  'set-credentials': {
    typeName: RESULT,
    shape: s.object({ jobId: s.string, target: s.string, scheme: s.string, userName: s.nullable(s.string), passwordSet: s.boolean }),
  },
  'remove-credentials': { typeName: RESULT, shape: s.extend(hresult, { jobId: s.string, target: s.string, scheme: s.string }) },
} as const satisfies Record<string, OutputSpec>;

/** A command with a machine document. */
export type OutputName = keyof typeof OUTPUTS;
/** What the presenter of `C` may print: the type of its declared shape. */
export type OutputOf<C extends OutputName> = s.Infer<(typeof OUTPUTS)[C]['shape']>;

/** The error document every command writes on stderr with --json (`{"error": {...}}`), type name BitsJob2.Error. */
export const ERROR_OUTPUT = {
  typeName: 'BitsJob2.Error',
  shape: s.object({
    error: s.extend(bitsError, { exitCode: s.number, hint: s.optional(s.string), usage: s.optional(s.boolean), jobId: s.optional(s.string) }),
  }),
} as const satisfies OutputSpec;

/** The declaration of `command`'s document (undefined: the command prints none). */
export function outputOf(command: string): OutputSpec | undefined {
  return (OUTPUTS as Record<string, OutputSpec>)[command];
}
