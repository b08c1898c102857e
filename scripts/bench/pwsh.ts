// Bench 7: cmdlet latency in the PowerShell host vs the CLI it wraps. One PwshHost process
// (test/pwsh-host: a real PowerShell 7.6 runspace on Microsoft.PowerShell.SDK) imports Bits.Job2 and,
// after one untimed warm-up of each, times inside that one runspace with a Stopwatch:
//   - `Get-BitsJob2 -JobId X` (the cmdlet: spawns `node cli info X --clixml`, reads the CLIXML, wraps it)
//   - `& node cli info X --clixml` (the same CLI started by PowerShell's native-command call)
//   - the module's own reader on that output alone (ConvertFrom-BitsJob2Clixml, in the scope of the
//     nested module that defines the cmdlets: Get-Module Bits.Job2 is only the loader)
// Host start-up and module import are outside every figure. The CLI spawned directly by this Node
// process (`node cli info X --clixml`, timed spawn → exit) runs in the same minutes, interleaved with
// the host's batches.
import { join } from 'node:path';
import { JobType } from '../../module/api/enums.js';
import { ensurePwshHost, runPwsh } from '../../test/pwsh-host/host.js';
import { startService } from './service.js';
import { CLI_JS, NODE, progress, REPO, timedOk } from './util.js';

export interface PwshResults {
  runs: number;
  cmdletMs: number[];
  /** `& node cli info X --clixml` inside the same runspace. */
  cliInPwshMs: number[];
  /** The module reading the CLI's output (ConvertFrom-BitsJob2Clixml since the switch to CLIXML; the
   *  JSON parser before), inside the module's scope. */
  parseMs: number[];
  /** The CLI spawned directly by Node (spawn → exit). */
  cliDirectMs: number[];
  /** Wall time of each PwshHost process (start-up, import, all calls), for scale. */
  hostWallMs: number[];
  /** Characters of the CLI output the module reads (CLIXML now; JSON in older data files). */
  jsonBytes: number;
  cliCommand: string;
  script: string;
}

/** $args: repo root, node, cli, job id, runs. Prints one "ROW cmdlet cliInPwsh parse" line per run. */
export const PWSH_SCRIPT = `
$ErrorActionPreference = 'Stop'
$root, $node, $cli, $id, $runs = $args
Import-Module (Join-Path $root 'Bits.Job2.psd1') -Force
# The nested module that defines the cmdlets holds the private helpers.
$mod = (Get-Command Get-BitsJob2).ScriptBlock.Module
$j = Get-BitsJob2 -JobId $id
if ($j.JobId -ne $id) { throw "Get-BitsJob2 returned job '$($j.JobId)', expected $id" }
$text = (& $node $cli info $id --clixml) -join [Environment]::NewLine
if ($LASTEXITCODE -ne 0) { throw "the CLI exited with $LASTEXITCODE" }
$check = & $mod { param($t) ConvertFrom-BitsJob2Clixml $t } $text
if ($check.id -ne $id) { throw "the module read job '$($check.id)', expected $id" }
$sw = [System.Diagnostics.Stopwatch]::new()
for ($i = 0; $i -lt [int]$runs; $i++) {
  $sw.Restart(); $j = Get-BitsJob2 -JobId $id; $sw.Stop(); $a = $sw.Elapsed.TotalMilliseconds
  if ($j.JobId -ne $id) { throw 'wrong job' }
  $sw.Restart(); $out = & $node $cli info $id --clixml; $sw.Stop(); $b = $sw.Elapsed.TotalMilliseconds
  if ($LASTEXITCODE -ne 0) { throw "the CLI exited with $LASTEXITCODE" }
  $sw.Restart(); $null = & $mod { param($t) ConvertFrom-BitsJob2Clixml $t } $text; $sw.Stop(); $c = $sw.Elapsed.TotalMilliseconds
  'ROW {0} {1} {2} {3}' -f $a.ToString([cultureinfo]::InvariantCulture), $b.ToString([cultureinfo]::InvariantCulture), $c.ToString([cultureinfo]::InvariantCulture), $text.Length
}
`;

export async function runPwshBench(runs: number): Promise<PwshResults> {
  progress('cmdlet latency: building/locating PwshHost (dotnet build, incremental)');
  ensurePwshHost();
  const svc = await startService();
  try {
    const { client, stateDir } = svc;
    const id = await client.createJob('cmdlet latency bench', JobType.DOWNLOAD);
    await client.addFiles(id, [{ remoteName: 'http://127.0.0.1:9/never-fetched.bin', localName: join(stateDir, 'never.bin') }]);
    const r: PwshResults = { runs, cmdletMs: [], cliInPwshMs: [], parseMs: [], cliDirectMs: [], hostWallMs: [], jsonBytes: 0, cliCommand: '', script: PWSH_SCRIPT.trim() };
    const cliArgs = [CLI_JS, 'info', id, '--clixml', '--state-dir', stateDir];
    r.cliCommand = `node dist/module/cli/main.js info ${id} --clixml --state-dir ${stateDir}`;
    const env = { ...process.env, BITS_JOB2_STATE_DIR: stateDir, BITS_JOB2_NODE: NODE, BITS_JOB2_CLI: CLI_JS };
    await timedOk(NODE, cliArgs); // warm-up
    // Batches of the host interleaved with batches of direct spawns, so both see the same load.
    const batches = Math.min(runs, 2);
    const per = (b: number) => Math.floor(runs / batches) + (b < runs % batches ? 1 : 0);
    for (let b = 0; b < batches; b++) {
      const n = per(b);
      const res = await runPwsh(['-e', PWSH_SCRIPT, REPO, NODE, CLI_JS, id, String(n)], { env, timeoutMs: 300_000 });
      if (res.code !== 0) throw new Error(`PwshHost failed (exit ${res.code}):\n${res.stdout}\n${res.stderr}`);
      r.hostWallMs.push(res.ms);
      const rows = res.stdout.split('\n').filter((l) => l.startsWith('ROW '));
      if (rows.length !== n) throw new Error(`PwshHost printed ${rows.length} rows, expected ${n}:\n${res.stdout}\n${res.stderr}`);
      for (const row of rows) {
        const [a, c, p, len] = row.slice(4).trim().split(' ').map(Number);
        r.cmdletMs.push(a!);
        r.cliInPwshMs.push(c!);
        r.parseMs.push(p!);
        r.jsonBytes = len!;
      }
      for (let i = 0; i < n; i++) r.cliDirectMs.push((await timedOk(NODE, cliArgs)).ms);
    }
    const fmtList = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
    progress(`cmdlet Get-BitsJob2 -JobId: ${fmtList(r.cmdletMs)} ms; & node cli info (in pwsh): ${fmtList(r.cliInPwshMs)} ms; CLI from Node: ${fmtList(r.cliDirectMs)} ms; CLIXML read: ${fmtList(r.parseMs)} ms`);
    return r;
  } finally {
    await svc.stop();
  }
}
