// A controllable HTTP file server for state-machine tests: each path serves fixed bytes with a strong
// ETag, Last-Modified and Range support, and can be told to hold requests (job stays CONNECTING),
// to drip the body slowly (job stays TRANSFERRING), to fail with a status, or to reset mid-body.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  body: Buffer;
  /** Hold every request until release() is called. */
  hold?: boolean;
  /** Send the body in chunks of this size with this delay between them. */
  drip?: { chunk: number; delayMs: number };
  /** Answer with this status (and no body). */
  status?: number;
  /** Destroy the socket after sending this many body bytes. */
  resetAfter?: number;
}

export interface GateServer {
  url: string;
  routes: Map<string, Route>;
  /** Paths requested, in order (with the Range header if any). */
  log: { path: string; range: string | undefined; method: string }[];
  set(path: string, route: Route): void;
  /** Lets held requests on `path` proceed (and stops holding new ones). */
  release(path: string): void;
  /** Number of requests currently held. */
  held(path?: string): number;
  close(): Promise<void>;
}

export function pseudoRandomBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export async function startGateServer(): Promise<GateServer> {
  const routes = new Map<string, Route>();
  const waiting = new Map<string, (() => void)[]>();
  const log: GateServer['log'] = [];
  const lastModified = new Date(Date.UTC(2025, 5, 1)).toUTCString();

  const serve = (req: IncomingMessage, res: ServerResponse, route: Route): void => {
    if (route.status) {
      res.writeHead(route.status, { 'Content-Length': '0' }).end();
      return;
    }
    const etag = '"' + createHash('sha1').update(route.body).digest('hex').slice(0, 16) + '"';
    const total = route.body.length;
    let start = 0;
    let end = total - 1;
    let status = 200;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (m && (!ifRange || ifRange === etag || ifRange === lastModified)) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), total - 1) : total - 1;
      if (start >= total) {
        res.writeHead(416, { 'Content-Range': `bytes */${total}` }).end();
        return;
      }
      status = 206;
    }
    const headers: Record<string, string> = {
      ETag: etag, 'Last-Modified': lastModified, 'Accept-Ranges': 'bytes', 'Content-Length': String(end - start + 1),
    };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${total}`;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return void res.end();
    const slice = route.body.subarray(start, end + 1);
    if (route.resetAfter !== undefined) {
      res.write(slice.subarray(0, route.resetAfter), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    if (!route.drip) return void res.end(slice);
    let pos = 0;
    const { chunk, delayMs } = route.drip;
    const tick = () => {
      if (res.destroyed) return;
      const part = slice.subarray(pos, pos + chunk);
      pos += part.length;
      if (pos >= slice.length) return void res.end(part);
      res.write(part);
      setTimeout(tick, delayMs);
    };
    tick();
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    log.push({ path, range: req.headers.range, method: req.method ?? 'GET' });
    const route = routes.get(path);
    if (!route) return void res.writeHead(404, { 'Content-Length': '0' }).end();
    if (route.hold) {
      const list = waiting.get(path) ?? [];
      const go = () => serve(req, res, routes.get(path)!);
      list.push(go);
      waiting.set(path, list);
      // A client that gave up (a preempted or stopped job) is no longer held.
      res.on('close', () => {
        const held = waiting.get(path);
        const i = held?.indexOf(go) ?? -1;
        if (i >= 0) held!.splice(i, 1);
      });
      return;
    }
    serve(req, res, route);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    log,
    set: (path, route) => void routes.set(path, route),
    release(path) {
      const r = routes.get(path);
      if (r) r.hold = false;
      for (const go of waiting.get(path) ?? []) go();
      waiting.delete(path);
    },
    held: (path) => (path ? waiting.get(path)?.length ?? 0 : [...waiting.values()].reduce((n, l) => n + l.length, 0)),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
