// A machine without the GSSAPI add-on (no libkrb5-dev at install, issue 18): the engine's own
// compiled files copied to a temp package root without module/common/gssapi/build, run in a child
// node against a fixture server offering Negotiate. Implicit NEGOTIATE credentials are refused
// with BG_E_HTTP_ERROR_401 naming the package and the build command; explicit ones fall back to
// NTLMv2 inside Negotiate (the fixture sees an NTLM NEGOTIATE_MESSAGE), as SPNEGO does.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTmpDir } from './helpers/tmp.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = await makeTmpDir('bits-krb-not-built');
cpSync(join(repo, 'dist', 'module'), tmp.file('dist/module'), { recursive: true });
cpSync(join(repo, 'package.json'), tmp.file('package.json'));
symlinkSync(join(repo, 'node_modules'), tmp.file('node_modules'));
const seen: string[] = [];
const fixture = http.createServer((req, res) => {
  seen.push(String(req.headers.authorization ?? 'none').slice(0, 26));
  res.writeHead(401, { 'WWW-Authenticate': 'Negotiate', 'Content-Length': '0' }).end();
});
await new Promise<void>((r) => fixture.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(fixture.address() as AddressInfo).port}/f.bin`;
test.after(async () => {
  fixture.close();
  await tmp.cleanup();
});

/** The message of the download's error in the copied engine, with one NEGOTIATE credential (asynchronous: the fixture lives in this process). */
async function failureWith(userName: string | null, password: string | null): Promise<string> {
  const script = tmp.file(`run-${seen.length}.mjs`);
  writeFileSync(script, `
    import { downloadFile } from ${JSON.stringify(pathToFileURL(tmp.file('dist/module/engine/http/download.js')).href)};
    try {
      await downloadFile({ url: ${JSON.stringify(url)}, tempPath: ${JSON.stringify(tmp.file('d.tmp'))}, offset: 0, validator: null, signal: new AbortController().signal,
        transport: { proxy: { usage: 1, proxyList: null, bypassList: null }, credentials: [{ target: 1, scheme: 4, userName: ${JSON.stringify(userName)}, password: ${JSON.stringify(password)} }] } });
      console.log('no error');
    } catch (e) { console.log(e.hresult.toString(16) + ' ' + e.message); }`);
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 }, (e, out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out))),
  );
  return stdout.trim();
}

test('the copy has no add-on (what a machine without libkrb5-dev gets)', () => {
  assert.not.ok(existsSync(tmp.file('module/common/gssapi/build/Release/bits_gssapi.node')));
});

test('implicit NEGOTIATE credentials without the add-on → 80190191, the message names libkrb5-dev and install-kerberos.mjs', async () => {
  const m = await failureWith(null, null);
  assert.match(m, /^80190191 /);
  assert.match(m, /Negotiate \(Kerberos\) could not answer: Kerberos support is not built \(no .*bits_gssapi\.node\): install MIT Kerberos' development files \(Debian\/Ubuntu: apt-get install libkrb5-dev; .*node scripts\/install-kerberos\.mjs/);
});

test('explicit NEGOTIATE credentials without the add-on: NTLMv2 answers inside Negotiate (the fixture gets a NEGOTIATE_MESSAGE)', async () => {
  const before = seen.length;
  const m = await failureWith('CORP\\erin', 'erin-pw-not-sent');
  assert.match(m, /^80190191 .*Negotiate/);
  assert.ok(seen.slice(before).some((h) => h.startsWith('Negotiate TlRMTVNTUAAB')), seen.join('\n'));
  assert.not.match(m, /erin-pw-not-sent/);
});

test.run();
