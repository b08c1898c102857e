// Issue 6, "Exchange with the CLI": is JSON (what Bits.Job2 uses) better than CLIXML read by
// [System.Management.Automation.PSSerializer]::Deserialize? Measured in the real engine (PwshHost,
// a PowerShell 7.6 runspace) on the real CLI's `list --json` output of 1, 100 and 1,000 jobs (a
// service with a raised job limit, scripts/bench/service-more-jobs.ts, fills the queue; each job has
// one file). Inside one runspace, after a warm-up, a Stopwatch times:
//   (a) json:   the module's own path from CLI text to objects: ConvertFrom-BitsJob2Json + the
//               BitsJob2.Job type name and properties (Add-BitsJob2TypeName), from the module's
//               private helper file;
//   (b) clixml: PSSerializer::Deserialize of the equivalent CLIXML. The CLIXML is made in PowerShell
//               with PSSerializer::Serialize (depth 10) from the parsed objects with their dates as
//               [DateTime] and byte counts as [UInt64] — what a CLI writing CLIXML would send.
// It also reports what survives each exchange (types of a date, a byte count, the files array, the
// type names) and the text sizes. Host start-up and module import are outside every figure.
//   node dist/scripts/bench/pwsh-exchange.js [--markdown]      (npm run build first)
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobType } from '../../module/api/enums.js';
import { ensurePwshHost, runPwsh } from '../../test/pwsh-host/host.js';
import { startService } from './service.js';
import { CLI_JS, NODE, progress, REPO, tempDir, timedOk } from './util.js';

const SIZES = [1, 100, 1000];
/** Timed repetitions per size (median reported). */
const RUNS: Record<number, number> = { 1: 30, 100: 7, 1000: 3 };

/** $args: repo root, then "size=file=runs" triples. Prints ROW and KEEP lines. */
export const EXCHANGE_SCRIPT = String.raw`
$ErrorActionPreference = 'Stop'
$root = $args[0]
Import-Module (Join-Path $root 'Bits.Job2.psd1') -Force
# The module's private helper file itself (the same functions the cmdlets call), dot-sourced here.
. ([System.IO.Path]::Combine($root, 'module', 'powershell', 'Private', 'Invoke-BitsJob2Cli.ps1'))
$parse = { param($t) $r = ConvertFrom-BitsJob2Json $t; foreach ($i in @($r)) { Add-BitsJob2TypeName $i 'BitsJob2.Job' }; ,$r }
$iso = '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d'
# The typed object a CLI writing CLIXML would send: dates as [DateTime], byte counts as [UInt64].
function ConvertTo-Typed($o) {
    if ($null -eq $o) { return $null }
    if ($o -is [System.Array]) { $list = [System.Collections.Generic.List[object]]::new(); foreach ($x in $o) { $list.Add((ConvertTo-Typed $x)) }; return ,$list.ToArray() }
    if ($o -is [string]) { if ($o -match $iso) { return [DateTime]::Parse($o, [cultureinfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind) }; return $o }
    if ($o.PSObject.BaseObject -is [System.Management.Automation.PSCustomObject]) {
        $n = [System.Management.Automation.PSObject]::new()
        foreach ($t in @($o.PSObject.TypeNames)) { if ($t -like 'BitsJob2.*') { $n.PSObject.TypeNames.Insert(0, $t) } }
        foreach ($p in $o.PSObject.Properties) {
            $v = $p.Value
            if ($p.Name -like '*bytes*' -and $v -is [long] -and $v -ge 0) { $v = [uint64]$v } else { $v = ConvertTo-Typed $v }
            $n.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new($p.Name, $v))
        }
        return $n
    }
    return $o
}
function Get-TypeOf($v) { if ($null -eq $v) { 'null' } else { $v.GetType().FullName } }
function Get-Kept($job) {
    'times.creationTime: ' + (Get-TypeOf $job.times.creationTime) + '; progress.bytesTransferred: ' + (Get-TypeOf $job.progress.bytesTransferred) + '; BytesTransferred: ' + (Get-TypeOf $job.BytesTransferred) + '; files: ' + (Get-TypeOf $job.files) + ' of ' + (Get-TypeOf @($job.files)[0]) + '; type names: ' + (@($job.PSObject.TypeNames) -join ', ')
}
$sw = [System.Diagnostics.Stopwatch]::new()
foreach ($spec in $args[1..($args.Count - 1)]) {
    $size, $file, $runs = $spec -split '=', 3
    if ($size -eq 'keep') {
        # What survives: one job of 'info --json' (it has the files array), both ways.
        $job = & $parse ([System.IO.File]::ReadAllText($file))
        $back = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize((ConvertTo-Typed $job), 10))
        'KEEP json ' + (Get-Kept $job)
        'KEEP clixml ' + (Get-Kept $back)
        continue
    }
    $text = [System.IO.File]::ReadAllText($file)
    $objs = & $parse $text
    if (@($objs).Count -ne [int]$size) { throw "parsed $(@($objs).Count) jobs, expected $size" }
    $typed = @(foreach ($o in @($objs)) { ConvertTo-Typed $o })
    $xml = [System.Management.Automation.PSSerializer]::Serialize($typed, 10)
    $back = [System.Management.Automation.PSSerializer]::Deserialize($xml)
    if (@($back).Count -ne [int]$size) { throw "deserialized $(@($back).Count) jobs, expected $size" }
    $null = & $parse $text   # warm-up of both paths
    $null = [System.Management.Automation.PSSerializer]::Deserialize($xml)
    for ($i = 0; $i -lt [int]$runs; $i++) {
        $sw.Restart(); $null = & $parse $text; $sw.Stop(); $a = $sw.Elapsed.TotalMilliseconds
        $sw.Restart(); $null = [System.Management.Automation.PSSerializer]::Deserialize($xml); $sw.Stop(); $b = $sw.Elapsed.TotalMilliseconds
        'ROW {0} {1} {2} {3} {4}' -f $size, $a.ToString([cultureinfo]::InvariantCulture), $b.ToString([cultureinfo]::InvariantCulture), $text.Length, $xml.Length
    }
}
`;

