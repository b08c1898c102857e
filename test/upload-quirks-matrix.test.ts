// Our upload client (the engine's worker, module/engine/upload-worker.ts, retried at once on a
// transient error as the engine would after its delay) against every quirk of test/helpers/
// quirks-server.ts × 0 B, 1 B, 1 MiB and 37 MiB, directly and — where the quirk survives a
// proxy — through a real squid. Every upload must end delivered: published byte-exact, once, in a
// bounded number of attempts, with the session id echoed byte for byte and our protocol GUID
// offered exactly. Scenarios combine quirks that provoke each other (resets make resumes, resumes
// make 416s, 416s show the error-answer quirks).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProxyUsage } from '../module/api/enums.js';
import { makeUploadFile, type UploadFileFixture } from './helpers/bits-fixture-server.js';
import { PROTOCOL_GUID, startQuirksServer, type Quirks, type QuirksServer } from './helpers/quirks-server.js';
import { startSquid, type SquidServer } from './helpers/squid.js';
import { makeTmpDir } from './helpers/tmp.js';
import { driveUpload, type DriveResult } from './helpers/upload-driver.js';

const MiB = 1024 * 1024;
const SIZES = [0, 1, MiB, 37 * MiB];

interface Scenario {
  name: string;
  quirks: Quirks;
  /** Survives a proxy: a proxy pools its own server connections, so per-connection state and single-threading do not. */
  viaProxy: boolean;
  /** The first packets of every upload went over one connection. */
  oneConnection?: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'session per connection, lost session = 400 HTML', quirks: { sessionPerConnection: true, lostSessionStatus: 400, errorBodies: 'html' }, viaProxy: false, oneConnection: true },
  { name: 'single-threaded', quirks: { singleThreaded: true }, viaProxy: false, oneConnection: true },
  { name: 'decimal session ids', quirks: { sessionIds: 'decimal' }, viaProxy: true },
  { name: 'negative decimal session ids', quirks: { sessionIds: 'negative' }, viaProxy: true },
  { name: 'bare lower-case uuid session ids', quirks: { sessionIds: 'uuid' }, viaProxy: true },
  { name: '{UPPER-CASE} guid session ids', quirks: { sessionIds: 'braced-upper' }, viaProxy: true },
  { name: 'range only misspelled, 416 on duplicates, resets', quirks: { misspelledRange: true, strict416: true, resetEvery: 3 }, viaProxy: true },
  { name: 'no range at all, 416 on duplicates, resets', quirks: { noRange: true, strict416: true, resetEvery: 3 }, viaProxy: true },
  { name: 'errors without Content-Length on keep-alive', quirks: { noContentLengthOnErrors: true, strict416: true, resetEvery: 3 }, viaProxy: true },
  { name: 'HTML error pages without BITS headers', quirks: { errorBodies: 'html', strict416: true, resetEvery: 3 }, viaProxy: true },
  { name: 'plain-text errors, BITS-Error-Code without 0x and 0', quirks: { errorBodies: 'plain', bareErrorCodes: true, strict416: true, resetEvery: 3 }, viaProxy: true },
  { name: 'resets without a response', quirks: { resetEvery: 2 }, viaProxy: true },
  { name: 'requests never answered', quirks: { silentEvery: 4 }, viaProxy: false },
  { name: 'Ping 200 + BITS-Error-Code 1, exact protocol GUID, empty fragments reset', quirks: { pingCodeOne: true, exactProtocols: true, resetEmptyFragment: true, resetEvery: 2 }, viaProxy: true },
];

const tmp = await makeTmpDir('bits-quirks');
const files = new Map<number, UploadFileFixture>();
for (const size of SIZES) files.set(size, await makeUploadFile(tmp.file(`f${size}.bin`), size));
const squid: SquidServer = await startSquid();
test.after(async () => {
  await squid.stop();
  await tmp.cleanup();
});

let uploads = 0;
let attemptsTotal = 0;
const started = Date.now();

