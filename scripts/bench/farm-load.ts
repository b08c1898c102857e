// Bench: the upload server under load (issue 17 step 5). CLIENTS concurrent BITS clients (our
// upload client, in this process: module/engine/upload/upload-client.ts) each upload ROUNDS files
// of mixed sizes over TLS through nginx — the documented single-instance config to 1 `serve`, the
// documented farm config to 3, then the farm again with one instance killed (SIGKILL) half-way:
// every started upload must complete, byte-exact. Before each of these runs and after the last, the
// same bytes as plain PUTs to nginx alone (its WebDAV module: the ratio's anchor, target ≥ 0.8×);
// each BITS run is compared with the PUT runs on either side of it.
// Figures: uploads/s, MiB/s, p50/p99 fragment latency (previous Ack → this Ack), peak RSS of the
// serve processes, their CPU seconds per GiB, errors, and the run's CPU seconds by party (this
// process as the load generator, nginx, serve): on 2 cores all three share the machine, so the
// ratio is that of whole-machine costs, and the split says whose. Equal work on both sides: one
// TLS connection per upload (no session resumption), the same bytes read from the same files in
// the timed window, the bytes hashed after it. Loopback only; bounded by CLIENTS × ROUNDS
// (BENCH_FARM_CLIENTS, BENCH_FARM_ROUNDS, BENCH_FARM_WARMUP) and a 10 min deadline per run.
// Run: node dist/scripts/bench/farm-load.js [--write] [--runs=one,three,kill,put] — prints the
// table (--runs: only those, for paired runs); --write replaces the "Upload server under load"
// section of BENCHMARKS.md (npm run bench runs it after bench.js).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeSession, openSessionConnection, uploadFile } from '../../module/engine/upload/upload-client.js';
import { NEW_SESSION, type UploadSessionState } from '../../module/engine/upload/upload-port.js';
import { makeUploadFile, type UploadFileFixture } from '../../test/helpers/bits-fixture-server.js';
import { startChildServer, type ChildServer } from '../../test/helpers/bits-server.js';
import { startBitsNginx } from '../../test/helpers/nginx-bits.js';
import { farmHostIp, reserveFarmPort, startFarmNginx } from '../../test/helpers/nginx-farm.js';
import { makeTestCertificates, startNginx, type TestCertificates } from '../../test/helpers/nginx.js';
import { NGINX_DAV_CONFIG } from './upload.js';
import { FARM_BEGIN, FARM_END, farmBlock } from './report-parts.js';
import { childPids, cpuMs, cpuSPerGiB, fmt, hrMs, MiB, mibPerS, onCleanup, procStatusKb, progress, REPO, runCleanups, tempDir } from './util.js';

const CLIENTS = Number(process.env.BENCH_FARM_CLIENTS ?? 200);
const ROUNDS = Number(process.env.BENCH_FARM_ROUNDS ?? 2);
const SIZES = [16 * 1024, 128 * 1024, 512 * 1024, 2 * MiB];
/** How long a client keeps retrying one upload (BENCH_FARM_DEADLINE_S, default 600). */
const DEADLINE_MS = Number(process.env.BENCH_FARM_DEADLINE_S ?? 600) * 1000;
/**
 * Uploads per client before each timed window (BENCH_FARM_WARMUP, default 1; 0: none), to other
 * names: a just-started serve spends its first seconds compiling its own code (V8's optimizing
 * compiler ran on a third of its CPU in a cold 3-second run) while nginx is machine code from the
 * start. Every run, the PUT anchor's included, gets the same warm-up, so the load generator is warm
 * in each as well (without it the PUT run, last, was the only one with a warm generator).
 */
