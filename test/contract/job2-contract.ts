// Contract rows for the IBackgroundCopyJob2 methods of issue 4 and SetProxySettings (spec §3.1,
// §3.2, §3.7, §3.8, §4.1): validation order and codes, round trips, S_FALSE, launch of the notify
// command line on TRANSFERRED and ERROR (gated by the notify flags, also when set afterwards).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthScheme, AuthTarget, JobType, NotifyFlags, ProxyUsage } from '../../module/api/enums.js';
import { LIMITS } from '../../module/api/limits.js';
import type { Backend } from '../../module/api/port.js';
import { rejectsWith, waitState } from '../helpers/assert-bits.js';
import { pseudoRandomBytes, startGateServer, type GateServer } from '../helpers/gate-server.js';
import { waitFor } from '../helpers/service.js';
import type { ContractContext } from './contract-suite.js';
import { wineAware } from './wine-aware.js';
import { WINE_JOB2_ROWS } from './wine-rows-job2.js';

interface State { ctx: ContractContext; b: Backend; http: GateServer; dir: string }

const node = process.execPath;
/** A notify command line that records its arguments in `marker` (appending one line per run). */
function recorder(marker: string, ...args: string[]): { program: string; parameters: string } {
  const script = `require('fs').appendFileSync(${JSON.stringify(marker)}, JSON.stringify(process.argv.slice(1)) + '\\n')`;
  const q = (a: string) => `"${a.replace(/(\\*)"/g, '$1$1\\"')}"`;
  return { program: node, parameters: [q(node), '-e', q(script), ...args.map(q)].join(' ') };
}

/** The recorder finished its line: the file can exist before appendFileSync has written into it (seen under load). */
function recorded(marker: string): boolean {
  return existsSync(marker) && readFileSync(marker, 'utf8').endsWith('\n');
}

