// Get-Command in the real PowerShell engine against module/api, table-driven: this file turns the
// description into the table of what each cmdlet must declare (written here from module/api, not
// from the generator's model, so the generator cannot agree with itself), and
// test/ps/command-metadata.Tests.ps1 (Pester, one It per cmdlet) compares it with Get-Command and fails
// with every difference. A run with a deliberately altered table proves the comparison reports what
// differs, in the failed Its' messages.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as enums from '../module/api/enums.js';
import { OPERATIONS, alsoAppliedParams, type OperationSpec, type ParamSpec } from '../module/api/operations.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, pesterVerdict, runPester } from './pwsh-host/pester.js';

interface SetRow { name: string; mandatory: boolean; position: number | null; valueFromPipeline: boolean; valueFromPipelineByPropertyName: boolean }
interface ParamRow { name: string; type: string; aliases: string[]; validateSet: string[] | null; validateRange: [number, number] | null; psTypeName?: string | null; sets: SetRow[] }
interface CmdletRow { name: string; shouldProcess: boolean; defaultSet: string | null; parameters: ParamRow[] }

const STRING = 'System.String';
const SWITCH = 'System.Management.Automation.SwitchParameter';

/** The .NET type a parameter of each API type has in PowerShell. */
function dotnetType(p: ParamSpec): string {
  const t = p.type;
  if (typeof t === 'object') return STRING;
  switch (t) {
    case 'int': case 'flags': return (p.min ?? 0) >= 0 ? 'System.UInt32' : 'System.Int32';
    case 'bytes': return 'System.UInt64';
    case 'bool': return SWITCH;
    case 'secret': return 'System.Management.Automation.PSCredential';
    default: return STRING; // jobId, string, path, url
  }
}

function apiRow(p: ParamSpec, setName: string, position: number | null): ParamRow {
  const t = p.type;
  return {
    name: p.ps,
    type: dotnetType(p),
    // A job id also binds from objects whose id property is Id or Guid.
    aliases: t === 'jobId' ? ['Guid', 'Id'] : [],
    validateSet: typeof t === 'object' ? Object.keys((enums as unknown as Record<string, Record<string, number>>)[t.enum]!) : null,
    validateRange: p.max !== undefined ? [p.min ?? 0, p.max] : null,
    sets: [{ name: setName, mandatory: p.required, position, valueFromPipeline: false, valueFromPipelineByPropertyName: t === 'jobId' ? p.pipelineByPropertyName ?? true : false }],
  };
}

/** The job id of an operation when it also binds our job objects by value (ParamSpec.pipelineByValue). */
function byValueJobId(op: OperationSpec): ParamSpec | undefined {
  return op.params.find((p) => p.type === 'jobId' && p.pipelineByValue === true);
}

/**
 * The parameter sets of an operation whose job id binds by value: a JobId set (by property name, as
 * before) and an InputObject set (our BitsJob2.Job objects by value), named 'JobId'/'InputObject' in a
 * cmdlet of one operation, '<op>'/'<op>InputObject' when operations share the cmdlet.
 */
function byValueSets(op: OperationSpec, single: boolean): { jobIdSet: string; inputObjectSet: string } {
  return single ? { jobIdSet: 'JobId', inputObjectSet: 'InputObject' } : { jobIdSet: op.name, inputObjectSet: `${op.name}InputObject` };
}

/** -InputObject: any PSObject (a job, an id string, an object with JobId/Id/Guid), mandatory in its set, by value. */
function inputObjectRow(setName: string): ParamRow {
  return { name: 'InputObject', type: 'System.Management.Automation.PSObject', aliases: [], validateSet: null, validateRange: null, psTypeName: null, sets: [{ name: setName, mandatory: true, position: null, valueFromPipeline: true, valueFromPipelineByPropertyName: false }] };
}

/** A PowerShell-only parameter (not in module/api): optional, named, no pipeline binding. */
function psOnly(name: string, type: string, extra: Partial<ParamRow> = {}): ParamRow {
  return { name, type, aliases: [], validateSet: null, validateRange: null, sets: [], ...extra };
}

