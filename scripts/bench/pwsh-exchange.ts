// Issue 6, "Exchange with the CLI": the module reads the CLI's --clixml output with
// [System.Management.Automation.PSSerializer]::Deserialize (before: --json with a JSON parser written
// in PowerShell, 30-73 times slower: 1,000 jobs 2.6 s against 36 ms, BENCHMARKS.md). Measured in the
// real engine (PwshHost, a PowerShell 7.6 runspace) on the real CLI's `list --clixml` output of 1,
// 100 and 1,000 jobs (a service with its job limits raised by BITS_JOB2_JOBS_PER_USER / _PER_MACHINE, fills
// the queue; each job has one file). Inside one runspace, after a warm-up, a Stopwatch times the
// module's own path from CLI text to objects: ConvertFrom-BitsJob2Clixml + the BitsJob2.Job type name
// and properties (Add-BitsJob2TypeName), from the module's private helper file. It also reports the
// CLI's own wall time for `list --json` and `list --clixml` (what building CLIXML costs in Node) and
// the .NET types a job arrives with. Host start-up and module import are outside every figure.
//   node dist/scripts/bench/pwsh-exchange.js [--markdown]      (npm run build first)
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobType } from '../../module/api/enums.js';
import { ensurePwshHost, runPwsh } from '../../test/pwsh-host/host.js';
import { jobLimitEnv } from './concurrent.js';
import { startService } from './service.js';
import { CLI_JS, NODE, progress, REPO, tempDir, timedOk } from './util.js';

const SIZES = [1, 100, 1000];
/** Timed repetitions per size (median reported). */
const RUNS: Record<number, number> = { 1: 30, 100: 7, 1000: 3 };

/** $args: repo root, then "size=file=runs" triples. Prints ROW and KEEP lines. */
export const EXCHANGE_SCRIPT = String.raw`
$ErrorActionPreference = 'Stop'
$root = $args[0]
# The module's private helper file itself (the same functions the cmdlets call), dot-sourced here.
. ([System.IO.Path]::Combine($root, 'module', 'powershell', 'Private', 'Invoke-BitsJob2Cli.ps1'))
$read = { param($t) $r = ConvertFrom-BitsJob2Clixml $t; Add-BitsJob2TypeName $r 'BitsJob2.Job'; ,$r }
function Get-TypeOf($v) { if ($null -eq $v) { 'null' } else { $v.GetType().FullName } }
function Get-Kept($job) {
    'times.creationTime: ' + (Get-TypeOf $job.times.creationTime) + '; progress.bytesTransferred: ' + (Get-TypeOf $job.progress.bytesTransferred) + '; BytesTransferred: ' + (Get-TypeOf $job.BytesTransferred) + '; files: ' + (Get-TypeOf $job.files) + ' of ' + (Get-TypeOf @($job.files)[0]) + '; type names: ' + (@($job.PSObject.TypeNames) -join ', ')
}
$sw = [System.Diagnostics.Stopwatch]::new()
foreach ($spec in $args[1..($args.Count - 1)]) {
    $size, $file, $runs = $spec -split '=', 3
    $text = [System.IO.File]::ReadAllText($file)
    if ($size -eq 'keep') {
        # What arrives: one job of 'info --clixml' (it has the files array).
        'KEEP clixml ' + (Get-Kept (& $read $text))
        continue
    }
    $objs = & $read $text
    if (@($objs).Count -ne [int]$size) { throw "read $(@($objs).Count) jobs, expected $size" }
    $null = & $read $text   # warm-up
    for ($i = 0; $i -lt [int]$runs; $i++) {
        $sw.Restart(); $null = & $read $text; $sw.Stop(); $a = $sw.Elapsed.TotalMilliseconds
        $sw.Restart(); $null = [System.Management.Automation.PSSerializer]::Deserialize($text); $sw.Stop(); $b = $sw.Elapsed.TotalMilliseconds
        'ROW {0} {1} {2} {3}' -f $size, $a.ToString([cultureinfo]::InvariantCulture), $b.ToString([cultureinfo]::InvariantCulture), $text.Length
    }
}
`;

