// The bandwidth policy file of the portable engine: our equivalent of BITS's Group Policy
// "Limit the maximum network bandwidth for BITS background transfers" (spec §5.2, §5.3). Format and
// locations are documented in module/engine/policy/README.md. Two files: a system one
// (/etc/bits-job2/policy.json, %ProgramData%\bits-job2\policy.json on Windows) written by the
// administrator, and a per-user one (<state dir>/policy.json). When the system file exists, it alone
// is in force (machine policy wins, as Group Policy does); an unreadable or invalid file is reported
// and skipped, never half-applied.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';

export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export interface PolicySchedule {
  /** Days the schedule runs on, 0 = Sunday … 6 = Saturday (a window past midnight belongs to the day it starts). */
  days: number[];
  /** Whole hours 0–24 of the time zone: inside when from ≤ hour < to (from > to wraps past midnight; from = to = all day). */
  from: number;
  to: number;
  timeZone: 'local' | 'UTC';
}

export interface BandwidthPolicy {
  /** Cap in kilobits per second (1000 bit/s, as Group Policy) inside the schedule, or always without one; 0 blocks. */
  maxBackgroundKbps: number;
  schedule: PolicySchedule | null;
  /** Outside the schedule: a cap (kbit/s; 0 blocks) or null = use all available bandwidth. */
  outsideScheduleKbps: number | null;
}

export interface LoadedPolicy {
  /** The policy in force and the file it came from; null = no policy file (no cap). */
  policy: BandwidthPolicy | null;
  source: string | null;
  /** Files that exist but were skipped, with the reason (shown by doctor and logged by the service). */
  problems: string[];
}

export interface PolicyPaths {
  system: string;
  user: string;
}

/** BITS_JOB2_SYSTEM_POLICY_FILE replaces the system path (tests; a packaged install elsewhere). */
export function policyPaths(stateDir: string, env: NodeJS.ProcessEnv = process.env): PolicyPaths {
  const system =
    env.BITS_JOB2_SYSTEM_POLICY_FILE ||
    (process.platform === 'win32' ? join(env.ProgramData ?? 'C:\\ProgramData', 'bits-job2', 'policy.json') : '/etc/bits-job2/policy.json');
  return { system, user: join(stateDir, 'policy.json') };
}

/** Reads both files; the system file wins when it is valid. Never throws. */
export function loadPolicy(paths: PolicyPaths): LoadedPolicy {
  const problems: string[] = [];
  for (const path of [paths.system, paths.user]) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`${path}: cannot be read (${(e as Error).message}); skipped`);
      continue;
    }
    try {
      return { policy: parsePolicy(text, path), source: path, problems };
    } catch (e) {
      problems.push(`${(e as Error).message} — skipped`);
    }
  }
  return { policy: null, source: null, problems };
}

const TOP_KEYS = new Set(['maxBackgroundKbps', 'schedule', 'outsideSchedule', '$comment']);
const SCHEDULE_KEYS = new Set(['days', 'from', 'to', 'timeZone']);
const OUTSIDE_KEYS = new Set(['maxBackgroundKbps', 'useAllAvailableBandwidth']);

/** Parses and validates one policy document; throws E_INVALIDARG naming the file and what to fix. */
export function parsePolicy(text: string, where = 'policy'): BandwidthPolicy {
  const bad = (what: string) => bitsError(HR.E_INVALIDARG, `Bandwidth policy ${where}: ${what}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(`is not JSON (${(e as Error).message}).`);
  }
  const obj = record(doc, 'the document', bad);
  unknownKeys(obj, TOP_KEYS, 'the document', bad);
  const maxBackgroundKbps = kbps(obj.maxBackgroundKbps, 'maxBackgroundKbps', bad);
  let schedule: PolicySchedule | null = null;
  let outsideScheduleKbps: number | null = null;
  if (obj.schedule !== undefined) {
    const s = record(obj.schedule, 'schedule', bad);
    unknownKeys(s, SCHEDULE_KEYS, 'schedule', bad);
    schedule = {
      days: days(s.days, bad),
      from: hour(s.from, 'schedule.from', bad),
      to: hour(s.to, 'schedule.to', bad),
      timeZone: s.timeZone === undefined || s.timeZone === 'local' ? 'local' : s.timeZone === 'UTC' ? 'UTC' : (() => { throw bad(`schedule.timeZone must be "local" or "UTC", not ${JSON.stringify(s.timeZone)}.`); })(),
    };
    if (obj.outsideSchedule === undefined) throw bad('a schedule needs "outsideSchedule": {"maxBackgroundKbps": N} or {"useAllAvailableBandwidth": true}.');
    const o = record(obj.outsideSchedule, 'outsideSchedule', bad);
    unknownKeys(o, OUTSIDE_KEYS, 'outsideSchedule', bad);
    if ((o.useAllAvailableBandwidth === true) === (o.maxBackgroundKbps !== undefined)) {
      throw bad('outsideSchedule takes exactly one of "maxBackgroundKbps": N or "useAllAvailableBandwidth": true.');
    }
    outsideScheduleKbps = o.useAllAvailableBandwidth === true ? null : kbps(o.maxBackgroundKbps, 'outsideSchedule.maxBackgroundKbps', bad);
  } else if (obj.outsideSchedule !== undefined) {
    throw bad('"outsideSchedule" needs a "schedule".');
  }
  return { maxBackgroundKbps, schedule, outsideScheduleKbps };
}

type Bad = (what: string) => Error;

function record(v: unknown, what: string, bad: Bad): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${what} must be a JSON object.`);
  return v as Record<string, unknown>;
}

function unknownKeys(o: Record<string, unknown>, allowed: Set<string>, what: string, bad: Bad): void {
  const extra = Object.keys(o).filter((k) => !allowed.has(k));
  if (extra.length) throw bad(`${what} has unknown key(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${[...allowed].join(', ')}.`);
}

/** Group Policy's range is 2–4294967200 Kbps; 0 is the MaxInternetBandwidth 0 block. */
function kbps(v: unknown, what: string, bad: Bad): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v === 1 || v > 4_294_967_200) {
    throw bad(`${what} must be a whole number of kilobits per second, 0 (block background transfers) or 2–4294967200; got ${JSON.stringify(v)}.`);
  }
  return v;
}

function hour(v: unknown, what: string, bad: Bad): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 24) throw bad(`${what} must be a whole hour 0–24; got ${JSON.stringify(v)}.`);
  return v;
}

function days(v: unknown, bad: Bad): number[] {
  if (v === undefined) return [0, 1, 2, 3, 4, 5, 6];
  if (!Array.isArray(v) || v.length === 0) throw bad('schedule.days must be a non-empty list like ["Mon","Tue"].');
  const out = new Set<number>();
  for (const d of v) {
    const i = typeof d === 'string' ? DAY_NAMES.indexOf(d.slice(0, 3).toLowerCase() as (typeof DAY_NAMES)[number]) : -1;
    if (i < 0 || (typeof d === 'string' && d.length !== 3 && !/^[a-z]+day$/i.test(d))) throw bad(`schedule.days: ${JSON.stringify(d)} is not a day name (Sun, Mon, …, Sat).`);
    out.add(i);
  }
  return [...out].sort();
}
