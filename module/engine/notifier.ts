// The notify command line of spec §3.1 as the engine runs it: on entering TRANSFERRED or ERROR
// (gated by the notify flags, DISABLE wins), also when the command line or the flags are set after
// the event; again after MinimumRetryDelay while the program exits non-zero and the job is neither
// completed nor cancelled; at most four programs at once per user (spec §5.2). The state of the
// current event lives in job.notify and is persisted, so a restart re-runs what never succeeded.
import { JobState, NotifyFlags } from '../api/enums.js';
import type { Clock, TimerHandle } from './clock.js';
import type { JobRecord } from './job-record.js';
import { runNotifyCommand } from './notify/notify-runner.js';

const MAX_NOTIFICATIONS = 4;
const FINAL: readonly number[] = [JobState.ACKNOWLEDGED, JobState.CANCELLED];

export interface NotifierHost {
  clock: Clock;
  log(line: string): void;
  save(job: JobRecord): void;
  find(jobId: string): JobRecord | undefined;
}

export class Notifier {
  private readonly timers = new Map<string, TimerHandle>();
  private readonly running = new Set<string>();
  private readonly waiting: string[] = [];
  /** Stops notify programs still running when the engine closes. */
  private readonly abort = new AbortController();
  private closed = false;

  constructor(private readonly host: NotifierHost) {}

  /** The job left TRANSFERRED/ERROR, or got a new command line: the next event is notified afresh. */
  reset(job: JobRecord): void {
    job.notify = null;
    this.timers.get(job.id)?.cancel();
    this.timers.delete(job.id);
  }

  /** Runs the command line if the job is in TRANSFERRED/ERROR, the flags allow it and it has not yet succeeded for this event. */
  check(job: JobRecord): void {
    if (this.closed || !job.notifyProgram) return;
    const event = job.state;
    if (event !== JobState.TRANSFERRED && event !== JobState.ERROR) return;
    if (job.notifyFlags & NotifyFlags.DISABLE) return;
    if (!(job.notifyFlags & (event === JobState.TRANSFERRED ? NotifyFlags.JOB_TRANSFERRED : NotifyFlags.JOB_ERROR))) return;
    if (job.notify?.event === event && job.notify.succeeded) return;
    if (this.running.has(job.id) || this.timers.has(job.id) || this.waiting.includes(job.id)) return;
    if (job.notify?.event !== event) {
      job.notify = { event, succeeded: false, retryAt: null, runs: 0 };
      this.host.save(job);
    }
    const wait = (job.notify.retryAt ?? 0) - this.host.clock.now();
    if (wait > 0) {
      this.timers.set(job.id, this.host.clock.setTimer(() => {
        this.timers.delete(job.id);
        this.check(job);
      }, wait));
      return;
    }
    this.waiting.push(job.id);
    this.launch();
  }

  private launch(): void {
    while (this.running.size < MAX_NOTIFICATIONS && this.waiting.length) {
      const job = this.host.find(this.waiting.shift()!);
      if (!job || !job.notify || job.state !== job.notify.event || !job.notifyProgram) continue;
      this.running.add(job.id);
      job.notify.runs++;
      this.host.save(job);
      const { notifyProgram: program, notifyParameters: parameters } = job;
      this.host.log(`job ${job.id}: notify command line (run ${job.notify.runs}): ${parameters ?? program}`);
      void runNotifyCommand({ program, parameters: parameters ?? null, id: job.id, log: (line: string) => this.host.log(line), signal: this.abort.signal }).then((r) => {
        this.running.delete(job.id);
        const n = job.notify; // null once the program (or anyone) completed or cancelled the job
        if (n && !this.closed) {
          if (r.exitCode === 0) {
            n.succeeded = true;
            n.retryAt = null;
          } else {
            n.retryAt = this.host.clock.now() + job.minimumRetryDelay * 1000;
            this.host.log(`job ${job.id}: notify program ${r.error ?? `exited with ${r.exitCode ?? r.signal}`}; runs again in ${job.minimumRetryDelay} s unless the job is completed or cancelled`);
          }
          if (!FINAL.includes(job.state)) this.host.save(job);
          if (!n.succeeded) this.check(job);
        }
        this.launch();
      });
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    this.abort.abort();
  }
}
