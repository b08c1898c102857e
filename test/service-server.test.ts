// The service server and the ServiceClient in this process, against stub engines (so that engine
// behaviour — errors, slow calls, huge results — is under the test's control), and the client's
// reconnect rules against a fake service that drops connections on purpose.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BitsError } from '../module/api/bits-error.js';
import { BACKEND_METHODS, type Backend, type BackendMethod } from '../module/api/port.js';
import { runService, type ServiceHandle } from '../module/service/server.js';
import { ServiceClient, SERVICE_STOPPED_MESSAGE } from '../module/service/client.js';
import { stopService, serviceStatus } from '../module/service/control.js';
import { encodeMessage, LineReader, parseResponse, type RpcResponse } from '../module/service/rpc.js';
import { CLIENT_URL, runNode, waitFor } from './helpers/service.js';

const E_FAIL = 0x80004005;
const E_NOTIMPL = 0x80004001;
const E_INVALIDARG = 0x80070057;

type Impl = Partial<Record<BackendMethod, (...args: any[]) => unknown>>;

function stubEngine(impl: Impl = {}) {
  const calls: { method: string; args: unknown[] }[] = [];
  const state = { closed: 0 };
  const engine: Record<string, unknown> = {
    kind: 'stub',
    async close() {
      state.closed++;
    },
  };
  for (const m of BACKEND_METHODS) {
    engine[m] = async (...args: unknown[]) => {
      calls.push({ method: m, args });
      const f = impl[m];
      return f ? await f(...args) : undefined;
    };
  }
  return { engine: engine as unknown as Backend, calls, state };
}

interface Env {
  dir: string;
  handle: ServiceHandle;
  stub: ReturnType<typeof stubEngine>;
}