async function check(server: QuirksServer, sc: Scenario, size: number, proxied: boolean): Promise<void> {
  const f = files.get(size)!;
  const path = `/${proxied ? 'p' : 'd'}/${sc.name.replace(/\W+/g, '-')}/${size}.bin`;
  const mark = server.requests.length;
  const what = `${sc.name}, ${size} B${proxied ? ', via squid' : ''}`;
  // Never-answered requests cost a response timeout each: keep it short; squid needs a little more.
  const timeout = sc.quirks.silentEvery ? 400 : 10_000;
  let result: DriveResult;
  try {
    result = await driveUpload({
    url: server.url(path),
    localPath: f.path,
    requestTimeoutMs: timeout,
    responseTimeoutMs: timeout,
    maxAttempts: 12,
    ...(proxied ? { transport: { proxy: { usage: ProxyUsage.OVERRIDE, proxyList: `${squid.host}:${squid.port}`, bypassList: null }, credentials: [] } } : {}),
    });
  } catch (e) {
    return assert.unreachable(`${what}: ${(e as Error).message}`);
  }
  uploads++;
  attemptsTotal += result.attempts;
  const published = server.files.get(path);
  assert.ok(published, `${what}: published`);
  assert.ok(published!.equals(readFileSync(f.path)), `${what}: byte-exact`);
  assert.is(server.publications.get(path), 1, `${what}: published once`);
  assert.is(result.job.upload!.closed, true, `${what}: the job is done with the server`);
  const mine = server.requests.slice(mark);
  for (const r of mine) {
    if (r.sessionId !== undefined) assert.ok(server.issuedIds.includes(r.sessionId), `${what}: session id "${r.sessionId}" echoed byte for byte`);
    if (r.packetType === 'create-session') assert.is(r.supportedProtocols, PROTOCOL_GUID, `${what}: our GUID, exactly`);
  }
  if (size === 0) assert.is(mine.filter((r) => r.packetType === 'fragment').length, 0, `${what}: no Fragment for 0 bytes`);
  if (sc.oneConnection) {
    assert.is(new Set(mine.map((r) => r.connection)).size, 1, `${what}: one connection from Create-Session to Close-Session`);
    assert.is(mine.at(-1)!.packetType, 'close-session', `${what}: ends with Close-Session`);
  }
}

for (const sc of SCENARIOS) {
  test(`quirk: ${sc.name} — 0 B, 1 B, 1 MiB, 37 MiB${sc.viaProxy ? ', and via squid' : ''}`, async () => {
    const server = await startQuirksServer(sc.quirks);
    try {
      for (const size of SIZES) await check(server, sc, size, false);
      if (sc.viaProxy) for (const size of SIZES) await check(server, sc, size, true);
      if (sc.quirks.pingCodeOne) assert.ok(server.requests.some((r) => r.packetType === 'ping' && r.status === 200), 'a resume pinged and took the 200 with code 1 as success');
      if (sc.quirks.resetEvery || sc.quirks.silentEvery) assert.ok(server.requests.some((r) => r.packetType === 'ping'), 'dropped connections were resumed with a Ping');
      if (sc.quirks.strict416) assert.ok(server.requests.some((r) => r.status === 416), 'the quirk was exercised: a 416');
      // Closed right after Close-Session: no idle socket left behind (direct connections only: squid keeps its own).
      if (!sc.viaProxy) {
        const deadline = Date.now() + 2000;
        while (server.openConnections() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.is(server.openConnections(), 0, 'no connection left open');
      }
    } finally {
      await server.close();
    }
  });
}

test('single-threaded server: two uploads at once both finish (neither parks an idle socket)', async () => {
  const server = await startQuirksServer({ singleThreaded: true });
  try {
    const f = files.get(MiB)!;
    const [a, b] = await Promise.all(['/a.bin', '/b.bin'].map((p) => driveUpload({ url: server.url(p), localPath: f.path, maxAttempts: 1 })));
    assert.is(a!.attempts + b!.attempts, 2);
    for (const p of ['/a.bin', '/b.bin']) assert.ok(server.files.get(p)!.equals(readFileSync(f.path)), p);
  } finally {
    await server.close();
  }
});

test('session per connection: the old client behaviour (Close on a new connection) is what makes such a server refuse; ours never does', async () => {
  const server = await startQuirksServer({ sessionPerConnection: true, lostSessionStatus: 400 });
  try {
    const f = files.get(MiB)!;
    await driveUpload({ url: server.url('/x.bin'), localPath: f.path, maxAttempts: 1 });
    const closes = server.requests.filter((r) => r.packetType === 'close-session');
    assert.equal(closes.map((r) => r.status), [200], 'Close-Session answered 200 on the session connection');
    // A second upload of the same URL works (the server only refuses after an orphaned session).
    await driveUpload({ url: server.url('/x.bin'), localPath: f.path, maxAttempts: 1 });
    assert.is(server.publications.get('/x.bin'), 2);
  } finally {
    await server.close();
  }
  console.log(`    quirks matrix: ${SCENARIOS.length} scenarios, ${uploads} uploads (${attemptsTotal} attempts), ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test.run();
