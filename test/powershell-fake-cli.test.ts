// What the generated cmdlets pass to the CLI, seen by a fake CLI that echoes its argv and stdin:
// the password of a PSCredential travels on stdin only, never in argv; values keep their text even
// when they start with a dash; flags are the CLI's own (derived from the same description). The
// table-driven test runs every cmdlet (every operation of module/api that has one, plus
// Wait-BitsJob2) with all its parameters and with only the required ones, and compares the exact
// argv with the one module/api's `cli` entries give. Every cmdlet that takes a job runs three more times
// with the job piped in instead of -JobId: one of our job objects, a Get-BitsTransfer-shaped object
// with a [guid] JobId, one with a [string] JobId and the plain id string — each binds by value to
// -InputObject (the InputObject parameter set), whose prelude takes the id — the same argv, and the
// set the cmdlet reports with -Verbose.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as enums from '../module/api/enums.js';
import { OPERATIONS, alsoAppliedParams, type OperationSpec, type ParamSpec } from '../module/api/operations.js';
import { passThruReturnsResult } from '../scripts/powershell/model.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

const FAKE_CLI = join(REPO, 'test', 'fixtures', 'fake-cli.mjs');

interface CaseParam { name: string; kind: 'value' | 'switch' | 'credential'; value?: unknown; user?: string; password?: string }
/** pipe: what is piped in, always by value to -InputObject — 'job': one of our job objects (from
 *  Get-BitsJob2, BitsJob2.Job); 'guid': a Get-BitsTransfer-shaped object whose JobId is a [guid];
 *  'string': an object whose JobId is a [string]; 'id': the job id as a plain string.
 *  set: the parameter set the cmdlet must run in (reported by its -Verbose output). */
interface Case { name: string; cmdlet: string; log: string; params: CaseParam[]; argv: string[]; stdin: string; pipe?: 'job' | 'guid' | 'string' | 'id'; jobId?: string; set?: string }

const JOB_ID = '3f2c9a10-0000-4000-8000-000000000001';
const CRED_USER = 'corp\\alice';

/** A representative value of a parameter and the argv it must become (values are awkward on purpose:
 *  spaces, both quotes, backslashes, a leading dash — they must arrive verbatim). */
function sample(p: ParamSpec, dir: string, password: string): { param: CaseParam; argv: string[] } {
  const flag = 'flag' in p.cli ? p.cli.flag : undefined;
  const value = (v: unknown, text: string) => ({ param: { name: p.ps, kind: 'value' as const, value: v }, argv: [flag ? `--${flag}=${text}` : text] });
  const t = p.type;
  // Given with -Credential, -UserName must name the credential's user (a different one is refused).
  if (p.name === 'userName') return value(CRED_USER, CRED_USER);
  if (typeof t === 'object') {
    const names = Object.keys((enums as unknown as Record<string, Record<string, number>>)[t.enum]!);
    return value(names[names.length - 1], names[names.length - 1]!);
  }
  switch (t) {
    case 'jobId': return value(JOB_ID, JOB_ID);
    case 'int': { const n = p.max ?? 37; return value(n, String(n)); }
    case 'flags': return value(0x21, '33');
    case 'bytes': return value(5_000_000_000, '5000000000');
    case 'bool': return { param: { name: p.ps, kind: 'switch' }, argv: [`--${flag}`] };
    case 'secret': return { param: { name: p.ps, kind: 'credential', user: CRED_USER, password }, argv: [`--${flag}`] };
    case 'path': { const path = join(dir, `${p.ps} dir`, 'a "b" c.bin'); return value(path, path); }
    case 'url': { const u = `https://example.com/up load/${p.ps}?a=1&b="2"`; return value(u, u); }
    default: { const s = `-${p.ps} with "double" and 'single' quotes, back\\slash\\ and a trailing \\`; return value(s, s); }
  }
}

/** PowerShell-only parameters of the "all parameters" case and the argv they add. */
function extrasOf(op: OperationSpec, dir: string): { params: CaseParam[]; argv: string[] } {
  if (op.name === 'getReplyData') {
    const out = join(dir, 'reply out.bin');
    return { params: [{ name: 'OutFile', kind: 'value', value: out }], argv: [`--out=${out}`] };
  }
  if (op.name === 'startBitsServer') return { params: [{ name: 'NoWait', kind: 'switch' }], argv: [] };
  if (['Add', 'Resume', 'Suspend', 'Complete', 'Remove', 'Set'].includes(op.cmdlet!.verb)) return { params: [{ name: 'PassThru', kind: 'switch' }], argv: [] };
  return { params: [], argv: [] };
}

