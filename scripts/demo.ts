// `npm start`: the main job on the embedded default, no external server needed. It shows the whole
// cycle through the per-user background service, with the CLI a user would type:
//   1. a download from a loopback HTTP server of the demo's own (`transfer`, with a progress bar);
//   2. an upload-reply job against `bits-job2 serve --echo-reply` (our BITS upload server, whose
//      reply handler answers with the size and sha256 it received): upload progress, then reply
//      progress, the notify command line run by the service at TRANSFERRED, then the reply data and
//      the reply file name (IBackgroundCopyJob2), then Complete.
// It uses its own state directory, so it never touches your real queue, and stops what it started.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from './demo-file-server.js';
import { startThrottleProxy } from './demo-throttle.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repo, 'dist', 'module', 'cli', 'main.js');
const DOWNLOAD_SIZE = 32 * 1024 * 1024;
const UPLOAD_SIZE = 24 * 1024 * 1024;
const RATE = 12 * 1024 * 1024; // ~3 s, long enough to see the progress bar

const stateDir = mkdtempSync('/tmp/bits-job2-demo-');
const work = mkdtempSync(join(tmpdir(), 'bits-job2-demo-files-'));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Asynchronous on purpose: the demo's HTTP server lives in this process and must keep serving.
function run(args: string[], capture = false): Promise<{ status: number | null; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, '--state-dir', stateDir, ...args], { stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit' });
    let stdout = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.on('close', (status) => done({ status, stdout }));
  });
}
/** Runs a CLI command; `show` echoes the command line and its output like a terminal session. */
async function must(args: string[], show = false): Promise<string> {
  const inherit = args[0] === 'transfer'; // its progress bar needs the real terminal
  if (show) console.log(`$ bits-job2 ${args.join(' ')}`);
  const r = await run(args, !inherit);
  if (r.status !== 0) throw new Error(`bits-job2 ${args[0]} exited with ${r.status}`);
  const out = r.stdout.trim();
  if (show && out) console.log(out.replace(/^/gm, '  '));
  return out;
}

/** `bits-job2 serve` as a child process; resolves with its URL once it listens. */
function startServe(root: string): Promise<{ url: string; stop(): void }> {
  return new Promise((resolveServe, reject) => {
    const child = spawn(process.execPath, [cli, 'serve', '--root', root, '--echo-reply', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      try {
        const info = JSON.parse(out) as { url: string };
        resolveServe({ url: info.url, stop: () => child.kill('SIGTERM') });
      } catch {
        /* not the whole document yet */
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

const download = await startDemoServer(DOWNLOAD_SIZE, RATE);
const uploads = join(work, 'server-root');
mkdirSync(uploads);
const serve = await startServe(uploads);
const paced = await startThrottleProxy(Number(new URL(serve.url).port), RATE);
const uploadUrl = `http://127.0.0.1:${paced.port}/`;
let ok = false;
try {
  console.log(`bits-job2 demo — background service state: ${stateDir}\n`);

  console.log(`1. Download ${DOWNLOAD_SIZE / 1048576} MiB from ${download.url}`);
  const dest = join(work, 'demo.bin');
  await must(['transfer', 'demo', download.url, dest], true);
  const got = sha256(readFileSync(dest));
  console.log(`   sha256 served ${download.sha256}\n   published     ${got}`);
  if (got !== download.sha256) throw new Error('the published file differs from the served file');

  console.log(`\n2. Upload-reply job: ${UPLOAD_SIZE / 1048576} MiB to \`bits-job2 serve --echo-reply\` at ${serve.url}`);
  const inventory = join(work, 'inventory.bin');
  const payload = randomBytes(UPLOAD_SIZE);
  writeFileSync(inventory, payload);
  const id = await must(['create', 'inventory', '--type', 'UPLOAD_REPLY'], true);
  await must(['add-file', id, `${uploadUrl}inventory.bin`, inventory], true);
  // The notify command line (IBackgroundCopyJob2::SetNotifyCmdLine): the service runs it, without a
  // shell, when the job reaches TRANSFERRED — here a one-line Node program that leaves a note.
  const note = join(work, 'notified.txt');
  const script = `require('fs').writeFileSync(process.argv[1], 'notify program ran for job ' + process.argv[2] + ' at ' + new Date().toISOString())`;
  await must(['set-notify-cmdline', id, '--program', process.execPath, ...['-e', script, note, id].map((a) => `--arg=${a}`)], true);
  await must(['get-notify-cmdline', id], true);
  await must(['resume', id], true);
  let last = '';
  for (;;) {
    const info = JSON.parse(await must(['info', id, '--json'])) as {
      state: string; progress: { bytesTransferred: number; bytesTotal: number | null }; replyProgress: { bytesTransferred: number; bytesTotal: number | null };
    };
    const line = `   ${info.state.padEnd(12)} upload ${info.progress.bytesTransferred}/${info.progress.bytesTotal} B   reply ${info.replyProgress.bytesTransferred}/${info.replyProgress.bytesTotal ?? 'unknown'} B`;
    if (line !== last) console.log((last = line));
    if (info.state === 'TRANSFERRED') break;
    if (info.state === 'ERROR') throw new Error('the upload-reply job failed: see bits-job2 info ' + id);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (let i = 0; i < 100 && !existsSync(note); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(note)) throw new Error('the notify command line did not run');
  console.log(`   ${readFileSync(note, 'utf8')}`);
  const reply = await must(['get-reply-data', id], true);
  const replyFile = await must(['get-reply-file', id], true);
  await must(['complete', id], true);
  if (readFileSync(replyFile, 'utf8') !== reply) throw new Error('the reply file differs from the reply data');
  if (!reply.includes(sha256(payload))) throw new Error('the server reports a different sha256 than the one uploaded');
  console.log(`   the server's sha256 matches the uploaded file; the reply file holds the reply`);

  const queued = JSON.parse((await must(['list', '--json'])) || '[]') as unknown[];
  console.log(`\njobs left in the queue: ${queued.length} (completed jobs are ACKNOWLEDGED and have left it)`);
  ok = true;
} catch (e) {
  console.error(`demo failed: ${(e as Error).message}`);
} finally {
  await run(['service', 'stop'], true);
  await paced.close();
  serve.stop();
  await download.close();
  rmSync(work, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
}
console.log(ok ? '\ndemo OK' : '\ndemo FAILED');
process.exit(ok ? 0 : 1);
