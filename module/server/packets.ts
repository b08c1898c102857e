// The four session packets of the server algorithm (spec §7.4; [MC-BUP] §3.2.5): Create-Session,
// Fragment, Close-Session, Cancel-Session. Each returns the headers of its success Ack or throws an
// AckError; handler.ts does the common validation before and writes the Ack after.
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { errnoToHResult } from '../api/bits-error.js';
import {
  AckError, type AckHeaders, BG_E_TOO_LARGE, CONTEXT_SERVER, E_ACCESSDENIED, E_FAIL, ERROR_DISK_FULL, ERROR_PATH_NOT_FOUND,
  ERROR_TOO_MANY_SESS, invalidArg,
} from './ack.js';
import { parseContentRange } from './content-range.js';
import { destinationStillInside, resolveDestination } from './destination.js';
import { requestBody } from './diverted-body.js';
import { drainBody, writeFragment } from './fragment-writer.js';
import { notifyHandler, notifyUrl, type NotifyInput } from './notify.js';
import { BITS_PROTOCOL_GUID, MAX_FRAGMENT_HEADER, sessionEvent, type ResolvedOptions } from './options.js';
import { DestinationExistsError, publishFile, publishTempPath } from './publish.js';
import { TooManySessionsError, type SessionRecord, type SessionStore } from './session-store.js';
import { replyUrlFor } from './url-path.js';

/** Windows servers accept at most 100 protocol GUIDs ([MC-BUP] §6 note 6). */
const MAX_PROTOCOLS = 100;

export interface CreateSessionInput {
  segments: string[];
  remoteUrl: string;
  query: string;
  clientAddress: string;
  user: string | null;
  supportedProtocols: string | undefined;
}

export class SessionPackets {
  constructor(
    private readonly o: ResolvedOptions,
    private readonly store: SessionStore,
    /** Aborted by close(): notifications in flight give up. */
    private readonly closing: AbortSignal,
  ) {}

  isExpired(rec: SessionRecord): boolean {
    return this.store.isExpired(rec);
  }

  async createSession(input: CreateSessionInput): Promise<AckHeaders> {
    const offered = (input.supportedProtocols ?? '').split(/[\s,]+/).filter(Boolean);
    if (offered.length === 0) throw invalidArg('BITS-Supported-Protocols is missing');
    if (offered.length > MAX_PROTOCOLS) throw invalidArg(`BITS-Supported-Protocols lists more than ${MAX_PROTOCOLS} protocols`);
    if (!offered.some((g) => g.toLowerCase() === BITS_PROTOCOL_GUID)) throw invalidArg('no protocol in common: this server speaks ' + BITS_PROTOCOL_GUID);

    const destination = await resolveDestination(this.o, input.segments);
    const now = this.o.now();
    const rec: SessionRecord = {
      version: 1,
      id: `{${randomUUID().toUpperCase()}}`,
      createdAt: now,
      lastActivityAt: now,
      clientAddress: input.clientAddress,
      user: input.user,
      remoteUrl: input.remoteUrl,
      segments: input.segments,
      query: input.query,
      destination,
      notify: this.o.notification || this.o.replyHandler ? 'app' : 'none',
      total: null,
      received: 0,
      notified: false,
      replyUrl: null,
      reply: null,
      copyToDestination: false,
    };
    // The limit is counted over the whole farm, in the transaction that registers the session.
    await this.store.create(rec, this.o.maxSessionsPerClient).catch((e) => {
      if (e instanceof TooManySessionsError) {
        throw new AckError(503, ERROR_TOO_MANY_SESS, CONTEXT_SERVER, `this client already has ${e.open} open sessions (limit ${this.o.maxSessionsPerClient})`, { 'Retry-After': 60 });
      }
      throw serverError(e);
    });
    const headers: AckHeaders = { 'BITS-Protocol': BITS_PROTOCOL_GUID, 'BITS-Session-Id': rec.id, 'Accept-Encoding': 'identity', [MAX_FRAGMENT_HEADER]: this.o.maxFragmentBytes };
    if (this.o.hostId) {
      headers['BITS-Host-Id'] = this.o.hostId;
      if (this.o.hostIdFallbackTimeout !== null) headers['BITS-Host-Id-Fallback-Timeout'] = this.o.hostIdFallbackTimeout;
    }
    this.o.log(`session ${rec.id} created for ${rec.destination} (${rec.clientAddress}${rec.user ? ` user ${rec.user}` : ''})`, sessionEvent('created', rec));
    return headers;
  }

