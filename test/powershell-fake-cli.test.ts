// What the generated cmdlets pass to the CLI, seen by a fake CLI that echoes its argv and stdin:
// the password of a PSCredential travels on stdin only, never in argv; values keep their text even
// when they start with a dash; flags are the CLI's own (derived from the same description).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describe, PS_DIR, REPO, runPwsh } from './pwsh-host/host.js';

test('Set-BitsJob2Credential sends the password on stdin only; Set-BitsJob2 passes values verbatim', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-fakecli-'));
  const log = join(dir, 'calls.jsonl');
  const password = 'Fake-Pa55-w0rd-991';
  try {
    const r = await runPwsh([join(PS_DIR, 'fake-cli-credential.ps1'), '-Root', REPO, '-Password', password], {
      env: { BITS_JOB2_CLI: join(REPO, 'test', 'fixtures', 'fake-cli.mjs'), FAKE_CLI_LOG: log },
      timeoutMs: 120_000,
    });
    assert.is(r.code, 0, describe(r));
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; stdin: string });
    assert.is(calls.length, 2, 'one CLI call per cmdlet (Set-BitsJob2 passes every property to one `set`)');
    const cred = calls[0]!;
    assert.is(cred.argv[0], 'set-credentials');
    assert.ok(cred.argv.includes('--password-stdin'));
    assert.ok(cred.argv.includes('--target=SERVER') && cred.argv.includes('--scheme=BASIC') && cred.argv.includes('--user=alice'), cred.argv.join(' '));
    assert.ok(cred.argv.includes('--json'));
    assert.not.ok(cred.argv.join('\n').includes(password), 'the password is not in argv');
    assert.is(cred.stdin.replace(/\r?\n$/, ''), password, 'the password arrives on stdin');
    const set = calls[1]!;
    assert.is(set.argv[0], 'set');
    assert.ok(set.argv.includes('--description=-starts with a dash'), set.argv.join(' '));
    assert.ok(set.argv.includes('--priority=HIGH'), set.argv.join(' '));
    assert.is(set.stdin, '', 'nothing on stdin for other cmdlets');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
