// Node's HTTP parser (llhttp) only knows a fixed list of methods and rejects the extension method
// BITS_POST that every BITS Upload Protocol request uses (spec §7.1) with HPE_INVALID_METHOD before
// any JavaScript sees the request. RequestFramer walks the bytes a client sends on one connection,
// finds where each request head starts (so body bytes that happen to read "BITS_POST" are never
// touched), and rewrites the request line `BITS_POST <target> HTTP/1.1` to
// `POST <target> HTTP/1.1` plus one marker header carrying a secret token. The shim in
// bits-post-shim.ts then turns such requests back into req.method === 'BITS_POST'.
//
// With `divert` (bits-post-shim.ts, for the standalone server), the Content-Length body of a
// BITS_POST goes to divert.body() instead of Node's parser: the head Node sees says Content-Length: 0
// and the marker carries the real length (`<token>;body=<N>`). Node's parser copies every body chunk
// into a fresh Buffer and pushes it through IncomingMessage; the diverted body is the socket's own
// chunks (BENCHMARKS.md, upload: the server's receive path).
//
// Framing follows RFC 9112 §6.3 for requests: Content-Length, or chunked Transfer-Encoding, or no
// body. Anything it does not understand (an Upgrade, CONNECT, a head larger than MAX_HEAD, a
// malformed chunk) switches it to pass-through for the rest of the connection: Node's own parser
// then sees the original bytes and rejects them as it would have anyway.

const CRLF2 = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const BITS_POST = Buffer.from('BITS_POST ');
/** Larger than Node's default --max-http-header-size (16 KiB): a bigger head is Node's to reject (431). */
const MAX_HEAD = 80 * 1024;
const MAX_CHUNK_LINE = 4096;

type State =
  | { kind: 'head' }
  | { kind: 'body'; remaining: number }
  | { kind: 'diverted'; remaining: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; remaining: number }
  | { kind: 'trailers' }
  | { kind: 'passthrough' };

export interface BodyDivert {
  /** A diverted body of `length` bytes starts (its head is handed to Node after this call). */
  start(length: number): void;
  /** The next bytes of that body, in order. */
  body(piece: Buffer): void;
}

export class RequestFramer {
  private state: State = { kind: 'head' };
  /** Bytes of an unfinished head, chunk-size line or trailer section. */
  private pending: Buffer = Buffer.alloc(0);
  private readonly markerLine: Buffer;

  /** `markerHeader` is written as `<name>: <value>` right after a rewritten request line. */
  constructor(
    private readonly markerName: string,
    private readonly markerValue: string,
    private readonly divert?: BodyDivert,
  ) {
    this.markerLine = Buffer.from(`${markerName}: ${markerValue}\r\n`, 'latin1');
  }

