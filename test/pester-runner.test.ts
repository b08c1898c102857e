// The Pester runner of the pwsh host (issue 15), tested on fixtures (test/ps/pester-fixtures/): Pester
// 5.7.1 comes from the host's build (PwshHost.csproj's PackageDownload, copied beside the host),
// each It's outcome reaches the TS side with its Should message, a failing It makes assertPester
// throw and counts as failed in the line run-all adds up, and a file whose setup throws, that does
// not parse or that holds no test fails instead of passing quietly.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { countPester, parsePesterCounts, pesterCountLine, pesterVerdict, runPester, type PesterReport } from './pwsh-host/pester.js';

const fixture = (name: string) => join(PS_DIR, 'pester-fixtures', name);

// pesterVerdict is what assertPester throws; the fixtures' reports are not printed as counting
// lines, or run-all would add their deliberate failures to the suite's.
function thrown(report: PesterReport): string {
  const verdict = pesterVerdict(report);
  assert.ok(verdict, `${report.file} passed`);
  return verdict!;
}

test('Pester 5.7.1 runs in the host; the failing Its are reported failed with their messages, the passing one passed', async () => {
  const r = await runPester(fixture('mixed.Tests.ps1'), { data: { Greeting: 'hello' } });
  assert.is(r.pester, '5.7.1', 'the pinned Pester was imported');
  assert.is(r.result, 'Failed');
  const byName = new Map(r.tests.map((t) => [t.name, t]));
  assert.equal([...byName.keys()], ['passes with the data it was given', 'fails on purpose with a Should message', 'fails on a thrown error', 'fails on a non-terminating error']);
  assert.is(byName.get('passes with the data it was given')!.result, 'Passed', 'the -Data value reached the test file');
  const should = byName.get('fails on purpose with a Should message')!;
  assert.is(should.result, 'Failed');
  assert.match(should.message, /Expected strings to be the same, because this It must be reported as failed/);
  assert.is(should.path, 'runner fixture.failures.fails on purpose with a Should message');
  const threw = byName.get('fails on a thrown error')!;
  assert.is(threw.result, 'Failed');
  assert.match(threw.message, /deliberate error from the fixture/);
  const written = byName.get('fails on a non-terminating error')!;
  assert.is(written.result, 'Failed', "Write-Error under the BeforeAll's $ErrorActionPreference = 'Stop' fails the It");
  assert.match(written.message, /deliberate non-terminating error/);
  assert.equal(countPester(r), { total: 4, passed: 1, failed: 3, skipped: 0 });
  const message = thrown(r);
  assert.match(message, /3 failure\(s\)/);
  assert.match(message, /\[Failed\] runner fixture\.failures\.fails on purpose with a Should message\n {4}Expected strings to be the same/);
  assert.match(message, /deliberate error from the fixture/);
  assert.not.match(message, /\[Failed\] runner fixture\.passes/);
  // The counting line run-all adds up carries the failures.
  const line = pesterCountLine(r);
  assert.is(line, 'pester: 4 tests, 1 passed, 3 failed, 0 skipped in mixed.Tests.ps1');
  assert.equal(parsePesterCounts(`uvu output\n${line}\n  Total: 1\n${line.replace('mixed', 'other')}\n`), { total: 8, passed: 2, failed: 6, skipped: 0 });
});

test('the outcomes follow the data: with another -Data value the first It fails and the Should It passes', async () => {
  const r = await runPester(fixture('mixed.Tests.ps1'), { data: { Greeting: 'goodbye' } });
  const results = Object.fromEntries(r.tests.map((t) => [t.name, t.result]));
  assert.equal(results, { 'passes with the data it was given': 'Failed', 'fails on purpose with a Should message': 'Passed', 'fails on a thrown error': 'Failed', 'fails on a non-terminating error': 'Failed' });
});

test('a BeforeAll that throws fails the file with its message', async () => {
  const r = await runPester(fixture('broken-setup.Tests.ps1'));
  assert.is(r.result, 'Failed');
  const c = countPester(r);
  assert.ok(c.failed >= 1 && c.passed === 0, JSON.stringify(c));
  assert.match(thrown(r), /deliberate BeforeAll failure/);
});

test('a file that does not parse fails with the parse error', async () => {
  const r = await runPester(fixture('parse-error.Tests.ps1'));
  assert.is(r.result, 'Failed');
  assert.equal(countPester(r), { total: 1, passed: 0, failed: 1, skipped: 0 });
  assert.match(thrown(r), /\[file failed\][^\n]*parse-error\.Tests\.ps1\n[\s\S]*(Missing closing '}'|missing the terminator)/i);
});

test('a file with no It fails: testing nothing is not a pass', async () => {
  const r = await runPester(fixture('no-tests.Tests.ps1'));
  assert.equal(countPester(r), { total: 1, passed: 0, failed: 1, skipped: 0 });
  assert.match(thrown(r), /Pester found no test/);
});

test('every test/ps/*.Tests.ps1 is run by a test file, and no script asserts outside Pester', () => {
  const runners = readdirSync(join(REPO, 'test')).filter((f) => f.endsWith('.test.ts')).map((f) => readFileSync(join(REPO, 'test', f), 'utf8')).join('\n');
  const pesterFiles = readdirSync(PS_DIR).filter((f) => f.endsWith('.Tests.ps1'));
  assert.ok(pesterFiles.length > 20, 'the Pester files are there');
  for (const f of pesterFiles) assert.ok(runners.includes(f), `${f} is named by a test/*.test.ts (else it never runs)`);
  // The hand-made assertion helpers are retired (issue 15): a plain script fails by throwing, unseen by the counts.
  for (const f of readdirSync(PS_DIR).filter((x) => x.endsWith('.ps1'))) {
    const text = readFileSync(join(PS_DIR, f), 'utf8');
    assert.not.match(text, /assert\.ps1|\bAssert-(True|Equal)\b/, `${f} uses the retired assert.ps1`);
  }
});

test.run();
