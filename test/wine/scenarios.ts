// Real transfers through the whole Windows chain, run by node.exe under wine64 (test/wine-native.test.ts
// starts it): the project's compiled NativeBackend → edge-js → the bridge → Wine's BITS, against the
// nginx that the Linux side started on loopback (BITS_JOB2_WINE_NGINX = its URL; /big.bin is 3 MiB
// served at 1 MiB/s, BITS_JOB2_WINE_SHA256 its sha256). Exits with uvu's status after the summary
// (edge-js keeps the process alive otherwise). The same file against a reordered bridge must fail.
import '../contract/uvu-defer.js';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec, suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthScheme, AuthTarget, JobState, JobType } from '../../module/api/enums.js';
import type { Backend } from '../../module/api/port.js';
import { openBackend } from '../../module/core/select-backend.js';
import { rejectsWith, stateOf, waitState } from '../helpers/assert-bits.js';
import { WINE_TABLE as W } from '../contract/wine-facts.js';

const NGINX = process.env.BITS_JOB2_WINE_NGINX ?? '';
const SHA256 = process.env.BITS_JOB2_WINE_SHA256 ?? '';
const CLI = fileURLToPath(new URL('../../module/cli/main.js', import.meta.url));
const test = suite<{ b: Backend; dir: string }>("Wine's BITS through the Windows chain, against nginx");

test.before(async (s) => {
  assert.ok(NGINX.startsWith('http://127.0.0.1:'), `BITS_JOB2_WINE_NGINX must name the loopback nginx (got '${NGINX}')`);
  s.b = await openBackend('native');
  s.dir = mkdtempSync(join(tmpdir(), 'bj2-wine-'));
});

test('download: SUSPENDED → CONNECTING/TRANSFERRING → TRANSFERRED → Complete → ACKNOWLEDGED, sha256 of the published file', async (s) => {
  const id = await s.b.createJob('nginx download', JobType.DOWNLOAD);
  const dest = join(s.dir, 'big.bin');
  await s.b.addFiles(id, [{ remoteName: `${NGINX}/big.bin`, localName: dest }]);
  const seen = [stateOf(await s.b.getJob(id))];
  await s.b.resume(id);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const st = stateOf(await s.b.getJob(id));
    if (st !== seen[seen.length - 1]) seen.push(st);
    if (st === 'TRANSFERRED' || st === 'ERROR') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.is(seen[0], 'SUSPENDED');
  assert.ok(seen.includes('TRANSFERRING'), `TRANSFERRING seen: ${seen.join(' → ')}`);
  assert.is(seen[seen.length - 1], 'TRANSFERRED', seen.join(' → '));
  const files = await s.b.listFiles(id);
  assert.equal(files[0]!.progress, { bytesTotal: 3 * 1024 * 1024, bytesTransferred: 3 * 1024 * 1024, completed: true });
  assert.not.ok(existsSync(dest), 'not published before Complete');
  assert.is((await s.b.complete(id)).name, 'S_OK');
  assert.is(createHash('sha256').update(readFileSync(dest)).digest('hex'), SHA256, 'the published bytes are nginx\'s');
  assert.is(stateOf(await s.b.describeJob(id)), 'ACKNOWLEDGED');
});

test('404: ERROR with BG_E_HTTP_ERROR_404 in context REMOTE_FILE, read through getError; Cancel of the job in ERROR', async (s) => {
  const id = await s.b.createJob('nginx 404', JobType.DOWNLOAD);
  const dest = join(s.dir, 'missing.bin');
  await s.b.addFiles(id, [{ remoteName: `${NGINX}/missing.bin`, localName: dest }]);
  await s.b.resume(id);
  const j = await waitState(s.b, id, 'ERROR', 30_000);
  assert.is(j.error?.name, 'BG_E_HTTP_ERROR_404');
  const e = await s.b.getError(id);
  assert.is(e.hresult, 0x80190194);
  assert.is(e.name, 'BG_E_HTTP_ERROR_404');
  assert.is(e.contextName, 'REMOTE_FILE');
  assert.equal(e.file, { remoteName: `${NGINX}/missing.bin`, localName: dest });
  const stub = await rejectsWith(s.b.suspend(id), W.stubs.suspend!.code);
  assert.match(stub.message, /IBackgroundCopyJob\.Suspend failed: 0x80004001 \(E_NOTIMPL\).*The job is in error: BG_E_HTTP_ERROR_404 \(0x80190194, REMOTE_FILE\)/, 'a failed call on a job in ERROR carries the job\'s error');
  assert.is((await s.b.cancel(id)).name, W.cancelCode.downloadWithFiles, 'Cancel of a job in ERROR and its success code');
  assert.is(stateOf(await s.b.describeJob(id)), 'CANCELLED');
});

