// The users file of `serve --auth`:
// * Basic: htpasswd format, `user:hash` per line (hash formats: password-hash.ts);
// * Digest: htdigest format, `user:realm:HA1` per line — HA1 = H(user:realm:password), 32 hex
//   digits for MD5 (what Apache's `htdigest` writes) or 64 for SHA-256 [DECISION: our extension,
//   same layout]. Digest needs H(user:realm:password) and a password hash cannot give it, so the two
//   schemes cannot share one file; HA1 is password-equivalent for that realm: keep the file 0600.
// Blank lines and lines starting with '#' are ignored. A malformed line fails the load, naming it.
import { readFile } from 'node:fs/promises';
import { hashKind } from './password-hash.js';

export interface BasicUsers {
  scheme: 'basic';
  hashes: Map<string, string>;
}

export interface DigestUsers {
  scheme: 'digest';
  /** user → HA1 per algorithm, for the configured realm only. */
  ha1: Map<string, { md5?: string; sha256?: string }>;
  algorithms: Set<'MD5' | 'SHA-256'>;
}

export type UsersFile = BasicUsers | DigestUsers;

export async function loadUsersFile(file: string, scheme: 'basic' | 'digest', realm: string): Promise<UsersFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TypeError(`the users file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lines = text.split(/\r?\n/);
  const bad = (n: number, why: string) => new TypeError(`${file} line ${n}: ${why}`);
  if (scheme === 'basic') {
    const hashes = new Map<string, string>();
    lines.forEach((line, i) => {
      if (!line.trim() || line.startsWith('#')) return;
      const c = line.indexOf(':');
      if (c <= 0) throw bad(i + 1, 'expected user:hash (htpasswd format)');
      const hash = line.slice(c + 1).trim();
      if (!hashKind(hash)) throw bad(i + 1, 'unsupported hash: use bcrypt (htpasswd -B), {SHA} (htpasswd -s) or $apr1$ (htpasswd -m)');
      hashes.set(line.slice(0, c), hash);
    });
    return { scheme, hashes };
  }
  const ha1 = new Map<string, { md5?: string; sha256?: string }>();
  const algorithms = new Set<'MD5' | 'SHA-256'>();
  lines.forEach((line, i) => {
    if (!line.trim() || line.startsWith('#')) return;
    const m = /^([^:]+):([^:]*):([0-9a-fA-F]{32}|[0-9a-fA-F]{64})\s*$/.exec(line);
    if (!m) throw bad(i + 1, 'expected user:realm:HA1 (htdigest format; HA1 = 32 hex digits for MD5 or 64 for SHA-256)');
    if (m[2] !== realm) return; // another realm's entry
    const e = ha1.get(m[1]!) ?? {};
    if (m[3]!.length === 32) (e.md5 = m[3]!.toLowerCase()), algorithms.add('MD5');
    else (e.sha256 = m[3]!.toLowerCase()), algorithms.add('SHA-256');
    ha1.set(m[1]!, e);
  });
  if (ha1.size === 0) throw new TypeError(`${file} has no user for the realm "${realm}" (give --auth-realm, or add user:${realm}:HA1 lines)`);
  return { scheme, ha1, algorithms };
}
