// The Group Policy pattern end to end (issue 4): a logon script creates an upload-reply job with a
// notify command line and exits at once; the background service uploads, downloads the reply, runs
// the notify program — which completes the job with `bits-job2 complete <id>` and files the reply —
// and the job ends ACKNOWLEDGED with the reply in place. No process of the script is left waiting.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoReply, startBitsServer } from '../module/server/index.js';
import { CLI_JS, cliEnv, runCli } from './helpers/cli.js';
import { readLockPid, waitFor, withService } from './helpers/service.js';

test('logon script exits; the service uploads, gets the reply, runs the notify program, which completes the job', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-gpo-'));
  const root = join(dir, 'server');
  const inbox = join(dir, 'inbox');
  mkdirSync(root);
  mkdirSync(inbox);
  const server = await startBitsServer({ root, replyHandler: echoReply });
  const inventory = join(dir, 'inventory.bin');
  const payload = randomBytes(2 * 1024 * 1024);
  writeFileSync(inventory, payload);
  // The notify program: complete the job (publishes the reply file), then file the reply. It files
  // it the way a collector should — copy beside, then rename — so whoever watches the inbox (this
  // test included) never reads a half-copied file: copyFileSync creates the name before it writes.
  const onDone = join(dir, 'on-done.mjs');
  writeFileSync(onDone, `
    import { execFileSync } from 'node:child_process';
    import { copyFileSync, renameSync } from 'node:fs';
    const [id, replyFile, inboxFile] = process.argv.slice(2);
    execFileSync(process.execPath, [${JSON.stringify(CLI_JS)}, 'complete', id], { stdio: 'inherit' });
    copyFileSync(replyFile, inboxFile + '.partial');
    renameSync(inboxFile + '.partial', inboxFile);
  `);
  // The logon script: queue the job and exit (no waiting: the 10-minute logon limit never applies).
  const logon = join(dir, 'logon.mjs');
  writeFileSync(logon, `
    import { execFileSync } from 'node:child_process';
    const cli = (...a) => execFileSync(process.execPath, [${JSON.stringify(CLI_JS)}, ...a], { encoding: 'utf8' }).trim();
    const [url, file, replyFile, inboxFile, onDone] = process.argv.slice(2);
    const id = cli('create', 'inventory upload', '--type', 'UPLOAD_REPLY');
    cli('set-reply-file', id, replyFile);
    cli('add-file', id, url, file);
    const q = (s) => '"' + s + '"';
    cli('set-notify-cmdline', id, '--program', process.execPath, '--parameters', [q(process.execPath), q(onDone), id, q(replyFile), q(inboxFile)].join(' '));
    cli('resume', id);
    console.log(id);
  `);
  try {
    await withService(async (svc) => {
      const replyFile = join(dir, 'inventory.reply');
      const inboxFile = join(inbox, 'reply.txt');
      const started = Date.now();
      const r = spawnSync(process.execPath, [logon, `${server.url}inventory.bin`, inventory, replyFile, inboxFile, onDone], { env: cliEnv(svc.stateDir), encoding: 'utf8', timeout: 60_000 });
      assert.is(r.status, 0, r.stderr);
      const id = r.stdout.trim();
      svc.track(readLockPid(svc.stateDir)!);
      assert.ok(Date.now() - started < 30_000, 'the logon script returned without waiting for the transfer');
      await waitFor(() => existsSync(inboxFile), 30_000, 'the notify program to file the reply');
      const expected = `received ${payload.length} bytes sha256 ${createHash('sha256').update(payload).digest('hex')}`;
      assert.is(readFileSync(inboxFile, 'utf8'), expected);
      assert.is(readFileSync(replyFile, 'utf8'), expected, 'Complete published the reply file');
      const info = JSON.parse((await runCli(['info', id, '--json'], { stateDir: svc.stateDir })).stdout);
      assert.is(info.state, 'ACKNOWLEDGED');
      const log = readFileSync(join(svc.stateDir, 'service.log'), 'utf8');
      assert.match(log, /notify command line/, 'the service logged the run');
      assert.match(log, new RegExp(`job ${id}: notify stdout: completed ${id}`), "the program's output is in the service log");
    });
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
