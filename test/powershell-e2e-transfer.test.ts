// Bits.Job2 cmdlets end to end in a real PowerShell engine (test/pwsh-host) against the portable
// service in a temporary state dir: a download from a real nginx, an upload to our BITS server, and
// the pipeline (job objects by value into Resume-/Complete-BitsJob2, a [guid] JobId as Get-BitsTransfer's
// by property name, a plain string binding to nothing, Get-BitsJob2 into Complete-/Remove-BitsJob2).
// The script asserts what the cmdlets return; this file checks the bytes on both ends.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBitsServer } from '../module/server/index.js';
import { pseudoRandomBytes } from './helpers/gate-server.js';
import { startNginx } from './helpers/nginx.js';
import { killServices } from './helpers/service.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

test('download from nginx, upload to the BITS server, pipeline into Complete and Remove', async () => {
  const dir = mkdtempSync('/tmp/bj2pt-');
  const www = join(dir, 'www');
  const uploads = join(dir, 'uploads');
  const scratch = join(dir, 'scratch');
  for (const d of [www, uploads, join(uploads, 'in'), scratch]) mkdirSync(d);
  const download = pseudoRandomBytes(300_000, 11);
  writeFileSync(join(www, 'report.bin'), download);
  const upload = pseudoRandomBytes(200_000, 12);
  const uploadSource = join(scratch, 'upload.bin');
  writeFileSync(uploadSource, upload);
  const nginx = await startNginx({ root: www });
  const bits = await startBitsServer({ root: uploads });
  const dest = join(scratch, 'report.bin');
  try {
    assertPester(await runPester(join(PS_DIR, 'e2e-download-upload.Tests.ps1'), {
      data: {
        Root: REPO, DownloadUrl: `${nginx.url}/report.bin`, DownloadDest: dest, DownloadSize: download.length,
        UploadUrl: `${bits.url}in/upload.bin`, UploadSource: uploadSource, UploadSize: upload.length, Scratch: scratch,
      },
      env: { BITS_JOB2_STATE_DIR: dir },
      timeoutMs: 300_000,
    }));
    assert.ok(readFileSync(dest).equals(download), 'the published download has the bytes nginx served');
    assert.ok(readFileSync(join(uploads, 'in/upload.bin')).equals(upload), 'the server published the upload byte for byte');
    const gets = (await nginx.readAccessLog()).filter((l) => l.startsWith('GET /report.bin 20'));
    assert.ok(gets.length >= 1, 'nginx served the download');
  } finally {
    await killServices(dir);
    await nginx.stop();
    await bits.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
