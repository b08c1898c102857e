// The Wine bodies of the IBackgroundCopyJob2 contract's rows (test/contract/job2-contract.ts):
// Wine stubs the notify command line and the proxy settings (E_NOTIMPL), validates credentials'
// target and scheme but no lengths or required fields, and RemoveCredentials is always S_OK.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { AuthScheme, AuthTarget, JobType, ProxyUsage } from '../../module/api/enums.js';
import { LIMITS } from '../../module/api/limits.js';
import type { Backend } from '../../module/api/port.js';
import { rejectsWith, waitState } from '../helpers/assert-bits.js';
import type { GateServer } from '../helpers/gate-server.js';
import type { ContractContext } from './contract-suite.js';
import { wineCancel, wineStub, type WineRow } from './wine-aware.js';

interface S { ctx: ContractContext; b: Backend; http: GateServer; dir: string }

/** The notify command line is a stub: set and get answer E_NOTIMPL, on any job and in any state; nothing runs. */
const notifyStub: WineRow<S> = async (s, w) => {
  const id = await s.b.createJob('notify', JobType.DOWNLOAD);
  await wineStub(w, 'setNotifyCmdLine', s.b.setNotifyCmdLine(id, 'C:\\windows\\system32\\cmd.exe', 'cmd.exe /c exit'));
  await wineStub(w, 'getNotifyCmdLine', s.b.getNotifyCmdLine(id));
  await s.b.addFiles(id, [{ remoteName: `${s.http.url}/a.bin`, localName: join(s.dir, 'n.bin') }]);
  await s.b.resume(id);
  await waitState(s.b, id, 'TRANSFERRED');
  await wineStub(w, 'setNotifyCmdLine', s.b.setNotifyCmdLine(id, null, null));
  assert.not.ok(existsSync(join(s.dir, 'transferred.txt')));
};

export const WINE_JOB2_ROWS: Record<string, WineRow<S>> = {
  'SetNotifyCmdLine: limits, codes and round trip; NULL/NULL removes; "" when unset': notifyStub,
  'the command line runs on TRANSFERRED, without a shell, with Windows argument splitting': notifyStub,
  'the command line runs on ERROR, and when set after the event; BG_NOTIFY_DISABLE stops it': notifyStub,
  'SetCredentials: validation order and codes (spec §3.7); RemoveCredentials S_OK vs S_FALSE': async (s, w) => {
    const id = await s.b.createJob('creds', JobType.DOWNLOAD);
    const c = (target: number, scheme: number, userName: string | null, password: string | null) => ({ target, scheme, userName, password });
    await rejectsWith(s.b.setCredentials(id, c(0, 9, 'x'.repeat(301), null)), 'BG_E_INVALID_AUTH_TARGET', 'target first');
    await rejectsWith(s.b.setCredentials(id, c(AuthTarget.SERVER, 9, 'x'.repeat(301), null)), 'BG_E_INVALID_AUTH_SCHEME', 'then scheme');
    // Wine checks no lengths and no required user/password: all accepted.
    await s.b.setCredentials(id, c(AuthTarget.SERVER, AuthScheme.BASIC, 'x'.repeat(LIMITS.userNameMax + 1), 'p'.repeat(LIMITS.passwordMax + 1)));
    await s.b.setCredentials(id, c(AuthTarget.SERVER, AuthScheme.BASIC, null, null));
    await s.b.setCredentials(id, c(AuthTarget.PROXY, AuthScheme.DIGEST, 'u', null));
    await s.b.setCredentials(id, c(AuthTarget.SERVER, AuthScheme.BASIC, 'alice', 'correct horse'));
    assert.not.match(JSON.stringify(await s.b.getJob(id)), /correct horse/, 'no API returns a password');
    await rejectsWith(s.b.removeCredentials(id, 3, AuthScheme.BASIC), 'BG_E_INVALID_AUTH_TARGET');
    await rejectsWith(s.b.removeCredentials(id, AuthTarget.SERVER, 0), 'BG_E_INVALID_AUTH_SCHEME');
    assert.is((await s.b.removeCredentials(id, AuthTarget.SERVER, AuthScheme.BASIC)).name, w.removeCredentialsCode);
    assert.is((await s.b.removeCredentials(id, AuthTarget.SERVER, AuthScheme.BASIC)).name, w.removeCredentialsCode, 'Wine: S_OK, not S_FALSE, when nothing is left');
    assert.is((await s.b.removeCredentials(id, AuthTarget.PROXY, AuthScheme.NEGOTIATE)).name, w.removeCredentialsCode, 'never set');
    await wineCancel(w, s.b, id);
  },
  'SetProxySettings / GetProxySettings: round trip, limits and codes (spec §4.1, §11 #6)': async (s, w) => {
    const id = await s.b.createJob('proxy', JobType.DOWNLOAD);
    await wineStub(w, 'getProxySettings', s.b.getProxySettings(id));
    await wineStub(w, 'setProxySettings', s.b.setProxySettings(id, ProxyUsage.OVERRIDE, 'http=proxy:3128', '<local>'));
    await wineStub(w, 'setProxySettings', s.b.setProxySettings(id, ProxyUsage.OVERRIDE, null, null));
    const j = await s.b.getJob(id);
    assert.is(j.proxy, null);
    assert.is(j.unavailable?.proxy?.name, w.unavailable.proxy!.name);
  },
};
