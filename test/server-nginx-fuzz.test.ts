// Fuzzing `serve` through nginx (issue 17, bad input): 300 packets made from valid ones by a seeded
// mutator (header values swapped for junk, ranges and lengths bent, paths with traversal and
// encodings, bytes flipped in the request head), each on its own TLS connection to the documented
// nginx configuration. Every answer must be an Ack (with BITS-Error-Code when it is an error) or
// nginx's own 4xx; never a 5xx that is not an Ack. Nothing may appear outside the root, and serve
// must still answer afterwards. The seed is printed so a failure can be replayed (FUZZ_SEED=...).
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBitsServer } from '../module/server/serve.js';
import { fragment, packet, RawConnection } from './helpers/bits-server.js';
import { startBitsNginx } from './helpers/nginx-bits.js';
import { makeTmpDir } from './helpers/tmp.js';

const SEED = Number(process.env.FUZZ_SEED ?? 1_700_017);
const CASES = 300;

/** mulberry32: small, seeded, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK = ['', ' ', '-1', '0', '99999999999999999999', 'bytes */*', 'bytes 5-1/3', '{00000000-0000-0000-0000-000000000000}', '%00', '../../etc/passwd', '\u00ff\u00fe', 'x'.repeat(5000), 'Create-Session', 'Fragment', 'identity', 'gzip'];
const PATHS = ['/f.bin', '/%2e%2e/out.bin', '/..%2f..%2fout.bin', '/a\\..\\..\\out.bin', '/CON', '/NUL.txt', '/%252e%252e/out.bin', '/BITS-Sessions/Requests/x', '/sub/../../out.bin', '/%c0%ae%c0%ae/out.bin', '/f.bin?x=%00', '//f.bin'];
const TYPES = ['Ping', 'Create-Session', 'Fragment', 'Close-Session', 'Cancel-Session', 'Explode', 'fragment', ''];
const HEADERS = ['Content-Range', 'Content-Length', 'BITS-Session-Id', 'BITS-Supported-Protocols', 'Content-Encoding', 'BITS-Packet-Type', 'Host'];

const tmp = await makeTmpDir('bits-nginx-fuzz');
const root = tmp.file('root');
await mkdir(root);
await mkdir(tmp.file('outside'));
const serve = await startBitsServer({ root, trustedProxies: ['127.0.0.1'], maxSessionsPerClient: 0 });
const nginx = await startBitsNginx({ upstreams: [`127.0.0.1:${serve.port}`] });
const ca = await readFile(nginx.caFile);

test.after(async () => {
  await nginx.stop();
  await serve.close();
  await tmp.cleanup();
});

test(`${CASES} mutated packets through nginx (seed ${SEED}): Acks or nginx 4xx only, nothing outside the root, serve still serves`, async () => {
  const random = rng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const setup = await RawConnection.openTls(nginx.port, ca);
  const id = (await setup.send(packet('/f.bin', 'Create-Session'))).headers['bits-session-id']!;
  setup.close();
  const seen = new Map<string, number>();
  for (let i = 0; i < CASES; i++) {
    const path = pick(PATHS);
    const type = pick(TYPES);
    const body = Buffer.alloc(Math.floor(random() * 2048), i & 0xff);
    const headers: Record<string, string | number | null> = {};
    for (let k = Math.floor(random() * 3); k > 0; k--) headers[pick(HEADERS)] = random() < 0.2 ? null : pick(JUNK);
    let bytes = type === 'Fragment' ? fragment(path, random() < 0.7 ? id : pick(JUNK), Math.floor(random() * 4096), body, 4096, headers) : packet(path, type, { sessionId: random() < 0.5 ? id : undefined, headers });
    if (random() < 0.15) {
      // Flip a byte inside the request head.
      const headEnd = bytes.indexOf('\r\n\r\n');
      if (headEnd > 0) {
        bytes = Buffer.from(bytes);
        bytes[Math.floor(random() * headEnd)] = Math.floor(random() * 256);
      }
    }
    const c = await RawConnection.openTls(nginx.port, ca);
    const r = await c.send(bytes, { timeoutMs: 10_000 }).catch((e: Error) => ({ status: -1, headers: {} as Record<string, string>, rawHead: e.message }));
    c.close();
    const isAck = r.headers['bits-packet-type'] === 'Ack';
    const fromNginx = !isAck && /^nginx/.test(r.headers.server ?? '');
    const what = `case ${i} (seed ${SEED}): ${JSON.stringify(bytes.subarray(0, 400).toString("latin1"))} → ${r.status} ${r.rawHead.slice(0, 300)}`;
    // A connection nginx or serve closes on an unparsable head (status -1 / 0) is fine; an HTTP answer must be one of ours or nginx's 4xx.
    if (r.status > 0) {
      assert.ok(isAck || (fromNginx && r.status >= 400 && r.status < 500), what);
      if (isAck && r.status >= 400 && r.status !== 413 && r.status !== 416 && r.status !== 401) assert.match(r.headers['bits-error-code'] ?? '', /^0x[0-9A-F]{8}$/, `error Ack without BITS-Error-Code: ${what}`);
    }
    seen.set(String(r.status), (seen.get(String(r.status)) ?? 0) + 1);
  }
  assert.ok((seen.get('200') ?? 0) > 0 && [...seen.keys()].some((s) => Number(s) >= 400), `the mutations reach both success and refusals: ${JSON.stringify([...seen])}`);
  assert.equal(readdirSync(tmp.file('outside')), []);
  assert.not.ok(existsSync(tmp.file('out.bin')) || existsSync('/etc/out.bin'), 'nothing escaped the root');
  const still = await RawConnection.openTls(nginx.port, ca);
  assert.is((await still.send(packet('/', 'Ping'))).status, 200, 'serve still answers');
  still.close();
});

test.run();
