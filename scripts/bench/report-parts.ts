// The parts of BENCHMARKS.md that benches other than bench.js write into it — section 9
// (bench-yield.js) and the "Upload server under load" block (farm-load.js --write) — and how
// bench.js finds them, to keep them when it rewrites the report.

export const YIELD_HEADING = '## 9. Yielding and bandwidth policy';
export const FARM_BEGIN = '<!-- farm-load: begin -->';
export const FARM_END = '<!-- farm-load: end -->';

/** The farm-load block of a report, markers and the line end after them included, or ''. */
export function farmBlock(report: string): string {
  const start = report.indexOf(FARM_BEGIN);
  const end = start < 0 ? -1 : report.indexOf(FARM_END, start);
  if (end < 0) return '';
  const after = end + FARM_END.length;
  return report.slice(start, report[after] === '\n' ? after + 1 : after);
}

/** Section 9 of a report, up to the next "## " heading, or ''. */
export function yieldSection(report: string): string {
  const start = report.indexOf(YIELD_HEADING);
  if (start < 0) return '';
  const end = report.indexOf('\n## ', start + YIELD_HEADING.length);
  return report.slice(start, end < 0 ? undefined : end + 1);
}
