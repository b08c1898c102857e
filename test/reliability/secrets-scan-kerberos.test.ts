// Secrets scan for Kerberos (issue 18), the Negotiate half of secrets-scan.test.ts, against a real
// MIT KDC and apache2 + mod_auth_gssapi: jobs run by the CLI in the background service — a download
// with explicit NEGOTIATE credentials, an UPLOAD_REPLY through Kerberos, a wrong password (401), and
// a download with the owner's ticket cache (kinit). The password may go only to the KDC (inside
// the AS exchange: it never leaves this machine in any spelling); it must appear in no process
// argv while the jobs run, no service environment, no file of the state dir (store, WAL, log), no
// CLI output and no job error. Tickets: the owner's cache bytes (its encrypted TGT) appear nowhere
// else, and explicit credentials leave no ticket cache file behind (their TGT lives in a MEMORY
// ccache the engine destroys).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBitsServer } from '../../module/server/index.js';
import { startApache } from '../helpers/apache.js';
import { recordingCli } from '../helpers/cli.js';
import { startKdc } from '../helpers/kdc.js';
import { readLockPid, waitFor, withService } from '../helpers/service.js';

const allArgv = () =>
  readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'latin1');
    } catch {
      return '';
    }
  }).join('\n');

const spellings = (user: string, pw: string) => [
  Buffer.from(pw), Buffer.from(pw, 'utf16le'), Buffer.from(Buffer.from(pw).toString('hex')),
  Buffer.from(Buffer.from(pw).toString('base64')), Buffer.from(Buffer.from(`${user}:${pw}`).toString('base64')),
];

