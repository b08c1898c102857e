// The service as users run it: real `main.js` processes started by ServiceClient, the real portable
// engine, client processes that come and go, kill -9, and garbage on the socket.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BitsError } from '../module/api/bits-error.js';
import { rejectsWith } from './helpers/assert-bits.js';
import { ServiceClient } from '../module/service/client.js';
import { serviceStatus, startService, stopService } from '../module/service/control.js';
import { encodeMessage, LineReader, parseResponse, type RpcResponse } from '../module/service/rpc.js';
import { CLIENT_URL, isAlive, MAIN_JS, readLockPid, runNode, runProcess, servicePids, waitFor, withService } from './helpers/service.js';

test('the first client starts the service: its own process, lock with its pid, dir 0700, socket 0600', async () => {
  await withService(async (ctx) => {
    assert.not.ok(existsSync(ctx.socketPath));
    const c = await ServiceClient.connect({ stateDir: ctx.stateDir });
    const pid = c.service!.pid;
    ctx.track(pid);
    try {
      assert.is.not(pid, process.pid);
      assert.ok(isAlive(pid));
      assert.is(c.service!.stateDir, ctx.stateDir);
      assert.is(readLockPid(ctx.stateDir), pid);
      assert.equal(servicePids(ctx.stateDir), [pid]);
      assert.is(statSync(ctx.stateDir).mode & 0o777, 0o700);
      assert.ok(statSync(ctx.socketPath).isSocket());
      assert.is(statSync(ctx.socketPath).mode & 0o777, 0o600);
      assert.is(statSync(ctx.lockPath).mode & 0o777, 0o600);
      const id = await c.createJob('first', 0);
      assert.is((await c.getJob(id)).displayName, 'first');
      assert.match(readFileSync(ctx.logPath, 'utf8'), `started: pid ${pid}`);
    } finally {
      await c.close();
    }
    // close() leaves the service running.
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(isAlive(pid));
    const st = await serviceStatus(ctx.stateDir);
    assert.is(st.running, true);
    assert.is(st.pid, pid);
  });
});

test('clients racing to start the service (5 processes + 2 in-process) all end up on one service', async () => {
  await withService(async (ctx) => {
    const script = `
      import { ServiceClient } from ${JSON.stringify(CLIENT_URL)};
      const start = Number(process.argv[2]);
      while (Date.now() < start) {}
      const c = await ServiceClient.connect({ stateDir: process.argv[1] });
      const info = await c.ping();
      await c.close();
      process.stdout.write(String(info.pid));`;
    const start = String(Date.now() + 800);
    const [children, inProc] = await Promise.all([
      Promise.all(Array.from({ length: 5 }, () => runNode(script, [ctx.stateDir, start]))),
      (async () => {
        while (Date.now() < Number(start)) await new Promise((r) => setTimeout(r, 5));
        return Promise.all([ServiceClient.connect({ stateDir: ctx.stateDir }), ServiceClient.connect({ stateDir: ctx.stateDir })]);
      })(),
    ]);
    const pids = new Set<number>();
    for (const r of children) {
      assert.is(r.code, 0, r.stderr);
      pids.add(Number(r.stdout));
    }
    for (const c of inProc) {
      pids.add(c.service!.pid);
      await c.close();
    }
    for (const p of pids) ctx.track(p);
    assert.is(pids.size, 1, `several services: ${[...pids].join(', ')}`);
    const [pid] = pids;
    // The instances that lost the lock race exit; one service remains.
    await waitFor(() => servicePids(ctx.stateDir).length === 1, 5000, 'the losing instances to exit');
    assert.equal(servicePids(ctx.stateDir), [pid]);
    assert.is(readLockPid(ctx.stateDir), pid);
  });
});