/** Two cases per operation with a cmdlet (all parameters; required ones only), and the special ones. */
function cases(dir: string, password: string): Case[] {
  const out: Case[] = [];
  const add = (name: string, cmdlet: string, params: CaseParam[], argv: string[], stdin = '', pipe: Pick<Case, 'pipe' | 'jobId' | 'set'> = {}) =>
    out.push({ name, cmdlet, log: join(dir, `case-${out.length}.jsonl`), params, argv, stdin, ...pipe });
  const cmdletOps = (cmdlet: string) => OPERATIONS.filter((o) => o.cmdlet && `${o.cmdlet.verb}-${o.cmdlet.noun}` === cmdlet);
  for (const op of OPERATIONS.filter((o) => o.cmdlet)) {
    const cmdlet = `${op.cmdlet!.verb}-${op.cmdlet!.noun}`;
    for (const mode of ['all', 'required'] as const) {
      // 'all': the operation's parameters and those it also applies (New-BitsJob2 -Priority: `create --priority`).
      const chosen = mode === 'all' ? [...op.params, ...alsoAppliedParams(op).map((x) => x.param)] : op.params.filter((p) => p.required);
      const samples = chosen.map((p) => ({ p, ...sample(p, dir, password) }));
      // The CLI's order: positionals in API order, then the flags in API order.
      const argv = [op.cli!, ...samples.filter((x) => 'positional' in x.p.cli).flatMap((x) => x.argv), ...samples.filter((x) => 'flag' in x.p.cli).flatMap((x) => x.argv)];
      const params = samples.map((x) => x.param);
      if (mode === 'all') {
        const extras = extrasOf(op, dir);
        params.push(...extras.params);
        argv.push(...extras.argv);
      }
      const stdin = samples.some((x) => x.p.type === 'secret') ? password : '';
      add(`${op.name} (${mode})`, cmdlet, params, [...argv, '--clixml'], stdin);
      // The same call with the job piped in instead of -JobId: the same argv. Our job object binds
      // Whatever is piped binds by value (the InputObject set); the prelude reads the id from it.
      const jobId = op.params.find((p) => p.type === 'jobId' && p.pipelineByValue);
      if (mode === 'all' && jobId) {
        const single = cmdletOps(cmdlet).length === 1;
        const withoutId = params.filter((p) => p.name !== jobId.ps);
        const set = single ? 'InputObject' : `${op.name}InputObject`;
        add(`${op.name} (job piped by value)`, cmdlet, withoutId, [...argv, '--clixml'], stdin, { pipe: 'job', jobId: JOB_ID, set });
        add(`${op.name} ([guid] JobId piped)`, cmdlet, withoutId, [...argv, '--clixml'], stdin, { pipe: 'guid', jobId: JOB_ID, set });
        add(`${op.name} ([string] JobId piped)`, cmdlet, withoutId, [...argv, '--clixml'], stdin, { pipe: 'string', jobId: JOB_ID, set });
        add(`${op.name} (plain id string piped)`, cmdlet, withoutId, [...argv, '--clixml'], stdin, { pipe: 'id', jobId: JOB_ID, set });
      }
    }
  }
  // A PSCredential without -UserName: its user name goes to --user, its password to stdin.
  add('setCredentials (credential only)', 'Set-BitsJob2Credential', [
    { name: 'JobId', kind: 'value', value: JOB_ID },
    { name: 'Target', kind: 'value', value: 'PROXY' },
    { name: 'Scheme', kind: 'value', value: 'DIGEST' },
    { name: 'Credential', kind: 'credential', user: CRED_USER, password },
  ], ['set-credentials', JOB_ID, '--target=PROXY', '--scheme=DIGEST', '--password-stdin', `--user=${CRED_USER}`, '--clixml'], password);
  // Reply data decoded as a string: no CLI flag.
  add('getReplyData (AsString)', 'Get-BitsJob2ReplyData', [
    { name: 'JobId', kind: 'value', value: JOB_ID },
    { name: 'AsString', kind: 'switch' },
    { name: 'Encoding', kind: 'value', value: 'us-ascii' },
  ], ['get-reply-data', JOB_ID, '--clixml']);
  // Wait-BitsJob2 composes `info` (the fake job is TRANSFERRED: one poll).
  add('Wait-BitsJob2', 'Wait-BitsJob2', [
    { name: 'JobId', kind: 'value', value: JOB_ID },
    { name: 'Timeout', kind: 'value', value: 30 },
    { name: 'PollInterval', kind: 'value', value: 50 },
    { name: 'State', kind: 'value', value: ['TRANSFERRED', 'ERROR'] },
  ], ['info', JOB_ID, '--clixml']);
  add('Wait-BitsJob2 (job piped by value)', 'Wait-BitsJob2', [{ name: 'Timeout', kind: 'value', value: 30 }], ['info', JOB_ID, '--clixml'], '', { pipe: 'job', jobId: JOB_ID, set: 'InputObject' });
  add('Wait-BitsJob2 ([guid] JobId piped)', 'Wait-BitsJob2', [{ name: 'Timeout', kind: 'value', value: 30 }], ['info', JOB_ID, '--clixml'], '', { pipe: 'guid', jobId: JOB_ID, set: 'InputObject' });
  add('Wait-BitsJob2 (plain id string piped)', 'Wait-BitsJob2', [{ name: 'Timeout', kind: 'value', value: 30 }], ['info', JOB_ID, '--clixml'], '', { pipe: 'id', jobId: JOB_ID, set: 'InputObject' });
  return out;
}

