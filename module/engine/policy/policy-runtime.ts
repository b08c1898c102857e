// The bandwidth policy as the engine lives with it: loaded at start, re-read when either file
// changes (stat polling, which also sees a file appear or go; no service restart), re-evaluated at
// each schedule boundary on the engine's injectable Clock, and applied to the token bucket that
// every background transfer shares. `onChange` tells the engine to park or release jobs.
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Clock, TimerHandle } from '../clock.js';
import { TokenBucket } from '../rate/token-bucket.js';
import type { TransferPacer } from '../rate/pacer.js';
import { evaluatePolicy, type PolicyInForce, type PolicyStatus } from '../../common/policy/policy-eval.js';
import { loadPolicy, type LoadedPolicy, type PolicyPaths } from '../../common/policy/policy-file.js';

/** How often the files are stat'ed for changes (fs.watchFile). */
export const POLICY_POLL_MS = 1000;

export interface PolicyRuntimeOptions {
  paths: PolicyPaths;
  clock: Clock;
  log?(line: string): void;
  /** The cap or the block in force changed (file edited, schedule boundary). */
  onChange(state: PolicyInForce): void;
}

export type { PolicyStatus } from '../../common/policy/policy-eval.js';

export class PolicyRuntime {
  private loaded: LoadedPolicy = { policy: null, source: null, problems: [] };
  private current: PolicyInForce = evaluatePolicy(null, 0);
  private boundary: TimerHandle | null = null;
  private closed = false;
  /** Shared by all background transfers of the engine. */
  readonly bucket = new TokenBucket();
  readonly pacer: TransferPacer = { delayFor: (bytes) => this.bucket.take(bytes), unlimited: () => this.bucket.bytesPerSecond === null };
  private readonly onFileChange = (cur: Stats, prev: Stats) => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) this.reload();
  };

  constructor(private readonly o: PolicyRuntimeOptions) {
    this.reload(false);
    for (const p of [o.paths.system, o.paths.user]) watchFile(p, { interval: POLICY_POLL_MS, persistent: false }, this.onFileChange);
  }

  get inForce(): PolicyInForce {
    return this.current;
  }

  status(): PolicyStatus {
    return { ...this.current, source: this.loaded.source, problems: [...this.loaded.problems], paths: this.o.paths };
  }

  /** Re-reads both files (also called by tests that cannot wait for the poll) and re-evaluates. */
  reload(announce = true): void {
    if (this.closed) return;
    const before = JSON.stringify(this.loaded);
    this.loaded = loadPolicy(this.o.paths);
    if (JSON.stringify(this.loaded) !== before) {
      for (const p of this.loaded.problems) this.o.log?.(`policy: ${p}`);
      this.o.log?.(`policy: ${evaluatePolicy(this.loaded.policy, this.o.clock.now(), this.loaded.source).summary}`);
    }
    this.evaluate(announce);
  }

  private evaluate(announce: boolean): void {
    const next = evaluatePolicy(this.loaded.policy, this.o.clock.now(), this.loaded.source);
    const changed = next.bytesPerSecond !== this.current.bytesPerSecond || next.blocked !== this.current.blocked;
    if (changed && announce) this.o.log?.(`policy: now ${next.summary}`);
    this.current = next;
    this.bucket.setRate(next.blocked ? null : next.bytesPerSecond);
    this.boundary?.cancel();
    this.boundary = next.nextChangeAt === null ? null : this.o.clock.setTimer(() => this.evaluate(true), Math.max(0, next.nextChangeAt - this.o.clock.now()));
    if (changed && announce) this.o.onChange(next);
  }

  close(): void {
    this.closed = true;
    this.boundary?.cancel();
    for (const p of [this.o.paths.system, this.o.paths.user]) unwatchFile(p, this.onFileChange);
  }
}
