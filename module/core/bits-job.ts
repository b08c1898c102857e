// BitsJob: one job, with async methods named after the BITS methods (camelCase), plus what a Node
// user expects: waitFor with AbortSignal, an async iterator of changes, typed results.
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthScheme, AuthTarget, ErrorContext, JobPriority, ProxyUsage, parseEnum } from '../api/enums.js';
import type { JobPriorityName, JobStateName, JobTypeName, ProxyUsageName, AuthSchemeName, AuthTargetName } from '../api/enums.js';
import { BitsError, bitsError } from '../api/bits-error.js';
import type { HResultWire, NewFile, ReplyProgressWire } from '../api/types.js';
import { waitVerdict } from '../api/wait-rule.js';
import type { Backend } from './backend.js';
import { notifyCommand, notifyWarnings } from '../common/notify/notify-cmdline.js';
import { toErrorInfo, toJobInfo, type FileInfo, type JobErrorInfo, type JobInfo, type JobTimes } from './job-info.js';


export interface WaitOptions {
  signal?: AbortSignal;
  /** Poll interval in ms (default 200). */
  intervalMs?: number;
  /** Reject with the job's error when the job enters ERROR and that is not what we wait for (default true). */
  rejectOnError?: boolean;
  /** Called with every snapshot seen while waiting (progress bars). */
  onProgress?(info: JobInfo): void;
}

function enumValue<T extends Record<string, number>>(table: T, v: string | number, what: string): number {
  const n = parseEnum(table, v);
  if (n === undefined) throw bitsError(0x80070057, `Unknown ${what} '${v}': use one of ${Object.keys(table).join(', ')}.`);
  return n;
}

export class BitsJob {
  constructor(private readonly backend: Backend, readonly id: string) {}

  /** Every property in one call. */
  async getInfo(): Promise<JobInfo> {
    return toJobInfo(await this.backend.describeJob(this.id));
  }
  async getState(): Promise<JobStateName> { return (await this.getInfo()).state; }
  async getProgress(): Promise<JobInfo['progress']> { return (await this.getInfo()).progress; }
  async getTimes(): Promise<JobTimes> { return (await this.getInfo()).times; }
  async getType(): Promise<JobTypeName> { return (await this.getInfo()).type; }
  async getOwner(): Promise<string> { return (await this.getInfo()).owner; }
  async getDisplayName(): Promise<string> { return (await this.getInfo()).displayName; }
  async getDescription(): Promise<string> { return (await this.getInfo()).description; }
  async getPriority(): Promise<JobPriorityName> { return (await this.getInfo()).priority; }
  async getMinimumRetryDelay(): Promise<number> { return (await this.getInfo()).minimumRetryDelay; }
  async getNoProgressTimeout(): Promise<number> { return (await this.getInfo()).noProgressTimeout; }
  async getNotifyFlags(): Promise<number> { return (await this.getInfo()).notifyFlags; }
  async getErrorCount(): Promise<number> { return (await this.getInfo()).errorCount; }
  /** BG_E_ERROR_INFORMATION_UNAVAILABLE unless the job is in ERROR or TRANSIENT_ERROR. */
  async getError(): Promise<JobErrorInfo> { return toErrorInfo(await this.backend.getError(this.id)); }

  async setDisplayName(v: string): Promise<void> { await this.backend.setProperty(this.id, 'displayName', v); }
  async setDescription(v: string): Promise<void> { await this.backend.setProperty(this.id, 'description', v); }
  async setPriority(v: JobPriorityName | number): Promise<void> {
    // Unknown priorities are the backend's to refuse (E_NOTIMPL); pass numbers through unchanged.
    const n = typeof v === 'number' ? v : enumValue(JobPriority, v, 'priority');
    await this.backend.setProperty(this.id, 'priority', n);
  }
  async setMinimumRetryDelay(seconds: number): Promise<void> { await this.backend.setProperty(this.id, 'minimumRetryDelay', seconds); }
  async setNoProgressTimeout(seconds: number): Promise<void> { await this.backend.setProperty(this.id, 'noProgressTimeout', seconds); }
  async setNotifyFlags(flags: number): Promise<void> { await this.backend.setProperty(this.id, 'notifyFlags', flags); }

  async addFile(remoteName: string, localName: string): Promise<void> { await this.backend.addFiles(this.id, [{ remoteName, localName }]); }
  /** AddFileSet: all or nothing. */
  async addFiles(files: NewFile[]): Promise<void> { await this.backend.addFiles(this.id, files); }
  async listFiles(): Promise<FileInfo[]> { return this.backend.listFiles(this.id); }

  async resume(): Promise<void> { await this.backend.resume(this.id); }
  async suspend(): Promise<void> { await this.backend.suspend(this.id); }
  /** Resolves with S_OK, BG_S_PARTIAL_COMPLETE or BG_S_UNABLE_TO_DELETE_FILES. */
  async complete(): Promise<HResultWire> { return this.backend.complete(this.id); }
  /** Resolves with S_OK or BG_S_UNABLE_TO_DELETE_FILES. */
  async cancel(): Promise<HResultWire> { return this.backend.cancel(this.id); }

