// NTLM message encoding (module/engine/transport/auth/ntlm.ts): MD4 against the RFC 1320 test
// suite, NTLMv2 against the [MS-NLMP] §4.2.4 test vectors (User "User", domain "Domain", password
// "Password", server challenge 0123456789abcdef, client challenge aa×8, time 0), the spec's
// CHALLENGE_MESSAGE parsed and the NTLMv2 response inside its AUTHENTICATE_MESSAGE reproduced
// byte for byte. The real validator (gss-ntlmssp behind apache2) is in test/auth-ntlm.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthScheme, AuthTarget } from '../module/api/enums.js';
import { Authenticator } from '../module/engine/transport/auth/authenticator.js';
import { parseChallengeHeader } from '../module/engine/transport/auth/challenge.js';
import { md4 } from '../module/engine/transport/auth/md4.js';
import { NtlmHandshake } from '../module/engine/transport/auth/ntlm-handshake.js';
import { authenticateMessage, negotiateMessage, ntlmv2Responses, ntowfv2, readChallengeMessage, splitNtlmUser, type NtlmChallenge } from '../module/engine/transport/auth/ntlm.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('MD4: RFC 1320 appendix A.5 test suite, and the NT hash of "Password" ([MS-NLMP] §4.2.2.1.2)', () => {
  const suite: [string, string][] = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ];
  for (const [input, digest] of suite) assert.is(md4(Buffer.from(input, 'latin1')).toString('hex'), digest, input);
  assert.is(md4(Buffer.from('Password', 'utf16le')).toString('hex'), 'a4f49c406510bdcab6824ee7c30fd852');
});

// [MS-NLMP] §4.2.4.3: the CHALLENGE_MESSAGE of the NTLMv2 example.
const SPEC_CHALLENGE = hex(`
  4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef 0000000000000000
  24002400 44000000 0600701700 00000f 53006500720076006500720002000c0044006f006d00610069006e00
  01000c0053006500720076006500720000000000`);
// Its AUTHENTICATE_MESSAGE, bytes 0x84..0xd8: the NtChallengeResponse (NTProofStr + temp).
const SPEC_NT_RESPONSE = hex(`
  68cd0ab851e51c96aabc927bebef6a1c 0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000
  02000c0044006f006d00610069006e00 01000c0053006500720076006500720000000000 00000000`);

