// `npm start`: the main job on the embedded default, no external server needed. It starts a loopback
// HTTP server of its own, downloads a file through the per-user background service with the CLI's
// `transfer` (progress bar on a terminal), checks the published file's sha256, shows the job's final
// record, and stops the demo's service. The demo uses its own state directory so it leaves nothing
// running and never touches your real queue.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from './demo-file-server.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repo, 'dist', 'module', 'cli', 'main.js');
const SIZE = 32 * 1024 * 1024;
const RATE = 12 * 1024 * 1024; // ~3 s, long enough to see the progress bar

const stateDir = mkdtempSync('/tmp/bits-job2-demo-');
const work = mkdtempSync(join(tmpdir(), 'bits-job2-demo-files-'));
const server = await startDemoServer(SIZE, RATE);
// Asynchronous on purpose: the demo's HTTP server lives in this process and must keep serving.
function run(args: string[], capture = false): Promise<{ status: number | null; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, '--state-dir', stateDir, ...args], { stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit' });
    let stdout = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.on('close', (status) => done({ status, stdout }));
  });
}

let ok = false;
try {
  const dest = join(work, 'demo.bin');
  console.log(`bits-job2 demo: downloading ${SIZE / 1048576} MiB from ${server.url}`);
  console.log(`  through the background service (state: ${stateDir})\n`);
  console.log(`$ bits-job2 transfer demo ${server.url} ${dest}`);
  const t = await run(['transfer', 'demo', server.url, dest]);
  if (t.status !== 0) throw new Error(`transfer exited with ${t.status}`);
  const got = createHash('sha256').update(readFileSync(dest)).digest('hex');
  console.log(`\nsha256 served:    ${server.sha256}\nsha256 published: ${got}`);
  if (got !== server.sha256) throw new Error('the published file differs from the served file');
  const list = await run(['list', '--json'], true);
  const queued = JSON.parse(list.stdout || '[]') as unknown[];
  console.log(`jobs left in the queue: ${queued.length} (the completed job is ACKNOWLEDGED and has left it)`);
  ok = true;
} catch (e) {
  console.error(`demo failed: ${(e as Error).message}`);
} finally {
  await run(['service', 'stop'], true);
  await server.close();
  rmSync(work, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
}
console.log(ok ? '\ndemo OK' : '\ndemo FAILED');
process.exit(ok ? 0 : 1);