const WARMUP = Number(process.env.BENCH_FARM_WARMUP ?? 1);
/** `--runs one,three,kill,put` runs only those (paired old/new runs); the report needs all four. */
/** Node flags for the serve processes (profiling: BENCH_FARM_SERVE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/x'). */
const SERVE_NODE_ARGS = (process.env.BENCH_FARM_SERVE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const RUNS = new Set((process.argv.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 'one,three,kill,put').split(','));

interface RunFigures {
  label: string;
  uploads: number;
  started: number;
  bytes: number;
  ms: number;
  fragmentMs: number[];
  errors: string[];
  corrupt: number;
  /** Completed uploads and what their published file must hash to (checked after the timed window). */
  published: { name: string; sha256: string }[];
  serverPeakRssMiB: number;
  serverCpuSPerGiB: number;
  /** CPU seconds of the run by party: this process (the load generator), nginx (master + worker), the serve processes. */
  cpuS: { generator: number; nginx: number; serve: number };
  /** µs to create one empty file where the run's server creates its files, measured just before the timed window. */
  fileCreateUs: number;
}

/** Files the probe creates (then removes, after timing). */
const PROBE_FILES = 200;

/**
 * What creating a file costs in `dir` right now (µs each). On ext4 without a journal (this machine
 * kind's disk) creating a file scans past every inode deleted in the last one to six minutes
 * (ext4's recently_deleted()), so the cost depends on the churn before the run, on the server's
 * own sessions most of all: it went from 50 to 800 µs within one minute of churn (perf put
 * that scan at a quarter of serve's CPU before serve kept its session directories for reuse,
 * module/server/spare-dirs.ts). The column says how much of a run's swing is the disk.
 */
function fileCreateProbeUs(dir: string): number {
  const names = Array.from({ length: PROBE_FILES }, (_, i) => join(dir, `.create-probe-${i}`));
  const t0 = hrMs();
  for (const name of names) closeSync(openSync(name, 'wx'));
  const us = ((hrMs() - t0) * 1000) / names.length;
  for (const name of names) unlinkSync(name);
  return us;
}

/** CPU ms of a process and its direct children (nginx's master and worker). */
function treeCpuMs(pid: number): number {
  return [pid, ...childPids(pid)].reduce((sum, p) => sum + (cpuMs(p) || 0), 0);
}

function generatorCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * One BITS client: ROUNDS uploads, each retried from its saved session after a transient error (as
 * the engine does, without its retry delay). Each upload keeps one connection from Create-Session
 * through Close-Session, as the engine's upload worker does (issue 13); a bare closeSession() would
 * open a second TLS connection per upload, which the PUT anchor does not pay.
 */
async function client(n: number, base: string, files: UploadFileFixture[], sink: RunFigures, prefix = 'c', rounds = ROUNDS): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const f = files[(n + r) % files.length]!;
    const name = `${prefix}${n}-r${r}.bin`;
    const url = `${base}${name}`;
    let session: UploadSessionState = { ...NEW_SESSION };
    let last = hrMs();
    sink.started++;
    const deadline = Date.now() + DEADLINE_MS;
    for (let attempt = 0; ; attempt++) {
      const signal = new AbortController().signal;
      const connection = openSessionConnection({ url, signal });
      try {
        const result = await uploadFile({
          url, signal, localPath: f.path, expectedFile: f.expectedFile, wantReply: false, session, connection,
          onSession: (s) => {
            const now = hrMs();
            if (s.offset > session.offset) sink.fragmentMs.push(now - last);
            last = now;
            session = s;
          },
        });
        await closeSession({ url, session: result.session, signal, connection });
        break;
      } catch (e) {
        const transient = (e as { transient?: boolean }).transient === true;
        if (!transient || Date.now() > deadline) {
          sink.errors.push(`${name}: ${(e as Error).message}`);
          return;
        }
        await new Promise((res) => setTimeout(res, 300));
        last = hrMs();
      } finally {
        connection.close();
      }
    }
    sink.uploads++;
    sink.bytes += f.size;
    sink.published.push({ name, sha256: f.sha256 });
  }
}

