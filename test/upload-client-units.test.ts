// The pure parts of the upload client: Ack field parsing, reply-URL resolution (spec §7.6),
// host-id URLs and fallback (§7.5), the §7.7 status table and the adaptive fragment size.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXTENDED_MAX_FRAGMENT, FragmentSizer, MAX_FRAGMENT, MIN_FRAGMENT } from '../module/engine/upload/fragment-size.js';
import { fallbackDue, parseHostId, sessionUrl, urlWithHost } from '../module/engine/upload/host-id.js';
import {
  bitsErrorCodeOf,
  contentNameOf,
  fragmentPacket,
  maxFragmentOf,
  parseErrorContext,
  parseFallbackTimeout,
  parseHResult,
  parseReceivedRange,
} from '../module/engine/upload/packets.js';
import { resolveReplyUrl } from '../module/engine/upload/reply-url.js';
import { isTransientStatus } from '../module/engine/upload/upload-errors.js';
import { HttpTransferError } from '../module/engine/http/errors.js';
import { NEW_SESSION } from '../module/engine/upload/upload-port.js';

test('parseHResult: hex with or without 0x, any case, spaces; signed decimal; junk → null', () => {
  for (const v of ['0x8020001F', '0x8020001f', '0X8020001F', '8020001F', '8020001f', ' 0x8020001F ', '-2145386465']) {
    assert.is(parseHResult(v), 0x8020001f, v);
  }
  assert.is(parseHResult('0x5'), 5);
  assert.is(parseHResult('80070005'), 0x80070005, 'bare digits are hex, as HRESULTs are written');
  for (const v of [undefined, '', 'x', '0x', '0x123456789', '12g4', '-99999999999', '0x8020001F;']) assert.is(parseHResult(v), null, String(v));
  assert.is(bitsErrorCodeOf({ 'bits-error': '0x80070057' }), 0x80070057);
  assert.is(bitsErrorCodeOf({ 'bits-error-code': '0x80070005', 'bits-error': '0x80070057' }), 0x80070005, 'BITS-Error-Code wins');
  assert.is(bitsErrorCodeOf({}), null);
});

test('parseErrorContext: 0x5 / 5 / 0x00000007; junk → null', () => {
  assert.is(parseErrorContext('0x5'), 5);
  assert.is(parseErrorContext('5'), 5);
  assert.is(parseErrorContext('0x00000007'), 7);
  assert.is(parseErrorContext(' 0X7 '), 7);
  assert.is(parseErrorContext('seven'), null);
  assert.is(parseErrorContext(undefined), null);
});

test('parseReceivedRange: plain decimal within 0..total only', () => {
  assert.is(parseReceivedRange('0', 10), 0);
  assert.is(parseReceivedRange(' 10 ', 10), 10);
  for (const v of ['11', '-1', '1.5', '0x5', 'bytes 0-9/10', '', undefined, '99999999999999999']) assert.is(parseReceivedRange(v, 10), null, String(v));
});

test('parseFallbackTimeout: seconds; absent, junk or 0xFFFFFFFF → null (never fall back)', () => {
  assert.is(parseFallbackTimeout('86400'), 86400);
  assert.is(parseFallbackTimeout('0'), 0);
  assert.is(parseFallbackTimeout('4294967295'), null);
  assert.is(parseFallbackTimeout('1h'), null);
  assert.is(parseFallbackTimeout(undefined), null);
});

test('fragmentPacket: Content-Range is zero-based and inclusive with lower-case unit', () => {
  const p = fragmentPacket('{s}', 'a.bin', 100, 50, 1000, '/tmp/a.bin');
  assert.is(p.headers['Content-Range'], 'bytes 100-149/1000');
  assert.is(p.headers['Content-Length'], '50');
  assert.is(p.headers['BITS-Session-Id'], '{s}');
  assert.equal(p.body, { path: '/tmp/a.bin', start: 100, length: 50 });
});

test('contentNameOf: base name; forbidden and non-ASCII characters percent-encoded; ≤ 260 chars', () => {
  assert.is(contentNameOf('/data/dir/report 1.txt'), 'report 1.txt');
  assert.is(contentNameOf('/d/résumé.txt'), 'r%C3%A9sum%C3%A9.txt');
  assert.is(contentNameOf('/d/a:b*c?"<>|%.txt'), 'a%3Ab%2Ac%3F%22%3C%3E%7C%25.txt');
  assert.is(contentNameOf('/d/' + 'x'.repeat(300)).length, 260);
});

