// Bench 5: upload-reply round trip — a small request up, a 1 MiB reply back — through a running
// service: create an UPLOAD_REPLY job → ... → ACKNOWLEDGED with the reply read. Compared with what a
// user without BITS would run: one curl that PUTs the same request to nginx and then GETs a file of
// the reply's size (`curl -T req URL --next -o reply URL2`, one process, two requests).
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { JobPriority, JobState, JobType } from '../../module/api/enums.js';
import { startChildServer, type ChildServer } from '../../test/helpers/bits-server.js';
import { startService, type BenchService } from './service.js';
import { waitForState, type UploadFixture } from './upload.js';
import { CLI_JS, hrMs, NODE, onCleanup, progress, tempDir, timedOk } from './util.js';

/** Poll interval while waiting for TRANSFERRED; small, so the poll does not hide the round trip. */
export const REPLY_POLL_MS = 10;
/** Interval given to `bits-job2 transfer --interval` (its own poll of the service). */
export const TRANSFER_INTERVAL_MS = 20; // the CLI's minimum
export const REQUEST_BYTES = 64 * 1024;

export interface ReplyResults {
  runs: number;
  replyBytes: number;
  requestBytes: number;
  /** ServiceClient: createJob → TRANSFERRED (poll) → complete (ACKNOWLEDGED) → getReplyData decoded and checked. */
  apiMs: number[];
  /** Same runs, split: createJob..resume returned; resume → TRANSFERRED seen; complete + getReplyData. */
  apiSetupMs: number[];
  apiWaitMs: number[];
  apiFinishMs: number[];
  /** `bits-job2 transfer --type UPLOAD_REPLY` (new process, ends ACKNOWLEDGED with the reply file written). */
  cliMs: number[];
  curlMs: number[];
  commands: { curl: string; cli: string; serve: string; handler: string };
}

/** The server application: answers every upload with the same bytes (read once at start-up). */
function writeHandler(dir: string, replyFile: string): string {
  const path = join(dir, 'reply-handler.mjs');
  writeFileSync(path, `import { readFileSync } from 'node:fs';\nconst reply = readFileSync(${JSON.stringify(replyFile)});\nexport default () => ({ reply });\n`);
  return path;
}

async function apiRoundTrip(svc: BenchService, url: string, req: string, reply: Buffer): Promise<{ total: number; setup: number; wait: number; finish: number }> {
  const { client } = svc;
  const t0 = hrMs();
  const id = await client.createJob('bench upload-reply', JobType.UPLOAD_REPLY);
  await client.setProperty(id, 'priority', JobPriority.FOREGROUND);
  await client.addFiles(id, [{ remoteName: url, localName: req }]);
  await client.resume(id);
  const t1 = hrMs();
  await waitForState(client, id, JobState.TRANSFERRED, REPLY_POLL_MS, t1);
  const t2 = hrMs();
  await client.complete(id);
  const data = Buffer.from(await client.getReplyData(id), 'base64');
  const t3 = hrMs();
  if (!data.equals(reply)) throw new Error(`upload-reply: the reply read back has ${data.length} bytes and differs from the ${reply.length} the server sent`);
  return { total: t3 - t0, setup: t1 - t0, wait: t2 - t1, finish: t3 - t2 };
}

export async function runReplyBench(u: UploadFixture, runs: number, replyBytes: number): Promise<ReplyResults> {
  const dir = tempDir('bj2rr-');
  onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const req = join(dir, 'request.bin');
  writeFileSync(req, randomBytes(REQUEST_BYTES));
  const reply = randomBytes(replyBytes);
  const replyFile = join(dir, 'reply.bin');
  writeFileSync(replyFile, reply);
  // The same bytes where curl GETs them: nginx's root (the upload bench's PUT nginx).
  writeFileSync(join(u.nginxRoot, 'reply.bin'), reply);
  const handler = writeHandler(dir, replyFile);
  const serveArgs = ['--root', join(dir), '--reply-handler', handler];
  const server: ChildServer = await startChildServer(serveArgs);
  const stopServer = onCleanup(`bits-job2 serve (reply) pid ${server.pid}`, () => server.stop());
  const svc = await startService();
  const r: ReplyResults = {
    runs, replyBytes, requestBytes: REQUEST_BYTES, apiMs: [], apiSetupMs: [], apiWaitMs: [], apiFinishMs: [], cliMs: [], curlMs: [],
    commands: { curl: '', cli: '', serve: `node dist/module/cli/main.js serve --host 127.0.0.1 --port 0 --json ${serveArgs.join(' ')}`, handler: readFileSync(handler, 'utf8').trim() },
  };
  try {
    const curlOut = join(dir, 'curl-reply.bin');
    const curlArgs = (i: number) => ['-s', '-f', '-T', req, `${u.nginx.url}/rr-${i}.bin`, '--next', '-s', '-f', '-o', curlOut, `${u.nginx.url}/reply.bin`];
    const cliArgs = (i: number) => [CLI_JS, 'transfer', `rr-${i}`, new URL(`cli-${i}.bin`, server.url).href, req, '--type', 'UPLOAD_REPLY', '--priority', 'FOREGROUND', '--interval', String(TRANSFER_INTERVAL_MS), '--json', '--state-dir', svc.stateDir];
    r.commands.curl = `curl ${curlArgs(0).join(' ')}`;
    r.commands.cli = `node ${cliArgs(0).join(' ').replace(/^.*\/dist\//, 'dist/')}`;
    const runCurl = async (i: number) => {
      rmSync(curlOut, { force: true });
      const t = await timedOk('curl', curlArgs(i));
      if (!readFileSync(curlOut).equals(reply)) throw new Error('curl: the reply file differs');
      rmSync(join(u.nginxRoot, `rr-${i}.bin`), { force: true });
      return t.ms;
    };
    const runCli = async (i: number) => {
      const t = await timedOk(NODE, cliArgs(i), { keepStdout: true });
      const replyPath = (JSON.parse(t.stdout) as { replyFileName?: string }).replyFileName;
      if (!replyPath || !existsSync(replyPath) || statSync(replyPath).size !== replyBytes) {
        throw new Error(`bits-job2 transfer: no ${replyBytes}-byte reply file in its output: ${t.stdout.slice(0, 500)}`);
      }
      return t.ms;
    };
    progress(`upload-reply: ${REQUEST_BYTES / 1024} KiB up, ${replyBytes / 1024} KiB reply; one warm-up of each, then ${runs} interleaved runs`);
    await runCurl(0);
    await apiRoundTrip(svc, new URL(`api-0.bin`, server.url).href, req, reply);
    await runCli(0);
    for (let i = 1; i <= runs; i++) {
      const c = await runCurl(i);
      r.curlMs.push(c);
      const a = await apiRoundTrip(svc, new URL(`api-${i}.bin`, server.url).href, req, reply);
      r.apiMs.push(a.total);
      r.apiSetupMs.push(a.setup);
      r.apiWaitMs.push(a.wait);
      r.apiFinishMs.push(a.finish);
      const cli = await runCli(i);
      r.cliMs.push(cli);
      progress(`upload-reply run ${i}/${runs}: curl ${c.toFixed(0)} ms, API ${a.total.toFixed(0)} ms (setup ${a.setup.toFixed(0)}, wait ${a.wait.toFixed(0)}, complete+read ${a.finish.toFixed(0)}), CLI transfer ${cli.toFixed(0)} ms`);
    }
    return r;
  } finally {
    await svc.stop();
    await stopServer();
  }
}