async function withInProcessService(impl: Impl, fn: (env: Env) => Promise<void>): Promise<void> {
  const dir = mkdtempSync('/tmp/bj2s-');
  const stub = stubEngine(impl);
  const handle = await runService({ stateDir: dir, engine: stub.engine });
  try {
    await fn({ dir, handle, stub });
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A raw connection: send lines, collect parsed responses. */
function rawConnect(path: string) {
  const sock = net.connect(path);
  const reader = new LineReader(64 * 1024 * 1024);
  const responses: RpcResponse[] = [];
  const unparsable: string[] = [];
  let ended = false;
  sock.on('data', (c: Buffer) => {
    for (const line of reader.push(c).lines) {
      const r = parseResponse(line);
      if (r) responses.push(r);
      else unparsable.push(line);
    }
  });
  sock.on('error', () => {});
  sock.on('close', () => (ended = true));
  return {
    sock,
    responses,
    unparsable,
    get ended() {
      return ended;
    },
    ready: new Promise<void>((r) => sock.once('connect', () => r())),
    send(text: string) {
      sock.write(text);
    },
  };
}

test('dispatch: results as-is (objects, null, undefined), ping, trailing undefined args not sent as null', async () => {
  await withInProcessService(
    {
      getJob: (id: string) => ({ id, displayName: 'n', progress: { bytesTotal: null } }),
      getReplyFileName: () => null,
      listJobs: (...args: unknown[]) => [{ argc: args.length }],
    },
    async ({ dir, stub }) => {
      const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
      try {
        assert.is(c.kind, 'service');
        const info = await c.ping();
        assert.is(info.pid, process.pid);
        assert.is(info.stateDir, dir);
        assert.match(info.version, /^\d+\.\d+\.\d+/);
        assert.ok(!Number.isNaN(Date.parse(info.startedAt)));
        assert.equal(await c.getJob('J1'), { id: 'J1', displayName: 'n', progress: { bytesTotal: null } } as never);
        assert.is(await c.getReplyFileName('J1'), null);
        assert.is(await c.resume('J1'), undefined);
        assert.equal(await c.listJobs(), [{ argc: 0 }] as never);
        await c.setProxySettings('J1', 1, null, null);
        assert.equal(stub.calls.find((x) => x.method === 'setProxySettings')?.args, ['J1', 1, null, null]);
        await c.listJobs({ allUsers: true });
        assert.equal(stub.calls.filter((x) => x.method === 'listJobs').map((x) => x.args), [[], [{ allUsers: true }]]);
      } finally {
        await c.close();
      }
    },
  );
});

test('errors: BitsError crosses intact, anything else is E_FAIL with its text, unknown methods are E_NOTIMPL', async () => {
  await withInProcessService(
    {
      createJob: () => {
        throw new BitsError(0x80200049, 'too many jobs for you', 2, { limit: 60 });
      },
      listJobs: () => {
        throw new TypeError('boom in the engine');
      },
      getJob: () => Promise.reject('a plain string'),
    },
    async ({ dir, handle }) => {
      const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
      try {
        const e1 = await c.createJob('x', 0).catch((e: unknown) => e);
        assert.instance(e1, BitsError);
        const b1 = e1 as BitsError;
        assert.is(b1.hresult, 0x80200049);
        assert.is(b1.message, 'too many jobs for you');
        assert.is(b1.context, 2);
        assert.equal(b1.data, { limit: 60 });
        const e2 = (await c.listJobs().catch((e: unknown) => e)) as BitsError;
        assert.instance(e2, BitsError);
        assert.is(e2.hresult, E_FAIL);
        assert.match(e2.message, 'boom in the engine');
        const e3 = (await c.getJob('x').catch((e: unknown) => e)) as BitsError;
        assert.is(e3.hresult, E_FAIL);
        assert.match(e3.message, 'a plain string');
      } finally {
        await c.close();
      }
      const raw = rawConnect(handle.socketPath);
      await raw.ready;
      const names = ['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'close', 'kind', 'then', 'x'.repeat(5000)];
      names.forEach((m, i) => raw.send(encodeMessage({ id: i + 1, method: m, params: [] })));
      await waitFor(() => raw.responses.length === names.length, 5000, 'replies to unknown methods');
      for (const r of raw.responses) {
        assert.ok('error' in r);
        if ('error' in r) {
          assert.is(r.error.hresult, E_NOTIMPL);
          assert.ok(r.error.message.length < 300, 'a huge method name is not echoed whole');
        }
      }
      raw.sock.destroy();
    },
  );
});

test('pipelining: 60 concurrent calls on one connection, answered out of order, each gets its own result', async () => {
  await withInProcessService(
    { describeJob: (id: string) => new Promise((r) => setTimeout(() => r({ id }), 60 - Number(id))) },
    async ({ dir }) => {
      const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
      try {
        const ids = Array.from({ length: 60 }, (_, i) => String(i));
        const got = await Promise.all(ids.map((id) => c.describeJob(id)));
        assert.equal(got.map((s) => s.id), ids);
      } finally {
        await c.close();
      }
    },
  );
});

test('large replies (20 MiB) reach the client; a request over 8 MiB is refused without losing the connection', async () => {
  const big = 'A'.repeat(20 * 1024 * 1024);
  await withInProcessService({ getReplyData: () => big, getJob: (id: string) => ({ id }) }, async ({ dir, stub }) => {
    const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
    try {
      const data = await c.getReplyData('J');
      assert.is(data.length, big.length);
      assert.ok(data === big);
      const huge = [{ remoteName: 'http://x/' + 'y'.repeat(9 * 1024 * 1024), localName: '/tmp/z' }];
      const e = (await c.addFiles('J', huge).catch((x: unknown) => x)) as BitsError;
      assert.instance(e, BitsError);
      assert.is(e.hresult, E_INVALIDARG);
      assert.not.ok(stub.calls.some((x) => x.method === 'addFiles'));
      assert.equal(await c.getJob('still'), { id: 'still' } as never);
    } finally {
      await c.close();
    }
  });
});

test('a raw line over 8 MiB gets an error with id null and the connection is closed; the service keeps serving', async () => {
  await withInProcessService({ getJob: (id: string) => ({ id }) }, async ({ handle, dir }) => {
    const raw = rawConnect(handle.socketPath);
    await raw.ready;
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 9; i++) raw.send(chunk.toString());
    await waitFor(() => raw.responses.length > 0 && raw.ended, 10_000, 'the overflow reply and the close');
    const r = raw.responses[0];
    assert.is(r.id, null);
    assert.ok('error' in r && r.error.hresult === E_INVALIDARG);
    const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
    assert.equal(await c.getJob('after'), { id: 'after' } as never);
    await c.close();
  });
});

test('single instance in one process: a second runService on the same dir is refused; files and modes', async () => {
  const dir = mkdtempSync('/tmp/bj2s-');
  chmodSync(dir, 0o755);
  try {
    const stub = stubEngine();
    const handle = await runService({ stateDir: dir, engine: stub.engine });
    try {
      assert.is(statSync(dir).mode & 0o777, 0o700, 'state dir made private');
      assert.is(statSync(handle.socketPath).mode & 0o777, 0o600, 'socket 0600');
      assert.ok(statSync(handle.socketPath).isSocket());
      assert.is(readFileSync(join(dir, 'service.lock'), 'utf8').split('\n')[0], String(process.pid));
      const second = await runService({ stateDir: dir, engine: stubEngine().engine }).catch((e: unknown) => e);
      assert.instance(second, BitsError);
      assert.match((second as BitsError).message, 'already running');
      assert.is((second as BitsError).data?.pid, process.pid);
      // The loser must not have disturbed the winner.
      const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
      assert.is((await c.ping()).pid, process.pid);
      await c.close();
    } finally {
      await handle.close();
    }
    assert.is(stub.state.closed, 1, 'engine closed once');
    assert.not.ok(existsSync(handle.socketPath), 'socket removed');
    assert.not.ok(existsSync(join(dir, 'service.lock')), 'lock removed');
    const log = readFileSync(join(dir, 'service.log'), 'utf8');
    assert.match(log, 'started');
    assert.match(log, 'stopped');
    assert.is(statSync(join(dir, 'service.log')).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale socket file and a lock of a dead process are taken over', async () => {
  const dir = mkdtempSync('/tmp/bj2s-');
  try {
    const dead = Number((await runNode('process.stdout.write(String(process.pid))')).stdout);
    // A socket file nobody listens on, as a killed service leaves it (a clean close would unlink it).
    await runNode(`import net from 'node:net'; net.createServer().listen(process.argv[1], () => process.kill(process.pid, 'SIGKILL'));`, [join(dir, 'service.sock')]);
    assert.ok(existsSync(join(dir, 'service.sock')), 'a dead socket file is left');
    writeFileSync(join(dir, 'service.lock'), `${dead}\n2020-01-01T00:00:00.000Z\n`);
    const handle = await runService({ stateDir: dir, engine: stubEngine().engine });
    const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
    assert.is((await c.ping()).pid, process.pid);
    await c.close();
    await handle.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('close() drains requests in flight: a slow call started before close() still gets its reply', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const dir = mkdtempSync('/tmp/bj2s-');
  const stub = stubEngine({ describeJob: async (id: string) => (await gate, { id }) });
  const handle = await runService({ stateDir: dir, engine: stub.engine });
  try {
    const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
    const slow = c.describeJob('slow');
    await waitFor(() => stub.calls.some((x) => x.method === 'describeJob'), 2000, 'the call to reach the engine');
    const closing = handle.close();
    setTimeout(release, 100);
    assert.equal(await slow, { id: 'slow' } as never);
    await closing;
    await handle.closed;
    assert.is(stub.state.closed, 1);
    await c.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('shutdown request: the service answers, closes the engine, removes socket and lock; status and stop agree', async () => {
  const dir = mkdtempSync('/tmp/bj2s-');
  const stub = stubEngine();
  const handle = await runService({ stateDir: dir, engine: stub.engine });
  try {
    const st = await serviceStatus(dir);
    assert.is(st.running, true);
    assert.is(st.pid, process.pid);
    assert.is(st.socketPath, handle.socketPath);
    const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
    assert.equal(await c.shutdown(), { stopping: true, pid: process.pid });
    await handle.closed;
    assert.is(stub.state.closed, 1);
    assert.not.ok(existsSync(handle.socketPath));
    assert.not.ok(existsSync(join(dir, 'service.lock')));
    await c.close();
    assert.is((await serviceStatus(dir)).running, false);
    assert.equal(await stopService(dir), { stopped: false });
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an engine that fails to open: runService rejects and leaves no socket or lock', async () => {
  const dir = mkdtempSync('/tmp/bj2s-');
  try {
    const err = await runService({ stateDir: dir, engine: () => Promise.reject(new Error('store is corrupt')) }).catch((e: unknown) => e);
    assert.instance(err, BitsError);
    assert.match((err as BitsError).message, 'store is corrupt');
    assert.not.ok(existsSync(join(dir, 'service.sock')));
    assert.not.ok(existsSync(join(dir, 'service.lock')));
    assert.match(readFileSync(join(dir, 'service.log'), 'utf8'), 'engine failed to open');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('passwords never reach the log, even when the engine puts one in its error message', async () => {
  const pw = 'pw-' + Math.random().toString(36).slice(2) + '-Zq9';
  await withInProcessService(
    {
      setCredentials: (_id: string, cred: { password: string }) => {
        throw new BitsError(E_INVALIDARG, `bad password ${cred.password}`);
      },
    },
    async ({ dir, handle }) => {
      const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
      const e = await c.setCredentials('J', { target: 1, scheme: 1, userName: 'u', password: pw }).catch((x: unknown) => x);
      assert.instance(e, BitsError);
      await c.close();
      // Also in malformed requests, which are logged by their parse error only.
      const raw = rawConnect(handle.socketPath);
      await raw.ready;
      raw.send(`{"id":1,"method":"setCredentials","params":["J",{"password":"${pw}"}]\n`); // truncated JSON
      raw.send(`{"id":2,"method":"setCredentials","params":"${pw}"}\n`); // params not an array
      await waitFor(() => raw.responses.length >= 2, 3000, 'replies');
      raw.sock.destroy();
      const log = readFileSync(join(dir, 'service.log'), 'utf8');
      assert.match(log, 'setCredentials failed with 0x80070057', 'the failure is logged');
      assert.not.ok(log.includes(pw), 'the password is in service.log');
    },
  );
});

test('an idle client does not keep its process alive; a pending call does', async () => {
  await withInProcessService(
    { describeJob: (id: string) => new Promise((r) => setTimeout(() => r({ id }), 400)) },
    async ({ dir }) => {
      const script = `
        import { ServiceClient } from ${JSON.stringify(CLIENT_URL)};
        const c = await ServiceClient.connect({ stateDir: process.argv[1], autoStart: false });
        const s = await c.describeJob('late');
        console.log(JSON.stringify(s));
        // no close(): the process must still exit on its own`;
      const t0 = Date.now();
      const r = await runNode(script, [dir], 8000);
      assert.is(r.code, 0, r.stderr);
      assert.is(r.stdout.trim(), '{"id":"late"}');
      assert.ok(Date.now() - t0 < 6000);
    },
  );
});

test('autoStart:false with no service: a clear E_FAIL, nothing started', async () => {
  const dir = mkdtempSync('/tmp/bj2s-');
  try {
    const e = (await ServiceClient.connect({ stateDir: dir, autoStart: false }).catch((x: unknown) => x)) as BitsError;
    assert.instance(e, BitsError);
    assert.is(e.hresult, E_FAIL);
    assert.match(e.message, 'not running');
    assert.match(e.message, 'bits-job2 service start');
    assert.not.ok(existsSync(join(dir, 'service.lock')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fake service: answers ping, and lets the test decide per request (reply or drop the connection). */
async function fakeService(path: string, onRequest: (req: { id: number; method: string }, conn: number) => 'drop' | unknown) {
  let conns = 0;
  const server = net.createServer((sock) => {
    const n = ++conns;
    const reader = new LineReader(1 << 20);
    sock.on('error', () => {});
    sock.on('data', (c: Buffer) => {
      for (const line of reader.push(c).lines) {
        const req = JSON.parse(line) as { id: number; method: string };
        if (req.method === 'ping') {
          sock.write(encodeMessage({ id: req.id, result: { pid: 424242, version: 'fake', stateDir: '', startedAt: '' } }));
          continue;
        }
        const out = onRequest(req, n);
        if (out === 'drop') sock.destroy();
        else sock.write(encodeMessage({ id: req.id, result: out }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, () => r()));
  return { server, connections: () => conns };
}

test('connection lost: pending calls fail with E_FAIL "service stopped"; reads are retried once; the next call reconnects', async () => {
  const dir = mkdtempSync('/tmp/bj2s-');
  try {
    const received: string[] = [];
    const fake = await fakeService(join(dir, 'service.sock'), (req, conn) => {
      received.push(`${req.method}@${conn}`);
      if (req.method === 'createJob' && conn === 1) return 'drop';
      if (req.method === 'getJob' && conn === 2) return 'drop';
      if (req.method === 'listFiles') return 'drop'; // every time: the single retry also fails
      return req.method === 'createJob' ? 'JOB-' + conn : { id: 'G', conn };
    });
    const c = await ServiceClient.connect({ stateDir: dir, autoStart: false });
    try {
    const e = (await c.createJob('x', 0).catch((x: unknown) => x)) as BitsError;
    assert.instance(e, BitsError);
    assert.is(e.hresult, E_FAIL);
    assert.is(e.message, SERVICE_STOPPED_MESSAGE);
    // The next call (not a read) reconnects and succeeds.
    assert.is(await c.createJob('y', 0), 'JOB-2');
    // A read whose connection drops is sent again on a new connection, transparently.
    assert.equal(await c.getJob('G'), { id: 'G', conn: 3 } as never);
    // Retried once only.
    const e2 = (await c.listFiles('G').catch((x: unknown) => x)) as BitsError;
    assert.is(e2.message, SERVICE_STOPPED_MESSAGE);
    assert.equal(received, ['createJob@1', 'createJob@2', 'getJob@2', 'getJob@3', 'listFiles@3', 'listFiles@4']);
    assert.is(fake.connections(), 4);
    await c.close();
    const e3 = (await c.getJob('G').catch((x: unknown) => x)) as BitsError;
    assert.instance(e3, BitsError);
    assert.match(e3.message, 'closed');
    } finally {
      await c.close();
      await new Promise<void>((r) => fake.server.close(() => r()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