test('Kerberos jobs (explicit, wrong password, ticket cache, upload-reply): password and tickets reach nothing but the KDC and the server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-rel-krb-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'www'));
  mkdirSync(join(dir, 'uploads'));
  writeFileSync(join(dir, 'www', 'f.bin'), randomBytes(300_000));
  writeFileSync(join(dir, 'up.bin'), randomBytes(200_000));
  const user = `u${randomBytes(3).toString('hex')}`;
  const pw = `pw-${randomBytes(12).toString('hex')}`;
  const wrong = `pw-${randomBytes(12).toString('hex')}`;
  const kdc = await startKdc();
  const bits = await startBitsServer({ root: join(dir, 'uploads'), replyHandler: () => ({ reply: 'krb reply' }) });
  const saved = { KRB5_CONFIG: process.env.KRB5_CONFIG, KRB5CCNAME: process.env.KRB5CCNAME };
  let apache: Awaited<ReturnType<typeof startApache>> | undefined;
  try {
    kdc.addPrincipal(user, pw);
    apache = await startApache({ root: join(dir, 'www'), kerberosAuth: { keytab: await kdc.serviceKeytab('HTTP/127.0.0.1'), krb5Config: kdc.krb5Config, bitsBackend: bits.url } });
    const cache = join(dir, 'cc-owner');
    kdc.kinit(user, pw, `FILE:${cache}`);
    const cacheBytes = readFileSync(cache);
    const ticketWindow = cacheBytes.subarray(cacheBytes.length - 96, cacheBytes.length - 32); // inside the encrypted TGT
    process.env.KRB5_CONFIG = kdc.krb5Config;
    process.env.KRB5CCNAME = `FILE:${cache}`;
    const tmpCachesBefore = readdirSync(tmpdir()).filter((f) => f.startsWith('krb5cc')).sort();
    await withService(async (svc) => {
      const { cli, outputs } = recordingCli(svc.stateDir);
      const job = async (name: string, type: string, remote: string, local: string) => {
        const id = (await cli(['create', name, '--type', type])).stdout.trim();
        assert.match(id, /^[0-9a-f-]{36}$/, `created ${name}`);
        assert.is((await cli(['add-file', id, remote, local])).code, 0);
        return id;
      };
      const base = apache!.url;
      const explicit = await job('krb explicit', 'DOWNLOAD', `${base}/krb/f.bin`, join(dir, 'e.bin'));
      svc.track(readLockPid(svc.stateDir)!);
      assert.is((await cli(['set-credentials', explicit, '--target', 'SERVER', '--scheme', 'NEGOTIATE', '--user', user, '--password-stdin'], { input: `${pw}\n` })).code, 0);
      const reply = await job('krb reply', 'UPLOAD_REPLY', `${base}/bits-krb/r.bin`, join(dir, 'up.bin'));
      assert.is((await cli(['set-credentials', reply, '--target', 'SERVER', '--scheme', 'NEGOTIATE', '--user', user, '--json'], { env: { BITS_JOB2_PASSWORD: pw } })).code, 0);
      const bad = await job('krb wrong', 'DOWNLOAD', `${base}/krb/f.bin`, join(dir, 'w.bin'));
      assert.is((await cli(['set-credentials', bad, '--target', 'SERVER', '--scheme', 'NEGOTIATE', '--user', user, '--password-stdin'], { input: `${wrong}\n` })).code, 0);
      const owner = await job('krb cache', 'DOWNLOAD', `${base}/krb/f.bin`, join(dir, 'c.bin'));
      assert.is((await cli(['set-credentials', owner, '--target', 'SERVER', '--scheme', 'NEGOTIATE'])).code, 0);

      const ids = [explicit, reply, bad, owner];
      for (const id of ids) assert.is((await cli(['resume', id])).code, 0);
      let argvScans = 0;
      const expected = ['TRANSFERRED', 'TRANSFERRED', 'ERROR', 'TRANSFERRED'];
      await waitFor(async () => {
        const argv = allArgv();
        argvScans++;
        for (const s of [pw, wrong]) assert.not.ok(argv.includes(s), 'a process argv holds a Kerberos password');
        const infos = await Promise.all(ids.map((id) => cli(['info', id, '--json'])));
        if (process.env.KRB_DEBUG && argvScans % 20 === 0) console.log(infos.map((r) => r.stdout.match(/"state": ?"\w+"/)?.[0] + " " + (r.stdout.match(/"message": ?"[^"]*"/)?.[0] ?? "")).join("\n"));
        return infos.every((r, i) => new RegExp(`"state": ?"${expected[i]}"`).test(r.stdout));
      }, 60_000, `the jobs to reach ${expected.join(', ')}`);
      const infos = await Promise.all(ids.map((id) => cli(['info', id, '--json'])));
      assert.match(infos[2]!.stdout, /BG_E_HTTP_ERROR_401[\s\S]*the KDC refused the password of /);
      for (const id of [explicit, reply, owner]) assert.is((await cli(['complete', id])).code, 0);
      await cli(['list', '--json']);

      const served = (await apache!.readAccessLog()).filter((l) => l.includes(` 200 ${user}@${kdc.realm} `));
      assert.ok(served.length >= 4, `the jobs authenticated as ${user} (not vacuous):\n${served.join('\n')}`);
      const pid = readLockPid(svc.stateDir)!;
      const places: [string, Buffer][] = [
        ['the service environment', readFileSync(`/proc/${pid}/environ`)],
        ...readdirSync(svc.stateDir).filter((f) => !f.endsWith('.sock')).map((f) => [f, readFileSync(join(svc.stateDir, f))] as [string, Buffer]),
        ...outputs.map((r, i) => [`CLI output #${i}`, Buffer.from(r.stdout + r.stderr)] as [string, Buffer]),
        ...infos.map((r, i) => [`job error #${i}`, Buffer.from(r.stdout)] as [string, Buffer]),
      ];
      assert.ok(places.some(([f]) => f === 'jobs.sqlite') && places.some(([f]) => f === 'service.log'), 'store and log scanned');
      for (const [where, bytes] of places) {
        for (const s of [pw, wrong]) for (const form of spellings(user, s)) assert.not.ok(bytes.includes(form), `${where} holds a Kerberos password (${form.toString().slice(0, 20)})`);
        assert.not.ok(bytes.includes(ticketWindow), `${where} holds bytes of the owner's ticket`);
        assert.not.ok(bytes.includes(Buffer.from('krbtgt')), `${where} holds a ticket (krbtgt)`);
      }
      console.log(`    secrets-scan-kerberos: 2 passwords × ${places.length} places, argv scanned ${argvScans} times`);
    });
    assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('krb5cc')).sort(), tmpCachesBefore, 'explicit credentials wrote no ticket cache file');
    assert.ok(existsSync(cache), 'the owner\'s cache is still there');
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await Promise.all([apache?.stop(), kdc.stop(), bits.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