export function job2ContractSuite(name: string, makeBackend: () => Promise<ContractContext>) {
  const test = wineAware(suite<State>(`IBackgroundCopyJob2 contract: ${name}`), WINE_JOB2_ROWS);

  test.before.each(async (s) => {
    // A hook that throws after a failed before.each would make uvu drop the failure (and exit 0): start clean, clean up what exists.
    for (const k of ['ctx', 'b', 'http', 'dir'] as const) delete (s as Partial<State>)[k];
    s.ctx = await makeBackend();
    s.b = s.ctx.backend;
    s.http = await startGateServer();
    s.http.set('/a.bin', { body: pseudoRandomBytes(10_000, 2) });
    s.dir = mkdtempSync(join(tmpdir(), 'bj2-j2-'));
  });
  test.after.each(async (s) => {
    await s.ctx?.cleanup();
    await s.http?.close();
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  });

  test('SetNotifyCmdLine: limits, codes and round trip; NULL/NULL removes; "" when unset', async (s) => {
    const id = await s.b.createJob('notify', JobType.DOWNLOAD);
    assert.equal(await s.b.getNotifyCmdLine(id), { program: '', parameters: '' });
    await rejectsWith(s.b.setNotifyCmdLine(id, join(s.dir, 'p'.repeat(LIMITS.notifyProgramMax)), null), 'BG_E_STRING_TOO_LONG');
    await rejectsWith(s.b.setNotifyCmdLine(id, node, `"${node}" ` + 'x'.repeat(LIMITS.notifyParametersMax)), 'BG_E_STRING_TOO_LONG');
    await rejectsWith(s.b.setNotifyCmdLine(id, null, `"${node}" x`), 'E_INVALIDARG', 'program NULL, parameters not');
    await rejectsWith(s.b.setNotifyCmdLine(id, 'node', 'node x'), 'E_INVALIDARG', 'relative program');
    await rejectsWith(s.b.setNotifyCmdLine(id, node, `"${join(dirname(node), 'other')}" x`), 'E_INVALIDARG', 'first token is not the program');
    assert.equal(await s.b.getNotifyCmdLine(id), { program: '', parameters: '' }, 'refused calls change nothing');
    const p = `"${node}" --version`;
    await s.b.setNotifyCmdLine(id, node, p);
    assert.equal(await s.b.getNotifyCmdLine(id), { program: node, parameters: p });
    assert.equal((await s.b.getJob(id)).notifyCmdLine, { program: node, parameters: p });
    await s.b.setNotifyCmdLine(id, null, null);
    assert.equal(await s.b.getNotifyCmdLine(id), { program: '', parameters: '' });
    await s.b.cancel(id);
    await rejectsWith(s.b.setNotifyCmdLine(id, node, null), 'BG_E_INVALID_STATE');
  });

  test('the command line runs on TRANSFERRED, without a shell, with Windows argument splitting', async (s) => {
    const marker = join(s.dir, 'transferred.txt');
    const id = await s.b.createJob('notify transferred', JobType.DOWNLOAD);
    const cmd = recorder(marker, id, 'a b', '', 'say "hi"', '$(touch x)');
    await s.b.setNotifyCmdLine(id, cmd.program, cmd.parameters);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/a.bin`, localName: join(s.dir, 'a.bin') }]);
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    await waitFor(() => recorded(marker), 10_000, 'the notify program to run');
    assert.equal(JSON.parse(readFileSync(marker, 'utf8').trim()), [id, 'a b', '', 'say "hi"', '$(touch x)']);
    assert.not.ok(existsSync(join(s.dir, 'x')), 'no shell expanded anything');
  });

  test('the command line runs on ERROR, and when set after the event; BG_NOTIFY_DISABLE stops it', async (s) => {
    const onError = join(s.dir, 'error.txt');
    const failing = await s.b.createJob('notify error', JobType.DOWNLOAD);
    await s.b.addFiles(failing, [{ remoteName: `${s.http.url}/missing.bin`, localName: join(s.dir, 'm.bin') }]);
    const cmd = recorder(onError, 'error');
    await s.b.setNotifyCmdLine(failing, cmd.program, cmd.parameters);
    await s.b.resume(failing);
    await waitState(s.b, failing, 'ERROR');
    await waitFor(() => recorded(onError), 10_000, 'the notify program on ERROR');

    const late = join(s.dir, 'late.txt');
    const done = await s.b.createJob('notify late', JobType.DOWNLOAD);
    await s.b.addFiles(done, [{ remoteName: `${s.http.url}/a.bin`, localName: join(s.dir, 'late.bin') }]);
    await s.b.resume(done);
    await waitState(s.b, done, 'TRANSFERRED');
    const lateCmd = recorder(late, 'late');
    await s.b.setNotifyCmdLine(done, lateCmd.program, lateCmd.parameters);
    await waitFor(() => recorded(late), 10_000, 'a command line set after the event runs');

    const silent = join(s.dir, 'silent.txt');
    const off = await s.b.createJob('notify disabled', JobType.DOWNLOAD);
    await s.b.setProperty(off, 'notifyFlags', NotifyFlags.DISABLE | NotifyFlags.JOB_TRANSFERRED);
    const offCmd = recorder(silent, 'silent');
    await s.b.setNotifyCmdLine(off, offCmd.program, offCmd.parameters);
    await s.b.addFiles(off, [{ remoteName: `${s.http.url}/a.bin`, localName: join(s.dir, 'off.bin') }]);
    await s.b.resume(off);
    await waitState(s.b, off, 'TRANSFERRED');
    const errorOnly = await s.b.createJob('notify error flag only', JobType.DOWNLOAD);
    await s.b.setProperty(errorOnly, 'notifyFlags', NotifyFlags.JOB_ERROR);
    await s.b.setNotifyCmdLine(errorOnly, offCmd.program, offCmd.parameters);
    await s.b.addFiles(errorOnly, [{ remoteName: `${s.http.url}/a.bin`, localName: join(s.dir, 'eo.bin') }]);
    await s.b.resume(errorOnly);
    await waitState(s.b, errorOnly, 'TRANSFERRED');
    await new Promise((r) => setTimeout(r, 1500)); // a program that was (wrongly) started would have written by now
    assert.not.ok(existsSync(silent), 'DISABLE, or a TRANSFERRED event without the TRANSFERRED flag, runs nothing');
    // Enabling the flag afterwards notifies the event that already happened.
    await s.b.setProperty(off, 'notifyFlags', NotifyFlags.JOB_TRANSFERRED);
    await waitFor(() => recorded(silent), 10_000, 'the program runs once the flags allow it');
  });

  test('SetCredentials: validation order and codes (spec §3.7); RemoveCredentials S_OK vs S_FALSE', async (s) => {
    const id = await s.b.createJob('creds', JobType.DOWNLOAD);
    const c = (target: number, scheme: number, userName: string | null, password: string | null) => ({ target, scheme, userName, password });
    await rejectsWith(s.b.setCredentials(id, c(0, 9, 'x'.repeat(301), null)), 'BG_E_INVALID_AUTH_TARGET', 'target first');
    await rejectsWith(s.b.setCredentials(id, c(AuthTarget.SERVER, 9, 'x'.repeat(301), null)), 'BG_E_INVALID_AUTH_SCHEME', 'then scheme');
    await rejectsWith(s.b.setCredentials(id, c(AuthTarget.SERVER, AuthScheme.BASIC, 'x'.repeat(LIMITS.userNameMax + 1), 'p'.repeat(LIMITS.passwordMax + 1))), 'BG_E_USERNAME_TOO_LARGE', 'then user name');
    await rejectsWith(s.b.setCredentials(id, c(AuthTarget.SERVER, AuthScheme.BASIC, 'u', 'p'.repeat(LIMITS.passwordMax + 1))), 'BG_E_PASSWORD_TOO_LARGE', 'then password');
    await rejectsWith(s.b.setCredentials(id, c(AuthTarget.SERVER, AuthScheme.BASIC, null, null)), 'E_INVALIDARG', 'Basic needs a user');
    await rejectsWith(s.b.setCredentials(id, c(AuthTarget.PROXY, AuthScheme.DIGEST, 'u', null)), 'E_INVALIDARG', 'Digest needs a password');
    assert.is((await s.b.removeCredentials(id, AuthTarget.SERVER, AuthScheme.BASIC)).name, 'S_FALSE', 'nothing to remove');
    await s.b.setCredentials(id, c(AuthTarget.SERVER, AuthScheme.BASIC, 'alice', 'correct horse'));
    await s.b.setCredentials(id, c(AuthTarget.SERVER, AuthScheme.BASIC, 'alice', 'replaced'));
    await s.b.setCredentials(id, c(AuthTarget.PROXY, AuthScheme.NEGOTIATE, null, null)); // implicit credentials
    await s.b.setCredentials(id, c(AuthTarget.SERVER, AuthScheme.BASIC, 'bob', ''));
    const snap = JSON.stringify(await s.b.getJob(id));
    assert.not.match(snap, /correct horse|replaced/, 'no API returns a password');
    await rejectsWith(s.b.removeCredentials(id, 3, AuthScheme.BASIC), 'BG_E_INVALID_AUTH_TARGET');
    await rejectsWith(s.b.removeCredentials(id, AuthTarget.SERVER, 0), 'BG_E_INVALID_AUTH_SCHEME');
    assert.is((await s.b.removeCredentials(id, AuthTarget.SERVER, AuthScheme.BASIC)).name, 'S_OK');
    assert.is((await s.b.removeCredentials(id, AuthTarget.SERVER, AuthScheme.BASIC)).name, 'S_FALSE', 'one credential per (target, scheme)');
    assert.is((await s.b.removeCredentials(id, AuthTarget.PROXY, AuthScheme.NEGOTIATE)).name, 'S_OK');
    await s.b.cancel(id);
    await rejectsWith(s.b.setCredentials(id, c(AuthTarget.SERVER, AuthScheme.BASIC, 'u', 'p')), 'BG_E_INVALID_STATE');
    await rejectsWith(s.b.removeCredentials(id, AuthTarget.SERVER, AuthScheme.BASIC), 'BG_E_INVALID_STATE');
  });

  test('SetProxySettings / GetProxySettings: round trip, limits and codes (spec §4.1, §11 #6)', async (s) => {
    const id = await s.b.createJob('proxy', JobType.DOWNLOAD);
    assert.equal(await s.b.getProxySettings(id), { usage: ProxyUsage.PRECONFIG, proxyList: null, bypassList: null });
    await s.b.setProxySettings(id, ProxyUsage.OVERRIDE, 'http=proxy:3128 https://secure:443', '<local> *.example.com');
    assert.equal(await s.b.getProxySettings(id), { usage: ProxyUsage.OVERRIDE, proxyList: 'http=proxy:3128 https://secure:443', bypassList: '<local> *.example.com' });
    await rejectsWith(s.b.setProxySettings(id, ProxyUsage.OVERRIDE, null, null), 'E_INVALIDARG', 'OVERRIDE needs a list');
    await rejectsWith(s.b.setProxySettings(id, ProxyUsage.NO_PROXY, 'proxy:1', null), 'E_INVALIDARG', 'lists only with OVERRIDE');
    await rejectsWith(s.b.setProxySettings(id, 7, null, null), 'E_NOTIMPL');
    await rejectsWith(s.b.setProxySettings(id, ProxyUsage.OVERRIDE, 'p'.repeat(LIMITS.proxyListMax + 1), null), 'BG_E_PROXY_LIST_TOO_LARGE');
    await rejectsWith(s.b.setProxySettings(id, ProxyUsage.OVERRIDE, 'proxy:1', 'b'.repeat(LIMITS.proxyListMax + 1)), 'BG_E_PROXY_BYPASS_LIST_TOO_LARGE');
    assert.is((await s.b.getProxySettings(id)).proxyList, 'http=proxy:3128 https://secure:443', 'refused calls change nothing');
    await s.b.setProxySettings(id, ProxyUsage.NO_PROXY, null, null);
    assert.equal((await s.b.getJob(id)).proxy, { usage: ProxyUsage.NO_PROXY, proxyList: null, bypassList: null });
  });

  return test;
}
