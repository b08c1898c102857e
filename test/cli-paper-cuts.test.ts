// Paper cuts of the CLI, each fixed and held here: completing a download job that is not
// TRANSFERRED asks for --force and names what it would delete; a password typed as a stray word of
// set-credentials is not repeated in the usage error; create "" is BITS's (an empty name is allowed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GUID_RE, json, jsonError, makeSandbox } from './helpers/cli.js';

const sb = makeSandbox('bj2p-');
test.after(() => sb.cleanup());

test('complete of a SUSPENDED download with unfinished files: refused (exit 4) with each file named; --force completes (BG_S_PARTIAL_COMPLETE)', async () => {
  const id = (await sb.run(['create', 'partial'])).stdout.trim();
  const dest = `${sb.stateDir}/never.bin`;
  assert.is((await sb.run(['add-file', id, 'http://127.0.0.1:9/never.bin', dest])).code, 0);
  const refused = await sb.run(['complete', id, '--json']);
  assert.is(refused.code, 4, refused.stderr);
  const e = jsonError(refused);
  assert.is(e.name, 'BG_E_INVALID_STATE');
  assert.match(e.message, new RegExp(`is SUSPENDED: completing it now deletes 1 unfinished file\\(s\\): ${dest} \\(0 B of \\?\\)`));
  assert.match(e.hint, /--force` to keep the finished files and delete these/);
  assert.is(json<{ state: string }>(await sb.run(['info', id, '--json'])).state, 'SUSPENDED', 'the job is untouched');
  // Several jobs at once: the refusal is that job's entry, with its code and hint.
  const other = (await sb.run(['create', 'partial too'])).stdout.trim();
  assert.is((await sb.run(['add-file', other, 'http://127.0.0.1:9/never2.bin', `${sb.stateDir}/never2.bin`])).code, 0);
  const both = await sb.run(['complete', id, other, '--json']);
  assert.is(both.code, 4, both.stderr);
  const entries = json<{ jobId: string; error?: { name: string; exitCode: number; hint?: string } }[]>(both);
  assert.equal(entries.map((x) => [x.jobId, x.error?.name, x.error?.exitCode]), [[id, 'BG_E_INVALID_STATE', 4], [other, 'BG_E_INVALID_STATE', 4]]);
  assert.match(entries[0]!.error!.hint!, /--force/);
  assert.is((await sb.run(['cancel', other])).code, 0);
  const forced = await sb.run(['complete', id, '--force']);
  assert.is(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /^completed [0-9a-f-]{36}: BG_S_PARTIAL_COMPLETE \(0x00200017\)/);
});

test('set-credentials with a stray word (a password typed on the command line): the usage error does not repeat it', async () => {
  const id = (await sb.run(['create', 'creds'])).stdout.trim();
  assert.match(id, GUID_RE);
  const r = await sb.run(['set-credentials', id, '--target', 'SERVER', '--scheme', 'BASIC', '--user', 'alice', 'hunter2-s3cret', '--jsno']);
  assert.is(r.code, 2);
  assert.not.match(r.stdout + r.stderr, /hunter2-s3cret/);
  assert.match(r.stderr, /Unknown arguments: (<value not shown>, jsno|jsno, <value not shown>)/);
  assert.match(r.stderr, /a password goes to stdin \(--password-stdin\) or BITS_JOB2_PASSWORD/);
  // Other commands still name stray words: they help find a typo.
  const other = await sb.run(['info', id, 'extra-word']);
  assert.is(other.code, 2);
  assert.match(other.stderr, /extra-word/);
});

test('create "": an empty display name is allowed, as in BITS (the help says so)', async () => {
  const r = await sb.run(['create', '', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.is(json<{ displayName: string }>(r).displayName, '');
  assert.match((await sb.run(['create', '--help'])).stdout, /empty is allowed, as in BITS/);
});

test('create takes the setters scripts call next (description, priority, retry delay, no-progress timeout, server credentials); a failing one leaves no job', async () => {
  const made = json<{ id: string; description: string; priority: string; minimumRetryDelay: number; noProgressTimeout: number }>(
    await sb.run(['create', 'all at once', '--description', 'nightly', '--priority', 'HIGH', '--retry-delay', '30', '--no-progress-timeout', '120', '--json']),
  );
  assert.equal([made.description, made.priority, made.minimumRetryDelay, made.noProgressTimeout], ['nightly', 'HIGH', 30, 120]);
  const withCreds = await sb.run(['create', 'with creds', '--scheme', 'DIGEST', '--user', 'alice', '--password-stdin'], { input: 'hunter2' });
  assert.is(withCreds.code, 0, withCreds.stderr);
  const id = withCreds.stdout.trim();
  assert.ok(!withCreds.stdout.includes('hunter2') && !withCreds.stderr.includes('hunter2'));
  // RemoveCredentials answers S_OK only for credentials that were set: these were, for the server.
  assert.is(json<{ name: string }>(await sb.run(['remove-credentials', id, '--target', 'SERVER', '--scheme', 'DIGEST', '--json'])).name, 'S_OK');
  assert.is(json<{ name: string }>(await sb.run(['remove-credentials', id, '--target', 'PROXY', '--scheme', 'DIGEST', '--json'])).name, 'S_FALSE');

  const before = json<unknown[]>(await sb.run(['list', '--json'])).length;
  const noScheme = await sb.run(['create', 'no scheme', '--user', 'alice', '--password-stdin'], { input: 'pw' });
  assert.is(noScheme.code, 2);
  assert.match(noScheme.stderr, /--user and --password-stdin need --scheme/);
  const tooLong = await sb.run(['create', 'too long', '--description', 'd'.repeat(1025), '--json']);
  assert.is(tooLong.code, 1, tooLong.stderr);
  const e = jsonError(tooLong);
  assert.is(e.name, 'BG_E_STRING_TOO_LONG');
  assert.match(e.message, /^--description failed after CreateJob, so the new job [0-9a-f-]{36} was cancelled: /);
  assert.is(json<unknown[]>(await sb.run(['list', '--json'])).length, before, 'neither failed create left a job');
});

test('set --help shows what a new job has, not defaults that set would apply (set changes only what is given)', async () => {
  const help = (await sb.run(['set', '--help'])).stdout;
  const own = help.slice(help.indexOf('\nOptions:'), help.indexOf('\nExamples:'));
  assert.ok(own.includes('--notify-flags'), own);
  assert.not.match(own, /\[default:/);
  assert.match(help, /--priority[^\n]*\n?[^\n]*\[a new job has NORMAL; left out: unchanged\]/);
  assert.match(help, /\[a new job has 600; left out: unchanged\]/);
  // create's help keeps its defaults: they are what it applies.
  assert.match((await sb.run(['create', '--help'])).stdout, /--priority[\s\S]*\[default: NORMAL\]/);
});

test.run();
