// NTLM (NTLMv2 only) message encoding, written against [MS-NLMP] and checked with its §4.2.4 test
// vectors (test/ntlm.test.ts). Why our own code instead of an npm package: the maintained ones
// either need MD4 from OpenSSL (gone from Node 20's default provider), speak NTLMv1, or bring an
// HTTP client of their own; what HTTP authentication needs is small — three messages, one HMAC
// chain — and the validator in the tests is a real one (gss-ntlmssp behind apache2).
//
// Scope [DECISION]: NTLMv2 responses with the server's timestamp and target info, no MIC, no
// signing/sealing (HTTP authenticates the connection, nothing more), no channel bindings
// (MsvAvChannelBindings; servers that require Extended Protection refuse us). LM and NTLMv1 are
// refused: a challenge without target info is an NTLMv1-only server.
//
// The NT hash and every response are secrets as good as the password: they go into one
// Authorization header and nowhere else.
import { createHmac, randomBytes } from 'node:crypto';
import { md4 } from './md4.js';

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

export const NtlmFlag = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  N56: 0x80000000,
} as const;

/** What we ask for in NEGOTIATE_MESSAGE; AUTHENTICATE_MESSAGE keeps those the server also set. */
const CLIENT_FLAGS =
  (NtlmFlag.UNICODE | NtlmFlag.OEM | NtlmFlag.REQUEST_TARGET | NtlmFlag.NTLM | NtlmFlag.ALWAYS_SIGN | NtlmFlag.EXTENDED_SESSIONSECURITY | NtlmFlag.VERSION | NtlmFlag.N128 | NtlmFlag.N56) >>> 0;

/** VERSION (§2.2.2.10): 10.0, build 0, NTLMSSP_REVISION_W2K3 (15). Informational only. */
const VERSION = Buffer.from([10, 0, 0, 0, 0, 0, 0, 0x0f]);

const AV_EOL = 0;
const AV_TIMESTAMP = 7;

function utf16(s: string): Buffer {
  return Buffer.from(s, 'utf16le');
}

function hmacMd5(key: Buffer, ...data: Buffer[]): Buffer {
  const h = createHmac('md5', key);
  for (const d of data) h.update(d);
  return h.digest();
}

/** NTOWFv2 (§3.3.2): HMAC_MD5(MD4(UNICODE(password)), UNICODE(Uppercase(user) + domain)). */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(md4(utf16(password)), utf16(user.toUpperCase() + domain));
}

/** "DOMAIN\user" → domain + user; "user@realm" stays the user name (a UPN, empty domain), as Windows sends it. */
export function splitNtlmUser(userName: string): { domain: string; user: string } {
  const i = userName.indexOf('\\');
  return i >= 0 ? { domain: userName.slice(0, i), user: userName.slice(i + 1) } : { domain: '', user: userName };
}

export function negotiateMessage(): Buffer {
  const m = Buffer.alloc(40);
  SIGNATURE.copy(m, 0);
  m.writeUInt32LE(1, 8);
  m.writeUInt32LE(CLIENT_FLAGS, 12);
  // Empty DomainName / Workstation fields point at the end of the fixed part.
  m.writeUInt32LE(40, 20);
  m.writeUInt32LE(40, 28);
  VERSION.copy(m, 32);
  return m;
}

export interface NtlmChallenge {
  flags: number;
  serverChallenge: Buffer;
  targetInfo: Buffer;
}

function field(m: Buffer, at: number): Buffer {
  const len = m.readUInt16LE(at);
  const off = m.readUInt32LE(at + 4);
  if (off + len > m.length) throw new Error('field outside the message');
  return m.subarray(off, off + len);
}

/** CHALLENGE_MESSAGE (§2.2.1.2), or why it cannot be used. */
export function readChallengeMessage(m: Buffer): NtlmChallenge | { unusable: string } {
  if (m.length < 32 || !m.subarray(0, 8).equals(SIGNATURE) || m.readUInt32LE(8) !== 2) return { unusable: 'the server sent an NTLM token that is not a CHALLENGE_MESSAGE' };
  const flags = m.readUInt32LE(20);
  let targetInfo = Buffer.alloc(0);
  try {
    if (m.length >= 48 && flags & NtlmFlag.TARGET_INFO) targetInfo = Buffer.from(field(m, 40));
  } catch {
    return { unusable: 'the server sent a malformed NTLM CHALLENGE_MESSAGE' };
  }
  if (targetInfo.length === 0) {
    return { unusable: 'the server\'s NTLM challenge has no target information, so it speaks only LM/NTLMv1, which the portable engine refuses (they are broken): enable NTLMv2 on the server (LmCompatibilityLevel 3 or higher)' };
  }
  return { flags, serverChallenge: Buffer.from(m.subarray(24, 32)), targetInfo };
}

