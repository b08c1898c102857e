// HEAD/GET of one file the way a BITS download client needs it (spec §8): Content-Length, a strong
// ETag, Last-Modified, Accept-Ranges, one byte range → 206 with Content-Range, If-Range, and 416 for
// a range that does not overlap the file. Multi-range requests get the whole file (200), which BITS
// clients accept as "no multi-range support" and fall back from.
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

export function etagOf(s: Stats): string {
  return `"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}-${s.ino.toString(16)}"`;
}

type RangeResult = { start: number; end: number } | 'unsatisfiable' | null;

/** One `bytes=` range against `size`; null means "serve the whole file" (none, invalid or several). */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null; // syntactically invalid: ignored (RFC 9110 §14.2)
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** If-Range: the validator must still match (strong ETag comparison, or the exact Last-Modified date). */
function ifRangeMatches(value: string | undefined, etag: string, mtimeMs: number): boolean {
  if (value === undefined) return true;
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return v === etag;
  const t = Date.parse(v);
  return Number.isFinite(t) && Math.floor(t / 1000) === Math.floor(mtimeMs / 1000);
}

/** Serves `path`; returns false (nothing sent) when it is not a regular file. */
export async function serveFile(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const s = await stat(path).catch(() => null);
  if (!s || !s.isFile()) return false;
  const etag = etagOf(s);
  const headers: Record<string, string | number> = {
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': s.mtime.toUTCString(),
    'Content-Type': 'application/octet-stream',
  };
  let range = parseRange(req.headers.range, s.size);
  if (range !== null && !ifRangeMatches(req.headers['if-range'] as string | undefined, etag, s.mtimeMs)) range = null;
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${s.size}`, 'Content-Length': 0 });
    res.end();
    return true;
  }
  const start = range ? range.start : 0;
  const end = range ? range.end : s.size - 1;
  const length = s.size === 0 ? 0 : end - start + 1;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${s.size}`;
  res.writeHead(range ? 206 : 200, { ...headers, 'Content-Length': length });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return true;
  }
  try {
    await pipeline(createReadStream(path, { start, end }), res);
  } catch {
    res.destroy(); // the client went away, or the file vanished mid-read: nothing more to say
  }
  return true;
}
