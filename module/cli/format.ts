// Presentation helpers for human output: colors, byte counts, durations, tables, progress bars.
// Nothing here talks to a backend; everything is pure so the commands stay small.
import { NotifyFlags } from '../api/enums.js';
import { hex } from '../api/hresult.js';
import type { JobInfo } from '../core/job-info.js';

let colorEnabled = false;
let colorErrEnabled = false;

/** Colors only on a TTY, unless --no-color or NO_COLOR (https://no-color.org) say otherwise. */
export function setColor(allowed: boolean): void {
  colorEnabled = allowed && process.stdout.isTTY === true;
  colorErrEnabled = allowed && process.stderr.isTTY === true;
}

const SGR = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Color = keyof typeof SGR;

/** Colors text for stdout. */
export function paint(color: Color, text: string): string {
  return colorEnabled ? `\x1b[${SGR[color]}m${text}\x1b[0m` : text;
}
/** Colors text for stderr. */
export function paintErr(color: Color, text: string): string {
  return colorErrEnabled ? `\x1b[${SGR[color]}m${text}\x1b[0m` : text;
}

/** A job state for a table cell: a state this version has no name for (a newer BITS) reads UNKNOWN, not nothing. */
export function stateCell(state: string | undefined): string {
  const text = state ?? 'UNKNOWN';
  return paint(stateColor(text), text);
}

export function stateColor(state: string): Color {
  switch (state) {
    case 'TRANSFERRED': case 'ACKNOWLEDGED': return 'green';
    case 'ERROR': return 'red';
    case 'TRANSIENT_ERROR': return 'yellow';
    case 'TRANSFERRING': case 'CONNECTING': return 'cyan';
    case 'CANCELLED': return 'gray';
    default: return 'blue';
  }
}

/** Visible width of a string (ANSI escapes removed). */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length;
}

export function formatBytes(n: number | null): string {
  if (n === null) return '?';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s} s`;
  const parts: string[] = [];
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (sec) parts.push(`${sec}s`);
  return `${s} s (${parts.join(' ')})`;
}

export function formatDate(d: Date | null): string {
  return d ? d.toISOString() : '-';
}

/** `2026-12-03 12:05:40 +01:00`: the machine's local time with its offset (the ISO form stays in --json). */
export function formatLocalTime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const zone = `${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zone}`;
}

/**
 * When a retry is due: `2026-12-03 12:05:40 +01:00 (in 42 s)`, or `(due now)` once it has passed;
 * `timeOnly` (the one-line bar) leaves the date and zone out: `12:05:40 (in 42 s)`.
 */
export function formatRetryDue(at: Date, nowMs = Date.now(), timeOnly = false): string {
  const left = Math.ceil((at.getTime() - nowMs) / 1000);
  const when = timeOnly ? formatLocalTime(at).split(' ')[1] : formatLocalTime(at);
  // `in 42 s`, `in 10m`, `in 1h 2m 5s`: formatSeconds's short form, without its "600 s (…)".
  const span = left < 60 ? `${left} s` : /\((.*)\)$/.exec(formatSeconds(left))![1];
  return `${when} (${left > 0 ? `in ${span}` : 'due now'})`;
}

/** 0x3 (JOB_TRANSFERRED|JOB_ERROR) */
export function formatNotifyFlags(flags: number): string {
  const names = Object.entries(NotifyFlags).filter(([, v]) => (flags & v) !== 0).map(([k]) => k);
  const unknown = flags & ~Object.values(NotifyFlags).reduce((a, b) => a | b, 0);
  if (unknown) names.push(hex(unknown));
  return `0x${flags.toString(16)}${names.length ? ` (${names.join('|')})` : ''}`;
}

export function percent(done: number, total: number | null): string {
  if (total === null) return '?%';
  if (total === 0) return '100%';
  return `${Math.floor((done / total) * 100)}%`;
}

export function progressText(p: JobInfo['progress']): string {
  return `${formatBytes(p.bytesTransferred)} / ${formatBytes(p.bytesTotal)} (${percent(p.bytesTransferred, p.bytesTotal)}), files ${p.filesTransferred}/${p.filesTotal}`;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c))))
      .join('  ')
      .trimEnd();
  return [line(header.map((h) => paint('bold', h))), ...rows.map(line)].join('\n');
}

/** The `list`/`monitor` table; with `ownerName` (list --all-users) an OWNER column, as bitsadmin /list /allusers shows. */
export function jobsTable(jobs: Pick<JobInfo, 'id' | 'state' | 'type' | 'priority' | 'progress' | 'displayName' | 'owner'>[], ownerName?: (owner: string) => string): string {
  if (jobs.length === 0) return 'no jobs in the queue';
  return table(
    ['ID', 'STATE', 'TYPE', 'PRIORITY', 'BYTES', 'FILES', ...(ownerName ? ['OWNER'] : []), 'NAME'],
    jobs.map((j) => [
      j.id,
      stateCell(j.state),
      j.type ?? '?',
      j.priority ?? '?', // null: the backend could not read it (native on a partial BITS; `info` says why)
      j.progress ? `${formatBytes(j.progress.bytesTransferred)}/${formatBytes(j.progress.bytesTotal)}` : '?',
      j.progress ? `${j.progress.filesTransferred}/${j.progress.filesTotal}` : '?',
      ...(ownerName ? [j.owner === null || j.owner === undefined ? '?' : ownerName(j.owner)] : []),
      j.displayName ?? '?',
    ]),
  );
}

/**
 * `[#######.......]  45%  1.2 MiB / 2.6 MiB  3.1 MiB/s  ETA 0:12  files 0/1  TRANSFERRING` sized to
 * `width` columns; `rate` is the speed and ETA part (module/cli/rate.ts), left out when not given.
 */
export function progressBar(info: JobInfo, width: number, rate?: string): string {
  const p = info.progress;
  const tail = ` ${percent(p.bytesTransferred, p.bytesTotal).padStart(4)}  ${formatBytes(p.bytesTransferred)} / ${formatBytes(p.bytesTotal)}${rate ? `  ${rate}` : ''}  files ${p.filesTransferred}/${p.filesTotal}  ${info.state}`;
  const barWidth = Math.max(10, Math.min(40, width - tail.length - 3));
  const frac = p.bytesTotal ? Math.min(1, p.bytesTransferred / p.bytesTotal) : p.bytesTotal === 0 ? 1 : 0;
  const full = Math.round(frac * barWidth);
  const bar = '[' + '#'.repeat(full) + '.'.repeat(barWidth - full) + ']';
  const line = bar + tail;
  return line.length > width ? line.slice(0, Math.max(0, width - 1)) : line;
}