test('every cmdlet passes exactly the argv module/api gives (all parameters, required only), --clixml last, values verbatim, no password in argv', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-argv-'));
  const password = `Pa55 "w0rd" \\ -${process.pid}`;
  try {
    const table = cases(dir, password);
    const file = join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify(table));
    const r = await runPester(join(PS_DIR, 'fake-cli-cases.Tests.ps1'), { data: { Root: REPO, CasesFile: file }, env: { BITS_JOB2_CLI: FAKE_CLI }, timeoutMs: 300_000 });
    assertPester(r);
    assert.is(r.tests.length, table.length, 'one It per case');
    // Every cmdlet of the description is covered, serve included.
    const covered = new Set(table.map((c) => c.cmdlet));
    for (const op of OPERATIONS.filter((o) => o.cmdlet)) assert.ok(covered.has(`${op.cmdlet!.verb}-${op.cmdlet!.noun}`), op.name);
    // Every cmdlet that takes a job is also run with a job object piped by value.
    for (const c of table.filter((x) => x.params.some((p) => p.name === 'JobId'))) {
      assert.ok(table.some((x) => x.cmdlet === c.cmdlet && x.pipe === 'job'), `${c.cmdlet}: no by-value case`);
    }
    // (The parameter set of each piped case is asserted by its It: Should -Be $Case.set.)
    assert.ok(table.filter((x) => x.set).length > 0, 'some cases pipe a job in');
    for (const c of table) {
      assert.ok(existsSync(c.log), `${c.name}: the CLI was not run`);
      const calls = readFileSync(c.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; stdin: string });
      // -PassThru of a cmdlet whose result is the job: the change, then `info` for the job as it is now.
      const passThruJob = c.params.some((p) => p.name === 'PassThru') && !passThruReturnsResult(OPERATIONS.find((o) => c.name.startsWith(`${o.name} (`))!);
      assert.is(calls.length, passThruJob ? 2 : 1, `${c.name}: CLI calls`);
      if (passThruJob) assert.equal(calls[1]!.argv, ['info', JOB_ID, '--clixml'], `${c.name}: -PassThru reads the job`);
      assert.equal(calls[0]!.argv, c.argv, `${c.name} (${c.cmdlet})`);
      assert.is(calls[0]!.stdin, c.stdin, `${c.name}: stdin`);
      assert.not.ok(calls[0]!.argv.join('\n').includes(password), `${c.name}: the password is in argv`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Set-BitsJob2Credential sends the password on stdin only and refuses a -UserName that contradicts -Credential; Set-BitsJob2 passes values verbatim', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-fakecli-'));
  const log = join(dir, 'calls.jsonl');
  const password = 'Fake-Pa55-w0rd-991';
  try {
    assertPester(await runPester(join(PS_DIR, 'fake-cli-credential.Tests.ps1'), {
      data: { Root: REPO, Password: password },
      env: { BITS_JOB2_CLI: join(REPO, 'test', 'fixtures', 'fake-cli.mjs'), FAKE_CLI_LOG: log },
      timeoutMs: 120_000,
    }));
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; stdin: string });
    assert.is(calls.length, 3, 'one CLI call per cmdlet (Set-BitsJob2 passes every property to one `set`); none for the refused -UserName/-Credential conflict');
    const cred = calls[0]!;
    assert.is(cred.argv[0], 'set-credentials');
    assert.ok(cred.argv.includes('--password-stdin'));
    assert.ok(cred.argv.includes('--target=SERVER') && cred.argv.includes('--scheme=BASIC') && cred.argv.includes('--user=alice'), cred.argv.join(' '));
    assert.ok(cred.argv.includes('--clixml'));
    assert.not.ok(cred.argv.join('\n').includes(password), 'the password is not in argv');
    assert.is(cred.stdin.replace(/\r?\n$/, ''), password, 'the password arrives on stdin');
    const set = calls[1]!;
    assert.is(set.argv[0], 'set');
    assert.ok(set.argv.includes('--description=-starts with a dash'), set.argv.join(' '));
    assert.ok(set.argv.includes('--priority=HIGH'), set.argv.join(' '));
    assert.is(set.stdin, '', 'nothing on stdin for other cmdlets');
    const same = calls[2]!;
    assert.ok(same.argv.includes('--user=alice') && same.stdin.startsWith(password), '-UserName equal to the credential\'s: sent once');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
