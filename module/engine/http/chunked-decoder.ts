// HTTP/1.1 chunked transfer coding (RFC 9112 §7.1) for lean-get.ts: socket reads in, body bytes out
// as views of those reads (no copies). Chunk extensions and trailers are read and ignored, as
// node:http does; a malformed size line is an HPE_INVALID_CHUNK_SIZE error like llhttp's.
const MAX_LINE = 4096;

const chunkError = (message: string): Error => Object.assign(new Error(message), { code: 'HPE_INVALID_CHUNK_SIZE' });

export class ChunkedDecoder {
  /** 'size': reading a size line; 'data': `left` bytes of chunk data to go; 'crlf': the CRLF after data; 'trailer': trailer lines. */
  private state: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private line = '';
  private left = 0;
  finished = false;

  /** The body bytes in `chunk`; throws on a malformed coding. Bytes after the last chunk are ignored. */
  feed(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < chunk.length && !this.finished) {
      if (this.state === 'data') {
        const n = Math.min(this.left, chunk.length - i);
        out.push(chunk.subarray(i, i + n));
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = 'crlf';
        continue;
      }
      const nl = chunk.indexOf(10, i);
      const end = nl < 0 ? chunk.length : nl;
      this.line += chunk.toString('latin1', i, end);
      i = nl < 0 ? chunk.length : nl + 1;
      if (this.line.length > MAX_LINE) throw chunkError('Chunk size line too long');
      if (nl < 0) break;
      const line = this.line.replace(/\r$/, '');
      this.line = '';
      if (this.state === 'crlf') {
        if (line !== '') throw chunkError('Expected CRLF after chunk data');
        this.state = 'size';
      } else if (this.state === 'size') {
        const m = /^([0-9a-fA-F]{1,15})[ \t]*(?:;.*)?$/.exec(line);
        if (!m) throw chunkError('Invalid character in chunk size');
        this.left = parseInt(m[1]!, 16);
        this.state = this.left === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.finished = true;
      }
    }
    return out;
  }
}