  /** Feeds bytes received from the client; returns the bytes to hand to Node's parser, in order. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let data = chunk;
    while (data.length > 0) {
      const s = this.state;
      switch (s.kind) {
        case 'passthrough':
          out.push(data);
          return out;
        case 'body': {
          const n = Math.min(s.remaining, data.length);
          out.push(data.subarray(0, n));
          data = data.subarray(n);
          s.remaining -= n;
          if (s.remaining === 0) this.state = { kind: 'head' };
          break;
        }
        case 'diverted': {
          const n = Math.min(s.remaining, data.length);
          this.divert!.body(data.subarray(0, n));
          data = data.subarray(n);
          s.remaining -= n;
          if (s.remaining === 0) this.state = { kind: 'head' };
          break;
        }
        case 'chunk-data': {
          const n = Math.min(s.remaining, data.length);
          out.push(data.subarray(0, n));
          data = data.subarray(n);
          s.remaining -= n;
          if (s.remaining === 0) this.state = { kind: 'chunk-size' };
          break;
        }
        case 'head':
        case 'chunk-size':
        case 'trailers': {
          const joined = this.pending.length ? Buffer.concat([this.pending, data]) : data;
          const terminator = s.kind === 'chunk-size' ? CRLF : s.kind === 'trailers' ? null : CRLF2;
          const end = terminator ? joined.indexOf(terminator) : trailersEnd(joined);
          if (end < 0) {
            const limit = s.kind === 'head' ? MAX_HEAD : s.kind === 'trailers' ? MAX_HEAD : MAX_CHUNK_LINE;
            if (joined.length > limit) {
              this.pending = Buffer.alloc(0);
              this.state = { kind: 'passthrough' };
              out.push(joined);
              return out;
            }
            this.pending = Buffer.from(joined); // copy: `data` may be reused by the caller
            return out;
          }
          this.pending = Buffer.alloc(0);
          const stop = s.kind === 'trailers' ? end : end + terminator!.length;
          const piece = joined.subarray(0, stop);
          data = joined.subarray(stop);
          if (s.kind === 'head') out.push(...this.onHead(piece));
          else if (s.kind === 'chunk-size') {
            out.push(piece);
            const size = parseChunkSize(piece.subarray(0, piece.length - 2).toString('latin1'));
            if (size === undefined) this.state = { kind: 'passthrough' };
            // Chunk data is followed by CRLF, which is passed through as part of the data.
            else if (size === 0) this.state = { kind: 'trailers' };
            else this.state = { kind: 'chunk-data', remaining: size + 2 };
          } else {
            out.push(piece);
            this.state = { kind: 'head' };
          }
          break;
        }
      }
    }
    return out;
  }

  /** A complete request head (ending with CRLFCRLF): rewrite BITS_POST and set the body framing. */
  private onHead(head: Buffer): Buffer[] {
    // Leading empty lines before a request line are allowed (RFC 9112 §2.2); Node skips them too.
    let start = 0;
    while (head[start] === 0x0d && head[start + 1] === 0x0a) start += 2;
    const text = head.toString('latin1');
    const lines = text.slice(start).split('\r\n');
    const requestLine = lines[0] ?? '';
    let contentLength: number | undefined;
    let lengthHeaders = 0;
    let chunked = false;
    let upgrade = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') lengthHeaders++;
      if (name === 'content-length' && /^\d+$/.test(value)) contentLength = Number(value);
      else if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(value);
      else if (name === 'upgrade') upgrade = true;
    }
    if (upgrade || requestLine.startsWith('CONNECT ')) this.state = { kind: 'passthrough' };
    else if (chunked) this.state = { kind: 'chunk-size' };
    else if (contentLength !== undefined && contentLength > 0) this.state = { kind: 'body', remaining: contentLength };
    else this.state = { kind: 'head' };

    if (!head.subarray(start, start + BITS_POST.length).equals(BITS_POST)) return [head];
    const lineEnd = head.indexOf(CRLF, start);
    // One well-formed Content-Length and nothing else framing the body: Node gets the head alone.
    if (this.divert && this.state.kind === 'body' && lengthHeaders === 1) {
      const length = this.state.remaining;
      this.state = { kind: 'diverted', remaining: length };
      this.divert.start(length);
      const fields = lines.slice(1).map((line) => (/^content-length\s*:/i.test(line) ? 'Content-Length: 0' : line)).join('\r\n');
      return [
        head.subarray(0, start),
        Buffer.from(`POST ${text.slice(start + BITS_POST.length, lineEnd + 2)}${this.markerName}: ${this.markerValue};body=${length}\r\n${fields}`, 'latin1'),
      ];
    }
    return [
      head.subarray(0, start),
      Buffer.from('POST ', 'latin1'),
      head.subarray(start + BITS_POST.length, lineEnd + 2),
      this.markerLine,
      head.subarray(lineEnd + 2),
    ];
  }
}

/** Hex chunk size before any chunk extension; undefined when malformed. */
function parseChunkSize(line: string): number | undefined {
  const m = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line);
  return m ? parseInt(m[1]!, 16) : undefined;
}

/** End of the trailer section (index just past the empty line), or -1 when incomplete. */
function trailersEnd(buf: Buffer): number {
  // The section is zero or more header lines, then an empty line.
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf(CRLF, pos);
    if (eol < 0) return -1;
    if (eol === pos) return eol + 2;
    pos = eol + 2;
  }
}