test('resolveReplyUrl: Windows relative form → under the upload URL directory, \\ → /, braces encoded', () => {
  const base = 'http://srv.example/uploads/job/file.bin?ACCOUNT=1';
  assert.is(
    resolveReplyUrl(base, 'BITS-Sessions\\Replies\\{0d2c0b5c-6f2f-4bb3-9b5b-7b1d5a5e7c11}\\responsefile.bin'),
    'http://srv.example/uploads/job/BITS-Sessions/Replies/%7B0d2c0b5c-6f2f-4bb3-9b5b-7b1d5a5e7c11%7D/responsefile.bin',
  );
  assert.is(resolveReplyUrl(base, 'replies/a b.bin'), 'http://srv.example/uploads/job/replies/a%20b.bin');
  assert.is(resolveReplyUrl(base, 'r%7B1%7D.bin'), 'http://srv.example/uploads/job/r%7B1%7D.bin', 'existing escapes kept');
  assert.is(resolveReplyUrl(base, '/top/reply.bin'), 'http://srv.example/top/reply.bin');
  assert.is(resolveReplyUrl(base, '..\\other\\r.bin'), 'http://srv.example/uploads/other/r.bin');
  assert.is(resolveReplyUrl(base, 'r.asp?id={7}'), 'http://srv.example/uploads/job/r.asp?id=%7B7%7D');
  assert.is(resolveReplyUrl('https://h:8443/u/f', 'r#x.bin'), 'https://h:8443/u/r%23x.bin');
  assert.is(resolveReplyUrl(base, ' r.bin '), 'http://srv.example/uploads/job/r.bin');
});

test('resolveReplyUrl: absolute URLs as they are; unusable or > 2200 chars → fatal BG_E_INVALID_SERVER_RESPONSE', () => {
  const base = 'http://srv.example/uploads/file.bin';
  assert.is(resolveReplyUrl(base, 'https://static.example/replies/r.bin?account=86433'), 'https://static.example/replies/r.bin?account=86433');
  assert.is(resolveReplyUrl(base, 'HTTP://Static.Example:80/r.bin'), 'http://static.example/r.bin');
  const ok = 'http://s.example/' + 'a'.repeat(2200 - 'http://s.example/'.length);
  assert.is(resolveReplyUrl(base, ok), ok);
  for (const bad of ['', '   ', 'ftp://x/y', 'file:///etc/passwd', 'C:\\replies\\r.bin', 'http://[oops/', ok + 'b', 'x'.repeat(2190)]) {
    try {
      resolveReplyUrl(base, bad);
      assert.unreachable(`accepted ${bad.slice(0, 40)}`);
    } catch (e) {
      assert.instance(e, HttpTransferError);
      assert.is((e as HttpTransferError).code, 'BG_E_INVALID_SERVER_RESPONSE', bad.slice(0, 40));
      assert.is((e as HttpTransferError).transient, false);
    }
  }
});

test('host id: name, IPv4/IPv6 literal, optional port; unusable values ignored', () => {
  const url = 'https://farm.example:8443/bits/up.bin?x=1';
  assert.is(urlWithHost(url, 'node7.example'), 'https://node7.example:8443/bits/up.bin?x=1');
  assert.is(urlWithHost(url, '10.0.0.7'), 'https://10.0.0.7:8443/bits/up.bin?x=1');
  assert.is(urlWithHost(url, '10.0.0.7:9443'), 'https://10.0.0.7:9443/bits/up.bin?x=1');
  assert.is(urlWithHost(url, 'fe80::1'), 'https://[fe80::1]:8443/bits/up.bin?x=1');
  assert.is(urlWithHost(url, '[fe80::1]:9443'), 'https://[fe80::1]:9443/bits/up.bin?x=1');
  assert.is(urlWithHost('http://a/x', 'b:80'), 'http://b/x');
  for (const bad of ['', '  ', 'a b', 'evil.example/path', 'user@host', 'h'.repeat(301), 'x:99999999']) assert.is(parseHostId(bad), null, bad);
  assert.is(parseHostId(' node7 '), 'node7');
  assert.is(urlWithHost(url, 'a b'), url, 'an unusable host id never redirects anything');
  assert.is(sessionUrl(url, { ...NEW_SESSION }), url);
  assert.is(sessionUrl(url, { ...NEW_SESSION, hostId: 'n1' }), 'https://n1:8443/bits/up.bin?x=1');
});

test('fallbackDue: only with a host id, a timeout and a failure older than the timeout', () => {
  const s = { ...NEW_SESSION, hostId: 'n1', hostIdFallbackTimeout: 60, hostIdFailingSince: 1000 };
  assert.is(fallbackDue(s, 60_999), false);
  assert.is(fallbackDue(s, 61_000), true);
  assert.is(fallbackDue({ ...s, hostIdFallbackTimeout: null }, 1e15), false, 'no timeout header: never');
  assert.is(fallbackDue({ ...s, hostIdFailingSince: null }, 1e15), false);
  assert.is(fallbackDue({ ...s, hostId: null }, 1e15), false);
});

