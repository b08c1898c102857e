// Asks Wine's BITS every operation of the Backend port once, through the real chain (node.exe under
// wine64 → NativeBackend → edge-js → bridge), and prints one JSON line per answer: what the
// README's table of Wine's answers is made from (`node dist/test/wine/probe.js` under the lane's
// environment: test/helpers/wine.ts runNodeUnderWine). A loopback HTTP server of its own serves
// /a.bin (64 KiB); /missing.bin is a 404. Not a test: test/wine-native.test.ts asserts the rows.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend } from '../../module/core/select-backend.js';
import { startGateServer, pseudoRandomBytes } from '../helpers/gate-server.js';
import { waitJob } from '../helpers/assert-bits.js';

const b = await openBackend('native');
const http = await startGateServer();
http.set('/a.bin', { body: pseudoRandomBytes(65536, 7) });
const dir = mkdtempSync(join(tmpdir(), 'bj2-probe-'));
const out: Record<string, unknown> = {};
async function ask(name: string, call: () => Promise<unknown>): Promise<unknown> {
  try {
    const r = await call();
    out[name] = { ok: r === undefined ? null : r };
    return r;
  } catch (e) {
    const x = e as { code?: string; hresultHex?: string; message?: string };
    out[name] = { error: x.code, hresult: x.hresultHex, message: x.message?.slice(0, 160) };
    return undefined;
  }
}
const id = (await ask('createJob(download)', () => b.createJob('probe', 0))) as string;
await ask('createJob(name 257)', () => b.createJob('n'.repeat(257), 0));
await ask('createJob(type 9)', () => b.createJob('t', 9));
await ask('getJob(fresh)', () => b.getJob(id));
await ask('getJob(unknown)', () => b.getJob('00000000-0000-0000-0000-000000000000'));
for (const [p, v] of [['displayName', 'x'], ['description', 'd'], ['priority', 3], ['minimumRetryDelay', 1], ['noProgressTimeout', 0], ['notifyFlags', 0x3f], ['priority', 4], ['notifyFlags', 0x40], ['description', 'd'.repeat(1025)], ['displayName', 'x'.repeat(257)]] as const)
  await ask(`setProperty(${p}, ${String(v).slice(0, 8)}${String(v).length > 8 ? '…' : ''})`, () => b.setProperty(id, p, v));
await ask('getJob(after sets)', () => b.getJob(id));
await ask('setProxySettings(OVERRIDE)', () => b.setProxySettings(id, 2, 'http://p:8080', null));
await ask('getProxySettings', () => b.getProxySettings(id));
await ask('setNotifyCmdLine', () => b.setNotifyCmdLine(id, 'C:\\windows\\system32\\cmd.exe', 'cmd.exe /c echo'));
await ask('getNotifyCmdLine', () => b.getNotifyCmdLine(id));
await ask('getReplyProgress(download)', () => b.getReplyProgress(id));
await ask('getReplyData(download)', () => b.getReplyData(id));
await ask('getReplyFileName(download)', () => b.getReplyFileName(id));
await ask('setReplyFileName(download)', () => b.setReplyFileName(id, 'C:\\x'));
await ask('takeOwnership', () => b.takeOwnership(id));
await ask('suspend', () => b.suspend(id));
await ask('resume(0 files)', () => b.resume(id));
await ask('getErrorDescription(BG_E_NOT_FOUND)', () => b.getErrorDescription(0x80200001));
await ask('addFiles(relative)', () => b.addFiles(id, [{ remoteName: `${http.url}/a.bin`, localName: 'rel/x.bin' }]));
await ask('addFiles(ftp)', () => b.addFiles(id, [{ remoteName: 'ftp://127.0.0.1/x', localName: join(dir, 'ftp.bin') }]));
await ask('setCredentials(server basic)', () => b.setCredentials(id, { target: 1, scheme: 1, userName: 'u', password: 'p' }));
await ask('setCredentials(target 3)', () => b.setCredentials(id, { target: 3, scheme: 1, userName: 'u', password: 'p' }));
await ask('setCredentials(scheme 9)', () => b.setCredentials(id, { target: 1, scheme: 9, userName: 'u', password: 'p' }));
await ask('setCredentials(user 300)', () => b.setCredentials(id, { target: 1, scheme: 1, userName: 'u'.repeat(300), password: 'p' }));
await ask('removeCredentials(set)', () => b.removeCredentials(id, 1, 1));
await ask('removeCredentials(unset)', () => b.removeCredentials(id, 2, 3));
await ask('listFiles', () => b.listFiles(id));
await ask('cancel(suspended)', () => b.cancel(id));
await ask('getJob(cancelled)', () => b.getJob(id));
await ask('cancel(again)', () => b.cancel(id));

const up = (await ask('createJob(upload)', () => b.createJob('up', 1))) as string;
const src = join(dir, 'src.bin');
writeFileSync(src, 'payload');
await ask('addFiles(upload 1)', () => b.addFiles(up, [{ remoteName: `${http.url}/upload`, localName: src }]));
await ask('addFiles(upload 2)', () => b.addFiles(up, [{ remoteName: `${http.url}/upload2`, localName: src }]));
await ask('complete(upload, SUSPENDED)', () => b.complete(up));
const reply = (await ask('createJob(upload-reply)', () => b.createJob('reply', 2))) as string;
await ask('getJob(upload-reply)', () => b.getJob(reply));
await ask('getReplyFileName(upload-reply)', () => b.getReplyFileName(reply));

const dl = (await b.createJob('dl', 0)) as string;
await b.addFiles(dl, [{ remoteName: `${http.url}/a.bin`, localName: join(dir, 'a.bin') }]);
await ask('resume(download)', () => b.resume(dl));
await waitJob(b, dl, (j) => j.state === 6, 'TRANSFERRED', 20000).catch(() => undefined);
await ask('getJob(TRANSFERRED)', () => b.getJob(dl));
await ask('getError(TRANSFERRED)', () => b.getError(dl));
await ask('listFiles(TRANSFERRED)', () => b.listFiles(dl));
await ask('complete', () => b.complete(dl));
await ask('complete(again)', () => b.complete(dl));
await ask('getJob(ACKNOWLEDGED)', () => b.getJob(dl));
await ask('listJobs', async () => (await b.listJobs()).length);

const bad = (await b.createJob('404', 0)) as string;
await b.addFiles(bad, [{ remoteName: `${http.url}/missing.bin`, localName: join(dir, 'm.bin') }]);
await b.resume(bad);
await waitJob(b, bad, (j) => j.state === 4, 'ERROR', 20000).catch(() => undefined);
await ask('getJob(ERROR)', () => b.getJob(bad));
await ask('getError(404)', () => b.getError(bad));
await ask('suspend(ERROR)', () => b.suspend(bad));
await ask('cancel(ERROR)', () => b.cancel(bad));

const refused = (await b.createJob('refused', 0)) as string;
await b.addFiles(refused, [{ remoteName: 'http://127.0.0.1:9/a.bin', localName: join(dir, 'r.bin') }]);
await b.resume(refused);
await waitJob(b, refused, (j) => j.state === 4 || j.state === 5, 'ERROR/TRANSIENT_ERROR', 30000).catch(() => undefined);
await ask('getJob(refused)', () => b.getJob(refused));
await ask('getError(refused)', () => b.getError(refused));
await ask('cancel(refused)', () => b.cancel(refused));
for (const [k, v] of Object.entries(out)) console.log(JSON.stringify({ op: k, ...(v as object) }));
await http.close();
process.exit(0);