/** MsvAvTimestamp of the target info (§2.2.2.1), when the server sent one. */
function avTimestamp(targetInfo: Buffer): Buffer | undefined {
  for (let at = 0; at + 4 <= targetInfo.length; ) {
    const id = targetInfo.readUInt16LE(at);
    const len = targetInfo.readUInt16LE(at + 2);
    if (id === AV_EOL) return undefined;
    if (id === AV_TIMESTAMP && len === 8) return Buffer.from(targetInfo.subarray(at + 4, at + 12));
    at += 4 + len;
  }
  return undefined;
}

/** Now as a FILETIME (100 ns since 1601-01-01), little-endian. */
function fileTimeNow(): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(Date.now()) + 11_644_473_600_000n) * 10_000n);
  return b;
}

export interface Ntlmv2Input {
  responseKeyNT: Buffer;
  serverChallenge: Buffer;
  clientChallenge: Buffer;
  time: Buffer;
  targetInfo: Buffer;
}

/** ComputeResponse for NTLMv2 (§3.3.2). */
export function ntlmv2Responses(i: Ntlmv2Input): { nt: Buffer; lm: Buffer; ntProofStr: Buffer; sessionBaseKey: Buffer } {
  const temp = Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), i.time, i.clientChallenge, Buffer.alloc(4), i.targetInfo, Buffer.alloc(4)]);
  const ntProofStr = hmacMd5(i.responseKeyNT, i.serverChallenge, temp);
  const lm = Buffer.concat([hmacMd5(i.responseKeyNT, i.serverChallenge, i.clientChallenge), i.clientChallenge]);
  return { nt: Buffer.concat([ntProofStr, temp]), lm, ntProofStr, sessionBaseKey: hmacMd5(i.responseKeyNT, ntProofStr) };
}

export interface AuthenticateInput {
  challenge: NtlmChallenge;
  userName: string;
  password: string;
  workstation: string;
  /** Fixed only in tests. */
  clientChallenge?: Buffer;
  time?: Buffer;
}

/** AUTHENTICATE_MESSAGE (§2.2.1.3) with NTLMv2 responses, Unicode strings, no MIC, no session key exchange. */
export function authenticateMessage(i: AuthenticateInput): Buffer {
  const { domain, user } = splitNtlmUser(i.userName);
  const serverTime = avTimestamp(i.challenge.targetInfo);
  const r = ntlmv2Responses({
    responseKeyNT: ntowfv2(i.password, user, domain),
    serverChallenge: i.challenge.serverChallenge,
    clientChallenge: i.clientChallenge ?? randomBytes(8),
    time: i.time ?? serverTime ?? fileTimeNow(),
    targetInfo: i.challenge.targetInfo,
  });
  // With the server's timestamp, §3.1.5.1.2 says LmChallengeResponse is Z(24).
  const lm = serverTime && !i.time ? Buffer.alloc(24) : r.lm;
  const flags = (CLIENT_FLAGS & i.challenge.flags & ~NtlmFlag.OEM) | NtlmFlag.UNICODE | NtlmFlag.NTLM;
  const payload = [utf16(domain), utf16(user), utf16(i.workstation), lm, r.nt, Buffer.alloc(0)];
  const header = Buffer.alloc(72);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  // Field order in the header: Lm, Nt, Domain, User, Workstation, EncryptedRandomSessionKey.
  const headerSlot = [2, 3, 4, 0, 1, 5];
  let off = header.length;
  const offsets: number[] = [];
  for (const p of payload) {
    offsets.push(off);
    off += p.length;
  }
  payload.forEach((p, k) => {
    const at = 12 + headerSlot[k]! * 8;
    header.writeUInt16LE(p.length, at);
    header.writeUInt16LE(p.length, at + 2);
    header.writeUInt32LE(offsets[k]!, at + 4);
  });
  header.writeUInt32LE(flags >>> 0, 60);
  VERSION.copy(header, 64);
  return Buffer.concat([header, ...payload]);
}