test('a job created by a client process that exited is still there for the next client', async () => {
  await withService(async (ctx) => {
    const script = `
      import { ServiceClient } from ${JSON.stringify(CLIENT_URL)};
      const c = await ServiceClient.connect({ stateDir: process.argv[1] });
      const id = await c.createJob('made by a process that exits', 0);
      await c.setProperty(id, 'description', 'left behind on purpose');
      await c.setProperty(id, 'priority', 3);
      await c.close();
      process.stdout.write(id);`;
    const r = await runNode(script, [ctx.stateDir]);
    assert.is(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.ok(id.length > 0);
    const c = await ServiceClient.connect({ stateDir: ctx.stateDir });
    ctx.track(c.service!.pid);
    try {
      const snap = await c.getJob(id);
      assert.is(snap.displayName, 'made by a process that exits');
      assert.is(snap.description, 'left behind on purpose');
      assert.is(snap.priority, 3);
      assert.ok((await c.listJobs()).some((j) => j.id === snap.id));
    } finally {
      await c.close();
    }
  });
});

test('service start/status/stop: stop ends the process and removes socket and lock', async () => {
  await withService(async (ctx) => {
    assert.is((await serviceStatus(ctx.stateDir)).running, false);
    const started = await startService(ctx.stateDir);
    ctx.track(started.pid);
    assert.is(started.alreadyRunning, false);
    assert.ok(isAlive(started.pid));
    assert.equal(await startService(ctx.stateDir), { pid: started.pid, alreadyRunning: true });
    const st = await serviceStatus(ctx.stateDir);
    assert.equal(
      { running: st.running, pid: st.pid, socketPath: st.socketPath, stateDir: st.stateDir },
      { running: true, pid: started.pid, socketPath: ctx.socketPath, stateDir: ctx.stateDir },
    );
    assert.type(st.version, 'string');
    assert.type(st.startedAt, 'string');

    assert.equal(await stopService(ctx.stateDir), { stopped: true, pid: started.pid });
    assert.not.ok(isAlive(started.pid));
    assert.not.ok(existsSync(ctx.socketPath), 'socket left behind');
    assert.not.ok(existsSync(ctx.lockPath), 'lock left behind');
    assert.match(readFileSync(ctx.logPath, 'utf8'), /shutdown requested[\s\S]*stopped/);
    assert.is((await serviceStatus(ctx.stateDir)).running, false);
    assert.equal(await stopService(ctx.stateDir), { stopped: false });
  });
});

test('SIGTERM stops the service cleanly (engine closed, socket and lock removed)', async () => {
  await withService(async (ctx) => {
    const { pid } = await startService(ctx.stateDir);
    ctx.track(pid);
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !isAlive(pid), 10_000, 'the service to exit on SIGTERM');
    assert.not.ok(existsSync(ctx.socketPath));
    assert.not.ok(existsSync(ctx.lockPath));
    const log = readFileSync(ctx.logPath, 'utf8');
    assert.match(log, 'stopping: SIGTERM');
    assert.match(log, /\] stopped\n/);
  });
});

test('kill -9: a poll loop rides through, the next call starts a new service, the job keeps its properties', async () => {
  await withService(async (ctx) => {
    const c = await ServiceClient.connect({ stateDir: ctx.stateDir });
    const pid1 = c.service!.pid;
    ctx.track(pid1);
    try {
      const id = await c.createJob('survivor', 0);
      await c.setProperty(id, 'description', 'kept across kill -9');
      await c.setProperty(id, 'priority', 1);
      await c.setProperty(id, 'minimumRetryDelay', 120);
      await c.setProperty(id, 'noProgressTimeout', 900);
      await c.addFiles(id, [{ remoteName: 'http://127.0.0.1:9/file.bin', localName: join(ctx.stateDir, 'file.bin') }]);
      const before = await c.getJob(id);

      // A `transfer`-style poll loop: read-only calls, back to back.
      let polls = 0;
      let stop = false;
      const errors: unknown[] = [];
      const loop = (async () => {
        while (!stop) {
          try {
            await c.getJob(id);
            polls++;
          } catch (e) {
            errors.push(e);
            return;
          }
        }
      })();
      await waitFor(() => polls >= 5, 5000, 'polls before the kill');
      process.kill(pid1, 'SIGKILL');
      await waitFor(() => !isAlive(pid1), 5000, 'the service to die');
      const atKill = polls;
      await waitFor(() => polls >= atKill + 5 || errors.length > 0, 15_000, 'polls after the restart');
      stop = true;
      await loop;
      assert.equal(errors, [], 'a read-only poll failed across the restart');

      const pid2 = (await c.ping()).pid;
      ctx.track(pid2);
      assert.is.not(pid2, pid1);
      assert.ok(isAlive(pid2));
      assert.is(readLockPid(ctx.stateDir), pid2);
      const after = await c.getJob(id);
      for (const k of ['id', 'displayName', 'description', 'priority', 'minimumRetryDelay', 'noProgressTimeout', 'type', 'state'] as const) {
        assert.equal(after[k], before[k], k);
      }
      assert.equal(after.times.creationTime, before.times.creationTime);
      assert.equal((await c.listFiles(id)).map((f) => f.remoteName), ['http://127.0.0.1:9/file.bin']);

      // Kill again while idle: the next call that changes something also restarts the service.
      process.kill(pid2, 'SIGKILL');
      await waitFor(() => !isAlive(pid2), 5000, 'the second service to die');
      await c.setProperty(id, 'description', 'changed after the second kill');
      const pid3 = c.service!.pid;
      ctx.track(pid3);
      assert.ok(pid3 !== pid1 && pid3 !== pid2);
      assert.is((await c.getJob(id)).description, 'changed after the second kill');
    } finally {
      await c.close();
    }
  });
});