test('NTLMv2: NTOWFv2, LMv2 and NTLMv2 responses, session base key — the [MS-NLMP] §4.2.4 vectors', () => {
  const key = ntowfv2('Password', 'User', 'Domain');
  assert.is(key.toString('hex'), '0c868a403bfd7a93a3001ef22ef02e3f');
  const ch = readChallengeMessage(SPEC_CHALLENGE) as NtlmChallenge;
  assert.is(ch.serverChallenge.toString('hex'), '0123456789abcdef');
  assert.is(ch.flags >>> 0, 0xe28a8233);
  const r = ntlmv2Responses({ responseKeyNT: key, serverChallenge: ch.serverChallenge, clientChallenge: Buffer.alloc(8, 0xaa), time: Buffer.alloc(8), targetInfo: ch.targetInfo });
  assert.is(r.ntProofStr.toString('hex'), '68cd0ab851e51c96aabc927bebef6a1c');
  assert.is(r.lm.toString('hex'), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
  assert.is(r.sessionBaseKey.toString('hex'), '8de40ccadbc14a82f15cb0ad0de95ca3');
  assert.is(r.nt.toString('hex'), SPEC_NT_RESPONSE.toString('hex'));
});

/** A field (len, maxlen, offset) of a message, as bytes. */
function fieldOf(m: Buffer, at: number): Buffer {
  return m.subarray(m.readUInt32LE(at + 4), m.readUInt32LE(at + 4) + m.readUInt16LE(at));
}

test('AUTHENTICATE_MESSAGE: the spec\'s fields at their offsets (domain, user, workstation, LMv2, NTLMv2), Unicode, no session key', () => {
  const ch = readChallengeMessage(SPEC_CHALLENGE) as NtlmChallenge;
  const m = authenticateMessage({ challenge: ch, userName: 'Domain\\User', password: 'Password', workstation: 'COMPUTER', clientChallenge: Buffer.alloc(8, 0xaa), time: Buffer.alloc(8) });
  assert.is(m.subarray(0, 12).toString('hex'), '4e544c4d5353500003000000');
  assert.is(fieldOf(m, 12).toString('hex'), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
  assert.is(fieldOf(m, 20).toString('hex'), SPEC_NT_RESPONSE.toString('hex'));
  assert.is(fieldOf(m, 28).toString('utf16le'), 'Domain');
  assert.is(fieldOf(m, 36).toString('utf16le'), 'User');
  assert.is(fieldOf(m, 44).toString('utf16le'), 'COMPUTER');
  assert.is(fieldOf(m, 52).length, 0);
  const flags = m.readUInt32LE(60);
  assert.ok(flags & 0x1, 'UNICODE');
  assert.ok(flags & 0x80000, 'extended session security');
  assert.not.ok(flags & 0x40000000, 'no KEY_EXCH: nothing is signed or sealed');
  // Payload starts right after the 72-byte header (with VERSION, without MIC), as in the spec.
  assert.is(m.readUInt32LE(32), 72);
});

test('NEGOTIATE_MESSAGE: 40 bytes with VERSION, NTLM + extended session security + Unicode requested, no OEM names', () => {
  const m = negotiateMessage();
  assert.is(m.length, 40);
  assert.is(m.readUInt32LE(8), 1);
  const flags = m.readUInt32LE(12);
  for (const f of [0x1, 0x4, 0x200, 0x80000, 0x02000000]) assert.ok(flags & f, f.toString(16));
  assert.is(m.readUInt16LE(16), 0, 'no domain supplied');
});

test('LM/NTLMv1 refused: a challenge without target info, or not a CHALLENGE_MESSAGE, is unusable with a message that says so', () => {
  const v1 = Buffer.from(SPEC_CHALLENGE);
  v1.writeUInt32LE((v1.readUInt32LE(20) & ~0x00800000) >>> 0, 20); // no NEGOTIATE_TARGET_INFO
  const r = readChallengeMessage(v1);
  assert.ok('unusable' in r);
  assert.match((r as { unusable: string }).unusable, /only LM\/NTLMv1, which the portable engine refuses.*enable NTLMv2/);
  assert.ok('unusable' in readChallengeMessage(Buffer.from('not ntlm')));
  const h = new NtlmHandshake('DOM\\u', 'p');
  assert.match(h.start(), /^NTLM TlRMTVNTUAABAAAA/);
  const answer = h.next(parseChallengeHeader(`NTLM ${v1.toString('base64')}`));
  assert.ok(typeof answer === 'object' && /NTLMv1/.test(answer.unusable));
});

test('handshake: NTLM challenge token → AUTHENTICATE leg once; a bare NTLM challenge afterwards means refused (undefined)', () => {
  const h = new NtlmHandshake('alice', 'secret-pw');
  h.start();
  assert.is(h.next(parseChallengeHeader('NTLM')), undefined, 'no token: nothing to answer');
  const leg = h.next(parseChallengeHeader(`Negotiate, NTLM ${SPEC_CHALLENGE.toString('base64')}`));
  assert.type(leg, 'string');
  assert.match(leg as string, /^NTLM TlRMTVNTUAADAAAA/);
  assert.not.match(Buffer.from((leg as string).slice(5), 'base64').toString('utf16le'), /secret-pw/);
  assert.is(h.next(parseChallengeHeader(`NTLM ${SPEC_CHALLENGE.toString('base64')}`)), undefined, 'the handshake answered once');
});

test('user names: DOMAIN\\user splits, user@domain is a UPN sent as the user', () => {
  assert.equal(splitNtlmUser('CORP\\alice'), { domain: 'CORP', user: 'alice' });
  assert.equal(splitNtlmUser('alice@corp.example'), { domain: '', user: 'alice@corp.example' });
  assert.equal(splitNtlmUser('alice'), { domain: '', user: 'alice' });
});

test('scheme order [DECISION]: NTLM before Digest before Basic when the job has credentials for several (Negotiate: Kerberos first, in kerberos.test)', async () => {
  const cred = (scheme: number) => ({ target: AuthTarget.SERVER, scheme, userName: 'alice', password: 'pw' });
  const space = { target: 'SERVER' as const, key: 'http://h' };
  const offered = parseChallengeHeader('Basic realm="r", Digest realm="r", nonce="n", qop="auth", NTLM, Negotiate');
  const all = new Authenticator([cred(AuthScheme.BASIC), cred(AuthScheme.DIGEST), cred(AuthScheme.NTLM)]);
  assert.match(await all.answer(space, offered, 'GET', '/', { url: 'http://h/' }), /^NTLM /);
  const noNtlm = new Authenticator([cred(AuthScheme.BASIC), cred(AuthScheme.DIGEST)]);
  assert.match(await noNtlm.answer(space, offered, 'GET', '/', { url: 'http://h/' }), /^Digest /);
  const basicOnly = new Authenticator([cred(AuthScheme.BASIC), cred(AuthScheme.NTLM)]);
  assert.match(await basicOnly.answer(space, parseChallengeHeader('Basic realm="r"'), 'GET', '/', { url: 'http://h/' }), /^Basic /, 'an NTLM credential does not answer Basic');
  assert.is(all.preemptive(space, 'GET', '/'), undefined, 'NTLM authenticates the connection: never sent preemptively');
});

test.run();
