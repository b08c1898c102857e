// `list --json` through a running service prints the service's own text (module/service/list-text.ts,
// module/cli/list-from-service.ts). It must be byte for byte what the ordinary path prints (the yargs
// path: ServiceClient.listJobs → jobDocument → pretty JSON) for 0, 1 and many jobs (more than one
// piece of json-chunks.ts; names with quotes, newlines, non-ASCII and astral characters), and the
// CLI must fall back to the ordinary path, printing nothing of its own, when no service listens or
// the service is an older one without listJobsText. A service that goes away inside the text is an
// error, never a short document taken for a whole one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JobType, ProxyUsage } from '../module/api/enums.js';
import { BitsError, bitsError } from '../module/api/bits-error.js';
import type { JobSnapshotWire } from '../module/api/types.js';
import { buildParser } from '../module/cli/parser.js';
import { printListFromService } from '../module/cli/list-from-service.js';
import { jobJson } from '../module/cli/output.js';
import { toJobInfo } from '../module/core/job-info.js';
import { CHUNK_ITEMS } from '../module/common/json-chunks.js';
import { PortableEngine } from '../module/engine/engine.js';
import { runService } from '../module/service/server.js';
import { SERVICE_STOPPED_MESSAGE } from '../module/service/rpc.js';
import { socketPath } from '../module/service/socket-path.js';
import { runCli } from './helpers/cli.js';
import { withService } from './helpers/service.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync('/tmp/bj2lt-');
  dirs.push(d);
  return d;
};
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const NAMES = ['plain', 'quote " and \\ backslash', 'line one\nline two\ttab', 'ünïcødé 名前 😀 \u2028 end', ''];

/** A store with `n` jobs of every type, names from NAMES, some with files, descriptions, proxies, notify lines. */
async function fill(stateDir: string, n: number): Promise<void> {
  const engine = await PortableEngine.open({ stateDir, limits: { jobsPerUser: n + 1, jobsPerMachine: n + 1 } });
  for (let i = 0; i < n; i++) {
    const id = await engine.createJob(`${NAMES[i % NAMES.length]} #${i}`, [JobType.DOWNLOAD, JobType.UPLOAD_REPLY, JobType.DOWNLOAD][i % 3]!);
    if (i % 7 === 0) await engine.setProperty(id, 'description', `beschreibung ✓ ${i}`);
    if (i % 11 === 0) await engine.setProxySettings(id, ProxyUsage.OVERRIDE, 'http://proxy:8080', '<local>');
    if (i % 13 === 0) await engine.setNotifyCmdLine(id, '/bin/echo', `"/bin/echo" "done ${i}"`);
    if (i % 3 === 0) await engine.addFiles(id, [{ remoteName: `http://127.0.0.1:9/f${i}.bin`, localName: join(stateDir, `f ${i} ü.bin`) }]);
  }
  await engine.close();
}

/** stdout, stderr and exit code of `body` run in this process (the yargs path of the CLI). */
async function capture(body: () => Promise<unknown>): Promise<{ stdout: string; stderr: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = (sink: string[]) => ((chunk: string | Uint8Array) => (sink.push(Buffer.from(chunk).toString('utf8')), true)) as typeof process.stdout.write;
  const [ow, ew] = [process.stdout.write, process.stderr.write];
  process.stdout.write = write(out);
  process.stderr.write = write(err);
  process.exitCode = 0;
  try {
    await body();
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout: out.join(''), stderr: err.join(''), code };
}

/** What the text path writes to `out` (a collecting stream), and whether it printed. */
async function viaText(stateDir: string): Promise<{ printed: boolean; bytes: Buffer }> {
  const chunks: Buffer[] = [];
  const out = { write: (c: Uint8Array) => (chunks.push(Buffer.from(c)), true), once: () => out } as unknown as NodeJS.WritableStream;
  const printed = await printListFromService(stateDir, out);
  return { printed, bytes: Buffer.concat(chunks) };
}

for (const n of [0, 1, CHUNK_ITEMS * 2 + 3]) {
  test(`${n} job(s): the CLI prints the service's text, byte for byte the ordinary path's document`, async () => {
    const stateDir = tempDir();
    await fill(stateDir, n);
    const service = await runService({ stateDir, log: () => {} });
    try {
      const text = await viaText(stateDir);
      assert.ok(text.printed, 'a running service answers listJobsText');
      const ordinary = await capture(() => buildParser(['list', '--json', '--backend', 'service', '--state-dir', stateDir]).parseAsync());
      assert.is(ordinary.code, 0, ordinary.stderr);
      assert.is(text.bytes.toString('utf8'), ordinary.stdout);
      // The real CLI in its own process (main.js → fast path → the text), and the document itself.
      const cli = await runCli(['list', '--json', '--state-dir', stateDir]);
      assert.is(cli.code, 0, cli.stderr);
      assert.is(cli.stderr, '');
      assert.is(cli.stdout, ordinary.stdout);
      const jobs = JSON.parse(cli.stdout) as { displayName: string }[];
      assert.is(jobs.length, n);
      if (n > 3) assert.ok(jobs.some((j) => j.displayName.startsWith('ünïcødé 名前 😀 \u2028 end')));
    } finally {
      await service.close();
    }
  });
}

