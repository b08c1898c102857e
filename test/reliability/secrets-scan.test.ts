// Secrets scan over every credential scenario (issue 7), extending test/secrets.test.ts (a Basic
// server password on a download): here a fresh random password per scenario — Digest server, Basic
// proxy (download and upload), Basic server on an upload-reply job, NTLM server (download) and
// Negotiate-through-NTLM proxy (upload) with full handshakes (issue 18), a password refused by validation
// (bad scheme, oversize) — while a notify program (/usr/bin/env) runs in the service and prints the
// environment it inherited into the service log. The password may travel only to the server or proxy
// that asked for it; it must appear in no process argv (/proc/*/cmdline while the jobs run), no
// service or notify-program environment, no file of the state dir (store, WAL, SHM, log), no CLI output
// (human or --json, errors included) and no job error message.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { md4 } from '../../module/engine/transport/auth/md4.js';
import { ntowfv2 } from '../../module/engine/transport/auth/ntlm.js';
import { acceptBitsPost } from '../../module/server/index.js';
import { recordingCli } from '../helpers/cli.js';
import { useRealmlessKrb5Config } from '../helpers/kdc.js';
import { readLockPid, waitFor, withService } from '../helpers/service.js';

const marker = () => `pw-${randomBytes(12).toString('hex')}`;

/** Forms a password could take on its way: itself, Basic tokens of it, its UTF-16/hex spellings, its NT hash and NTOWFv2 key. */
function spellings(user: string, pw: string): Buffer[] {
  const ntHash = md4(Buffer.from(pw, 'utf16le'));
  const ntowf = ntowfv2(pw, user, '');
  return [
    Buffer.from(pw), Buffer.from(pw, 'utf16le'), Buffer.from(Buffer.from(pw).toString('hex')),
    Buffer.from(Buffer.from(`${user}:${pw}`).toString('base64')), Buffer.from(Buffer.from(pw).toString('base64')),
    ntHash, Buffer.from(ntHash.toString('hex')), ntowf, Buffer.from(ntowf.toString('hex')),
  ];
}

// [MS-NLMP] §4.2.4.3's CHALLENGE_MESSAGE: what the fixtures answer a NEGOTIATE_MESSAGE with, so the
// engine completes the handshake and sends its AUTHENTICATE_MESSAGE (then refused).
const NTLM_CHALLENGE = Buffer.from(
  '4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000',
  'hex',
).toString('base64');

/** The challenge for an NTLM-style scheme: bare first, the CHALLENGE_MESSAGE after a NEGOTIATE_MESSAGE. */
function ntlmChallenge(scheme: string, auth: string): string {
  return auth.startsWith(`${scheme} TlRMTVNTUAABAAAA`) ? `${scheme} ${NTLM_CHALLENGE}` : scheme;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close(): void }> {
  const server = createServer(handler);
  acceptBitsPost(server); // uploads send BITS_POST, which Node's parser refuses by default
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function allArgv(): string {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'latin1');
    } catch {
      return '';
    }
  }).join('\n');
}

