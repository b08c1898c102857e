// The demo's own loopback HTTP server: one generated file with a strong ETag, Last-Modified and
// Range support (what BITS needs from a download server, spec §8), paced so a progress bar shows.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoServer {
  url: string;
  sha256: string;
  size: number;
  close(): Promise<void>;
}

export async function startDemoServer(size: number, bytesPerSecond: number): Promise<DemoServer> {
  const body = randomBytes(size);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const etag = `"${sha256.slice(0, 16)}"`;
  const lastModified = new Date().toUTCString();
  const server: Server = createServer((req, res) => {
    if (req.url !== '/demo.bin') return void res.writeHead(404).end();
    let start = 0;
    let end = size - 1;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (m && (!req.headers['if-range'] || req.headers['if-range'] === etag)) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), end) : end;
    }
    const headers: Record<string, string> = { ETag: etag, 'Last-Modified': lastModified, 'Accept-Ranges': 'bytes', 'Content-Length': String(end - start + 1) };
    if (m) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(m ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    const chunk = 64 * 1024;
    const delay = Math.max(1, Math.round((chunk / bytesPerSecond) * 1000));
    let pos = start;
    const pump = () => {
      if (res.destroyed) return;
      const next = Math.min(pos + chunk, end + 1);
      const ok = res.write(body.subarray(pos, next));
      pos = next;
      if (pos > end) return void res.end();
      if (ok) setTimeout(pump, delay);
      else res.once('drain', () => setTimeout(pump, delay));
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/demo.bin`,
    sha256,
    size,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