test('§7.7 status table', () => {
  for (const s of [300, 301, 302, 303, 304, 305, 307, 400, 401, 403, 404, 410, 413, 499, 501, 505]) assert.is(isTransientStatus(s), false, String(s));
  for (const s of [306, 308, 399, 408, 409, 500, 502, 503, 504, 599, 202, 600, 0]) assert.is(isTransientStatus(s), true, String(s));
});

test('FragmentSizer: 1 MiB start, doubles on fast full acks up to 13 MiB, halves when slow or on 413 and stays under the 413 size', () => {
  const z = new FragmentSizer();
  assert.is(z.size, 1024 * 1024);
  z.onAck(1024 * 1024, 10);
  assert.is(z.size, 2 * 1024 * 1024);
  z.onAck(1000, 10); // a short last fragment says nothing about capacity
  assert.is(z.size, 2 * 1024 * 1024);
  for (let i = 0; i < 10; i++) z.onAck(z.size, 10);
  assert.is(z.size, MAX_FRAGMENT);
  z.onAck(z.size, 5000); // neither fast nor slow
  assert.is(z.size, MAX_FRAGMENT);
  z.onAck(z.size, 90_000);
  assert.is(z.size, MAX_FRAGMENT / 2);
  assert.is(z.on413(z.size), true);
  assert.is(z.size, MAX_FRAGMENT / 4);
  for (let i = 0; i < 5; i++) z.onAck(z.size, 10);
  assert.is(z.size, MAX_FRAGMENT / 4, 'never grows back above the size that got 413');

  const small = new FragmentSizer({ minFragment: MIN_FRAGMENT, initialFragment: 8000 });
  assert.is(small.on413(8000), true);
  assert.is(small.size, MIN_FRAGMENT, 'halving stops at the minimum');
  assert.is(small.on413(MIN_FRAGMENT), false, 'nothing smaller left');
  assert.is(new FragmentSizer({ maxFragment: 100 * 1024 * 1024, initialFragment: 50 * 1024 * 1024 }).size, MAX_FRAGMENT, 'capped at 13 MiB');
});

test('FragmentSizer.serverLimit: an advertised limit raises the ceiling (to 256 MiB at most) or lowers it; a 413 and a pinned maximum win', () => {
  const MiB = 1024 * 1024;
  const grow = (z: FragmentSizer) => {
    for (let i = 0; i < 20; i++) z.onAck(z.size, 10);
    return z.size;
  };
  const big = new FragmentSizer();
  big.serverLimit(64 * MiB);
  assert.is(big.size, MiB, 'still starts at 1 MiB');
  assert.is(grow(big), 64 * MiB, 'grows past 13 MiB to the named limit');
  const huge = new FragmentSizer();
  huge.serverLimit(10 * 1024 * MiB);
  assert.is(grow(huge), EXTENDED_MAX_FRAGMENT, 'never above 256 MiB, whatever the server names');
  assert.is(EXTENDED_MAX_FRAGMENT, 256 * MiB);
  const low = new FragmentSizer({ initialFragment: 8 * MiB });
  low.serverLimit(3 * MiB);
  assert.is(low.size, 3 * MiB, 'a lower limit applies to the next fragment at once');
  assert.is(grow(low), 3 * MiB);
  const refused = new FragmentSizer();
  refused.serverLimit(64 * MiB);
  grow(refused);
  assert.is(refused.on413(64 * MiB), true);
  refused.serverLimit(64 * MiB); // e.g. the Ping of a reconnect names it again
  assert.is(grow(refused), 32 * MiB, 'a proxy\'s 413 keeps the ceiling under the size it refused');
  const pinned = new FragmentSizer({ maxFragment: 2 * MiB, initialFragment: 2 * MiB });
  pinned.serverLimit(64 * MiB);
  assert.is(grow(pinned), 2 * MiB, 'BITS_JOB2_FRAGMENT_BYTES (a pinned maximum) is not raised');
  const tiny = new FragmentSizer();
  tiny.serverLimit(1);
  assert.is(tiny.size, MIN_FRAGMENT, 'never below the 5 KB minimum');
});

test('maxFragmentOf: the decimal value of BITS-Job2-Max-Fragment-Size, null when absent or not a positive integer', () => {
  assert.is(maxFragmentOf({ 'bits-job2-max-fragment-size': '268435456' }), 268435456);
  assert.is(maxFragmentOf({ 'bits-job2-max-fragment-size': ' 1024 ' }), 1024);
  assert.is(maxFragmentOf({}), null);
  for (const bad of ['', '0', '-5', '1e9', '12 MB', '0x100', '9'.repeat(20)]) assert.is(maxFragmentOf({ 'bits-job2-max-fragment-size': bad }), null, bad);
});

test.run();