export interface ExchangeRow {
  jobs: number;
  /** The module's whole read: Deserialize + the BitsJob2.Job type name and properties. */
  clixmlMs: number[];
  /** PSSerializer::Deserialize alone. */
  deserializeMs: number[];
  clixmlChars: number;
}
export interface ExchangeResults {
  rows: ExchangeRow[];
  kept: string;
  cliCommand: string;
  /** Wall time of the CLI's `list --json` and `list --clixml` (spawned by Node, once each) per job count. */
  cliMs: Record<number, { json: number; clixml: number }>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runExchangeBench(): Promise<ExchangeResults> {
  progress('pwsh exchange: building/locating PwshHost');
  ensurePwshHost();
  const svc = await startService({ env: jobLimitEnv(Math.max(...SIZES)) });
  const out = tempDir('bj2-exchange-');
  try {
    const { client, stateDir } = svc;
    const files: string[] = [];
    const cliMs: Record<number, { json: number; clixml: number }> = {};
    let count = 0;
    for (const size of SIZES) {
      progress(`pwsh exchange: ${size} jobs`);
      for (; count < size; count++) {
        const id = await client.createJob(`exchange bench ${count}`, JobType.DOWNLOAD);
        await client.addFiles(id, [{ remoteName: `http://127.0.0.1:9/never-fetched-${count}.bin`, localName: join(stateDir, `never-${count}.bin`) }]);
      }
      const json = await timedOk(NODE, [CLI_JS, 'list', '--json', '--state-dir', stateDir], { keepStdout: true });
      const r = await timedOk(NODE, [CLI_JS, 'list', '--clixml', '--state-dir', stateDir], { keepStdout: true });
      cliMs[size] = { json: json.ms, clixml: r.ms };
      const file = join(out, `list-${size}.clixml`);
      writeFileSync(file, r.stdout!);
      files.push(`${size}=${file}=${RUNS[size]}`);
      if (size === 1) {
        const info = await timedOk(NODE, [CLI_JS, 'info', (JSON.parse(json.stdout!) as { id: string }[])[0]!.id, '--clixml', '--state-dir', stateDir], { keepStdout: true });
        writeFileSync(join(out, 'info.clixml'), info.stdout!);
      }
    }
    files.push(`keep=${join(out, 'info.clixml')}=0`);
    const res = await runPwsh(['-e', EXCHANGE_SCRIPT, REPO, ...files], { timeoutMs: 600_000 });
    if (res.code !== 0) throw new Error(`PwshHost failed (exit ${res.code}):\n${res.stdout}\n${res.stderr}`);
    const rows = new Map<number, ExchangeRow>();
    for (const line of res.stdout.split('\n').filter((l) => l.startsWith('ROW '))) {
      const [jobs, ms, deserialize, clixmlChars] = line.slice(4).trim().split(' ').map(Number) as [number, number, number, number];
      const row = rows.get(jobs) ?? { jobs, clixmlMs: [], deserializeMs: [], clixmlChars };
      row.clixmlMs.push(ms);
      row.deserializeMs.push(deserialize);
      rows.set(jobs, row);
    }
    const kept = res.stdout.split('\n').find((l) => l.startsWith('KEEP clixml '))?.slice(12).trim() ?? '';
    return { rows: [...rows.values()], kept, cliCommand: 'node dist/module/cli/main.js list --clixml --state-dir <dir>', cliMs };
  } finally {
    await svc.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

export function exchangeMarkdown(r: ExchangeResults): string {
  const lines = [
    `Source: \`${r.cliCommand}\` (real CLI output, 1 file per job); read times are medians in one PowerShell 7.6 runspace (PwshHost).`,
    '',
    '| jobs | CLI `list --json` ms (once) | CLI `list --clixml` ms (once) | CLIXML chars | PSSerializer::Deserialize ms | CLIXML → BitsJob2.Job (module: Deserialize + type name) ms |',
    '|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map((x) => `| ${x.jobs} | ${(r.cliMs[x.jobs]?.json ?? NaN).toFixed(0)} | ${(r.cliMs[x.jobs]?.clixml ?? NaN).toFixed(0)} | ${x.clixmlChars} | ${median(x.deserializeMs).toFixed(2)} | ${median(x.clixmlMs).toFixed(2)} |`),
    '',
    `A job as the module gets it: ${r.kept}`,
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('pwsh-exchange.js')) {
  const r = await runExchangeBench();
  process.stdout.write(process.argv.includes('--markdown') ? exchangeMarkdown(r) + '\n' : JSON.stringify(r, null, 2) + '\n');
  process.exit(0);
}