test('a second main.js for the same state dir exits non-zero and leaves the running one alone', async () => {
  await withService(async (ctx) => {
    const { pid } = await startService(ctx.stateDir);
    ctx.track(pid);
    const r = await runProcess(process.execPath, [MAIN_JS, '--state-dir', ctx.stateDir]);
    assert.is(r.code, 2, `exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, 'already running');
    assert.match(r.stderr, `pid ${pid}`);
    assert.is(readLockPid(ctx.stateDir), pid);
    const st = await serviceStatus(ctx.stateDir);
    assert.is(st.running, true);
    assert.is(st.pid, pid);
    assert.ok(existsSync(ctx.socketPath));
  });
});

/** Deterministic PRNG (mulberry32): a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fuzzLines(seed: number, jobId: string, count: number): Buffer[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const readOnly = ['getJob', 'listJobs', 'describeJob', 'listFiles', 'getError', 'getProxySettings', 'getNotifyCmdLine', 'getReplyProgress', 'getReplyFileName', 'getErrorDescription', 'getReplyData', 'ping'];
  const odd = [
    '{"id":1,"method":"getJob","params":[{"__proto__":{"polluted":1}}]}',
    '{"id":2,"method":"getJob","params":[123]}',
    '{"id":3,"method":"getJob","params":[null]}',
    '{"id":4,"method":"getJob","params":[[],{},true]}',
    '{"id":5,"method":"listJobs","params":["x",1,2,3]}',
    '{"id":6,"method":"getErrorDescription","params":["not a number"]}',
    '{"id":7,"method":"getErrorDescription","params":[1e308]}',
    '{"id":8,"method":"getReplyData","params":[]}',
    '{"id":9,"method":"describeJob","params":["' + 'z'.repeat(10_000) + '"]}',
    '{"id":10,"method":"constructor","params":[]}',
    '{"id":11,"method":"__proto__","params":[]}',
    '{"id":12,"method":"close","params":[]}',
    '{"id":13,"method":"getJob","params":null}',
    '{"id":-1,"method":"getJob","params":["' + jobId + '"]}',
    '{"id":"s","method":"listFiles","params":["' + jobId + '"]}',
    '[' + '['.repeat(50_000) + ']'.repeat(50_000) + ']',
    '{"id":14,"method":"getJob","params":["\\ud800"]}',
    '{"id":15,"method":"getJob","params":["' + jobId + '"],"extra":{"a":[1,2,{"b":null}]}}',
  ];
  const lines: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const kind = rnd();
    let buf: Buffer;
    if (kind < 0.25) {
      // Random bytes (invalid UTF-8 included), no newline, never blank.
      const n = 1 + Math.floor(rnd() * 300);
      buf = Buffer.alloc(n);
      for (let k = 0; k < n; k++) {
        let b = Math.floor(rnd() * 256);
        if (b === 0x0a) b = 0x0b;
        buf[k] = b;
      }
      buf[0] = 0x78;
    } else if (kind < 0.35) {
      buf = Buffer.from(pick(odd));
    } else {
      // A valid read-only request, then 1–4 mutations (delete, insert, replace, truncate, duplicate).
      const method = pick(readOnly);
      const params = method === 'listJobs' ? [] : method === 'getErrorDescription' ? [0x80200001] : method === 'ping' ? [] : [jobId];
      let s = JSON.stringify({ id: 1000 + i, method, params });
      const muts = 1 + Math.floor(rnd() * 4);
      for (let m = 0; m < muts; m++) {
        const at = Math.floor(rnd() * s.length);
        const op = Math.floor(rnd() * 5);
        const ch = pick(['"', '{', '}', '[', ']', ',', ':', '\\', '0', 'e', 'x', ' ', '\u00e9', '\u0000', 'null']);
        if (op === 0) s = s.slice(0, at) + s.slice(at + 1);
        else if (op === 1) s = s.slice(0, at) + ch + s.slice(at);
        else if (op === 2) s = s.slice(0, at) + ch + s.slice(at + 1);
        else if (op === 3) s = s.slice(0, Math.max(1, at));
        else s = s.slice(0, at) + s.slice(Math.floor(at / 2), at) + s.slice(at);
      }
      s = s.replace(/\n/g, ' ');
      if (s.trim() === '') s = 'x';
      buf = Buffer.from(s);
    }
    lines.push(buf);
  }
  return lines;
}

test('200 malformed or mutated lines: one reply each, no crash, and the service keeps serving', async () => {
  await withService(async (ctx) => {
    const c = await ServiceClient.connect({ stateDir: ctx.stateDir });
    const pid = c.service!.pid;
    ctx.track(pid);
    const jobId = await c.createJob('fuzz target', 0);
    const lines = fuzzLines(0xb175, jobId, 200);

    const sock = net.connect(ctx.socketPath);
    await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
    const reader = new LineReader(64 * 1024 * 1024);
    const responses: RpcResponse[] = [];
    const unparsable: string[] = [];
    let closedByService = false;
    sock.on('data', (d: Buffer) => {
      for (const l of reader.push(d).lines) {
        const r = parseResponse(l);
        if (r) responses.push(r);
        else unparsable.push(l);
      }
    });
    sock.on('close', () => (closedByService = true));
    // Everything in one stream, cut into chunks at random places (framing must not care).
    const all = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
    const rnd = prng(7);
    for (let off = 0; off < all.length; ) {
      const n = 1 + Math.floor(rnd() * 4096);
      sock.write(all.subarray(off, off + n));
      off += n;
    }
    await waitFor(() => responses.length >= lines.length || closedByService, 30_000, `${lines.length} replies (got ${responses.length})`);
    assert.not.ok(closedByService, 'the service closed the connection');
    assert.is(responses.length, lines.length);
    assert.equal(unparsable, []);
    for (const r of responses) {
      if ('error' in r) {
        assert.type(r.error.hresult, 'number');
        assert.type(r.error.message, 'string');
      }
    }
    assert.ok(responses.some((r) => r.id === null), 'garbage was answered with id null');
    assert.ok(responses.some((r) => r.id === -1 && 'result' in r), 'the valid request among the garbage was served');

    // Same connection, a normal call; then a fresh client; same service process throughout.
    sock.write(encodeMessage({ id: 99999, method: 'ping', params: [] }));
    await waitFor(() => responses.some((r) => r.id === 99999), 5000, 'ping on the fuzzed connection');
    const pong = responses.find((r) => r.id === 99999)!;
    assert.ok('result' in pong && (pong.result as { pid: number }).pid === pid);
    sock.destroy();
    assert.ok(isAlive(pid));
    const c2 = await ServiceClient.connect({ stateDir: ctx.stateDir });
    assert.is(c2.service!.pid, pid);
    assert.is((await c2.getJob(jobId)).displayName, 'fuzz target');
    const id2 = await c2.createJob('after the fuzz', 0);
    assert.is((await c2.getJob(id2)).displayName, 'after the fuzz');
    await c2.close();
    await c.close();
  });
});

test('a password given to setCredentials never appears in service.log', async () => {
  await withService(async (ctx) => {
    const pw = 'Pw-' + Math.random().toString(36).slice(2) + '-never-logged';
    const c = await ServiceClient.connect({ stateDir: ctx.stateDir });
    ctx.track(c.service!.pid);
    try {
      const id = await c.createJob('credentials', 0);
      // A call that succeeds…
      const outcome = await c.setCredentials(id, { target: 1, scheme: 1, userName: 'alice', password: pw }).then(
        () => 'ok',
        (e: unknown) => (e instanceof BitsError ? e.code : String(e)),
      );
      assert.is(outcome, 'ok', 'BASIC credentials for the server are set');
      // …one that must fail (no such job), and one the engine must reject (bad scheme).
      await rejectsWith(c.setCredentials('{00000000-0000-0000-0000-000000000000}', { target: 1, scheme: 1, userName: 'a', password: pw }), 'BG_E_NOT_FOUND');
      await rejectsWith(c.setCredentials(id, { target: 1, scheme: 99, userName: 'a', password: pw }), 'BG_E_INVALID_AUTH_SCHEME');
      // Also in a malformed request.
      const sock = net.connect(ctx.socketPath);
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.write(`{"id":1,"method":"setCredentials","params":["${id}",{"password":"${pw}"}\n`);
      await new Promise((r) => setTimeout(r, 200));
      sock.destroy();
      await c.ping();
      const log = readFileSync(ctx.logPath, 'utf8');
      assert.match(log, 'client #', 'the log records client activity');
      assert.match(log, 'setCredentials failed', `the failed setCredentials calls are logged (first outcome: ${outcome})`);
      assert.not.ok(log.includes(pw), 'the password is in service.log');
    } finally {
      await c.close();
    }
  });
});

test.run();
