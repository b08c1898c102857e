// Batch operations of the CLI against the per-user service: several file pairs and a list file in
// one AddFileSet call, job actions on several ids (going on past a failure), --all, --name with
// wildcards (list too), and the usage errors that keep them unambiguous.
import { writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { namePattern } from '../module/cli/name-pattern.js';
import { GUID_RE, json, jsonError, makeSandbox } from './helpers/cli.js';

const sb = makeSandbox('bj2b-');
const create = async (name: string) => {
  const id = (await sb.run(['create', name])).stdout.trim();
  assert.match(id, GUID_RE);
  return id;
};
interface Listed { id: string; displayName: string; state: string; progress: { filesTotal: number } }
const list = async (...args: string[]) => json<Listed[]>(await sb.run(['list', '--json', ...args]));

test.after(() => sb.cleanup());

test('add-file: several pairs and a --list file (stdin too) in one call; an odd pair or a bad line is a usage error and adds nothing', async () => {
  const id = await create('batch files');
  const dir = sb.stateDir;
  const two = await sb.run(['add-file', id, 'http://127.0.0.1:9/a', `${dir}/a`, 'http://127.0.0.1:9/b', `${dir}/b`]);
  assert.is(two.code, 0, two.stderr);
  assert.is(two.stdout, `added http://127.0.0.1:9/a -> ${dir}/a to ${id}\nadded http://127.0.0.1:9/b -> ${dir}/b to ${id}\n`);
  writeFileSync(`${dir}/files.txt`, `# inventory\nhttp://127.0.0.1:9/c ${dir}/c with space\n\nhttp://127.0.0.1:9/d\t${dir}/d\n`);
  const fromFile = await sb.run(['add-file', id, '--list', `${dir}/files.txt`, '--json']);
  assert.is(fromFile.code, 0, fromFile.stderr);
  assert.equal(json<{ files: unknown[] }>(fromFile).files, [{ remoteName: 'http://127.0.0.1:9/c', localName: `${dir}/c with space` }, { remoteName: 'http://127.0.0.1:9/d', localName: `${dir}/d` }]);
  const fromStdin = await sb.run(['add-file', id, '--list', '-'], { input: `http://127.0.0.1:9/e ${dir}/e\n` });
  assert.is(fromStdin.code, 0, fromStdin.stderr);
  const odd = await sb.run(['add-file', id, 'http://127.0.0.1:9/f', `${dir}/f`, 'http://127.0.0.1:9/g']);
  assert.is(odd.code, 2);
  assert.match(odd.stderr, /come in pairs/);
  writeFileSync(`${dir}/bad.txt`, `http://127.0.0.1:9/h ${dir}/h\nonly-one-word\n`);
  const bad = await sb.run(['add-file', id, '--list', `${dir}/bad.txt`]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /bad\.txt line 2: expected '<remote> <local>'/);
  // One call: a relative path among good ones adds none of them.
  const mixed = await sb.run(['add-file', id, 'http://127.0.0.1:9/i', `${dir}/i`, 'http://127.0.0.1:9/j', 'relative/j']);
  assert.is(mixed.code, 1);
  assert.match(mixed.stderr, /E_INVALIDARG/);
  const [job] = (await list()).filter((j) => j.id === id);
  assert.is(job!.progress.filesTotal, 5, 'a, b, c, d, e — nothing of the refused calls');
});

test('actions on several ids go on past a failure; the exit code is the failure\'s; --json is one array', async () => {
  const a = await create('multi a');
  const b = await create('multi b');
  const missing = '00000000-0000-0000-0000-000000000000';
  const r = await sb.run(['suspend', a, missing, b]);
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, `suspended ${a}\nsuspended ${b}\n`);
  assert.match(r.stderr, /BG_E_NOT_FOUND/);
  const j = await sb.run(['resume', a, b, '--json']);
  assert.is(j.code, 1);
  const results = json<{ jobId: string; error?: { name: string } }[]>(j);
  assert.equal(results.map((x) => [x.jobId, x.error?.name]), [[a, 'BG_E_EMPTY'], [b, 'BG_E_EMPTY']]);
});

test('--name with wildcards (case-insensitive) in list and cancel; --all; no match is BG_E_NOT_FOUND; ids and --all together are refused', async () => {
  await create('Nightly-report');
  await create('nightly backup');
  const keep = await create('weekly');
  assert.equal((await list('--name', 'NIGHTLY*')).map((j) => j.displayName).sort(), ['Nightly-report', 'nightly backup']);
  assert.equal((await list('--name', 'week?y')).map((j) => j.id), [keep]);
  const cancelled = await sb.run(['cancel', '--name', 'nightly*']);
  assert.is(cancelled.code, 0, cancelled.stderr);
  assert.is(cancelled.stdout.trim().split('\n').length, 2);
  assert.equal((await list('--name', 'nightly*')), []);
  const none = await sb.run(['cancel', '--name', 'nightly*', '--json']);
  assert.is(none.code, 3);
  assert.match(jsonError(none).message, /No job of yours in the queue has a name matching 'nightly\*'/);
  const both = await sb.run(['cancel', keep, '--all']);
  assert.is(both.code, 2);
  assert.match(both.stderr, /not both/);
  const nothing = await sb.run(['cancel']);
  assert.is(nothing.code, 2);
  assert.match(nothing.stderr, /give a job id \(or several\), --all or --name PATTERN/);
  const all = await sb.run(['cancel', '--all']);
  assert.is(all.code, 0, all.stderr);
  assert.equal(await list(), []);
});

test('patterns: * and ? only, everything else literal, whole name', () => {
  assert.ok(namePattern('a.b*')('a.b-c'));
  assert.not.ok(namePattern('a.b*')('axb'));
  assert.ok(namePattern('[x]?')('[x]1'));
  assert.not.ok(namePattern('night')('nightly'));
  assert.ok(namePattern('*')(''));
});

test.run();