test('credentials set and removed on a real job; the job still downloads', async (s) => {
  const id = await s.b.createJob('nginx credentials', JobType.DOWNLOAD);
  await s.b.setCredentials(id, { target: AuthTarget.SERVER, scheme: AuthScheme.BASIC, userName: 'alice', password: 'correct horse' });
  await s.b.setCredentials(id, { target: AuthTarget.PROXY, scheme: AuthScheme.NTLM, userName: null, password: null });
  await rejectsWith(s.b.setCredentials(id, { target: 3, scheme: AuthScheme.BASIC, userName: 'u', password: 'p' }), 'BG_E_INVALID_AUTH_TARGET');
  assert.not.match(JSON.stringify(await s.b.getJob(id)), /correct horse/);
  assert.is((await s.b.removeCredentials(id, AuthTarget.SERVER, AuthScheme.BASIC)).name, W.removeCredentialsCode);
  assert.is((await s.b.removeCredentials(id, AuthTarget.PROXY, AuthScheme.NTLM)).name, W.removeCredentialsCode);
  assert.is((await s.b.removeCredentials(id, AuthTarget.SERVER, AuthScheme.BASIC)).name, W.removeCredentialsCode, 'Wine: S_OK, never S_FALSE');
  await s.b.addFiles(id, [{ remoteName: `${NGINX}/small.txt`, localName: join(s.dir, 'small.txt') }]);
  await s.b.resume(id);
  await waitState(s.b, id, 'TRANSFERRED', 30_000);
  await s.b.complete(id);
  assert.is(readFileSync(join(s.dir, 'small.txt'), 'utf8'), 'hello from nginx\n');
});

test('a stubbed getter: the snapshot reports IBackgroundCopyJob.GetTimes and E_NOTIMPL; listJobs, the CLI\'s info and list work', async (s) => {
  const id = await s.b.createJob('stubbed getter', JobType.DOWNLOAD);
  const j = await s.b.getJob(id);
  assert.is(j.times, null);
  assert.equal(j.unavailable?.times, { hresult: 0x80004001, hresultHex: '0x80004001', name: 'E_NOTIMPL', method: 'IBackgroundCopyJob.GetTimes' });
  const listed = (await s.b.listJobs()).find((x) => x.id === id);
  assert.ok(listed, 'listJobs works on a partial BITS');
  assert.is(listed!.state, JobState.SUSPENDED);
  const e = await rejectsWith(s.b.getProxySettings(id), 'E_NOTIMPL');
  assert.match(e.message, /^IBackgroundCopyJob\.GetProxySettings failed: 0x80004001 \(E_NOTIMPL\)/, 'the COM method, not Bridge.Invoke');
  // The real CLI (a child node.exe on the native backend): `info` says why, `list` still lists.
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  const info = cli(['info', id]);
  assert.is(info.status, 0, info.stderr);
  assert.match(info.stdout, /Created:\s+unavailable: E_NOTIMPL \(0x80004001\) from IBackgroundCopyJob\.GetTimes/, info.stdout);
  const list = cli(['list']);
  assert.is(list.status, 0, list.stderr);
  assert.ok(list.stdout.includes(id), list.stdout);
  await s.b.cancel(id);
});

test.after(async (s) => {
  await s.b?.close();
});

test.run();
await exec();
process.exit(process.exitCode ?? 0);