/** Hashes what each completed upload published, after the timed window (both BITS and PUT runs). */
function countCorrupt(fig: RunFigures, root: string): void {
  for (const p of fig.published) if (!existsSync(join(root, p.name)) || sha256File(join(root, p.name)) !== p.sha256) fig.corrupt++;
}

function newFigures(label: string): RunFigures {
  return { label, uploads: 0, started: 0, bytes: 0, ms: 0, fragmentMs: [], errors: [], corrupt: 0, published: [], serverPeakRssMiB: 0, serverCpuSPerGiB: 0, cpuS: { generator: 0, nginx: 0, serve: 0 }, fileCreateUs: NaN };
}

/** The warm-up (WARMUP uploads per client, not timed, to names of their own); its errors fail the run. */
async function warmUp(label: string, upload: (n: number, sink: RunFigures) => Promise<void>): Promise<RunFigures> {
  const warm = newFigures(`${label} (warm-up)`);
  if (WARMUP > 0) await Promise.all(Array.from({ length: CLIENTS }, (_, n) => upload(n, warm)));
  return warm;
}

async function loadRun(label: string, base: string, files: UploadFileFixture[], servers: ChildServer[], nginxPid: number, root: string, sessions: string, during?: (figures: RunFigures) => Promise<void>): Promise<RunFigures> {
  const warm = await warmUp(label, (n, sink) => client(n, base, files, sink, 'w', WARMUP));
  const fig = newFigures(label);
  fig.errors.push(...warm.errors);
  fig.fileCreateUs = fileCreateProbeUs(join(sessions, 'Requests'));
  const cpu0 = servers.map((s) => cpuMs(s.pid));
  const gen0 = generatorCpuMs();
  const nginx0 = treeCpuMs(nginxPid);
  const t0 = hrMs();
  const clients = Array.from({ length: CLIENTS }, (_, i) => client(i, base, files, fig));
  if (during) await during(fig);
  await Promise.all(clients);
  fig.ms = hrMs() - t0;
  fig.cpuS.generator = (generatorCpuMs() - gen0) / 1000;
  fig.cpuS.nginx = (treeCpuMs(nginxPid) - nginx0) / 1000;
  const alive = servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
  fig.serverPeakRssMiB = Math.max(...alive.map((s) => (procStatusKb(s.pid, 'VmHWM') ?? 0) / 1024));
  const cpu = alive.reduce((sum, s) => sum + cpuMs(s.pid) - cpu0[servers.indexOf(s)]!, 0);
  fig.cpuS.serve = cpu / 1000;
  fig.serverCpuSPerGiB = cpuSPerGiB(cpu, fig.bytes);
  countCorrupt(fig, root);
  progress(`${label}: ${fig.uploads}/${fig.started} uploads, ${fmt(mibPerS(fig.bytes, fig.ms))} MiB/s, errors ${fig.errors.length}, corrupt ${fig.corrupt}, CPU s generator/nginx/serve ${fmt(fig.cpuS.generator)}/${fmt(fig.cpuS.nginx)}/${fmt(fig.cpuS.serve)}${fig.errors.length ? `; first: ${fig.errors.slice(0, 3).join(' | ')}` : ''}`);
  return fig;
}

/**
 * The anchor: the same bytes PUT over TLS to nginx (WebDAV), CLIENTS at a time, each upload on a
 * connection of its own (a new TLS handshake, no session resumption) and the body read from its
 * file, as each BITS upload has.
 */
