// Set-/Remove-BitsJob2Credential with a PSCredential and Set-BitsJob2Proxy in a real PowerShell
// engine against the portable service, a real nginx with auth_basic and a real squid with proxy
// Basic auth. The servers' logs show who authenticated; the passwords appear nowhere in the state
// dir or the output.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pseudoRandomBytes } from './helpers/gate-server.js';
import { startNginx } from './helpers/nginx.js';
import { killServices } from './helpers/service.js';
import { startSquid } from './helpers/squid.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

const USER = 'alice';
const PASSWORD = 'ps-s3rver-Pa55!';
const PROXY_USER = 'bob';
const PROXY_PASSWORD = 'ps-pr0xy-Pa55!';

test('server Basic with a PSCredential, Remove-BitsJob2Credential, proxy OVERRIDE with proxy Basic, -WhatIf', async () => {
  const dir = mkdtempSync('/tmp/bj2pc-');
  const www = join(dir, 'www');
  const scratch = join(dir, 'scratch');
  mkdirSync(www);
  mkdirSync(scratch);
  const files = Object.fromEntries(['a', 'b', 'c', 'p'].map((n, i) => [n, pseudoRandomBytes(40_000 + i, 30 + i)]));
  for (const [n, body] of Object.entries(files)) writeFileSync(join(www, `${n}.bin`), body);
  const nginx = await startNginx({ root: www, basicAuth: { user: USER, password: PASSWORD } });
  const squid = await startSquid({ basicAuth: { user: PROXY_USER, password: PROXY_PASSWORD } });
  try {
    const p = await runPester(join(PS_DIR, 'e2e-credentials.Tests.ps1'), {
      data: { Root: REPO, Scratch: scratch, ServerUrl: `${nginx.url}/basic`, ServerUser: USER, ProxyHostPort: `${squid.host}:${squid.port}`, PlainUrl: nginx.url, ProxyUser: PROXY_USER },
      env: { BITS_JOB2_STATE_DIR: dir, E2E_SERVER_PASSWORD: PASSWORD, E2E_PROXY_PASSWORD: PROXY_PASSWORD },
      timeoutMs: 300_000,
    });
    assertPester(p);
    const r = p.run;
    assert.ok(readFileSync(join(scratch, 'p.bin')).equals(files.p!), 'the proxied download is byte-exact');

    const log = await nginx.readAccessLog();
    const lines = (name: string) => log.filter((l) => l.startsWith(`GET /basic/${name}.bin `));
    assert.ok(lines('a').some((l) => / 401 /.test(l)), 'a.bin: first refused');
    assert.ok(lines('a').some((l) => / 200 .*user=alice$/.test(l)), 'a.bin: then sent to alice');
    assert.ok(lines('b').some((l) => / 200 .*user=alice$/.test(l)), 'b.bin: the -WhatIf removal kept the credentials');
    assert.ok(lines('c').length > 0 && lines('c').every((l) => / 401 /.test(l)), 'c.bin: refused after the removal');
    await squid.waitForLog((l) => l.startsWith(`GET ${nginx.url}/p.bin 407 `));
    await squid.waitForLog((l) => l === `GET ${nginx.url}/p.bin 200 ${PROXY_USER}`);

    // The passwords never appear in the output or in any file of the state dir (the store seals them).
    for (const secret of [PASSWORD, PROXY_PASSWORD]) {
      assert.not.ok(r.stdout.includes(secret) || r.stderr.includes(secret), 'no password in the output');
      for (const f of readdirSync(dir)) {
        if (f === 'www' || f === 'scratch' || f.endsWith('.sock')) continue;
        assert.not.ok(readFileSync(join(dir, f)).includes(secret), `no password in ${f}`);
      }
    }
  } finally {
    await killServices(dir);
    await Promise.all([nginx.stop(), squid.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
