// The Group Policy examples of scripts/gpo end to end against the portable service and our BITS
// server with the echo reply: the logon script (PowerShell in the real engine, or Node) exits with
// a job id while the server still holds the reply — so it cannot have waited for the transfer —
// then the service runs the notify script, which completes the job (ACKNOWLEDGED) and files the
// reply in the reply folder; the server has the inventory byte for byte.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoReply, startBitsServer, type ReplyContext } from '../module/server/index.js';
import { runCli } from './helpers/cli.js';
import { killServices, waitFor } from './helpers/service.js';
import { describe, HOST_DLL, PS_DIR, REPO, runPwsh } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

const GUID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/m;

/** node <args> with this environment; resolves with exit code and output. */
function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** SIGKILL to every process whose command line names `dir` (a fresh mkdtemp folder of this test). */
function killNotifyPrograms(dir: string): void {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(dir) && Number(pid) !== process.pid) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

interface Sandbox { dir: string; replies: string; inventory: string; uploads: string; serverUrl: string; release(): void }

/** A BITS server whose echo reply waits for release(), and a state dir; the service is stopped by PID at the end. */
async function withGpoSandbox(fn: (s: Sandbox) => Promise<void>): Promise<void> {
  const dir = mkdtempSync('/tmp/bj2g-');
  const s = { dir, replies: join(dir, 'replies'), inventory: join(dir, 'inventory'), uploads: join(dir, 'uploads') };
  mkdirSync(join(s.uploads, 'inventory'), { recursive: true });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const server = await startBitsServer({
    root: s.uploads,
    // copyToDestination also publishes the upload at its URL path, so the test can compare it.
    replyHandler: async (ctx: ReplyContext) => {
      await gate;
      return { ...(await echoReply(ctx)), copyToDestination: true };
    },
  });
  try {
    await fn({ ...s, serverUrl: `${server.url}inventory/`, release });
  } finally {
    release();
    // A notify program still running when a check fails would start a new service with its next
    // call: stop the programs started for this sandbox (their command lines name its folders) by
    // PID, then the services.
    await killServices(dir);
    killNotifyPrograms(dir);
    await killServices(dir);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** After the logon script exited: the job is not finished, then (released) ends ACKNOWLEDGED with the reply filed. */
async function checkOutcome(s: Sandbox, id: string): Promise<Record<string, unknown>> {
  const info = async () => JSON.parse((await runCli(['info', id, '--json'], { stateDir: s.dir })).stdout);
  const early = await info();
  // The server holds the reply until release(): the job cannot be done yet, so the script did not wait.
  assert.ok(['QUEUED', 'CONNECTING', 'TRANSFERRING'].includes(early.state), `the script exited while the job was still active (state ${early.state})`);
  assert.is(early.type, 'UPLOAD_REPLY');
  s.release();
  // The notify script's last step is the move of the reply into the folder (a rename: atomic).
  const filed = () => existsSync(s.replies) && readdirSync(s.replies).some((f) => f.endsWith('.reply'));
  await waitFor(async () => filed() && (await info()).state === 'ACKNOWLEDGED', 60_000, 'the notify script to complete the job and file the reply').catch(async (e) => {
    throw new Error(`${(e as Error).message}\njob: ${JSON.stringify(await info())}\nservice log:\n${readFileSync(join(s.dir, 'service.log'), 'utf8')}`);
  });

  const invFiles = readdirSync(s.inventory);
  assert.is(invFiles.length, 1, 'one inventory file');
  const name = invFiles[0]!;
  assert.match(name, /^[A-Za-z0-9._-]+-[A-Za-z0-9._-]+-\d{8}T\d{6}Z\.json$/);
  const inventory = readFileSync(join(s.inventory, name));
  assert.ok(readFileSync(join(s.uploads, 'inventory', name)).equals(inventory), 'the server has the inventory byte for byte');
  const expected = `received ${inventory.length} bytes sha256 ${createHash('sha256').update(inventory).digest('hex')}`;
  assert.equal(readdirSync(s.replies), [`${name}.reply`], 'the reply is filed under the upload name');
  assert.is(readFileSync(join(s.replies, `${name}.reply`), 'utf8'), expected, 'the reply file holds the echo reply');
  const data = JSON.parse(inventory.toString('utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
  assert.is(data.schema, 'bits-job2-inventory/1');
  assert.is(data.computerName, os.hostname());
  assert.is(data.userName, os.userInfo().username);
  assert.ok(!Number.isNaN(Date.parse(String(data.collectedAt))), 'collectedAt is a date');
  const log = readFileSync(join(s.dir, 'service.log'), 'utf8');
  assert.match(log, new RegExp(`job ${id}.*notify command line`), 'the service ran the notify command line');
  return data;
}

test('PowerShell example scripts parse as Windows PowerShell 5.1 and have help', async () => {
  assertPester(await runPester(join(PS_DIR, 'gpo-syntax.Tests.ps1'), { data: { Root: REPO }, timeoutMs: 60_000 }));
});

test('Logon-UploadInventory.ps1 in the real engine: exits with a job id; the notify script completes and files the reply', () =>
  withGpoSandbox(async (s) => {
    // The notify program is this PowerShell host (no pwsh here): dotnet PwshHost.dll <script> -JobId ...
    const dotnet = realpathSync(execFileSync('sh', ['-c', 'command -v dotnet'], { encoding: 'utf8' }).trim());
    const r = await runPwsh([
      join(REPO, 'scripts/gpo/Logon-UploadInventory.ps1'),
      '-ServerUrl', s.serverUrl, '-ReplyFolder', s.replies, '-InventoryFolder', s.inventory,
      '-PowerShellPath', dotnet, '-PowerShellArguments', HOST_DLL,
    ], { env: { BITS_JOB2_STATE_DIR: s.dir }, timeoutMs: 110_000 });
    assert.is(r.code, 0, describe(r));
    const id = GUID.exec(r.stdout.trim())?.[1];
    assert.ok(id, `the script printed a job id:\n${describe(r)}`);
    const data = await checkOutcome(s, id!);
    assert.match(String(data.powerShell), /^\d+\.\d+/, 'the PowerShell version is in the inventory');
  }));

test('Logon-UploadInventory.ps1: a job that ends in ERROR is recorded in the reply folder and cancelled by the notify script', () =>
  withGpoSandbox(async (s) => {
    const dotnet = realpathSync(execFileSync('sh', ['-c', 'command -v dotnet'], { encoding: 'utf8' }).trim());
    // No such upload directory on the server: Create-Session fails with 404, the job ends in ERROR.
    const r = await runPwsh([
      join(REPO, 'scripts/gpo/Logon-UploadInventory.ps1'),
      '-ServerUrl', s.serverUrl.replace(/inventory\/$/, 'missing/'), '-ReplyFolder', s.replies, '-InventoryFolder', s.inventory,
      '-PowerShellPath', dotnet, '-PowerShellArguments', HOST_DLL,
    ], { env: { BITS_JOB2_STATE_DIR: s.dir }, timeoutMs: 110_000 });
    assert.is(r.code, 0, describe(r));
    const id = GUID.exec(r.stdout.trim())?.[1];
    assert.ok(id, `the script printed a job id:\n${describe(r)}`);
    const errorFile = () => (existsSync(s.replies) ? readdirSync(s.replies).find((f) => f.endsWith('.error.json')) : undefined);
    const state = async () => JSON.parse((await runCli(['info', id!, '--json'], { stateDir: s.dir })).stdout).state;
    await waitFor(async () => errorFile() !== undefined && (await state()) === 'CANCELLED', 60_000, 'the notify script to record the error and cancel');
    const recorded = JSON.parse(readFileSync(join(s.replies, errorFile()!), 'utf8').replace(/^\uFEFF/, ''));
    assert.is(recorded.name, 'ERROR_PATH_NOT_FOUND');
    assert.match(recorded.message, /404/);
  }));

test('logon-upload-inventory.js with node: exits with a job id; the notify script completes and files the reply', () =>
  withGpoSandbox(async (s) => {
    const r = await runNode([join(REPO, 'dist/scripts/gpo/logon-upload-inventory.js'),
      '--server-url', s.serverUrl, '--reply-folder', s.replies, '--inventory-folder', s.inventory], { ...process.env, BITS_JOB2_STATE_DIR: s.dir });
    assert.is(r.code, 0, r.stderr);
    const id = GUID.exec(r.stdout.trim())?.[1];
    assert.ok(id, `the script printed a job id: ${r.stdout} ${r.stderr}`);
    const data = await checkOutcome(s, id!);
    assert.is(data.node, process.version);
  }));

test.run();