test('no service listening: the text path prints nothing, and the CLI starts the service the ordinary way', async () => {
  await withService(async ({ stateDir }) => {
    await fill(stateDir, 2);
    const text = await viaText(stateDir);
    assert.is(text.printed, false);
    assert.is(text.bytes.length, 0);
    const cli = await runCli(['list', '--json', '--state-dir', stateDir]);
    assert.is(cli.code, 0, cli.stderr);
    assert.is((JSON.parse(cli.stdout) as unknown[]).length, 2);
  });
});

/** A stand-in for an older service: answers ping and listJobs, and E_NOTIMPL for any other method (as server.ts does). */
async function oldService(stateDir: string, snapshots: JobSnapshotWire[], asked: string[]): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const req = JSON.parse(buffered.slice(0, nl)) as { id: number; method: string };
        buffered = buffered.slice(nl + 1);
        asked.push(req.method);
        const reply =
          req.method === 'listJobs'
            ? { id: req.id, result: snapshots }
            : req.method === 'ping'
              ? { id: req.id, result: { pid: process.pid, version: 'old', stateDir, startedAt: new Date().toISOString() } }
              : { id: req.id, error: bitsError(0x80004001, `The bits-job2 service has no method '${req.method}'.`).toJSON() };
        socket.write(JSON.stringify(reply) + '\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath(stateDir), resolve));
  return server;
}

test('an older service without listJobsText: nothing printed by the text path, the ordinary path prints the same document', async () => {
  const stateDir = tempDir();
  await fill(stateDir, 4);
  const engine = await PortableEngine.open({ stateDir });
  const snapshots = await engine.listJobs();
  await engine.close();
  const asked: string[] = [];
  const server = await oldService(stateDir, snapshots, asked);
  try {
    const text = await viaText(stateDir);
    assert.is(text.printed, false);
    assert.is(text.bytes.length, 0);
    const cli = await runCli(['list', '--json', '--state-dir', stateDir]);
    assert.is(cli.code, 0, cli.stderr);
    assert.is(cli.stdout, JSON.stringify(snapshots.map((s) => jobJson(toJobInfo(s))), null, 2) + '\n');
    assert.ok(asked.includes('listJobsText') && asked.includes('listJobs'), asked.join(' '));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a service that goes away inside the text: an error (the stopped service), never a short document', async () => {
  const stateDir = tempDir();
  const server = net.createServer((socket) => {
    socket.once('data', () => {
      socket.write('{"id":1,"result":{"text":"follows"}}\n[\n  {\n    "id": "cut');
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath(stateDir), resolve));
  try {
    const err = await viaText(stateDir).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof BitsError, String(err));
    assert.is((err as BitsError).message, SERVICE_STOPPED_MESSAGE);
    const cli = await runCli(['list', '--json', '--state-dir', stateDir]);
    assert.is(cli.code, 6, cli.stderr);
    assert.match(cli.stderr, /service stopped/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

// ~900 KB of text: more than a socket buffer, so the service writes it over several turns.
test('a request sent while a text reply is being written is answered after its end, whole', async () => {
  const stateDir = tempDir();
  const n = CHUNK_ITEMS * 4;
  await fill(stateDir, n);
  const service = await runService({ stateDir, log: () => {} });
  try {
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(socketPath(stateDir));
      socket.on('connect', () => socket.write('{"id":1,"method":"listJobsText","params":[]}\n'));
      socket.on('data', (c: Buffer) => {
        if (chunks.length === 0) socket.write('{"id":2,"method":"ping","params":[]}\n'); // the text has begun
        chunks.push(c);
        const all = Buffer.concat(chunks);
        if (all[all.length - 1] === 0x0a && all.includes(0)) {
          socket.destroy();
          resolve(all);
        }
      });
      socket.on('error', reject);
      // A reply inside the text would leave no whole line after the NUL: fail instead of waiting forever.
      setTimeout(() => (socket.destroy(), reject(new Error(`no whole reply after the text: ${Buffer.concat(chunks).length} bytes`))), 20_000).unref();
    });
    const header = bytes.subarray(0, bytes.indexOf(0x0a)).toString('utf8');
    assert.equal(JSON.parse(header), { id: 1, result: { text: 'follows' } });
    const end = bytes.indexOf(0);
    const text = bytes.subarray(header.length + 1, end).toString('utf8');
    assert.is((JSON.parse(text) as unknown[]).length, n);
    const after = JSON.parse(bytes.subarray(end + 1).toString('utf8')) as { id: number; result: { pid: number } };
    assert.is(after.id, 2);
    assert.is(after.result.pid, process.pid);
  } finally {
    await service.close();
  }
});

test.run();