async function putRun(files: UploadFileFixture[], dir: string, index: number): Promise<RunFigures> {
  const root = join(dir, `put-root-${index}`);
  mkdirSync(root);
  const nginx = await startNginx({ root, https: true, extraConfig: NGINX_DAV_CONFIG });
  onCleanup(`nginx PUT pid ${nginx.pid}`, () => nginx.stop());
  const ca = readFileSync(nginx.caFile!);
  const putClient = async (n: number, fig: RunFigures, prefix = 'c', rounds = ROUNDS): Promise<void> => {
    for (let r = 0; r < rounds; r++) {
      const i = (n + r) % files.length;
      const name = `${prefix}${n}-r${r}.bin`;
      fig.started++;
      const t = hrMs();
      const agent = new https.Agent({ keepAlive: false, maxCachedSessions: 0, ca });
      const body = await readFile(files[i]!.path); // read from the file in the timed window, as each BITS client reads its own
      const status = await new Promise<number>((resolve, reject) => {
        const req = https.request(`${nginx.httpsUrl}/${name}`, { method: 'PUT', agent, headers: { 'Content-Length': body.length } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      }).catch(() => 0);
      agent.destroy();
      if (status !== 201 && status !== 204) fig.errors.push(`PUT ${name}: ${status}`);
      else {
        fig.uploads++;
        fig.bytes += body.length;
        fig.fragmentMs.push(hrMs() - t);
        fig.published.push({ name, sha256: files[i]!.sha256 });
      }
    }
  };
  const warm = await warmUp('PUT', (n, sink) => putClient(n, sink, 'w', WARMUP));
  const fig = { ...newFigures(`PUT to nginx alone (${index + 1})`), serverPeakRssMiB: NaN, serverCpuSPerGiB: NaN };
  fig.errors.push(...warm.errors);
  fig.fileCreateUs = fileCreateProbeUs(root);
  const gen0 = generatorCpuMs();
  const nginx0 = treeCpuMs(nginx.pid);
  const t0 = hrMs();
  await Promise.all(Array.from({ length: CLIENTS }, (_, n) => putClient(n, fig)));
  fig.ms = hrMs() - t0;
  fig.cpuS.generator = (generatorCpuMs() - gen0) / 1000;
  fig.cpuS.nginx = (treeCpuMs(nginx.pid) - nginx0) / 1000;
  countCorrupt(fig, root);
  progress(`${fig.label}: ${fig.uploads}/${fig.started} uploads, ${fmt(mibPerS(fig.bytes, fig.ms))} MiB/s, errors ${fig.errors.length}, corrupt ${fig.corrupt}, CPU s generator/nginx ${fmt(fig.cpuS.generator)}/${fmt(fig.cpuS.nginx)}`);
  await nginx.stop();
  return fig;
}

/** One instance: a lone server (its session registry in memory); several: a farm on one sessions.db. */
async function startInstances(root: string, sessions: string, hostIds: (string | null)[]): Promise<ChildServer[]> {
  const out: ChildServer[] = [];
  const farm = hostIds.length > 1 ? ['--farm'] : [];
  for (const hostId of hostIds) {
    const s = await startChildServer(['--root', root, '--sessions-dir', sessions, ...farm, '--trust-proxy', '127.0.0.1', '--max-sessions-per-client', '0',
      ...(hostId ? ['--host-id', hostId, '--host-id-fallback-timeout', '1'] : [])], process.env, SERVE_NODE_ARGS);
    onCleanup(`serve pid ${s.pid}`, () => s.stop());
    out.push(s);
  }
  return out;
}

/**
 * The CA goes to the clients through NODE_EXTRA_CA_CERTS (read at process start, so this script
 * runs itself again with it set), not BITS_JOB2_CA_FILE: with that variable the upload client
 * passes the whole root store as `ca` on every connection, and building that TLS context per
 * session (tens of ms of CPU each) cost more than the server under test.
 */
export async function runFarmLoadBench(certs: TestCertificates): Promise<RunFigures[]> {
  const dir = tempDir('bj2farm-');
  // Every run's uploads stay here until the end (1.6 GiB for the four): removed with the rest.
  onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const files: UploadFileFixture[] = [];
  for (const size of SIZES) files.push(await makeUploadFile(join(dir, `src-${size}.bin`), size));
  const results: RunFigures[] = [];
  // The anchor before every BITS run and after the last: its rate moves between runs minutes apart
  // (up to 2× on this machine), so each BITS run is compared with the PUT runs on either side of it.
  let puts = 0;
  const anchor = async () => {
    if (RUNS.has('put')) results.push(await putRun(files, dir, puts++));
  };
  await anchor();

  // 1 instance behind the documented single-instance config.
  if (RUNS.has('one')) {
    const root = join(dir, 'one');
    mkdirSync(root);
    const sessions = join(dir, 'one-sessions');
    const [s] = await startInstances(root, sessions, [null]);
    const nginx = await startBitsNginx({ upstreams: [`127.0.0.1:${s!.port}`], certs });
    onCleanup(`nginx pid ${nginx.pid}`, () => nginx.stop());
    results.push(await loadRun('1 instance', nginx.url, files, [s!], nginx.pid, root, sessions));
    await nginx.stop();
    await s!.stop();
    await anchor();
  }
  // 3 instances behind the documented farm config; then again with one killed half-way.
  for (const kill of [false, true]) {
    if (!RUNS.has(kill ? 'kill' : 'three')) continue;
    const root = join(dir, kill ? 'kill' : 'three');
    mkdirSync(root);
    const port = await reserveFarmPort();
    const sessions = join(dir, `${kill ? 'kill' : 'three'}-sessions`);
    const servers = await startInstances(root, sessions, [0, 1, 2].map((i) => `127.0.0.${i + 2}:${port}`));
    const nginx = await startFarmNginx(port, servers.map((s) => s.port), certs);
    onCleanup(`nginx pid ${nginx.pid}`, () => nginx.stop());
    const during = kill
      ? async (fig: RunFigures) => {
          while (fig.uploads < (CLIENTS * ROUNDS) / 2 && fig.errors.length === 0) await new Promise((r) => setTimeout(r, 20));
          process.kill(servers[1]!.pid, 'SIGKILL');
          progress(`killed instance 2 (pid ${servers[1]!.pid}) after ${fig.uploads} uploads`);
        }
      : undefined;
    results.push(await loadRun(kill ? '3 instances, one killed' : '3 instances', nginx.url, files, servers, nginx.pid, root, sessions, during));
    await nginx.stop();
    for (const s of servers) await s.stop();
    await anchor();
  }
  return results;
}

const isPut = (r: RunFigures) => r.label.startsWith('PUT');

/** A BITS run's MiB/s over the mean of the PUT runs just before and after it (the anchor of its minutes). */
function ratioToNeighbouringPuts(results: RunFigures[], i: number): number {
  const near = [results.slice(0, i).reverse().find(isPut), results.slice(i + 1).find(isPut)].filter((r): r is RunFigures => r !== undefined);
  if (near.length === 0) return NaN;
  const anchorMiBs = near.reduce((sum, r) => sum + mibPerS(r.bytes, r.ms), 0) / near.length;
  return mibPerS(results[i]!.bytes, results[i]!.ms) / anchorMiBs;
}

export function renderFarmLoad(results: RunFigures[]): string {
  const rows = results.map((r, i) => {
    const mib = mibPerS(r.bytes, r.ms);
    const ratio = isPut(r) ? NaN : ratioToNeighbouringPuts(results, i);
    const vs = isPut(r) ? 'anchor' : Number.isNaN(ratio) ? '–' : `${fmt(ratio, 2)} ×`;
    return `| ${r.label} | ${r.uploads}/${r.started} | ${fmt(r.uploads / (r.ms / 1000))} | ${fmt(mib)} | ${vs} | ${fmt(percentile(r.fragmentMs, 50))} | ${fmt(percentile(r.fragmentMs, 99))} | ${Number.isNaN(r.serverPeakRssMiB) ? '–' : fmt(r.serverPeakRssMiB)} | ${Number.isNaN(r.serverCpuSPerGiB) ? '–' : fmt(r.serverCpuSPerGiB)} | ${fmt(r.cpuS.generator)} / ${fmt(r.cpuS.nginx)} / ${Number.isNaN(r.serverCpuSPerGiB) ? '–' : fmt(r.cpuS.serve)} | ${r.errors.length} | ${r.corrupt} | ${fmt(r.fileCreateUs)} |`;
  });
  return [
    '## Upload server under load',
    '',
    `${CLIENTS} concurrent clients × ${ROUNDS} uploads of ${SIZES.map((s) => (s >= MiB ? `${s / MiB} MiB` : `${s / 1024} KiB`)).join(' / ')} over TLS through nginx (\`node dist/scripts/bench/farm-load.js\`).`,
    'Latency: one fragment (previous Ack to this Ack); for PUT, one whole request. RSS: peak of the largest serve process; CPU: all serve processes.',
    'The anchor (the same bytes PUT to nginx alone) runs before every BITS run and after the last, and each BITS run is compared with the mean rate of the PUT runs on either side of it: the anchor\'s rate moves by up to 2× between runs minutes apart on this machine.',
    'Each upload (BITS session or PUT) has one TLS connection of its own; a farm session has two (the farm name for Create-Session, its instance\'s BITS-Host-Id name for the rest). The CPU split is the run\'s CPU seconds of this process (the load generator), nginx and serve.',
    `Before each timed window every client makes ${WARMUP} upload(s) to other names (not counted; BENCH_FARM_WARMUP), the PUT run too: a just-started serve compiles its own code for its first seconds, and the generator is then warm in every run alike.`,
    'Durability is not the same on both sides: nginx\'s PUT renames its temporary file into place without any fsync; serve flushes each published file (fdatasync) and its directory (one fsync shared by the publishes of that moment) before the Close-Session Ack, as a BITS server must (a fragment\'s Ack follows its write, not an fsync).',
    `File create µs: creating ${PROBE_FILES} empty files where the run's server creates its own (serve's Requests directory; the PUT root), just before the timed window. On ext4 without a journal, as here, a file's creation scans past the inodes deleted in the last minutes, so this cost grows with the churn before the run, the earlier runs' sessions included; serve allocates one file per session, its request file, which becomes the published file (a finished session's directory and state file are kept for the next session; a save appends to the state file), as nginx allocates one temporary file per PUT; neither deletes any.`,
    `The load generator shares the machine (${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} at the end): on few cores the ratios are the client's as much as the server's.`,
    '',
    '| run | completed/started | uploads/s | MiB/s | vs PUT | p50 ms | p99 ms | serve peak RSS MiB | serve CPU s/GiB | CPU s generator / nginx / serve | errors | corrupt | file create µs |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Replaces (or appends) the section in BENCHMARKS.md. */
function writeSection(md: string): void {
  const path = join(REPO, 'BENCHMARKS.md');
  const block = `${FARM_BEGIN}\n${md}${FARM_END}\n`;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const existing = farmBlock(text);
  writeFileSync(path, existing ? text.replace(existing, () => block) : `${text.trimEnd()}\n\n${block}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const certDir = process.env.BENCH_FARM_CERTS;
  if (!certDir) {
    const dir = tempDir('bj2farm-ca-');
    await makeTestCertificates(dir, [0, 1, 2].map(farmHostIp));
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_FARM_CERTS: dir, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') } });
    rmSync(dir, { recursive: true, force: true });
    process.exit(child.status ?? 1);
  }
  try {
    const certs: TestCertificates = { caFile: join(certDir, 'ca.pem'), certFile: join(certDir, 'server.pem'), keyFile: join(certDir, 'server.key') };
    const results = await runFarmLoadBench(certs);
    const md = renderFarmLoad(results);
    process.stdout.write(md);
    if (process.argv.includes('--write')) writeSection(md);
  } finally {
    await runCleanups();
  }
}
