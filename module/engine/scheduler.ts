// Which jobs may transfer now (spec §5.3): every FOREGROUND job, plus one background job — the best
// priority wins (HIGH < NORMAL < LOW numerically), equals share time round-robin in time slices.
// A pure function so the contract suite and unit tests can check it without any I/O.
import { JobPriority, JobState } from '../api/enums.js';
import type { JobRecord } from './job-record.js';

const ACTIVE: readonly number[] = [JobState.QUEUED, JobState.CONNECTING, JobState.TRANSFERRING];

export interface ScheduleInput {
  jobs: Iterable<JobRecord>;
  /** Job ids with a worker right now and when their current slice began. */
  running: ReadonlyMap<string, number>;
  now: number;
  timeSliceMs: number;
}

export interface ScheduleDecision {
  run: Set<string>;
  /** When the running background job's slice ends while equals wait (time to reschedule), else null. */
  sliceEndsAt: number | null;
}

export function decideSchedule({ jobs, running, now, timeSliceMs }: ScheduleInput): ScheduleDecision {
  const run = new Set<string>();
  const background: JobRecord[] = [];
  for (const j of jobs) {
    if (!ACTIVE.includes(j.state)) continue;
    if (j.priority === JobPriority.FOREGROUND) run.add(j.id);
    else background.push(j);
  }
  if (background.length === 0) return { run, sliceEndsAt: null };

  const best = Math.min(...background.map((j) => j.priority));
  const peers = background.filter((j) => j.priority === best).sort((a, b) => a.queuedAt - b.queuedAt || a.createdAt - b.createdAt);
  const current = peers.find((j) => running.has(j.id));
  let chosen: JobRecord;
  if (current && (peers.length === 1 || now - running.get(current.id)! < timeSliceMs)) {
    chosen = current;
  } else if (current) {
    // Slice over and others wait: the next one in FIFO order after the current job gets the slot.
    chosen = peers.find((j) => j.id !== current.id)!;
  } else {
    chosen = peers[0]!;
  }
  run.add(chosen.id);
  const startedAt = running.get(chosen.id) ?? now;
  return { run, sliceEndsAt: peers.length > 1 ? startedAt + timeSliceMs : null };
}
