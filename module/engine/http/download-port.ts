// The port between the engine and the HTTP downloader (spec §8). The engine owns job state and the
// store; the downloader owns one HTTP exchange sequence for one file and the temp file's bytes.
import type { BitsError } from '../../api/bits-error.js';
import type { TransportOptions } from '../transport-port.js';

import type { TransferPacer } from '../rate/pacer.js';

/** What an earlier response told us about the remote file; persisted by the engine. */
export interface RemoteValidator {
  /** Strong ETag (weak ones, W/"...", are never used for resume). */
  etag: string | null;
  /** Last-Modified header text as received. */
  lastModified: string | null;
  /** Size of the whole remote file. */
  totalSize: number | null;
}

export interface DownloadRequest {
  /** Reads the body only as fast as this allows (background jobs, module/engine/rate); absent = full speed. */
  pacer?: TransferPacer;
  url: string;
  /** Temp file next to the destination; created if missing. */
  tempPath: string;
  /** Bytes of tempPath known to be durable (last checkpoint). The file is truncated to this before resuming. */
  offset: number;
  /** Validator recorded for this file, or null on the first attempt. */
  validator: RemoteValidator | null;
  signal: AbortSignal;
  /**
   * Called once per attempt when a response was accepted, before the body is written. `restarted` =
   * the bytes before `offset` were discarded and progress reset to 0 (the remote file changed, or
   * the partial file could not be validated for a resume); `offset` = where this body starts.
   */
  onResponse?(info: { validator: RemoteValidator; finalUrl: string; restarted: boolean; offset: number }): void;
  /** Called as bytes are written (absolute position in the file). Cheap; may be called often. */
  onProgress?(position: number): void;
  /** Called after the temp file was fdatasync'ed up to `position`: safe to persist as the new offset. */
  onCheckpoint?(position: number, validator: RemoteValidator): void;
  /** Checkpoint at most this often (default 1000 ms) or every this many bytes (default 64 MiB), whichever comes first. */
  checkpointIntervalMs?: number;
  checkpointBytes?: number;
  /** Timeouts: connect + response headers, and idle gap between body chunks (spec: 5 min each). */
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Maximum redirects followed (default 10). */
  maxRedirects?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** TLS settings (extension): extra trusted CAs for HTTPS. */
  tls?: DownloadTlsOptions;
  /**
   * The job's proxy settings and credentials (spec §3.7, §4.1). Absent = direct connection, no
   * credentials. Invalid proxy settings fail the call with BG_E_INVALID_PROXY_INFO; an unanswerable
   * or rejected challenge with BG_E_HTTP_ERROR_401 / BG_E_HTTP_ERROR_407 (fatal).
   */
  transport?: TransportOptions;
}

/**
 * Extra CA certificates (PEM) trusted for HTTPS, *added* to Node's normal trust store (bundled roots
 * and NODE_EXTRA_CA_CERTS). The environment variable BITS_JOB2_CA_FILE (path of a PEM file) adds
 * one more for every request of the process.
 */
export interface DownloadTlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
}

/** Options of headFile (the HEAD request that learns a file's size before a multi-file job). */
export interface HeadOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  requestTimeoutMs?: number;
  maxRedirects?: number;
  tls?: DownloadTlsOptions;
  /** As DownloadRequest.transport. */
  transport?: TransportOptions;
}

export interface DownloadResult {
  validator: RemoteValidator;
  finalUrl: string;
  /** Bytes in the temp file (= validator.totalSize). */
  size: number;
}

export interface HeadResult {
  validator: RemoteValidator;
  finalUrl: string;
}

/**
 * A transfer failure: a BitsError (HRESULT + BG_ERROR_CONTEXT + message) plus whether BITS treats
 * it as recoverable (TRANSIENT_ERROR, retried after MinimumRetryDelay) or fatal (ERROR).
 */
export interface TransferFailure extends BitsError {
  readonly transient: boolean;
}
