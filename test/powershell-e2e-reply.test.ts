// An upload-reply job through the Bits.Job2 cmdlets in a real PowerShell engine against the portable
// service and our BITS server: reply data (byte[], -AsString, -Encoding, -OutFile), reply progress,
// reply file name, and a notify command line whose program the service runs. The server's reply is
// the echo reply plus non-ASCII text, so the byte[] and the encodings are actually exercised.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoReply, startBitsServer, type ReplyContext } from '../module/server/index.js';
import { pseudoRandomBytes } from './helpers/gate-server.js';
import { killServices } from './helpers/service.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

test('upload-reply: reply data, progress, file name and the notify program, through the cmdlets', async () => {
  const dir = mkdtempSync('/tmp/bj2pr-');
  const uploads = join(dir, 'uploads');
  mkdirSync(uploads);
  const payload = pseudoRandomBytes(150_000, 21);
  const source = join(dir, 'inventory.bin');
  writeFileSync(source, payload);
  const echo = `received ${payload.length} bytes sha256 ${createHash('sha256').update(payload).digest('hex')}`;
  const reply = Buffer.from(`${echo} · grüße ✓`, 'utf8');
  const bits = await startBitsServer({
    root: uploads,
    replyHandler: async (ctx: ReplyContext) => {
      const r = await echoReply(ctx);
      // copyToDestination publishes the upload at its URL path too, so the test can compare it.
      return { reply: `${r?.reply} · grüße ✓`, copyToDestination: true };
    },
  });
  const notifyScript = join(dir, 'on-transferred.mjs');
  writeFileSync(notifyScript, `import { writeFileSync } from 'node:fs';
const [id, marker] = process.argv.slice(2);
writeFileSync(marker, JSON.stringify({ id }));
`);
  const marker = join(dir, 'notified.json');
  const replyPath = join(dir, 'inventory.reply');
  const outFile = join(dir, 'reply-out.bin');
  try {
    const p = await runPester(join(PS_DIR, 'e2e-upload-reply.Tests.ps1'), {
      data: {
        Root: REPO, Url: `${bits.url}inventory.bin`, Source: source, SourceSize: payload.length,
        ReplyPath: replyPath, ReplyBase64: reply.toString('base64'), OutFile: outFile,
        NotifyProgram: process.execPath, NotifyScript: notifyScript, NotifyMarker: marker,
      },
      env: { BITS_JOB2_STATE_DIR: dir },
      timeoutMs: 300_000,
    });
    assertPester(p);
    const id = /^job: ([0-9a-f-]{36})$/m.exec(p.run.stdout)?.[1];
    assert.ok(id, p.run.stdout);
    assert.ok(readFileSync(join(uploads, 'inventory.bin')).equals(payload), 'the server has the upload byte for byte');
    assert.ok(readFileSync(replyPath).equals(reply), 'the published reply file');
    assert.ok(readFileSync(outFile).equals(reply), '-OutFile wrote the reply bytes');
    assert.ok(existsSync(marker));
    assert.equal(JSON.parse(readFileSync(marker, 'utf8')), { id }, 'the notify program got the job id from the parameters');
    assert.match(readFileSync(join(dir, 'service.log'), 'utf8'), new RegExp(`job ${id}.*notify command line`), 'the service logged the run');
  } finally {
    await killServices(dir);
    await bits.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