  async setProxySettings(usage: ProxyUsageName | number, proxyList: string | null = null, bypassList: string | null = null): Promise<void> {
    const n = typeof usage === 'number' ? usage : enumValue(ProxyUsage, usage, 'proxy usage');
    await this.backend.setProxySettings(this.id, n, proxyList, bypassList);
  }
  async getProxySettings(): Promise<JobInfo['proxy']> { return (await this.getInfo()).proxy; }
  async takeOwnership(): Promise<void> { await this.backend.takeOwnership(this.id); }

  // IBackgroundCopyJob2
  async setNotifyCmdLine(program: string | null, parameters: string | null): Promise<void> { await this.backend.setNotifyCmdLine(this.id, program, parameters); }
  async getNotifyCmdLine(): Promise<{ program: string; parameters: string }> { return this.backend.getNotifyCmdLine(this.id); }
  /**
   * SetNotifyCmdLine from a program and its arguments: builds the parameters string BITS wants
   * (program first, every argument quoted by Windows rules). Returns warnings for syntax BITS does
   * not interpret (%VAR%, $VAR, pipes...), since the program is started without a shell.
   */
  async setNotifyCommand(command: { program: string; args?: string[] }): Promise<{ parameters: string; warnings: string[] }> {
    const { program, parameters } = notifyCommand(command);
    await this.backend.setNotifyCmdLine(this.id, program, parameters);
    return { parameters, warnings: notifyWarnings(program, parameters) };
  }
  async getReplyProgress(): Promise<ReplyProgressWire> { return this.backend.getReplyProgress(this.id); }
  async getReplyData(): Promise<Buffer> { return Buffer.from(await this.backend.getReplyData(this.id), 'base64'); }
  async setReplyFileName(path: string | null): Promise<void> { await this.backend.setReplyFileName(this.id, path); }
  async getReplyFileName(): Promise<string | null> { return this.backend.getReplyFileName(this.id); }
  async setCredentials(c: { target: AuthTargetName | number; scheme: AuthSchemeName | number; userName: string | null; password: string | null }): Promise<void> {
    await this.backend.setCredentials(this.id, {
      target: typeof c.target === 'number' ? c.target : parseEnum(AuthTarget, c.target) ?? 0,
      scheme: typeof c.scheme === 'number' ? c.scheme : parseEnum(AuthScheme, c.scheme) ?? 0,
      userName: c.userName,
      password: c.password,
    });
  }
  /** Resolves S_OK when removed, S_FALSE when nothing was set. */
  async removeCredentials(target: AuthTargetName | number, scheme: AuthSchemeName | number): Promise<HResultWire> {
    return this.backend.removeCredentials(
      this.id,
      typeof target === 'number' ? target : parseEnum(AuthTarget, target) ?? 0,
      typeof scheme === 'number' ? scheme : parseEnum(AuthScheme, scheme) ?? 0,
    );
  }

  /**
   * Waits until the job is in `target` (a state name, several names, or a predicate), by the rule
   * every front end shares (module/api/wait-rule.ts): rejects with the job's error as soon as it is
   * in ERROR unless ERROR is a target (or `rejectOnError` is false), with BG_E_INVALID_STATE once
   * it left the queue, and with an AbortError when `signal` aborts.
   */
  async waitFor(target: JobStateName | JobStateName[] | ((info: JobInfo) => boolean), options: WaitOptions = {}): Promise<JobInfo> {
    const wanted: readonly JobStateName[] = typeof target === 'function' ? [] : Array.isArray(target) ? target : [target];
    const matches = typeof target === 'function' ? target : (i: JobInfo) => wanted.includes(i.state);
    for await (const info of this.watch(options)) {
      if (matches(info)) return info;
      const verdict = waitVerdict(info.state, wanted);
      if (verdict === 'job-error' && options.rejectOnError !== false) throw errorOfJob(info);
      if (verdict === 'left-queue') throw bitsError(0x80200002, `The job ${info.id} reached ${info.state} while waiting.`, ErrorContext.NONE, { jobId: info.id, state: info.state });
    }
    throw new Error('unreachable');
  }

  /** Yields a snapshot now and whenever state, progress or reply progress changes. */
  async *watch(options: { signal?: AbortSignal; intervalMs?: number; onProgress?(info: JobInfo): void } = {}): AsyncGenerator<JobInfo> {
    const interval = options.intervalMs ?? 200;
    let last = '';
    for (;;) {
      options.signal?.throwIfAborted();
      const info = await this.getInfo();
      const key = JSON.stringify([info.state, info.progress, info.replyProgress, info.errorCount]);
      if (key !== last) {
        last = key;
        options.onProgress?.(info);
        yield info;
      }
      await sleep(interval, undefined, { signal: options.signal });
    }
  }
}

/** The error of a job in ERROR as a BitsError: its HRESULT, context and message, the failing file. */
export function errorOfJob(info: JobInfo): BitsError {
  const e = info.error;
  if (!e) return new BitsError(0x80004005, `The job ${info.id} is in ${info.state} without an error.`, ErrorContext.UNKNOWN, { jobId: info.id, state: info.state });
  const file = e.file ? ` (${e.file.remoteName} -> ${e.file.localName})` : '';
  return new BitsError(e.hresult, `${e.message}${file}`, ErrorContext[e.context], { jobId: info.id, state: info.state, file: e.file });
}
