// Malformed JSON-RPC to the real service socket, seeded and bounded (reduced: 2000 lines; full: 20,000):
// random bytes, byte-mutated valid requests, and valid requests with hostile parameters. Every line
// gets exactly one answer, in order: a result, or an error object with an HRESULT and a message that
// names the problem (never a JavaScript TypeError leaking out of the engine). The service is the same
// process at the end and still answers a valid request.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ServiceClient } from '../../module/service/client.js';
import { readLockPid, isAlive, withService } from '../helpers/service.js';
import { iterations, seededRng, type Rng } from './support.js';

const LINES = iterations(2000, 20_000);
// Every Backend method the service dispatches except shutdown (a same-user client may legitimately stop it).
const METHODS = [
  'ping', 'createJob', 'getJob', 'listJobs', 'getErrorDescription', 'describeJob', 'addFiles', 'listFiles', 'resume',
  'suspend', 'complete', 'cancel', 'getError', 'setProperty', 'setProxySettings', 'getProxySettings', 'takeOwnership',
  'setNotifyCmdLine', 'getNotifyCmdLine', 'getReplyProgress', 'getReplyData', 'setReplyFileName', 'getReplyFileName',
  'setCredentials', 'removeCredentials',
];
/** Values a hostile or broken client might put anywhere. */
function hostile(rng: Rng, validId: string): unknown {
  const pool: (() => unknown)[] = [
    () => null, () => true, () => -1, () => 0, () => 2 ** 53, () => -1e308, () => 1.5, () => '', () => validId,
    () => validId.toUpperCase(), () => `{${validId}}`, () => 'x'.repeat(rng.int(1, 70_000)), () => 'a\u0000b', () => '../../../etc/passwd',
    () => 'http://127.0.0.1:9/' + '%'.repeat(rng.int(1, 10)), () => '\u202e\ud83d\ude00\uffff', () => [], () => ({}),
    () => ({ __proto__: { polluted: 1 }, constructor: { prototype: 1 } }), () => [{ remoteName: null, localName: 7 }],
    () => [{ remoteName: 'http://127.0.0.1:9/a', localName: 'relative/path' }], () => { let v: unknown = 1; for (let i = 0; i < rng.int(1, 500); i++) v = [v]; return v; },
    () => ({ target: rng.int(-3, 5), scheme: rng.int(-3, 9), userName: 'u', password: rng.pick(['p', null, 5]) }),
    () => rng.pick(METHODS), () => rng.int(-(2 ** 31), 2 ** 31),
  ];
  return rng.pick(pool)();
}

function requestLine(rng: Rng, id: number, validId: string): string {
  const kind = rng.int(0, 9);
  if (kind === 0) {
    // Random bytes (no newline: one line each).
    return rng.bytes(rng.int(0, 300)).toString('latin1').replace(/[\n]/g, ' ');
  }
  const method = rng.next() < 0.9 ? rng.pick(METHODS) : hostile(rng, validId);
  const params = Array.from({ length: rng.int(0, 5) }, (_, i) => (i === 0 && rng.next() < 0.6 ? validId : hostile(rng, validId)));
  const msg: Record<string, unknown> = { id, method, params };
  if (kind === 1) msg.params = hostile(rng, validId);
  if (kind === 2) msg.id = hostile(rng, validId);
  let text = JSON.stringify(msg);
  if (kind === 3) {
    // Byte-level mutations of a valid request.
    const b = Buffer.from(text);
    for (let n = rng.int(1, 4); n > 0; n--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
    text = b.toString('latin1').replace(/\n/g, ' ');
  }
  return text;
}

test(`${LINES} malformed or hostile JSON-RPC lines: one clear answer each, the service survives`, async () => {
  const rng = seededRng('fuzz-rpc');
  await withService(async (svc) => {
    const client = await ServiceClient.connect({ stateDir: svc.stateDir });
    const pid = readLockPid(svc.stateDir)!;
    svc.track(pid);
    const validId = await client.createJob('fuzz target', 0);

    const sock = net.connect(svc.socketPath);
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    let buf = '';
    const answers: string[] = [];
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop()!;
      answers.push(...lines);
    });
    let errors = 0;
    let results = 0;
    for (let i = 0; i < LINES; i++) {
      const line = requestLine(rng, i, validId);
      const before = answers.length;
      sock.write(line + '\n');
      const deadline = Date.now() + 15_000;
      // Whitespace-only lines are ignored by the service (like blank lines in a stream).
      if (line.trim() === '') continue;
      while (answers.length === before) {
        if (Date.now() > deadline) assert.unreachable(`no answer to line ${i}: ${line.slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 2));
      }
      assert.is(answers.length, before + 1, `exactly one answer to line ${i}`);
      const answer = JSON.parse(answers[before]!) as { id: unknown; result?: unknown; error?: { hresult: number; message: string; code?: string } };
      if (answer.error) {
        errors++;
        assert.type(answer.error.hresult, 'number');
        assert.ok(answer.error.hresult >= 0x80000000, `a failure HRESULT for line ${i}`);
        assert.ok(answer.error.message.length > 10, `a message for line ${i}`);
        assert.not.match(answer.error.message, /TypeError|RangeError|ReferenceError|Cannot read prop|Cannot convert|is not a function|is not iterable|Maximum call stack/, `line ${i} ${line.slice(0, 300)}\n→ ${answer.error.message}`);
      } else {
        results++;
      }
    }
    sock.destroy();
    assert.ok(isAlive(pid), 'the service did not crash');
    assert.is(readLockPid(svc.stateDir), pid, 'and was not restarted');
    assert.is((await client.ping()).pid, pid, 'it still answers a valid request');
    assert.is((await client.describeJob(validId)).id, validId, "the job the fuzzing aimed at is still readable");
    console.log(`    fuzz-rpc: ${LINES} lines → ${errors} errors, ${results} results; service ${pid} still up`);
    await client.close();
  });
});

test.run();
