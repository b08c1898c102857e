// Which http(s).Agent carries a request, and with which trusted CAs.
//
// Trust: by default Node's normal store (bundled roots + NODE_EXTRA_CA_CERTS, read at process
// start). Extra CAs can be added per request (DownloadRequest.tls.ca) or for the whole process with
// the environment variable BITS_JOB2_CA_FILE (a PEM file, read when a request is made, so it also
// works when set after start-up). Extra CAs are *added* to the normal store, never replace it.
//
// Connections are not kept alive: BITS requests are few and long, and a pooled socket that the
// server closed while idle would surface as a spurious ECONNRESET on the next request.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { ErrorContext } from '../../api/enums.js';
import type { DownloadTlsOptions } from './download-port.js';
import { HRESULT, HttpTransferError } from './errors.js';

export type TlsOptions = DownloadTlsOptions;

export const CA_FILE_ENV = 'BITS_JOB2_CA_FILE';

const httpAgent = new http.Agent({ keepAlive: false });
const defaultHttpsAgent = new https.Agent({ keepAlive: false });
const httpsAgentsByExtraCa = new Map<string, https.Agent>();

function pemList(ca: TlsOptions['ca']): string[] {
  if (ca === undefined) return [];
  return (Array.isArray(ca) ? ca : [ca]).map((c) => c.toString());
}

/** BITS_JOB2_CA_FILE is explicit configuration: if it cannot be read, say so instead of ignoring it. */
function configuredCaFile(): string[] {
  const path = process.env[CA_FILE_ENV];
  if (!path) return [];
  try {
    return [readFileSync(path, 'utf8')];
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

function httpsAgentTrusting(extra: string[]): https.Agent {
  const key = extra.join('\n');
  let agent = httpsAgentsByExtraCa.get(key);
  if (!agent) {
    // Passing `ca` replaces Node's store, so rebuild it: bundled roots + NODE_EXTRA_CA_CERTS + extras.
    const ca = [...tls.rootCertificates, ...nodeExtraCaCerts(), ...extra];
    agent = new https.Agent({ keepAlive: false, ca });
    httpsAgentsByExtraCa.set(key, agent);
  }
  return agent;
}

export function agentFor(protocol: 'http:' | 'https:', options?: TlsOptions): http.Agent {
  if (protocol === 'http:') return httpAgent;
  const extra = extraCas(options);
  return extra.length === 0 ? defaultHttpsAgent : httpsAgentTrusting(extra);
}

/**
 * The CA list to pass to a TLS connection made outside these shared agents (a keep-alive upload
 * agent, a tunnel through a proxy, TLS to an https:// proxy), so it trusts exactly what downloads
 * trust; undefined = Node's default store.
 */
export function trustedCa(options?: TlsOptions): string[] | undefined {
  const extra = extraCas(options);
  if (extra.length === 0) return undefined;
  return (httpsAgentTrusting(extra).options.ca as string[] | undefined) ?? undefined;
}
