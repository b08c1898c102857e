// The bench's regression guard (issue 16): every run saves its headline figures next to BENCHMARKS.md
// (BENCHMARKS.json), and the report prints the figures of the previous *committed* run
// (`git show HEAD:BENCHMARKS.json`) beside the new ones, so a regression shows in review. Timings
// in tests are forbidden, hence this instead of a CI check.
import { execFileSync } from 'node:child_process';
import type { Verdicts } from './results.js';
import { fmt, REPO } from './util.js';

export interface Figures {
  date: string;
  source: string;
  /** Figure label → value (numbers, so the table can show the change). */
  values: Record<string, number>;
}

export function figuresOf(v: Verdicts, date: string, source: string): Figures {
  const values: Record<string, number> = {
    'download throughput / curl (×)': v.download.ratio,
    'download CPU s/GiB, service': v.downloadCpu.bits,
    'download CPU / curl (×)': v.downloadCpu.ratio,
    'service peak RSS, downloads (MiB)': v.rss.maxKb / 1024,
    'service idle RSS (MiB)': v.rss.idleKb / 1024,
    'upload throughput / curl -T (×)': v.upload.ratio,
    'upload CPU s/GiB, service + server': v.uploadCpu.bits,
    'upload CPU / (curl -T + nginx) (×)': v.uploadCpu.ratio,
    'service peak RSS, upload (MiB)': v.uploadRss.maxKb / 1024,
    'concurrent jobs: throughput / curl -Z (×)': v.conc.ratio,
    "concurrent jobs: Jain's index": v.conc.jain,
    'concurrent jobs: CPU / curl -Z (×)': v.concCpu.ratio,
    'concurrent jobs: service peak RSS (MiB)': v.concRss.maxKb / 1024,
    'cmdlet / CLI (×)': v.cmdlet.ratio,
  };
  for (const r of v.list.rows) values[`list: ${r.label} (ms)`] = r.ms;
  for (const r of v.cli.rows) values[`CLI \`${r.label}\` (ms)`] = r.ms;
  return { date, source, values };
}

/**
 * The newest committed BENCHMARKS.json of another run than `date`, or null (first run, or not a git
 * checkout). Usually HEAD's; after a run was committed, re-rendering it (--render) compares it with
 * the run committed before it, not with itself.
 */
export function committedFigures(date?: string): Figures | null {
  const git = (args: string[]) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    for (const commit of git(['log', '--format=%H', '-n', '10', '--', 'BENCHMARKS.json']).split('\n').filter(Boolean)) {
      const figures = JSON.parse(git(['show', `${commit}:BENCHMARKS.json`])) as Figures;
      if (figures.date !== date) return figures;
    }
  } catch {
    /* not a git checkout, or no such file */
  }
  return null;
}

export function previousSection(now: Figures, before: Figures | null): string[] {
  const out = ['## Against the previous committed run', ''];
  if (!before) return [...out, 'No BENCHMARKS.json is committed yet: the next run will show this one\'s figures here.', ''];
  out.push(`Previous: the last run committed before this one (measured ${before.date}, source ${before.source}); this run: ${now.date}. Different`,
    'moments on a shared machine: wall-clock figures move with the load, CPU per GiB much less.', '',
    '| figure | previous | this run | change |', '|---|---:|---:|---:|');
  for (const [k, x] of Object.entries(now.values)) {
    const b = before.values[k];
    const change = b === undefined || !Number.isFinite(b) || !Number.isFinite(x) || b === 0 ? '—' : `${x >= b ? '+' : '−'}${fmt(Math.abs((100 * (x - b)) / b), 0)}%`;
    out.push(`| ${k} | ${b === undefined ? '—' : fmt(b, 2)} | ${fmt(x, 2)} | ${change} |`);
  }
  return [...out, ''];
}