  /** Fragment Ack headers; BITS-Received-Content-Range is on every Fragment Ack, errors included. */
  async fragment(rec: SessionRecord, req: IncomingMessage, contentLength: number): Promise<AckHeaders> {
    const received = () => ({ 'BITS-Received-Content-Range': rec.received });
    const range = parseContentRange(req.headers['content-range']);
    if (typeof range === 'string') throw invalidArg(range, received());
    const length = range.last - range.first + 1;
    if (contentLength !== length) throw invalidArg(`Content-Length ${contentLength} does not match Content-Range (${length} bytes)`, received());
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.trim().toLowerCase() !== 'identity') throw invalidArg('only the identity content encoding is supported', received());
    if (this.o.maxUploadSize !== null && range.total > this.o.maxUploadSize) {
      throw new AckError(500, BG_E_TOO_LARGE, CONTEXT_SERVER, `the upload (${range.total} bytes) is larger than this server accepts (${this.o.maxUploadSize})`, received());
    }
    if (rec.total !== null && rec.total !== range.total) throw invalidArg(`the total ${range.total} differs from the ${rec.total} of earlier fragments`, received());
    if (contentLength > this.o.maxFragmentBytes) {
      throw new AckError(413, null, CONTEXT_SERVER, `fragment of ${contentLength} bytes is over the limit of ${this.o.maxFragmentBytes}`, received());
    }
    // A gap: the client is ahead of us. Tell it where to continue; nothing is written (spec §7.4).
    if (range.first > rec.received) throw new AckError(416, null, CONTEXT_SERVER, `gap: fragment starts at ${range.first}, next wanted ${rec.received}`, received());
    if (rec.notified) {
      // NotifyCache: the whole upload is here and the application has it; any fragment (a retry of
      // the last one, typically) gets the cached final Ack, never a second notification.
      await drainBody(requestBody(req));
      rec.lastActivityAt = this.o.now();
      this.store.noteActivity(rec);
      return this.finalAck(rec);
    }
    const totalWasKnown = rec.total !== null;
    if (rec.total === null) rec.total = range.total;
    try {
      rec.received = await writeFragment(requestBody(req), this.store.requestFile(rec.id), { first: range.first, length, next: rec.received });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') throw new AckError(500, ERROR_DISK_FULL, CONTEXT_SERVER, 'the server is out of disk space', received());
      throw e; // the client went away mid-body, or an unexpected failure
    }
    rec.lastActivityAt = this.o.now();
    // The state changes only when the total becomes known (the file's length is the bytes held:
    // session-store.ts), and that save precedes the Ack.
    if (!totalWasKnown) await this.store.save(rec);
    else this.store.noteActivity(rec);
    if (rec.received === rec.total) await this.completeUpload(rec, localUrlOf(req, rec));
    return rec.notified ? this.finalAck(rec) : { 'BITS-Received-Content-Range': rec.received };
  }

  private finalAck(rec: SessionRecord): AckHeaders {
    const h: AckHeaders = { 'BITS-Received-Content-Range': rec.received };
    if (rec.replyUrl) h['BITS-Reply-URL'] = rec.replyUrl;
    return h;
  }

  /** All bytes are here for the first time (or again after a failed notification): STATE_NOTIFY. */
  private async completeUpload(rec: SessionRecord, localUrl: string): Promise<void> {
    if (rec.notify === 'none') {
      // Type 0: nothing to notify; the file waits for Close-Session ([MC-BUP] §3.3.5.2.1). Not
      // saved: a type-0 session whose file holds the whole total is complete on every instance.
      rec.notified = true;
      this.o.log(`session ${rec.id} complete (${rec.received} bytes)`, sessionEvent('complete', rec));
      return;
    }
    const input: NotifyInput = {
      sessionId: rec.id,
      remoteUrl: rec.remoteUrl,
      localUrl,
      query: rec.query,
      clientAddress: rec.clientAddress,
      user: rec.user ?? null,
      size: rec.received,
      requestFile: this.store.requestFile(rec.id),
      replyFile: this.store.replyFile(rec.id),
      timeoutMs: this.o.notificationTimeoutMs,
      signal: this.closing,
    };
    this.o.log(`session ${rec.id} complete (${rec.received} bytes): notifying the server application`, sessionEvent('notifying', rec));
    let outcome;
    try {
      outcome = this.o.replyHandler ? await notifyHandler(this.o.replyHandler, input) : await notifyUrl(this.o.notification!, input);
    } catch (e) {
      if (e instanceof AckError) {
        this.o.log(`session ${rec.id}: server application failed: ${e.message}`, sessionEvent('application-failed', rec, { status: e.status }));
        throw new AckError(e.status, e.hresult, e.context, e.message, { 'BITS-Received-Content-Range': rec.received });
      }
      throw e;
    }
    rec.notified = true;
    rec.reply = outcome.reply;
    rec.replyUrl = outcome.reply === 'static' ? outcome.staticUrl : replyUrlFor(rec.id);
    rec.copyToDestination = outcome.copyToDestination;
    await this.store.save(rec);
  }

  async closeSession(rec: SessionRecord): Promise<void> {
    const complete = rec.total === null ? rec.notify === 'none' : rec.received === rec.total;
    const publish = complete && (rec.notify === 'none' || (rec.notified && rec.copyToDestination));
    if (publish) {
      if (!(await destinationStillInside(this.o.root, rec.destination))) {
        await this.store.remove(rec.id);
        throw new AckError(403, E_ACCESSDENIED, CONTEXT_SERVER, 'the target directory is now a link out of the upload directory');
      }
      if (await this.alreadyPublished(rec)) {
        this.o.log(`session ${rec.id} closed: ${rec.destination} was published by an earlier Close-Session`, sessionEvent('published-before', rec));
        await this.store.remove(rec.id);
        return;
      }
      try {
        await publishFile(this.store.requestFile(rec.id), rec.destination, this.o.allowOverwrites, rec.id, async (copy) => {
          rec.publishing = { ...rec.publishing!, copy };
          await this.store.save(rec);
        });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (e instanceof DestinationExistsError) {
          await this.store.remove(rec.id);
          throw new AckError(409, E_ACCESSDENIED, CONTEXT_SERVER, e.message);
        }
        if (code === 'ENOENT') {
          // The request entity was deleted (by the application, by reference) or the target folder went away.
          await this.store.remove(rec.id);
          throw new AckError(404, ERROR_PATH_NOT_FOUND, CONTEXT_SERVER, 'the uploaded file or its target directory is gone');
        }
        throw serverError(e); // 5xx: the session stays so that the client's retry can succeed
      }
      this.o.log(`session ${rec.id} closed: published ${rec.destination}`, sessionEvent('published', rec));
    } else {
      this.o.log(`session ${rec.id} closed: ${complete ? 'delivered to the server application' : `discarded after ${rec.received} bytes`}`, sessionEvent(complete ? 'delivered' : 'discarded', rec));
    }
    await this.store.remove(rec.id);
  }

  /**
   * Was this session's file published by a Close whose instance died before it could forget the
   * session? The request file's identity is saved (at Create-Session, and here if the file was
   * made anew since); the destination being that very inode means it was moved there. Across file
   * systems the copy's identity is saved before the copy is linked into place (publish.ts): the
   * destination being the copy means the same, and the copy's second name, if the death came
   * before it was unlinked, is removed.
   */
  private async alreadyPublished(rec: SessionRecord): Promise<boolean> {
    if (rec.publishing) {
      const dest = statOrNull(rec.destination);
      const same = (id: { dev: number; ino: number } | undefined) => dest !== null && id !== undefined && dest.ino === id.ino && dest.dev === id.dev;
      if (same(rec.publishing)) return true;
      if (same(rec.publishing.copy)) {
        await rm(publishTempPath(rec.destination, rec.id), { force: true });
        return true;
      }
    }
    const src = statOrNull(this.store.requestFile(rec.id));
    if (src && (src.ino !== rec.publishing?.ino || src.dev !== rec.publishing.dev)) {
      rec.publishing = { dev: src.dev, ino: src.ino };
      await this.store.save(rec);
    }
    return false;
  }

  async cancelSession(rec: SessionRecord): Promise<void> {
    await this.store.remove(rec.id);
    this.o.log(`session ${rec.id} cancelled`, sessionEvent('cancelled', rec));
  }
}

/** The file's identity, or null when it cannot be looked at (a synchronous call: session-store.ts says why). */
function statOrNull(path: string): { dev: number; ino: number } | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/** The session's upload URL on the address this request reached (see NotifyInput.localUrl). */
function localUrlOf(req: IncomingMessage, rec: SessionRecord): string {
  const addr = req.socket.localAddress ?? '127.0.0.1';
  const host = addr.includes(':') ? `[${addr}]` : addr;
  return `http://${host}:${req.socket.localPort ?? 80}${new URL(rec.remoteUrl).pathname}`;
}

/** A local failure → 500 with the Windows HRESULT of the errno (disk full → 0x80070070), context 0x5. */
export function serverError(e: unknown): AckError {
  if (e instanceof AckError) return e;
  const hr = errnoToHResult((e as NodeJS.ErrnoException)?.code) ?? E_FAIL;
  return new AckError(500, hr, CONTEXT_SERVER, e instanceof Error ? e.message : String(e));
}
