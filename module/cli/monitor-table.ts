// The `monitor` table: one row per job with its speed and ETA, sized to the terminal (80 columns
// at the least). Ids are shortened to their first 8 hex digits — every command takes that prefix —
// and names are cut to what is left, so a row never wraps.
import type { JobInfo } from '../core/job-info.js';
import { formatBytes, paint, percent, stateCell, table, visibleLength } from './format.js';
import { formatEta, formatRate, RateMeter } from './rate.js';

type Row = Pick<JobInfo, 'id' | 'state' | 'progress' | 'displayName'>;

/** Speed meters per job, kept across refreshes; jobs that left the list are forgotten. */
export class JobRates {
  private readonly meters = new Map<string, RateMeter>();

  observe(jobs: readonly Row[], now = Date.now()): void {
    const seen = new Set<string>();
    for (const j of jobs) {
      seen.add(j.id);
      let m = this.meters.get(j.id);
      if (!m) this.meters.set(j.id, (m = new RateMeter()));
      m.add(j.progress.bytesTransferred, now);
    }
    for (const id of this.meters.keys()) if (!seen.has(id)) this.meters.delete(id);
  }

  of(id: string): RateMeter | undefined {
    return this.meters.get(id);
  }
}

const MIN_NAME = 4;

export function monitorTable(jobs: readonly Row[], rates: JobRates, width = 80): string {
  if (jobs.length === 0) return 'no jobs in the queue';
  const rows = jobs.map((j) => {
    const p = j.progress;
    const m = rates.of(j.id);
    return [
      j.id.slice(0, 8),
      stateCell(j.state),
      `${percent(p.bytesTransferred, p.bytesTotal).padStart(4)} ${formatBytes(p.bytesTransferred)}/${formatBytes(p.bytesTotal)}`,
      formatRate(m?.bytesPerSecond() ?? null),
      formatEta(m?.secondsLeft(p.bytesTransferred, p.bytesTotal) ?? null),
      j.displayName.replace(/[\x00-\x1f\x7f]/g, ' '), // eslint-disable-line no-control-regex
    ];
  });
  const header = ['ID', 'STATE', 'PROGRESS', 'SPEED', 'ETA', 'NAME'];
  const fixed = header.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i]!))));
  const nameRoom = Math.max(MIN_NAME, width - fixed.reduce((a, b) => a + b + 2, 0));
  for (const r of rows) if (r[5]!.length > nameRoom) r[5] = r[5]!.slice(0, nameRoom - 1) + '…';
  return table(header, rows);
}
