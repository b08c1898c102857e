// Server faults through the real service (issue 7): each ends in the state and code of the spec
// (BITS-SPEC §7: 5xx transient except 501/505, 4xx fatal except 408/409; a cut connection transient)
// and recovers when the fault goes away.
//   downloads (the fault fixture): resets mid-body, truncated bodies, a 503 burst, a stall, a 404;
//   uploads (our BITS server): connections cut mid-fragment, the server restarted mid-upload, a 503
//   burst and a 400 from the server application.
// Every transferred file is checked byte for byte, and every upload is published exactly once.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorContext, JobPriority, JobState, JobType } from '../../module/api/enums.js';
import type { JobSnapshotWire } from '../../module/api/types.js';
import { BitsAppError, startBitsServer, type RunningBitsServer } from '../../module/server/index.js';
import { ServiceClient } from '../../module/service/client.js';
import { startThrottleProxy } from '../../scripts/demo-throttle.js';
import { stateOf } from '../helpers/assert-bits.js';
import { contentOf, contentSha256, startFaultServer } from '../helpers/fault-server.js';
import { readLockPid, withService } from '../helpers/service.js';
import { sha256File } from '../helpers/tmp.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Polls until TRANSFERRED or ERROR; returns the last snapshot and every (state, error code) seen on the way. */
async function follow(c: ServiceClient, id: string, timeoutMs = 90_000): Promise<{ last: JobSnapshotWire; seen: Set<string> }> {
  const seen = new Set<string>();
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await c.describeJob(id);
    seen.add(s.error ? `${stateOf(s)} 0x${s.error.hresult.toString(16)}` : stateOf(s));
    if (s.state === JobState.TRANSFERRED || s.state === JobState.ERROR) return { last: s, seen };
    if (Date.now() > until) assert.unreachable(`job ${s.displayName} still ${stateOf(s)} ${JSON.stringify(s.error)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function newJob(c: ServiceClient, name: string, type: number, remote: string, local: string): Promise<string> {
  const id = await c.createJob(name, type);
  await c.setProperty(id, 'priority', JobPriority.FOREGROUND); // all at once
  await c.setProperty(id, 'minimumRetryDelay', 5);
  await c.addFiles(id, [{ remoteName: remote, localName: local }]);
  await c.resume(id);
  return id;
}

test('download faults: resets, truncation, a 503 burst and a stall recover byte-exact; a 404 is ERROR with its code', async () => {
  const web = await startFaultServer();
  const dest = mkdtempSync(join(tmpdir(), 'bj2-rel-dlfault-'));
  const size = 2 * MiB;
  const cases = [
    { name: 'reset.bin', url: `/reset/reset.bin?size=${size}&after=300000&times=3` },
    { name: 'truncated.bin', url: `/truncated/truncated.bin?size=${size}&after=700000&times=2` },
    { name: 'burst.bin', url: `/unavailable/burst.bin?size=${size}&count=2&status=503`, transient: 'TRANSIENT_ERROR 0x801901f7' },
    { name: 'stall.bin', url: `/slow/stall.bin?size=${size}&after=500000&stallMs=4000` },
  ];
  try {
    await withService(async (svc) => {
      const c = await ServiceClient.connect({ stateDir: svc.stateDir });
      svc.track(readLockPid(svc.stateDir)!);
      const ids = await Promise.all(cases.map((k) => newJob(c, k.name, JobType.DOWNLOAD, `${web.url}${k.url}`, join(dest, k.name))));
      const missing = await newJob(c, '404', JobType.DOWNLOAD, `${web.url}/status/404/missing.bin`, join(dest, 'missing.bin'));
      // Followed in parallel from the start, so a short TRANSIENT_ERROR is not missed.
      const followed = ids.map((id) => follow(c, id));
      const followedMissing = follow(c, missing);
      for (const [i, k] of cases.entries()) {
        const { last, seen } = await followed[i]!;
        assert.is(stateOf(last), 'TRANSFERRED', `${k.name}: ${[...seen].join(' → ')} ${JSON.stringify(last.error)}`);
        if (k.transient) assert.ok(seen.has(k.transient), `${k.name}: went through ${k.transient} (saw ${[...seen].join(', ')})`);
        await c.complete(ids[i]!);
        assert.is(await sha256File(join(dest, k.name)), contentSha256(k.name, size), `${k.name}: byte-exact`);
      }
      // The resets and the truncations were resumed with Range, not started over.
      for (const k of ['reset.bin', 'truncated.bin']) {
        assert.ok(web.requests.some((r) => r.url.includes(`/${k}`) && r.range && r.range !== 'bytes=0-'), `${k}: resumed with a Range request`);
      }
      const { last } = await followedMissing;
      assert.is(stateOf(last), 'ERROR');
      assert.is(last.error?.hresult, 0x80190194, 'BG_E_HTTP_ERROR_404');
      assert.is(last.error?.context, ErrorContext.REMOTE_FILE);
      await c.close();
    });
  } finally {
    await web.close();
    rmSync(dest, { recursive: true, force: true });
  }
});

/** A TCP proxy that cuts (RST) its first `cuts` connections after a random number of client bytes, mid-body. */
async function startCuttingProxy(target: () => number, cuts: number, pick: () => number): Promise<{ port: number; cut(): number; close(): Promise<void> }> {
  let n = 0;
  let done = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target(), '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    const budget = n++ < cuts ? pick() : Infinity;
    let forwarded = 0;
    client.on('data', (d: Buffer) => {
      if (forwarded + d.length > budget) {
        upstream.write(d.subarray(0, budget - forwarded));
        done++;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      forwarded += d.length;
      upstream.write(d);
    });
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => done,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

test('upload faults: cut mid-fragment, server restarted mid-upload, a 503 burst recover and publish once; a 400 from the application is ERROR', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-rel-upfault-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  const published = new Map<string, number>();
  let burst = 2;
  const options = {
    root,
    log: (line: string) => {
      const m = /closed: published (.+)$/.exec(line);
      if (m) published.set(m[1]!, (published.get(m[1]!) ?? 0) + 1);
    },
    replyHandler: ({ uploadPath, remoteUrl }: { uploadPath: string; remoteUrl: string }) => {
      if (remoteUrl.endsWith('/burst.bin') && burst-- > 0) throw new BitsAppError(503, 'busy, try later');
      if (remoteUrl.endsWith('/refused.bin')) throw new BitsAppError(400, 'the application rejects this upload');
      return { reply: createHash('sha256').update(readFileSync(uploadPath)).digest('hex'), copyToDestination: true };
    },
  };
  let server: RunningBitsServer = await startBitsServer(options);
  const port = server.port;
  const cutter = await startCuttingProxy(() => port, 3, () => 200 * KiB + Math.floor(Math.random() * MiB));
  const slow = await startThrottleProxy(port, 2 * MiB); // the restart must land mid-upload
  const files = { 'cut.bin': 4 * MiB, 'restart.bin': 8 * MiB, 'burst.bin': 256 * KiB, 'refused.bin': 64 * KiB };
  for (const [name, size] of Object.entries(files)) writeFileSync(join(dir, name), contentOf(name, size));
  try {
    await withService(async (svc) => {
      const c = await ServiceClient.connect({ stateDir: svc.stateDir });
      svc.track(readLockPid(svc.stateDir)!);
      const via = (name: string) => `http://127.0.0.1:${name === 'cut.bin' ? cutter.port : name === 'restart.bin' ? slow.port : port}/${name}`;
      const ids = Object.fromEntries(await Promise.all(Object.keys(files).map(async (n) => [n, await newJob(c, n, JobType.UPLOAD_REPLY, via(n), join(dir, n))] as const)));
      const followed = Object.fromEntries(Object.entries(ids).map(([n, id]) => [n, follow(c, id)]));

      // Restart the server once the restart.bin upload is under way: sessions persist on disk.
      const until = Date.now() + 60_000;
      while ((await c.describeJob(ids['restart.bin']!)).progress.bytesTransferred < 2 * MiB) {
        if (Date.now() > until) assert.unreachable('restart.bin never got going');
        await new Promise((r) => setTimeout(r, 25));
      }
      await server.close();
      await new Promise((r) => setTimeout(r, 1000));
      server = await startBitsServer({ ...options, port });

      for (const name of ['cut.bin', 'restart.bin', 'burst.bin']) {
        const { last, seen } = await followed[name]!;
        assert.is(stateOf(last), 'TRANSFERRED', `${name}: ${[...seen].join(' → ')} ${JSON.stringify(last.error)}`);
        if (name === 'burst.bin') assert.ok(seen.has('TRANSIENT_ERROR 0x801901f7'), `503 from the application is transient (saw ${[...seen].join(', ')})`);
        if (name === 'restart.bin') assert.ok([...seen].some((s) => s.startsWith('TRANSIENT_ERROR')), `the restart was noticed as transient (saw ${[...seen].join(', ')})`);
        const digest = createHash('sha256').update(contentOf(name, files[name as keyof typeof files])).digest('hex');
        assert.is(Buffer.from(await c.getReplyData(ids[name]!), 'base64').toString(), digest, `${name}: the reply names the exact bytes`);
        await c.complete(ids[name]!);
        assert.is(await sha256File(join(root, name)), digest, `${name}: published byte-exact`);
        assert.is(published.get(join(root, name)), 1, `${name}: published once`);
      }
      assert.ok(cutter.cut() >= 1, 'connections were really cut');
      const { last } = await followed['refused.bin']!;
      assert.is(stateOf(last), 'ERROR');
      assert.is(last.error?.hresult, 0x80190190, 'BG_E_HTTP_ERROR_400');
      assert.is(last.error?.context, ErrorContext.REMOTE_APPLICATION);
      assert.is(published.get(join(root, 'refused.bin')), undefined, 'nothing published for a refused upload');
      await c.close();
    });
  } finally {
    await cutter.close();
    await slow.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