export interface ExchangeRow { jobs: number; jsonMs: number[]; clixmlMs: number[]; jsonChars: number; clixmlChars: number }
export interface ExchangeResults { rows: ExchangeRow[]; kept: { json: string; clixml: string }; cliCommand: string; /** Wall time of the CLI's `list --json` (spawned by Node, once) per job count, for scale. */ cliMs: Record<number, number> }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runExchangeBench(): Promise<ExchangeResults> {
  progress('pwsh exchange: building/locating PwshHost');
  ensurePwshHost();
  const svc = await startService({ main: join(REPO, 'dist/scripts/bench/service-more-jobs.js'), env: { BENCH_JOB_LIMIT: String(Math.max(...SIZES)) } });
  const out = tempDir('bj2-exchange-');
  try {
    const { client, stateDir } = svc;
    const files: string[] = [];
    const cliMs: Record<number, number> = {};
    let count = 0;
    for (const size of SIZES) {
      progress(`pwsh exchange: ${size} jobs`);
      for (; count < size; count++) {
        const id = await client.createJob(`exchange bench ${count}`, JobType.DOWNLOAD);
        await client.addFiles(id, [{ remoteName: `http://127.0.0.1:9/never-fetched-${count}.bin`, localName: join(stateDir, `never-${count}.bin`) }]);
      }
      const r = await timedOk(NODE, [CLI_JS, 'list', '--json', '--state-dir', stateDir], { keepStdout: true });
      cliMs[size] = r.ms;
      const file = join(out, `list-${size}.json`);
      writeFileSync(file, r.stdout!);
      files.push(`${size}=${file}=${RUNS[size]}`);
      if (size === 1) {
        const info = await timedOk(NODE, [CLI_JS, 'info', (JSON.parse(r.stdout!) as { id: string }[])[0]!.id, '--json', '--state-dir', stateDir], { keepStdout: true });
        writeFileSync(join(out, 'info.json'), info.stdout!);
      }
    }
    files.push(`keep=${join(out, 'info.json')}=0`);
    const res = await runPwsh(['-e', EXCHANGE_SCRIPT, REPO, ...files], { timeoutMs: 600_000 });
    if (res.code !== 0) throw new Error(`PwshHost failed (exit ${res.code}):\n${res.stdout}\n${res.stderr}`);
    const rows = new Map<number, ExchangeRow>();
    for (const line of res.stdout.split('\n').filter((l) => l.startsWith('ROW '))) {
      const [jobs, a, b, jsonChars, clixmlChars] = line.slice(4).trim().split(' ').map(Number) as [number, number, number, number, number];
      const row = rows.get(jobs) ?? { jobs, jsonMs: [], clixmlMs: [], jsonChars, clixmlChars };
      row.jsonMs.push(a);
      row.clixmlMs.push(b);
      rows.set(jobs, row);
    }
    const keep = (k: string) => res.stdout.split('\n').find((l) => l.startsWith(`KEEP ${k} `))?.slice(6 + k.length).trim() ?? '';
    return { rows: [...rows.values()], kept: { json: keep('json'), clixml: keep('clixml') }, cliCommand: 'node dist/module/cli/main.js list --json --state-dir <dir>', cliMs };
  } finally {
    await svc.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

export function exchangeMarkdown(r: ExchangeResults): string {
  const lines = [
    `Source: \`${r.cliCommand}\` (real CLI output, 1 file per job); medians in one PowerShell 7.6 runspace (PwshHost).`,
    '',
    '| jobs | CLI `list --json` ms (once) | JSON chars | CLIXML chars | JSON → BitsJob2.Job (module parser) ms | PSSerializer::Deserialize ms | ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map((x) => `| ${x.jobs} | ${(r.cliMs[x.jobs] ?? NaN).toFixed(0)} | ${x.jsonChars} | ${x.clixmlChars} | ${median(x.jsonMs).toFixed(2)} | ${median(x.clixmlMs).toFixed(2)} | ${(median(x.jsonMs) / median(x.clixmlMs)).toFixed(1)}× |`),
    '',
    `Kept by JSON: ${r.kept.json}`,
    '',
    `Kept by CLIXML: ${r.kept.clixml}`,
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('pwsh-exchange.js')) {
  const r = await runExchangeBench();
  process.stdout.write(process.argv.includes('--markdown') ? exchangeMarkdown(r) + '\n' : JSON.stringify(r, null, 2) + '\n');
  process.exit(0);
}