/** PowerShell-only parameters by cmdlet: documented in each cmdlet's help, absent from the CLI. */
const PS_ONLY: Record<string, ParamRow[]> = {
  'Get-BitsJob2ReplyData': [psOnly('OutFile', STRING), psOnly('AsString', SWITCH), psOnly('Encoding', STRING)],
  'Start-BitsJob2Server': [psOnly('NoWait', SWITCH)],
};
/** Cmdlets that change something and return nothing unless -PassThru. */
const PASS_THRU_VERBS = new Set(['Add', 'Resume', 'Suspend', 'Complete', 'Remove', 'Set']);

/** The expected table: every cmdlet of module/api (operations sharing one are parameter sets named after the operation) plus Wait-BitsJob2 and Start-BitsJob2Transfer. */
function expectedTable(): { cmdlets: CmdletRow[] } {
  const byCmdlet = new Map<string, OperationSpec[]>();
  for (const op of OPERATIONS) {
    if (!op.cmdlet) continue;
    const name = `${op.cmdlet.verb}-${op.cmdlet.noun}`;
    byCmdlet.set(name, [...(byCmdlet.get(name) ?? []), op]);
  }
  const cmdlets: CmdletRow[] = [];
  for (const [name, ops] of byCmdlet) {
    const params: ParamRow[] = [];
    let defaultSet: string | null = null;
    for (const op of ops) {
      const single = ops.length === 1;
      const setName = single ? '__AllParameterSets' : op.name;
      const byValue = byValueJobId(op) ? byValueSets(op, single) : undefined;
      let position = 0;
      // The operation's own parameters, then those it also applies through other operations (alsoApplies).
      for (const p of [...op.params, ...alsoAppliedParams(op).map((x) => x.param)]) {
        const row = apiRow(p, byValue?.jobIdSet ?? setName, 'positional' in p.cli ? position++ : null);
        // File pairs (OperationSpec.cmdlet.collects): arrays, and pipeline objects by property name.
        if ((op.cmdlet?.collects ?? []).some((n: string) => n === p.name)) {
          row.type = 'System.String[]';
          row.sets[0]!.valueFromPipelineByPropertyName = true;
        }
        // The other parameters of the operation belong to both sets, same position.
        if (byValue && p.type !== 'jobId') row.sets.push({ ...row.sets[0]!, name: byValue.inputObjectSet });
        const seen = params.find((x) => x.name === row.name);
        if (seen) seen.sets.push(...row.sets);
        else params.push(row);
      }
      if (byValue) params.push(inputObjectRow(byValue.inputObjectSet));
      // The default set: one that needs no argument (Get-BitsJob2 lists), else the InputObject set,
      // which the binder must try first so that our job objects bind by value.
      if (!single && op.params.every((p) => !p.required)) defaultSet = op.name;
      else if (byValue && defaultSet === null) defaultSet = byValue.inputObjectSet;
    }
    if (ops.length === 1 && !byValueJobId(ops[0]!)) defaultSet = null;
    const extras = [...(PS_ONLY[name] ?? [])];
    if (PASS_THRU_VERBS.has(ops[0]!.cmdlet!.verb)) extras.push(psOnly('PassThru', SWITCH));
    for (const e of extras) e.sets = [{ name: '__AllParameterSets', mandatory: false, position: null, valueFromPipeline: false, valueFromPipelineByPropertyName: false }];
    cmdlets.push({ name, shouldProcess: ops.some((o) => o.cmdlet!.shouldProcess === true), defaultSet, parameters: [...params, ...extras] });
  }
  // Wait-BitsJob2 composes `info` (getJob): its job id is getJob's (both sets); the rest is PowerShell-only.
  const getJob = OPERATIONS.find((o) => o.name === 'getJob')!;
  const waitSets = byValueSets(getJob, true);
  const jobId = apiRow(getJob.params[0]!, waitSets.jobIdSet, 0);
  const waitSet = (): SetRow[] => [{ name: '__AllParameterSets', mandatory: false, position: null, valueFromPipeline: false, valueFromPipelineByPropertyName: false }];
  cmdlets.push({
    name: 'Wait-BitsJob2',
    shouldProcess: false,
    defaultSet: byValueJobId(getJob) ? waitSets.inputObjectSet : null,
    parameters: [
      jobId,
      ...(byValueJobId(getJob) ? [inputObjectRow(waitSets.inputObjectSet)] : []),
      psOnly('State', 'System.String[]', { validateSet: Object.keys(enums.JobState), sets: waitSet() }),
      psOnly('Timeout', 'System.UInt32', { sets: waitSet() }),
      psOnly('PollInterval', 'System.UInt32', { validateRange: [50, 60000], sets: waitSet() }),
    ],
  });
  // Start-BitsJob2Transfer: Start-BitsTransfer's parameters, composed of the cmdlets above (PowerShell-only).
  const any = (mandatory = false, position: number | null = null): SetRow[] => [{ name: '__AllParameterSets', mandatory, position, valueFromPipeline: false, valueFromPipelineByPropertyName: false }];
  cmdlets.push({
    name: 'Start-BitsJob2Transfer',
    shouldProcess: true,
    defaultSet: null,
    parameters: [
      psOnly('Source', 'System.String[]', { sets: any(true, 0) }),
      psOnly('Destination', 'System.String[]', { sets: any(false, 1) }),
      psOnly('TransferType', STRING, { validateSet: Object.keys(enums.JobType), sets: any() }),
      psOnly('DisplayName', STRING, { sets: any() }),
      psOnly('Description', STRING, { sets: any() }),
      psOnly('Priority', STRING, { validateSet: Object.keys(enums.JobPriority), sets: any() }),
      psOnly('Credential', 'System.Management.Automation.PSCredential', { sets: any() }),
      psOnly('Authentication', STRING, { validateSet: Object.keys(enums.AuthScheme), sets: any() }),
      psOnly('RetryInterval', 'System.UInt32', { sets: any() }),
      psOnly('RetryTimeout', 'System.UInt32', { sets: any() }),
      psOnly('Asynchronous', SWITCH, { sets: any() }),
    ],
  });
  return { cmdlets };
}