test('every credential scenario: the password reaches only the server or proxy that asked, and nothing else', async () => {
  const secrets: { user: string; pw: string; where: string }[] = [];
  const authSeen: string[] = [];
  // A server that always wants credentials: Digest for /digest/*, Basic elsewhere; never satisfied.
  const origin = await listen((req, res) => {
    authSeen.push(String(req.headers.authorization ?? ''));
    req.resume();
    const auth = String(req.headers.authorization ?? '');
    const challenge = req.url!.startsWith('/digest/') ? 'Digest realm="scan", nonce="abc123", qop="auth", algorithm=MD5' : req.url!.startsWith('/ntlm/') ? ntlmChallenge('NTLM', auth) : 'Basic realm="scan"';
    res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Length': '0' }).end();
  });
  // A forward proxy that always wants Basic credentials (Negotiate for URLs under /negotiate/).
  const proxy = await listen((req, res) => {
    const auth = String(req.headers['proxy-authorization'] ?? '');
    authSeen.push(auth);
    req.resume();
    res.writeHead(407, { 'Proxy-Authenticate': req.url!.includes('/negotiate/') ? ntlmChallenge('Negotiate', auth) : 'Basic realm="proxy"', 'Content-Length': '0' }).end();
  });
  const dir = mkdtempSync(join(tmpdir(), 'bj2-rel-secrets-'));
  writeFileSync(join(dir, 'up.bin'), 'upload me');
  // The service inherits it: the Negotiate job's Kerberos attempt reaches no KDC (no realm, no DNS), NTLM answers the fixture.
  const restoreKrb5Config = useRealmlessKrb5Config(dir);
  try {
    await withService(async (svc) => {
      const { cli, outputs } = recordingCli(svc.stateDir);
      const job = async (name: string, type: string, remote: string, local: string) => {
        const id = (await cli(['create', name, '--type', type])).stdout.trim();
        assert.match(id, /^[0-9a-f-]{36}$/, `created ${name}`);
        assert.is((await cli(['add-file', id, remote, local])).code, 0);
        // The notify program prints the environment it got from the service into the service log.
        assert.is((await cli(['set-notify-cmdline', id, '--program', '/usr/bin/env', '--arg', 'BJ2_NOTIFY=1'])).code, 0);
        return id;
      };
      const setCred = async (id: string, target: string, scheme: string, viaEnv: boolean, extra: string[] = [], pw = marker()) => {
        const user = `u${randomBytes(3).toString('hex')}`;
        secrets.push({ user, pw, where: `${target} ${scheme}` });
        const args = ['set-credentials', id, '--target', target, '--scheme', scheme, '--user', user, ...extra];
        return viaEnv ? cli([...args, '--json'], { env: { BITS_JOB2_PASSWORD: pw } }) : cli([...args, '--password-stdin'], { input: `${pw}\n` });
      };

      const digest = await job('digest download', 'DOWNLOAD', `${origin.url}/digest/f.bin`, join(dir, 'd.bin'));
      svc.track(readLockPid(svc.stateDir)!);
      assert.is((await setCred(digest, 'SERVER', 'DIGEST', false)).code, 0);
      const viaProxy = await job('proxy download', 'DOWNLOAD', `${origin.url}/p.bin`, join(dir, 'p.bin'));
      assert.is((await cli(['set-proxy', viaProxy, '--usage', 'OVERRIDE', '--list', proxy.url.replace('http://', '')])).code, 0);
      assert.is((await setCred(viaProxy, 'PROXY', 'BASIC', true)).code, 0);
      const upProxy = await job('proxy upload', 'UPLOAD', `${origin.url}/up.bin`, join(dir, 'up.bin'));
      assert.is((await cli(['set-proxy', upProxy, '--usage', 'OVERRIDE', '--list', proxy.url.replace('http://', '')])).code, 0);
      assert.is((await setCred(upProxy, 'PROXY', 'BASIC', false)).code, 0);
      const reply = await job('basic upload-reply', 'UPLOAD_REPLY', `${origin.url}/r.bin`, join(dir, 'up.bin'));
      assert.is((await setCred(reply, 'SERVER', 'BASIC', true)).code, 0);
      const ntlm = await job('ntlm download', 'DOWNLOAD', `${origin.url}/ntlm/n.bin`, join(dir, 'n.bin'));
      assert.is((await setCred(ntlm, 'SERVER', 'NTLM', false)).code, 0);
      const upNegotiate = await job('negotiate proxy upload', 'UPLOAD', `${origin.url}/negotiate/up.bin`, join(dir, 'up.bin'));
      assert.is((await cli(['set-proxy', upNegotiate, '--usage', 'OVERRIDE', '--list', proxy.url.replace('http://', '')])).code, 0);
      assert.is((await setCred(upNegotiate, 'PROXY', 'NEGOTIATE', true)).code, 0);
      // Refused by validation: the error must not echo the password.
      const refused = await setCred(reply, 'SERVER', 'BOGUS', false);
      assert.is(refused.code, 2, refused.stderr);
      const oversize = await setCred(reply, 'SERVER', 'BASIC', false, [], `${marker()}${'x'.repeat(70_000)}`);
      assert.ok(oversize.code !== 0, 'a password over 65536 characters is refused');
      assert.match(oversize.stderr, /^error: /m);

      const ids = [digest, viaProxy, upProxy, reply, ntlm, upNegotiate];
      for (const id of ids) assert.is((await cli(['resume', id])).code, 0);
      // While the jobs run: argv of every process on the machine.
      let argvScans = 0;
      await waitFor(async () => {
        const argv = allArgv();
        argvScans++;
        for (const s of secrets) assert.not.ok(argv.includes(s.pw), `a process argv holds the ${s.where} password`);
        const infos = await Promise.all(ids.map((id) => cli(['info', id, '--json'])));
        return infos.every((r) => /"state": ?"ERROR"/.test(r.stdout));
      }, 60_000, 'every job to end in ERROR (401/407)');
      const infos = await Promise.all(ids.map((id) => cli(['info', id, '--json'])));
      assert.match(infos[0]!.stdout, /BG_E_HTTP_ERROR_401/);
      assert.match(infos[1]!.stdout, /BG_E_HTTP_ERROR_407/);
      assert.match(infos[2]!.stdout, /BG_E_HTTP_ERROR_407/, infos[2]!.stdout);
      assert.match(infos[3]!.stdout, /BG_E_HTTP_ERROR_401/);
      assert.match(infos[4]!.stdout, /BG_E_HTTP_ERROR_401[\s\S]*NTLM credentials/);
      assert.match(infos[5]!.stdout, /BG_E_HTTP_ERROR_407[\s\S]*Negotiate credentials/);
      await waitFor(() => (readFileSync(svc.logPath, 'utf8').match(/BJ2_NOTIFY=1/g) ?? []).length >= ids.length, 30_000, 'the notify programs to run');
      for (const id of ids) {
        await cli(['info', id]);
        await cli(['resume', id]);
      }
      await cli(['list']);
      await cli(['list', '--json']);

      // The password did travel where it was asked for (proves the scan is not vacuous) ...
      const basicOnWire = secrets.filter((s) => /BASIC/.test(s.where) && s.pw.length < 100);
      for (const s of basicOnWire) {
        const token = Buffer.from(`${s.user}:${s.pw}`).toString('base64');
        assert.ok(authSeen.some((h) => h.endsWith(token)), `the ${s.where} password was sent to the one that asked`);
      }
      assert.ok(authSeen.some((h) => h.startsWith('Digest ') && h.includes('response=')), 'a Digest answer was sent');
      assert.ok(authSeen.some((h) => h.startsWith('NTLM TlRMTVNTUAADAAAA')), 'an NTLM AUTHENTICATE_MESSAGE was sent');
      assert.ok(authSeen.some((h) => h.startsWith('Negotiate TlRMTVNTUAADAAAA')), 'a Negotiate (NTLM) AUTHENTICATE_MESSAGE was sent to the proxy');
      // ... and is nowhere else.
      const pid = readLockPid(svc.stateDir)!;
      const places: [string, Buffer][] = [
        ['the service environment', readFileSync(`/proc/${pid}/environ`)],
        ...readdirSync(svc.stateDir).filter((f) => !f.endsWith('.sock')).map((f) => [f, readFileSync(join(svc.stateDir, f))] as [string, Buffer]),
        ...outputs.map((r, i) => [`CLI output #${i}`, Buffer.from(r.stdout + r.stderr)] as [string, Buffer]),
        ...infos.map((r, i) => [`job error #${i}`, Buffer.from(r.stdout)] as [string, Buffer]),
      ];
      assert.ok(places.some(([f]) => f === 'jobs.sqlite') && places.some(([f]) => f === 'service.log'), 'store and log scanned');
      assert.ok(existsSync(join(svc.stateDir, 'jobs.sqlite-wal')), 'the WAL exists and is scanned');
      for (const s of secrets) {
        for (const [where, bytes] of places) {
          for (const form of spellings(s.user, s.pw)) assert.not.ok(bytes.includes(form), `${where} holds the ${s.where} password (${form.toString().slice(0, 30)})`);
        }
      }
      console.log(`    secrets-scan: ${secrets.length} passwords × ${places.length} places × ${spellings("u", "p").length} spellings, argv scanned ${argvScans} times`);
    });
  } finally {
    restoreKrb5Config();
    origin.close();
    proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
