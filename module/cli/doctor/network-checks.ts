// doctor: the network settings the service reads from its environment — proxy variables
// (PRECONFIG) and BITS_JOB2_CA_FILE. Credentials in a proxy URL are never printed.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fail, ok, warn, type CheckResult } from './check.js';

const PROXY_VARS = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'] as const;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The URL with any password replaced, for display. */
function masked(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return value.replace(/\/\/[^@/]*@/, '//***@');
  }
}

export function checkProxyEnv(env: NodeJS.ProcessEnv = process.env): CheckResult[] {
  const results: CheckResult[] = [];
  for (const name of PROXY_VARS) {
    const value = env[name];
    if (!value) continue;
    let url: URL | undefined;
    try {
      url = new URL(value.includes('://') ? value : `http://${value}`);
    } catch {
      /* reported below */
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname) {
      results.push(fail('proxy', `${name}=${masked(value)} is not a proxy URL`, `Use ${name}=http://host:port (PRECONFIG jobs read it), or unset it.`));
    } else {
      results.push(ok('proxy', `${name}=${masked(value)}${url.username ? ' (with credentials: prefer set-credentials --target PROXY)' : ''}`));
    }
  }
  const noProxy = env.no_proxy ?? env.NO_PROXY;
  if (noProxy !== undefined) results.push(ok('proxy', `no_proxy=${noProxy}`));
  if (results.length === 0) results.push(ok('proxy', 'no proxy variables: PRECONFIG and AUTODETECT jobs connect directly'));
  return results;
}

export function checkCaFile(env: NodeJS.ProcessEnv = process.env, now = Date.now()): CheckResult {
  const path = env.BITS_JOB2_CA_FILE;
  if (!path) return ok('ca-file', 'BITS_JOB2_CA_FILE not set: HTTPS servers are checked against Node\'s built-in roots');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail('ca-file', `BITS_JOB2_CA_FILE=${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'Point it at a readable PEM file of CA certificates, or unset it.');
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) return fail('ca-file', `${path} holds no PEM certificate`, 'It must contain "-----BEGIN CERTIFICATE-----" blocks (convert DER with `openssl x509 -inform der -in ca.cer -out ca.pem`).');
  const certs: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certs.push(new X509Certificate(block));
    } catch (e) {
      return fail('ca-file', `${path}: a certificate does not parse (${(e as Error).message})`, 'Replace the damaged block.');
    }
  }
  const expired = certs.filter((c) => Date.parse(c.validTo) < now);
  const notYet = certs.filter((c) => Date.parse(c.validFrom) > now);
  if (notYet.length) return warn('ca-file', `${path}: ${notYet[0]!.subject.split('\n')[0]} is valid only from ${notYet[0]!.validFrom}`, 'Is the clock right? A clock behind makes valid certificates look not yet valid.');
  if (expired.length) return warn('ca-file', `${path}: ${expired[0]!.subject.split('\n')[0]} expired on ${expired[0]!.validTo}`, 'Replace the expired CA certificate.');
  return ok('ca-file', `${path}: ${certs.length} certificate(s), all valid now`);
}
