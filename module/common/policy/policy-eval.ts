// What a bandwidth policy means at one instant: the cap on background transfers in force, whether
// they are blocked (a cap of 0: BG_E_BLOCKED_BY_POLICY, spec §5.2), and when that next changes (the
// next schedule boundary, so the engine arms one timer on its injectable clock instead of polling).
// Pure: tests feed it instants.
import { DAY_NAMES, type BandwidthPolicy, type PolicyPaths, type PolicySchedule } from './policy-file.js';

export interface PolicyInForce {
  /** Bytes per second background transfers may use together; null = no cap. */
  bytesPerSecond: number | null;
  kbps: number | null;
  /** A cap of 0 is in force: background jobs wait in TRANSIENT_ERROR (BG_E_BLOCKED_BY_POLICY). */
  blocked: boolean;
  /** Inside the schedule (null: the policy has none). */
  onSchedule: boolean | null;
  /** Next instant (ms since epoch) the cap in force changes; null = never. */
  nextChangeAt: number | null;
  /** One line for doctor, info and the log. */
  summary: string;
}

const HOUR_MS = 3_600_000;

export function evaluatePolicy(policy: BandwidthPolicy | null, now: number, source: string | null = null): PolicyInForce {
  if (!policy) return { bytesPerSecond: null, kbps: null, blocked: false, onSchedule: null, nextChangeAt: null, summary: 'no bandwidth policy: background transfers are not capped' };
  const from = source ? ` (${source})` : '';
  if (!policy.schedule) return inForce(policy.maxBackgroundKbps, null, null, `at all times${from}`);
  const s = policy.schedule;
  const on = insideSchedule(s, now);
  const kbps = on ? policy.maxBackgroundKbps : policy.outsideScheduleKbps;
  const next = nextBoundary(s, now, on);
  const when = `${on ? 'inside' : 'outside'} the schedule ${describeSchedule(s)}${next === null ? '' : `, until ${new Date(next).toISOString()}`}${from}`;
  return inForce(kbps, on, next, when);
}

function inForce(kbps: number | null, onSchedule: boolean | null, nextChangeAt: number | null, when: string): PolicyInForce {
  if (kbps === null) return { bytesPerSecond: null, kbps: null, blocked: false, onSchedule, nextChangeAt, summary: `background transfers use all available bandwidth ${when}` };
  if (kbps === 0) return { bytesPerSecond: 0, kbps: 0, blocked: true, onSchedule, nextChangeAt, summary: `background transfers are blocked (maxBackgroundKbps 0) ${when}` };
  return { bytesPerSecond: (kbps * 1000) / 8, kbps, blocked: false, onSchedule, nextChangeAt, summary: `background transfers are capped at ${kbps} kbit/s ${when}` };
}

/** Hour, day of week and ms into the hour of `now` in the schedule's time zone. */
function wallClock(s: PolicySchedule, now: number): { hour: number; day: number; intoHourMs: number } {
  const d = new Date(now);
  if (s.timeZone === 'UTC') return { hour: d.getUTCHours(), day: d.getUTCDay(), intoHourMs: now % HOUR_MS };
  return { hour: d.getHours(), day: d.getDay(), intoHourMs: (d.getMinutes() * 60 + d.getSeconds()) * 1000 + d.getMilliseconds() };
}

export function insideSchedule(s: PolicySchedule, now: number): boolean {
  const { hour, day } = wallClock(s, now);
  if (s.from === s.to) return s.days.includes(day);
  if (s.from < s.to) return s.days.includes(day) && hour >= s.from && hour < s.to;
  // Past midnight: the evening part is the start day's, the early-morning part belongs to the day before.
  if (hour >= s.from) return s.days.includes(day);
  return hour < s.to && s.days.includes((day + 6) % 7);
}

/** Boundaries fall on whole hours: step hour by hour (a week at most) to the first change. */
function nextBoundary(s: PolicySchedule, now: number, on: boolean): number | null {
  let t = now - wallClock(s, now).intoHourMs + HOUR_MS;
  for (let i = 0; i < 24 * 8; i++, t += HOUR_MS) {
    // Local time may jump (DST): re-align on the hour in that zone.
    t -= wallClock(s, t).intoHourMs;
    if (insideSchedule(s, t) !== on) return t;
  }
  return null; // every day, all day: never changes
}

function describeSchedule(s: PolicySchedule): string {
  const days = s.days.length === 7 ? 'every day' : s.days.map((d) => DAY_NAMES[d]![0]!.toUpperCase() + DAY_NAMES[d]!.slice(1)).join(',');
  const hours = s.from === s.to ? 'all day' : `${pad(s.from)}:00–${pad(s.to)}:00`;
  return `${days} ${hours} ${s.timeZone === 'UTC' ? 'UTC' : 'local time'}`;
}

function pad(h: number): string {
  return String(h).padStart(2, '0');
}

/** The policy in force with where it came from: what doctor, `info` and PortableEngine.policyStatus() show. */
export interface PolicyStatus extends PolicyInForce {
  source: string | null;
  problems: string[];
  paths: PolicyPaths;
}
