// The body writer's own edges (module/engine/http/body-writer.ts): socket chunks are queued and
// written in batches, but a batch never crosses the next size checkpoint, so checkpoints still land
// every `bytes` even when the whole body arrives at once; and a response that was already destroyed
// before the writer started listening fails as a reset instead of waiting forever.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeBody } from '../module/engine/http/body-writer.js';
import { TempFile } from '../module/engine/http/temp-file.js';
import { HttpTransferError } from '../module/engine/http/errors.js';

const dir = mkdtempSync('/tmp/bj2bw-');
const body = randomBytes(300_000);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-length': body.length });
  if (req.url === '/half') res.write(body.subarray(0, body.length / 2)); // then nothing: the test cuts it
  else res.end(body); // one write: the client gets it in as few socket reads as the kernel allows
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = (path: string) => `http://127.0.0.1:${(server.address() as { port: number }).port}${path}`;
test.after(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => http.get(url(path), resolve).on('error', reject));
}

const options = (file: TempFile, extra: { bytes?: number; onCheckpoint?: (p: number) => void } = {}) => ({
  url: url('/x'),
  file,
  start: 0,
  total: body.length,
  validator: { etag: null, lastModified: null, totalSize: body.length },
  idleTimeoutMs: 10_000,
  signal: new AbortController().signal,
  checkpoints: { intervalMs: 60_000, bytes: extra.bytes ?? 64 * 1024 * 1024 },
  onCheckpoint: extra.onCheckpoint ? (p: number) => extra.onCheckpoint!(p) : undefined,
});

test('batches are cut at size checkpoints: one every `bytes`, each covering bytes already on disk', async () => {
  const path = join(dir, 'batches.bin');
  const file = await TempFile.open(path);
  const seen: number[] = [];
  try {
    const response = await get('/all');
    const end = await writeBody(response, options(file, { bytes: 25_000, onCheckpoint: (p) => seen.push(p) }));
    assert.is(end, body.length);
  } finally {
    await file.close();
  }
  assert.ok(readFileSync(path).equals(body), 'the bytes on disk');
  // 300,000 / 25,000 = 12 boundaries; the last one may wait for the final sync (not the writer's).
  assert.ok(seen.length >= 11, `checkpoints: ${seen.join(', ')}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! - seen[i - 1]! >= 25_000, `gap before ${seen[i]}`);
  for (const p of seen) assert.is(p % 25_000, 0, `checkpoint at ${p} is on a boundary`);
});

test('a response destroyed before the writer listens fails as a connection reset, not a hang', async () => {
  const file = await TempFile.open(join(dir, 'destroyed.bin'));
  try {
    const response = await get('/half');
    response.destroy();
    await once(response, 'close');
    const outcome = await Promise.race([
      writeBody(response, options(file)).then(
        () => 'resolved',
        (e: unknown) => e,
      ),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 5000)),
    ]);
    assert.instance(outcome, HttpTransferError);
    assert.is((outcome as HttpTransferError).hresultHex, '0x80072EFF');
  } finally {
    await file.close();
  }
});

test.run();
