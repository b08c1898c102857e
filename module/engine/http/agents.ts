// Which http(s).Agent carries a request, and with which trusted CAs.
//
// Trust: by default Node's normal store (bundled roots + NODE_EXTRA_CA_CERTS, read at process
// start). Extra CAs can be added per request (DownloadRequest.tls.ca) or for the whole process with
// the environment variable BITS_JOB2_CA_FILE (a PEM file, read when a request is made, so it also
// works when set after start-up). Extra CAs are *added* to the normal store, never replace it.
//
// A CA list given as `ca` makes Node parse every certificate of it again for each TLS connection:
// with the whole root store (~150 certificates, as adding a CA to the store needs) that is ~15 ms of
// CPU per connection, a 3 s stall for 200 upload sessions. So the store + extras is built once as
// a SecureContext per CA set (trustedSecureContext), and the CA file is read again only when its
// path, mtime or size changes — a renewed CA file is still picked up without a restart. Node's own
// store is built once too: tls.connect without a `secureContext` makes a new one (a new OpenSSL
// context on the root store) for every connection, a few tenths of a ms of CPU each — a tenth of the
// load generator's CPU in the farm-load bench, where every upload session opens one or two.
//
// Connections are not kept alive: BITS requests are few and long, and a pooled socket that the
// server closed while idle would surface as a spurious ECONNRESET on the next request.
import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { ErrorContext } from '../../api/enums.js';
import type { DownloadTlsOptions } from './download-port.js';
import { HRESULT, HttpTransferError } from './errors.js';

export type TlsOptions = DownloadTlsOptions;

export const CA_FILE_ENV = 'BITS_JOB2_CA_FILE';

const httpAgent = new http.Agent({ keepAlive: false });
let defaultHttpsAgent: https.Agent | undefined;
let defaultContext: tls.SecureContext | undefined;
const httpsAgentsByExtraCa = new Map<string, https.Agent>();
const secureContextsByExtraCa = new Map<string, tls.SecureContext>();
/** CA sets kept (a CA file renewed a few times leaves a few; the oldest go first). */
const MAX_CA_SETS = 8;

function remember<T>(map: Map<string, T>, key: string, make: () => T): T {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
    if (map.size > MAX_CA_SETS) map.delete(map.keys().next().value!);
  }
  return v;
}

function pemList(ca: TlsOptions['ca']): string[] {
  if (ca === undefined) return [];
  return (Array.isArray(ca) ? ca : [ca]).map((c) => c.toString());
}

/** The CA file as last read, with what identifies that version of it. */
let caFileRead: { key: string; pem: string } | undefined;

/** BITS_JOB2_CA_FILE is explicit configuration: if it cannot be read, say so instead of ignoring it. */
function configuredCaFile(): string[] {
  const path = process.env[CA_FILE_ENV];
  if (!path) return [];
  try {
    const st = statSync(path);
    const key = `${path}\0${st.mtimeMs}\0${st.size}\0${st.ino}`;
    if (caFileRead?.key !== key) caFileRead = { key, pem: readFileSync(path, 'utf8') };
    return [caFileRead.pem];
  } catch (e) {
    throw new HttpTransferError(
      HRESULT.ERROR_INTERNET_SECURE_FAILURE,
      `${CA_FILE_ENV}=${path} cannot be read (${(e as Error).message}): fix or unset it.`,
      ErrorContext.GENERAL_TRANSPORT,
      false,
    );
  }
}

/** NODE_EXTRA_CA_CERTS: Node itself only warns when it is unreadable, and so do we (silently). */
function nodeExtraCaCerts(): string[] {
  const path = process.env.NODE_EXTRA_CA_CERTS;
  if (!path) return [];
  try {
    return [readFileSync(path, 'utf8')];
  } catch {
    return [];
  }
}

/** Extra CAs for a request: its own plus BITS_JOB2_CA_FILE. */
function extraCas(options?: TlsOptions): string[] {
  return [...pemList(options?.ca), ...configuredCaFile()];
}

/** Node's store as every TLS connection gets it by default (bundled roots + NODE_EXTRA_CA_CERTS), once. */
function defaultSecureContext(): tls.SecureContext {
  return (defaultContext ??= tls.createSecureContext());
}

/** Node's store plus `extra`, parsed once. */
function secureContextTrusting(extra: string[]): tls.SecureContext {
  // Passing `ca` replaces Node's store, so rebuild it: bundled roots + NODE_EXTRA_CA_CERTS + extras.
  return remember(secureContextsByExtraCa, extra.join('\n'), () => tls.createSecureContext({ ca: [...tls.rootCertificates, ...nodeExtraCaCerts(), ...extra] }));
}

function httpsAgentTrusting(extra: string[]): https.Agent {
  return remember(httpsAgentsByExtraCa, extra.join('\n'), () => new https.Agent({ keepAlive: false, secureContext: secureContextTrusting(extra) }));
}

export function agentFor(protocol: 'http:' | 'https:', options?: TlsOptions): http.Agent {
  if (protocol === 'http:') return httpAgent;
  const extra = extraCas(options);
  return extra.length === 0 ? (defaultHttpsAgent ??= new https.Agent({ keepAlive: false, secureContext: defaultSecureContext() })) : httpsAgentTrusting(extra);
}

/**
 * The trust for a TLS connection made outside these shared agents (a keep-alive upload agent, a
 * tunnel through a proxy, TLS to an https:// proxy), so it trusts exactly what downloads trust;
 * built once per CA set (and per version of BITS_JOB2_CA_FILE), Node's default store included.
 * Give it to agents and tls.connect as `secureContext`.
 */
export function trustedSecureContext(options?: TlsOptions): tls.SecureContext {
  const extra = extraCas(options);
  return extra.length === 0 ? defaultSecureContext() : secureContextTrusting(extra);
}
