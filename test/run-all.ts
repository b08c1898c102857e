// Runs every compiled test file in its own process (uvu: each file runs on its own), two at a time,
// and ends with the line CI reads: `N passed, N failed` (uvu's tests plus the Pester Its the files
// ran). A file that dies without uvu's summary counts as one failure. Usage: node dist/test/run-all.js [substring filters...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePesterCounts } from './pwsh-host/pester.js';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const PARALLEL = Number(process.env.TEST_PARALLEL ?? 2);
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 15 * 60_000);

function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return findTests(p);
    return name.endsWith('.test.js') ? [p] : [];
  });
}

interface Outcome { file: string; passed: number; failed: number; skipped: number; code: number | null; ms: number; output: string }

function runFile(file: string): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[run-all] killed after ${FILE_TIMEOUT_MS} ms\n`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      // uvu prints one summary per file; several suites in one file add up.
      // (Anchored as uvu prints them: Pester's own "Tests Passed: N" in a failure message must not count.)
      const num = (label: string) => [...output.matchAll(new RegExp(`^  ${label}:\\s+(\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
      // Each Pester It counts as a test too (test/pwsh-host/pester.ts prints one counting line per
      // *.Tests.ps1 run); the uvu test that ran the file also fails when one of them does.
      const pester = parsePesterCounts(output);
      const total = num('Total') + pester.total;
      const passed = num('Passed') + pester.passed;
      const skipped = num('Skipped') + pester.skipped;
      let failed = total - passed - skipped;
      if (code !== 0 && failed === 0) failed = 1; // crashed, or failed outside a test
      resolve({ file, passed, failed, skipped, code, ms: Date.now() - started, output });
    });
  });
}

const files = findTests(here).filter((f) => f !== fileURLToPath(import.meta.url)).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
const queue = [...files];
const outcomes: Outcome[] = [];
await Promise.all(
  Array.from({ length: Math.min(PARALLEL, files.length) }, async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const o = await runFile(f);
      outcomes.push(o);
      const name = relative(here, f);
      const mark = o.failed ? 'FAIL' : 'ok  ';
      process.stdout.write(`${mark} ${name}  passed ${o.passed}, failed ${o.failed}, skipped ${o.skipped}  (${(o.ms / 1000).toFixed(1)} s)\n`);
      if (o.failed) process.stdout.write(o.output.replace(/^/gm, '    | ') + '\n');
    }
  }),
);
const passed = outcomes.reduce((n, o) => n + o.passed, 0);
const failed = outcomes.reduce((n, o) => n + o.failed, 0);
const skipped = outcomes.reduce((n, o) => n + o.skipped, 0);
if (files.length === 0) {
  console.log('no test files found');
  process.exitCode = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (failed || skipped) process.exitCode = 1;
