// RequestFramer (module/server/request-framer.ts), the piece that lets Node's HTTP parser accept
// BITS_POST: it must rewrite request lines only where a request starts — never inside a body — however
// the bytes are split into chunks, for Content-Length and chunked bodies, and step aside for what it
// does not understand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RequestFramer } from '../module/server/request-framer.js';

const MARK = 'x-mark: T\r\n';

function run(input: string, split: number[] | 'bytes' | 'whole' = 'whole'): string {
  const f = new RequestFramer('x-mark', 'T');
  const data = Buffer.from(input, 'latin1');
  const pieces: Buffer[] = [];
  if (split === 'whole') pieces.push(data);
  else if (split === 'bytes') for (let i = 0; i < data.length; i++) pieces.push(data.subarray(i, i + 1));
  else {
    let at = 0;
    for (const n of [...split, data.length]) {
      pieces.push(data.subarray(at, Math.min(n, data.length)));
      at = Math.min(n, data.length);
    }
  }
  return Buffer.concat(pieces.flatMap((p) => f.push(Buffer.from(p)))).toString('latin1');
}

const body = 'BITS_POST /evil HTTP/1.1\r\n\r\n';
const bitsReq = `BITS_POST /up/a.bin HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const rewritten = `POST /up/a.bin HTTP/1.1\r\n${MARK}Host: h\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

test('rewrites the request line of BITS_POST, adds the marker, leaves a body that reads like a request alone', () => {
  assert.is(run(bitsReq), rewritten);
});

test('the same output whatever the chunking: one byte at a time, split inside the method, the head, the body', () => {
  for (const split of ['bytes', [4], [9, 10], [30], [bitsReq.length - body.length + 3]] as const) {
    assert.is(run(bitsReq, split as never), rewritten, JSON.stringify(split));
  }
});

test('pipelined requests: each head is found after the previous body; other methods pass untouched', () => {
  const get = 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n';
  const post = 'POST /p HTTP/1.1\r\nHost: h\r\ncontent-length: 3\r\n\r\nabc';
  assert.is(run(get + bitsReq + post + bitsReq, 'bytes'), get + rewritten + post + rewritten);
});

test('chunked bodies (extensions, trailers) are skipped exactly, then the next request is rewritten', () => {
  const chunked = 'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '1c;ext=1\r\nBITS_POST / HTTP/1.1\r\nX: y\r\n' + '\r\n' + // 28 bytes of data that look like a request, CRLF
    '0\r\nTrailer-Field: v\r\n\r\n';
  assert.is(run(chunked + bitsReq, 'bytes'), chunked + rewritten);
  assert.is(run(chunked + bitsReq), chunked + rewritten);
});

test('leading empty lines before a request line are kept and the request still rewritten', () => {
  assert.is(run('\r\n' + bitsReq), '\r\n' + rewritten);
});

test('Upgrade, CONNECT or a malformed chunk size: pass-through from then on (Node\'s parser decides)', () => {
  const upgrade = 'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
  assert.is(run(upgrade + bitsReq), upgrade + bitsReq);
  const badChunk = 'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n';
  assert.is(run(badChunk + bitsReq), badChunk + bitsReq);
});

test('a head still incomplete after 80 KiB is passed through unchanged (Node answers 431)', () => {
  const huge = `BITS_POST /x HTTP/1.1\r\nX-Big: ${'a'.repeat(90 * 1024)}\r\n\r\n`;
  // 85,000 bytes without the end of the head: the framer gives up on this connection.
  assert.ok(run(huge, [85_000]) === huge, 'passed through unchanged');
});

test.run();
