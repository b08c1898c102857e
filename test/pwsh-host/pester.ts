// Pester in the pwsh host (issue 15): the module's PowerShell tests are test/ps/*.Tests.ps1 files
// (Describe/Context/It with Should), run by Invoke-Pester 5.7.1 inside PwshHost through
// test/pwsh-host/pester-run.ps1, which writes every test's outcome as JSON.
//   runPester(file, { data, env })  -> the report: one entry per It (name, path, result, message)
//   assertPester(report)            -> prints one line per It and the counting line run-all reads
//                                      (`pester: N tests, N passed, N failed, N skipped in FILE`),
//                                      then throws, naming every failed It with Pester's message,
//                                      unless all passed (a file with no test, a failed block or
//                                      container — a BeforeAll that threw, a parse error — fails too)
// test/run-all.ts adds each counting line to its "N passed, N failed" summary, so each It counts as
// a test of the suite; the uvu test that ran the file fails with the messages.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, HOST_DIR, runPwsh, type PwshResult } from './host.js';

export const PESTER_RUNNER = join(HOST_DIR, 'pester-run.ps1');

export type PesterOutcome = 'Passed' | 'Failed' | 'Skipped' | 'NotRun' | 'Inconclusive';
export interface PesterTest { name: string; path: string; result: PesterOutcome; message: string; ms: number }
export interface PesterFailure { name: string; message: string }
export interface PesterReport {
  file: string;
  pester: string;
  result: string;
  tests: PesterTest[];
  failedBlocks: PesterFailure[];
  failedContainers: PesterFailure[];
  /** The PwshHost run (its stdout is Pester's detailed output). */
  run: PwshResult;
}

/** PwshHost arguments that run `file` under Pester with the param() values in dataFile (JSON; see
 *  writePesterData). Paths as the host sees them: the Wine lane passes Windows paths. */
export function pesterArgs(runner: string, file: string, resultFile: string, dataFile: string): string[] {
  return ['-AllowErrors', runner, '-Path', file, '-ResultFile', resultFile, '-DataFile', dataFile];
}

/** Writes a test file's param() values for pesterArgs (owner-only: a test password may be in it). */
export function writePesterData(dataFile: string, data: Record<string, unknown> = {}): void {
  writeFileSync(dataFile, JSON.stringify(data), { mode: 0o600 });
}

/** Reads the runner's result file; a missing or broken one throws with the host's output. */
export function readPesterReport(file: string, resultFile: string, run: PwshResult): PesterReport {
  let raw: string;
  try {
    raw = readFileSync(resultFile, 'utf8');
  } catch {
    throw new Error(`Pester wrote no result for ${file} (the runner failed before the end):\n${describe(run)}`);
  }
  const parsed = JSON.parse(raw.replace(/^\uFEFF/, '')) as Omit<PesterReport, 'file' | 'run'>;
  // ConvertTo-Json writes a one-element array as an array only when it was one; keep them lists.
  const list = <T>(v: T[] | T | null | undefined): T[] => (v == null ? [] : Array.isArray(v) ? v : [v]);
  return {
    file,
    pester: parsed.pester,
    result: parsed.result,
    tests: list(parsed.tests),
    failedBlocks: list(parsed.failedBlocks),
    failedContainers: list(parsed.failedContainers),
    run,
  };
}

export async function runPester(
  file: string,
  opts: { data?: Record<string, unknown>; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<PesterReport> {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-pester-'));
  try {
    const resultFile = join(dir, 'result.json');
    const dataFile = join(dir, 'data.json');
    writePesterData(dataFile, opts.data);
    const run = await runPwsh(pesterArgs(PESTER_RUNNER, file, resultFile, dataFile), { env: opts.env, cwd: opts.cwd, timeoutMs: opts.timeoutMs ?? 300_000 });
    return readPesterReport(file, resultFile, run);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface PesterCounts { total: number; passed: number; failed: number; skipped: number }

export function countPester(report: PesterReport): PesterCounts {
  const passed = report.tests.filter((t) => t.result === 'Passed').length;
  const skipped = report.tests.filter((t) => t.result === 'Skipped').length;
  // A block or container failure with no failed test to carry it (an AfterAll that threw, a file
  // that did not parse) counts as one failure of its own.
  const failedTests = report.tests.length - passed - skipped;
  const orphan = failedTests === 0 && (report.failedBlocks.length || report.failedContainers.length || report.tests.length === 0) ? 1 : 0;
  return { total: report.tests.length + orphan, passed, failed: failedTests + orphan, skipped };
}

/** The failures of a report as readable text (empty when everything passed). */
export function pesterFailures(report: PesterReport): string[] {
  const out: string[] = [];
  for (const t of report.tests) if (t.result !== 'Passed') out.push(`[${t.result}] ${t.path}\n    ${t.message.replace(/\n/g, '\n    ')}`);
  for (const b of report.failedBlocks) out.push(`[block failed] ${b.name}\n    ${b.message.replace(/\n/g, '\n    ')}`);
  for (const c of report.failedContainers) out.push(`[file failed] ${c.name}\n    ${c.message.replace(/\n/g, '\n    ')}`);
  if (report.tests.length === 0 && out.length === 0) out.push(`${report.file}: Pester found no test`);
  if (report.result !== 'Passed' && out.length === 0) out.push(`${report.file}: Pester's verdict is ${report.result}`);
  return out;
}

/** The line run-all adds up (parsed back by parsePesterCounts). */
export function pesterCountLine(report: PesterReport): string {
  const c = countPester(report);
  return `pester: ${c.total} tests, ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped in ${basename(report.file)}`;
}

const COUNT_LINE = /^pester: (\d+) tests, (\d+) passed, (\d+) failed, (\d+) skipped in /gm;

/** Sums the counting lines in a test file's output (test/run-all.ts). */
export function parsePesterCounts(output: string): PesterCounts {
  const sum = { total: 0, passed: 0, failed: 0, skipped: 0 };
  for (const m of output.matchAll(COUNT_LINE)) {
    sum.total += Number(m[1]); sum.passed += Number(m[2]); sum.failed += Number(m[3]); sum.skipped += Number(m[4]);
  }
  return sum;
}

/** The message assertPester fails with, or undefined when every It passed. */
export function pesterVerdict(report: PesterReport): string | undefined {
  const failures = pesterFailures(report);
  if (!failures.length) return undefined;
  // Pester's output is quoted line by line: its "Tests Passed: N" line must not read as a summary.
  const quote = (text: string) => text.replace(/^/gm, '  | ');
  return `Pester ${report.pester}, ${basename(report.file)}: ${failures.length} failure(s)\n${failures.join('\n')}\n--- Pester output\n${quote(report.run.stdout)}\n--- stderr\n${quote(report.run.stderr)}`;
}

/** Prints each It and the counting line, then fails with every failure's message unless all passed. */
export function assertPester(report: PesterReport): void {
  for (const t of report.tests) console.log(`  ${t.result === 'Passed' ? 'ok  ' : t.result.toUpperCase()} ${t.path}`);
  console.log(pesterCountLine(report));
  const verdict = pesterVerdict(report);
  if (verdict) throw new Error(verdict);
}
