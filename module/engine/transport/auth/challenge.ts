// WWW-Authenticate / Proxy-Authenticate parsing (RFC 9110 §11.6.1, §11.3):
//   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param = token BWS "=" BWS ( token / quoted-string )
// Several challenges may share one header (separated by commas, which also separate auth-params)
// or come in several headers. The parser never throws: a server's broken header must become a
// clear "no usable scheme" error, not a crash, so garbage is skipped up to the next comma.
import type { IncomingHttpHeaders } from 'node:http';

export interface Challenge {
  /** The scheme as the server spelled it (`Basic`, `Digest`, `NTLM`, ...). */
  scheme: string;
  /** Lower-case scheme, for comparisons. */
  name: string;
  /** auth-params, names lower-cased, values unquoted; the first of a repeated name wins. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge has one instead of params. */
  token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
  get end(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string {
    return this.s[this.pos] ?? '';
  }
  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  skipSeparators(): void {
    while (/[ \t,]/.test(this.peek()) && !this.end) this.pos++;
  }
  read(re: RegExp): string {
    const start = this.pos;
    while (!this.end && re.test(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }
  readQuoted(): string {
    this.pos++; // opening quote
    let out = '';
    while (!this.end) {
      const c = this.s[this.pos++]!;
      if (c === '"') return out;
      if (c === '\\' && !this.end) out += this.s[this.pos++];
      else out += c;
    }
    return out; // unterminated: take what there is
  }
  /** Skips to just past the next comma (garbage recovery). */
  skipPastComma(): void {
    while (!this.end && this.peek() !== ',') this.pos++;
  }
}

/**
 * At `c`, is there `token BWS "=" BWS value` (an auth-param) rather than the start of a new
 * challenge or a token68? A token68 may end in "=" padding (`NTLM TlRM...AA==`, `Negotiate YII=`):
 * an "=" followed by another "=", the end or a comma is padding, not a parameter.
 */
function atParam(c: Cursor): boolean {
  const save = c.pos;
  const name = c.read(TCHAR);
  c.skipSpaces();
  let isParam = name !== '' && c.peek() === '=';
  if (isParam) {
    c.pos++;
    c.skipSpaces();
    isParam = c.peek() === '"' || TCHAR.test(c.peek());
  }
  c.pos = save;
  return isParam;
}

/** A token68 (`abc==`) followed by the end or a comma; moves past it when it is one. */
function readToken68(c: Cursor): string | undefined {
  const save = c.pos;
  let t = c.read(TOKEN68_CHAR);
  t += c.read(/=/);
  c.skipSpaces();
  if (t !== '' && (c.end || c.peek() === ',')) return t;
  c.pos = save;
  return undefined;
}

function readParams(c: Cursor, params: Record<string, string>): void {
  for (;;) {
    c.skipSeparators();
    if (c.end || !atParam(c)) return;
    const name = c.read(TCHAR).toLowerCase();
    c.skipSpaces();
    c.pos++; // '='
    c.skipSpaces();
    const value = c.peek() === '"' ? c.readQuoted() : c.read(TCHAR);
    if (!(name in params)) params[name] = value;
    c.skipSpaces();
    if (!c.end && c.peek() !== ',') {
      c.skipPastComma(); // junk after a value: drop it, keep going
    }
  }
}

/** Every challenge in one header value. */
export function parseChallengeHeader(value: string): Challenge[] {
  const c = new Cursor(value);
  const out: Challenge[] = [];
  for (;;) {
    c.skipSeparators();
    if (c.end) return out;
    const scheme = c.read(TCHAR);
    if (scheme === '') {
      c.pos++;
      c.skipPastComma();
      continue;
    }
    const challenge: Challenge = { scheme, name: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    if (c.end || c.peek() === ',') continue;
    if (c.peek() !== ' ' && c.peek() !== '\t') {
      c.skipPastComma();
      continue;
    }
    c.skipSpaces();
    const t68 = atParam(c) ? undefined : readToken68(c);
    if (t68 !== undefined) challenge.token68 = t68;
    else readParams(c, challenge.params);
  }
}

/** All challenges of a response header (Node joins nothing for these: it may be a string or an array). */
export function challengesOf(headers: IncomingHttpHeaders, name: 'www-authenticate' | 'proxy-authenticate'): Challenge[] {
  const v = headers[name];
  const values = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return values.flatMap(parseChallengeHeader);
}

/** A short, secret-free description for messages: `Basic (realm "x")`, `Digest (realm "x", SHA-256)`, `NTLM`. */
export function describeChallenge(ch: Challenge): string {
  const bits: string[] = [];
  const realm = ch.params.realm;
  if (realm !== undefined) bits.push(`realm "${realm.length > 80 ? `${realm.slice(0, 80)}…` : realm}"`);
  if (ch.name === 'digest') bits.push(ch.params.algorithm ?? 'MD5');
  return bits.length ? `${ch.scheme} (${bits.join(', ')})` : ch.scheme;
}
