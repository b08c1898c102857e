// The BITS upload server as a request handler (spec §7.4, §8): BITS_POST packets of the BITS Upload
// Protocol, and GET/HEAD of reply files and published uploads. It can sit inside any node:http
// server — `if (await bits.handle(req, res)) return;` — once acceptBitsPost(server) lets that
// server receive the BITS_POST method at all (bits-post-shim.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  AckError, type AckHeaders, BG_E_SESSION_NOT_FOUND, CONTEXT_SERVER, E_ACCESSDENIED, E_FAIL, E_INVALIDARG, ERROR_BUSY, invalidArg, sendAck, sendErrorAck, sentAckHeaders,
} from './ack.js';
import { isIP } from 'node:net';
import { AuthGate, parseAllowList, plainAddress, type GateVerdict } from './auth/auth-gate.js';
import { BITS_POST } from './bits-post-shim.js';
import { resolvePublished } from './destination.js';
import { BodyIncompleteError } from './fragment-writer.js';
import { sendText, ServerMetrics } from './metrics.js';
import { MAX_FRAGMENT_HEADER, resolveOptions, sessionEvent, type BitsUploadHandlerOptions, type ResolvedOptions, type ServerLogEvent } from './options.js';
import { SessionPackets, serverError } from './packets.js';
import { PUBLISH_TEMP_SUFFIX } from './publish.js';
import { LeaseBusyError } from './farm-registry.js';
import { SessionStore, type SessionRecord } from './session-store.js';
import { serveFile } from './static-file.js';
import { decodeSegments, normalizeSessionId, parseTarget, replySessionId, stripPrefix, type RequestTarget } from './url-path.js';

export interface BitsUploadHandler {
  /**
   * Handles `req` when it is for this server: every BITS_POST, and GET/HEAD below the URL prefix
   * (replies always; published files unless servePublished is false). Returns false, having sent
   * nothing, for any other request.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Settles once the sessions of an earlier run are loaded and expired ones removed. */
  readonly ready: Promise<void>;
  /** Deletes every expired session now (also runs on a timer); returns how many. */
  cleanup(): Promise<number>;
  /** Reads the users file of `auth` again (serve: SIGHUP); on error the previous users stay. */
  reloadUsers(): Promise<void>;
  /** Counts a connection the server cut (idle, slow request head, unparsable request) in the metrics. */
  connectionDropped(reason: 'idle' | 'headers_timeout' | 'bad_request' | 'slow_body'): void;
  /** Stops the cleanup timer and aborts notifications in flight. Sessions stay on disk. */
  close(): Promise<void>;
}

/**
 * Longest BITS-Session-Id echoed back on an Ack. Ours are 38 characters; echoing a client's 5 KB
 * junk id made the Ack's head larger than nginx's proxy_buffer_size (4 KiB), and nginx turned
 * the answer into a bare 502 (found by test/server-nginx-fuzz.test.ts).
 */
const MAX_ECHOED_SESSION_ID = 100;

function echoedSessionId(rawId: string | undefined): AckHeaders {
  return rawId && rawId.length <= MAX_ECHOED_SESSION_ID ? { 'BITS-Session-Id': rawId } : {};
}

/** Who sent a request, as far as the server knows: a session is theirs alone. */
interface Requester {
  address: string;
  user: string | null;
}

type PacketType = 'ping' | 'create-session' | 'fragment' | 'close-session' | 'cancel-session';
const PACKET_TYPES = new Set<PacketType>(['ping', 'create-session', 'fragment', 'close-session', 'cancel-session']);
/** [MC-BUP] §2.2.1, Windows: header values over 4 KB are refused. */
const MAX_HEADER_VALUE_BYTES = 4096;

function headerValueTooLong(req: IncomingMessage): string | null {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (Buffer.byteLength(req.rawHeaders[i + 1]!, 'latin1') > MAX_HEADER_VALUE_BYTES) return req.rawHeaders[i]!;
  }
  return null;
}

/**
 * The client's address: the connection's, or — when the connection comes from a trusted reverse
 * proxy — the last address that proxy put in X-Forwarded-For (what it saw; earlier entries are
 * whatever the client claimed). Session ownership, the per-client session limit and the allow-list
 * all use it.
 */