async function compare(table: { cmdlets: CmdletRow[] }) {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-meta-'));
  try {
    const file = join(dir, 'expected.json');
    writeFileSync(file, JSON.stringify(table));
    return await runPester(join(PS_DIR, 'command-metadata.Tests.ps1'), { data: { Root: REPO, ExpectedFile: file }, timeoutMs: 180_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('Get-Command of every cmdlet equals module/api: names, types, Mandatory, pipeline binding, parameter sets, ValidateSet, ValidateRange, PSTypeName, aliases, -WhatIf/-Confirm', async () => {
  const table = expectedTable();
  assert.ok(table.cmdlets.some((c) => c.name === 'Start-BitsJob2Server'), 'serve has a cmdlet');
  // Every cmdlet taking a job (Wait-BitsJob2 included) has the by-value InputObject set.
  const withJob = table.cmdlets.filter((c) => c.parameters.some((p) => p.name === 'JobId'));
  assert.ok(withJob.length >= 17, `${withJob.length} cmdlets take a job`);
  for (const c of withJob) assert.ok(c.parameters.some((p) => p.name === 'InputObject' && p.sets[0]!.valueFromPipeline), `${c.name} -InputObject by value`);
  const r = await compare(table);
  assertPester(r);
  assert.is(r.tests.length, table.cmdlets.length + 1, 'one It per cmdlet and one for the exported names');
});

test('the comparison fails and names each difference when the table is altered', async () => {
  const table = expectedTable();
  const find = (cmd: string) => table.cmdlets.find((c) => c.name === cmd)!;
  const param = (cmd: string, p: string) => find(cmd).parameters.find((x) => x.name === p)!;
  param('Set-BitsJob2Credential', 'Target').sets[0]!.mandatory = false;
  param('Set-BitsJob2', 'Priority').validateSet = ['FOREGROUND', 'HIGH', 'NORMAL'];
  param('Set-BitsJob2', 'NotifyFlags').validateRange = [0, 0x7f];
  param('Set-BitsJob2', 'RetryInterval').type = 'System.Int32';
  param('Resume-BitsJob2', 'JobId').sets[0]!.valueFromPipelineByPropertyName = false;
  param('Resume-BitsJob2', 'JobId').aliases = ['Id'];
  param('Start-BitsJob2Server', 'Port').validateRange = null;
  param('Complete-BitsJob2', 'InputObject').psTypeName = 'Microsoft.BackgroundIntelligentTransfer.Management.BitsJob';
  param('Suspend-BitsJob2', 'InputObject').sets[0]!.valueFromPipeline = false;
  find('Remove-BitsJob2').defaultSet = 'JobId';
  find('Get-BitsJob2NotifyCmdLine').shouldProcess = true;
  find('Add-BitsJob2File').parameters.push(psOnly('Force', SWITCH, { sets: [{ name: '__AllParameterSets', mandatory: false, position: null, valueFromPipeline: false, valueFromPipelineByPropertyName: false }] }));
  table.cmdlets.push({ name: 'Stop-BitsJob2Server', shouldProcess: true, defaultSet: null, parameters: [] });
  // A run that must fail: read with pesterVerdict (assertPester would count its failures into the suite).
  const r = await compare(table);
  assert.ok(pesterVerdict(r), 'the altered table fails');
  const failed = r.tests.filter((t) => t.result === 'Failed');
  const diffs = failed.flatMap((t) => t.message.split('\n')).map((l) => l.replace(/^.*?(?=DIFF:)/, '')).filter((l) => l.startsWith('DIFF:'));
  const want = [
    /^DIFF: module exported commands: expected \[.*Stop-BitsJob2Server.*\]/,
    /^DIFF: Set-BitsJob2Credential -Target \[JobId\] Mandatory: expected \[False\] got \[True\]/,
    /^DIFF: Set-BitsJob2 -Priority ValidateSet: expected \[FOREGROUND,HIGH,NORMAL\] got \[FOREGROUND,HIGH,NORMAL,LOW\]/,
    /^DIFF: Set-BitsJob2 -NotifyFlags ValidateRange: expected \[0\.\.127\] got \[0\.\.63\]/,
    /^DIFF: Set-BitsJob2 -RetryInterval type: expected \[System\.Int32\] got \[System\.UInt32\]/,
    /^DIFF: Resume-BitsJob2 -JobId \[JobId\] ValueFromPipelineByPropertyName: expected \[False\] got \[True\]/,
    /^DIFF: Resume-BitsJob2 -JobId aliases: expected \[Id\] got \[Guid,Id\]/,
    /^DIFF: Start-BitsJob2Server -Port ValidateRange: expected \[\] got \[0\.\.65535\]/,
    /^DIFF: Complete-BitsJob2 -InputObject PSTypeName: expected \[Microsoft\.BackgroundIntelligentTransfer\.Management\.BitsJob\] got \[\]/,
    /^DIFF: Suspend-BitsJob2 -InputObject \[InputObject\] ValueFromPipeline: expected \[False\] got \[True\]/,
    /^DIFF: Remove-BitsJob2 DefaultParameterSetName: expected \[JobId\] got \[InputObject\]/,
    /^DIFF: Get-BitsJob2NotifyCmdLine SupportsShouldProcess \(-WhatIf\/-Confirm\): expected \[True\] got \[False\]/,
    /^DIFF: Add-BitsJob2File parameters: expected \[.*Force.*\] got/,
    /^DIFF: Stop-BitsJob2Server command: expected \[present\] got \[missing\]/,
  ];
  for (const re of want) assert.ok(diffs.some((d) => re.test(d)), `no ${re} among:\n${diffs.join('\n')}`);
  assert.is(diffs.length, want.length, `exactly the altered entries differ:\n${diffs.join('\n')}`);
  // One failed It per cmdlet with a difference (and the exported names'), each with its own lines.
  const names = ['exports the commands of module/api', ...['Set-BitsJob2Credential', 'Set-BitsJob2', 'Resume-BitsJob2', 'Start-BitsJob2Server', 'Complete-BitsJob2', 'Suspend-BitsJob2', 'Remove-BitsJob2', 'Get-BitsJob2NotifyCmdLine', 'Add-BitsJob2File', 'Stop-BitsJob2Server'].map((n) => `${n} has the metadata of module/api`)];
  assert.equal(failed.map((t) => t.name).sort(), names.sort());
});

test.run();