function clientAddressOf(req: IncomingMessage, trusted: ReadonlySet<string>): string {
  const peer = plainAddress(req.socket.remoteAddress ?? 'unknown');
  if (!trusted.has(peer)) return peer;
  const xff = req.headers['x-forwarded-for'];
  const last = (Array.isArray(xff) ? xff.join(',') : xff ?? '').split(',').map((x) => x.trim()).filter(Boolean).pop();
  return last && isIP(last) ? plainAddress(last) : peer;
}

/** The scheme the client used: X-Forwarded-Proto from a trusted proxy (TLS ends there), else our socket's. */
function schemeOf(req: IncomingMessage, trusted: ReadonlySet<string>): 'http' | 'https' {
  if (trusted.has(plainAddress(req.socket.remoteAddress ?? ''))) {
    const p = String(req.headers['x-forwarded-proto'] ?? '').trim().toLowerCase();
    if (p === 'https' || p === 'http') return p;
  }
  return (req.socket as TLSSocket).encrypted ? 'https' : 'http';
}

/** The upload URL as the client addressed it (BITS-Original-Request-URL, the base of relative URLs). */
function remoteUrlOf(req: IncomingMessage, target: RequestTarget, scheme: 'http' | 'https'): string {
  if (/^https?:\/\//i.test(req.url ?? '')) return req.url!;
  const local = req.socket.localAddress ?? '127.0.0.1';
  const own = `${local.includes(':') ? `[${local}]` : local}:${req.socket.localPort ?? 80}`;
  for (const host of [req.headers.host, own]) {
    if (!host) continue;
    const url = `${scheme}://${host}${target.pathname}${target.search}`;
    // A Host that does not make a URL (spaces, stray characters) falls back to our own address.
    if (URL.canParse(url)) return url;
  }
  return `${scheme}://${own}/`;
}

/** The access-log fields of a request (status 0: the client went away mid-body). */
function requestEvent(req: IncomingMessage, res: ServerResponse, client: string, user: string | null, status: number, reason?: string): ServerLogEvent {
  const type = req.headers['bits-packet-type'];
  const session = req.headers['bits-session-id'];
  const ack = sentAckHeaders(res);
  const received = ack?.['BITS-Received-Content-Range'];
  const code = ack?.['BITS-Error-Code'];
  return {
    event: 'request', client, method: req.method ?? '', packet: typeof type === 'string' ? type.slice(0, 40) : null, url: (req.url ?? '').slice(0, 2200), status,
    session: typeof session === 'string' ? session.slice(0, 100) : null, user,
    ...(received !== undefined ? { received: Number(received) } : {}), ...(code !== undefined ? { error: String(code) } : {}), ...(reason ? { reason } : {}),
  };
}

export function createBitsUploadHandler(options: BitsUploadHandlerOptions): BitsUploadHandler {
  const o: ResolvedOptions = resolveOptions(options);
  const store = new SessionStore(o.sessionsDir, o.sessionTimeoutMs, o.now, o.farm);
  const closing = new AbortController();
  const packets = new SessionPackets(o, store, closing.signal);
  const metrics = new ServerMetrics();
  const trusted: ReadonlySet<string> = new Set((o.trustedProxies ?? []).map(plainAddress));
  const gate = new AuthGate(o.auth, o.allowClients ? parseAllowList(o.allowClients) : null, o.now, o.farm ? o.sessionsDir : null);
  let timer: NodeJS.Timeout | undefined;

  async function cleanup(): Promise<number> {
    let n = 0;
    for (const id of store.expiredIds()) {
      // Any instance of a farm sweeps; one that finds the session busy leaves it to the next sweep.
      await store.withLock(id, async () => {
        // Re-check under the lock: a request may have refreshed it meanwhile.
        const rec = await store.read(id);
        if (!rec || packets.isExpired(rec)) {
          await store.remove(id);
          o.log(`session ${id} expired after ${o.sessionTimeoutMs / 1000} s idle: deleted`, rec ? sessionEvent('expired', rec) : undefined);
          n++;
        }
      }, false).catch((e: unknown) => {
        if (!(e instanceof LeaseBusyError)) throw e;
      });
    }
    return n;
  }

  const ready = (async () => {
    await gate.reload();
    await store.load();
    await cleanup();
    timer = setInterval(() => void cleanup().catch((e) => o.log(`cleanup failed: ${(e as Error).message}`, { event: 'error', message: `cleanup failed: ${(e as Error).message}` })), o.cleanupIntervalMs);
    timer.unref();
  })();
  ready.catch(() => undefined); // reported on every request instead

  /**
   * The session a packet names, if it exists, is not expired, belongs to this URL and to this
   * client. Read from disk every time (another instance of the farm may have moved it on);
   * `reconcile` only under the session's lock.
   */
  async function lookup(id: string | null, segments: string[] | null, who: Requester, reconcile = false): Promise<SessionRecord | undefined> {
    const rec = id ? await store.read(id, reconcile) : undefined;
    if (!rec || packets.isExpired(rec)) return undefined;
    // Another user's or another address's session does not exist for this client: it gets the
    // same answer as for an unknown id, so ids cannot be probed, and its own client starts anew.
    if ((rec.user ?? null) !== who.user) return undefined;
    if (o.bindSessionsToClientAddress && rec.clientAddress !== who.address) return undefined;
    // A session serves one URL; a packet for another URL cannot continue it (IIS keeps sessions per URL).
    if (!segments || segments.join('/').toLowerCase() !== rec.segments.join('/').toLowerCase()) return undefined;
    return rec;
  }

  async function bitsPost(req: IncomingMessage, res: ServerResponse, who: Requester): Promise<number> {
    const rawId = req.headers['bits-session-id'] as string | undefined;
    const echo = echoedSessionId(rawId);
    try {
      await ready;
      if (req.httpVersion !== '1.1') throw invalidArg(`HTTP/${req.httpVersion}: the BITS Upload Protocol needs HTTP/1.1`);
      const long = headerValueTooLong(req);
      if (long) throw invalidArg(`the value of ${long} is longer than ${MAX_HEADER_VALUE_BYTES} bytes`);
      const cl = req.headers['content-length'];
      if (cl === undefined || !/^\d+$/.test(cl)) throw invalidArg('Content-Length is missing');
      const contentLength = Number(cl);
      const type = String(req.headers['bits-packet-type'] ?? '').trim().toLowerCase() as PacketType;
      if (!PACKET_TYPES.has(type)) throw invalidArg(`unknown BITS-Packet-Type "${String(req.headers['bits-packet-type'] ?? '').slice(0, 40)}"`);
      if (type !== 'fragment' && contentLength !== 0) throw invalidArg(`a ${type} packet carries no body (Content-Length must be 0)`);

      if (type === 'ping') {
        // No processing ([MC-BUP] §3.2.5.2.5); a ping naming a live session keeps it alive.
        const pinged = normalizeSessionId(rawId);
        if (pinged) store.touch(pinged);
        // A resuming client learns the fragment limit here (it sends no Create-Session then).
        sendAck(res, 200, { ...echo, [MAX_FRAGMENT_HEADER]: o.maxFragmentBytes });
        return 200;
      }

      const target = parseTarget(req.url);
      if (!target) throw invalidArg('the request target is not a URL path');
      const rest = stripPrefix(target.pathname, o.urlPrefix);
      // IIS answers 501 + E_ACCESSDENIED where uploads are not enabled ([MC-BUP] §6 note 22).
      if (rest === null) throw new AckError(501, E_ACCESSDENIED, CONTEXT_SERVER, `uploads are enabled below ${o.urlPrefix} only`);
      const decoded = decodeSegments(rest);

      if (type === 'create-session') {
        if (!decoded.ok) throw new AckError(decoded.status, decoded.status === 403 ? E_ACCESSDENIED : E_INVALIDARG, CONTEXT_SERVER, decoded.reason);
        const headers = await packets.createSession({
          segments: decoded.segments,
          remoteUrl: remoteUrlOf(req, target, schemeOf(req, trusted)),
          query: target.search === '?' ? '' : target.search,
          clientAddress: who.address,
          user: who.user,
          supportedProtocols: req.headers['bits-supported-protocols'] as string | undefined,
        });
        sendAck(res, 200, headers);
        return 200;
      }

      if (!rawId) throw invalidArg(`a ${type} packet needs BITS-Session-Id`);
      const id = normalizeSessionId(rawId);
      const notFound = () => new AckError(500, BG_E_SESSION_NOT_FOUND, CONTEXT_SERVER, `no session ${rawId.slice(0, 100)} for this URL`);
      if (!id) throw notFound();
      // The look without the lease runs in the session's queue (store.withLock), not here: an
      // await here let a later pipelined fragment overtake an earlier one.
      const precheck = async () => {
        if (!(await lookup(id, decoded.ok ? decoded.segments : null, who))) throw notFound();
      };
      return await store.withLock(id, async () => {
        // Looked up again under the lock: Cancel or expiry may have won the race.
        const rec = await lookup(id, decoded.ok ? decoded.segments : null, who, true);
        if (!rec) throw notFound();
        if (type === 'fragment') {
          const before = rec.received;
          const headers = await packets.fragment(rec, req, contentLength).finally(() => metrics.received(rec.received - before));
          sendAck(res, 200, { ...headers, 'BITS-Session-Id': rec.id });
        } else {
          await (type === 'close-session' ? packets.closeSession(rec) : packets.cancelSession(rec));
          sendAck(res, 200, { 'BITS-Session-Id': rec.id });
        }
        return 200;
      }, true, precheck);
    } catch (caught) {
      // Another instance of the farm holds the session and did not finish in time: try again later.
      const e = caught instanceof LeaseBusyError ? new AckError(503, ERROR_BUSY, CONTEXT_SERVER, `${caught.message}; try again`, { 'Retry-After': 5 }) : caught;
      if (e instanceof AckError) {
        metrics.refused(e.hresult, e.status);
        sendErrorAck(res, e, echo);
        return e.status;
      }
      const code = (e as NodeJS.ErrnoException)?.code;
      if (e instanceof BodyIncompleteError || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
        res.destroy(); // the client is gone mid-body: there is nobody to answer
        return 0;
      }
      o.log(`internal error: ${(e as Error)?.stack ?? String(e)}`, { event: 'error', message: `internal error: ${(e as Error)?.message ?? String(e)}` });
      const err = serverError(e);
      sendErrorAck(res, err, echo);
      return err.status;
    }
  }

  async function getOrHead(req: IncomingMessage, res: ServerResponse, rest: string, who: Requester): Promise<boolean> {
    const replyId = replySessionId(rest);
    if (replyId) {
      const rec = await store.read(replyId);
      // The reply is its session's client's alone (with authentication: its user's).
      if (rec && (rec.user ?? null) !== who.user) return notFound(res);
      // The reply exists from the final Ack until Close/Cancel/timeout (spec §7.6).
      if (rec && !packets.isExpired(rec) && rec.notified && rec.reply === 'file' && (await serveFile(req, res, store.replyFile(rec.id)))) return true;
      return notFound(res);
    }
    if (!o.servePublished) return notFound(res);
    const decoded = decodeSegments(rest);
    if (!decoded.ok || decoded.segments[decoded.segments.length - 1]!.endsWith(PUBLISH_TEMP_SUFFIX)) return notFound(res);
    const path = await resolvePublished(o, decoded.segments);
    if (path && (await serveFile(req, res, path))) return true;
    return notFound(res);
  }

  /**
   * GET/HEAD <prefix>BITS-Sessions/health (everyone: the load balancer's probe; 503 until the
   * sessions are loaded) and …/metrics (loopback peers only). Before authentication: a probe has
   * no password. Returns false for every other path.
   */
  function operations(req: IncomingMessage, res: ServerResponse, rest: string): boolean {
    const what = rest.toLowerCase();
    const head = req.method === 'HEAD';
    if (what === 'bits-sessions/health') {
      ready.then(
        () => sendText(res, 200, 'application/json', JSON.stringify({ status: 'ok', sessions: store.count() }) + '\n', head),
        (e: Error) => sendText(res, 503, 'application/json', JSON.stringify({ status: 'unavailable', reason: e.message }) + '\n', head),
      );
      return true;
    }
    if (what === 'bits-sessions/metrics') {
      const peer = plainAddress(req.socket.remoteAddress ?? '');
      if (peer !== '127.0.0.1' && peer !== '::1') sendText(res, 403, 'text/plain; charset=utf-8', 'metrics are served to loopback clients only\n', head);
      else sendText(res, 200, 'text/plain; version=0.0.4', metrics.text(store.count()), head);
      return true;
    }
    return false;
  }

  /** 401 with the challenges, or 403 (allow-list): an Ack for BITS_POST, a short text otherwise. */
  function refuse(req: IncomingMessage, res: ServerResponse, v: Exclude<GateVerdict, { ok: true }>): void {
    if (res.headersSent) return;
    const rawId = req.headers['bits-session-id'] as string | undefined;
    if (req.method === BITS_POST) {
      if (v.status === 403) sendErrorAck(res, new AckError(403, E_ACCESSDENIED, CONTEXT_SERVER, v.why), echoedSessionId(rawId));
      else {
        res.writeHead(401, { 'BITS-Packet-Type': 'Ack', ...echoedSessionId(rawId), 'WWW-Authenticate': v.challenges, 'Content-Length': 0 });
        res.end();
      }
      return;
    }
    const body = v.status === 401 ? 'authentication required\n' : 'forbidden\n';
    res.writeHead(v.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...(v.status === 401 ? { 'WWW-Authenticate': v.challenges } : {}) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function notFound(res: ServerResponse): true {
    if (!res.headersSent) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 10 });
      res.end('not found\n');
    }
    return true;
  }

  return {
    ready,
    cleanup: async () => {
      await ready;
      return cleanup();
    },
    reloadUsers: () => gate.reload(),
    connectionDropped: (reason) => {
      metrics.dropped(reason);
      o.log(`connection dropped: ${reason}`, { event: 'error', message: `connection dropped: ${reason}` });
    },
    async handle(req, res) {
      const isPost = req.method === BITS_POST;
      if (!isPost && req.method !== 'GET' && req.method !== 'HEAD') return false;
      let rest: string | null = null;
      if (!isPost) {
        const target = parseTarget(req.url);
        rest = target ? stripPrefix(target.pathname, o.urlPrefix) : null;
        // Not ours: outside the prefix, or published files are not served (and it is not a reply).
        if (rest === null) return false;
        if (operations(req, res, rest)) return true;
        if (!o.servePublished && !replySessionId(rest)) return false;
      }
      await ready.catch(() => undefined);
      const address = clientAddressOf(req, trusted);
      const verdict = await gate.check(req, address).catch((e: unknown): GateVerdict => {
        o.log(`internal error in authentication: ${(e as Error)?.stack ?? String(e)}`, { event: 'error', message: `internal error in authentication: ${(e as Error)?.message ?? String(e)}` });
        return { ok: false, status: 403, why: 'authentication failed' };
      });
      if (!verdict.ok) {
        metrics.refused(verdict.status === 403 ? E_ACCESSDENIED : null, verdict.status);
        refuse(req, res, verdict);
        o.log(`${address} ${req.method} ${req.headers['bits-packet-type'] ?? ''} ${req.url} → ${verdict.status} (${verdict.why})`, requestEvent(req, res, address, null, verdict.status, verdict.why));
        return true;
      }
      const who: Requester = { address, user: verdict.user };
      if (isPost) {
        const type = String(req.headers['bits-packet-type'] ?? '');
        const status = await bitsPost(req, res, who).catch((e: unknown) => {
          // Never leave a request hanging, whatever failed.
          o.log(`internal error: ${(e as Error)?.stack ?? String(e)}`, { event: 'error', message: `internal error: ${(e as Error)?.message ?? String(e)}` });
          if (!res.headersSent) sendErrorAck(res, new AckError(500, E_FAIL));
          return 500;
        });
        metrics.request(type, status);
        o.log(`${address} BITS_POST ${type} ${req.url} → ${status || 'connection lost'}`, requestEvent(req, res, address, who.user, status));
        return true;
      }
      const handled = await getOrHead(req, res, rest!, who);
      if (handled) o.log(`${address} ${req.method} ${req.url} → ${res.statusCode}`, requestEvent(req, res, address, who.user, res.statusCode));
      return handled;
    },
    async close() {
      clearInterval(timer);
      closing.abort(new Error('server closing'));
      await ready.catch(() => undefined);
      clearInterval(timer); // in case ready set it after the first clear
      gate.close();
      store.close();
    },
  };
}
