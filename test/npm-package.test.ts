// The npm package as a user gets it: `npm pack` (with the prepack step, the bridge DLL), installed
// offline from the local npm cache into an empty project outside the repository, then used there —
// the `bits-job2` bin through the per-user service, the package's two entry points from an .mjs, and
// its typings from a TypeScript consumer compiled with tsc. Also what the tarball must not hold.
// Slow by nature (better-sqlite3 is compiled for the consumer, about a minute); one file, one flow.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTmpDir, sha256File, type TmpDir } from './helpers/tmp.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string>; license: string };
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

interface Ctx { earlierJob: string; tmp: TmpDir; tarball: string; files: string[]; size: number; app: string; stateDir: string; server: Server; url: string; payload: Buffer }
const test = suite<Ctx>('npm package');

function run(command: string, args: string[], options: SpawnSyncOptions = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000, ...options });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

function ok(r: { status: number | null; stdout: string; stderr: string }, what: string): string {
  assert.is(r.status, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * The consumer's lockfile: the tarball plus the production dependencies exactly as the repository
 * resolved them, so `npm ci --offline` installs from the local cache (npm ci of the repo filled it)
 * without a single registry request.
 */
function consumerLock(tarballSpec: string, tarball: string): object {
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { [pkg.name]: tarballSpec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: tarballSpec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

test.before(async (ctx) => {
  ctx.tmp = await makeTmpDir('npm-package');
  ok(run(process.execPath, [join(repo, 'scripts', 'build-bridge.mjs')], { cwd: repo }), 'the prepack step (bridge DLL)');
  const out = ctx.tmp.file('out');
  mkdirSync(out);
  // dist is built by `npm test`; --ignore-scripts keeps pack from re-running tsc over the dist that
  // the other test files are running from, and the prepack step ran just above.
  const packed = JSON.parse(ok(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: repo }), 'npm pack')) as { filename: string; size: number; files: { path: string }[] }[];
  ctx.tarball = join(out, packed[0]!.filename);
  ctx.files = packed[0]!.files.map((f) => f.path);
  ctx.size = packed[0]!.size;
  ctx.app = ctx.tmp.file('app');
  ctx.stateDir = ctx.tmp.file('state');
  ctx.payload = randomBytes(3 << 20);
  ctx.server = createServer((req, res) => {
    if (req.url !== '/payload.bin') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': ctx.payload.length }).end(ctx.payload);
  });
  await new Promise<void>((resolve) => ctx.server.listen(0, '127.0.0.1', resolve));
  ctx.url = `http://127.0.0.1:${(ctx.server.address() as { port: number }).port}/payload.bin`;
});

test.after(async (ctx) => {
  if (ctx.app && existsSync(join(ctx.app, 'node_modules', '.bin', 'bits-job2'))) {
    run(join(ctx.app, 'node_modules', '.bin', 'bits-job2'), ['service', 'stop'], { env: { ...process.env, BITS_JOB2_STATE_DIR: ctx.stateDir } });
  }
  await new Promise((resolve) => ctx.server?.close(resolve));
  await ctx.tmp?.cleanup();
});

test('the tarball holds the runtime and no tests, benchmarks, fixtures, bin/obj or dangling source maps', (ctx) => {
  console.log(`  tarball ${posix.basename(ctx.tarball)}: ${(ctx.size / 1024).toFixed(0)} KiB packed, ${ctx.files.length} files`);
  for (const needed of ['package.json', 'README.md', 'dist/module/index.js', 'dist/module/cli/main.js', 'dist/module/server/index.js',
    'dist/bridge/Bits.Job2.Bridge.dll', 'typings/index.d.ts', 'typings/server/index.d.ts', 'Bits.Job2.psd1',
    'module/powershell/Bits.Job2.psm1', 'scripts/install-sqlite.mjs']) {
    assert.ok(ctx.files.includes(needed), `the tarball holds ${needed}`);
  }
  const unwanted = ctx.files.filter((f) => /(^|\/)(test|tests|fixtures|bench|bin|obj)\//.test(f) || /bridge\.(tests|fakes)\//.test(f) || /\.test\.(js|ts)$/.test(f));
  assert.equal(unwanted, [], 'nothing of tests, benchmarks, fixtures or C# build output');
  // Every source map maps a file of the tarball, from sources the tarball holds (read from the tar itself).
  const extracted = ctx.tmp.file('extracted');
  mkdirSync(extracted);
  ok(run('tar', ['-xzf', ctx.tarball, '-C', extracted]), 'tar -x');
  const maps = ctx.files.filter((f) => f.endsWith('.js.map'));
  assert.ok(maps.length > 100, `${maps.length} source maps`);
  const dangling: string[] = [];
  for (const map of maps) {
    const { file, sources } = JSON.parse(readFileSync(join(extracted, 'package', map), 'utf8')) as { file: string; sources: string[] };
    const dir = posix.dirname(map);
    for (const path of [posix.join(dir, file), ...sources.map((s) => posix.join(dir, s))]) {
      if (!existsSync(join(extracted, 'package', path))) dangling.push(`${map} -> ${path}`);
    }
  }
  assert.equal(dangling, [], 'source maps whose file and sources are all in the tarball');
});

test('installs offline into an empty project; without the SQLite add-on the CLI says what to run and leaves the store alone', (ctx) => {
  mkdirSync(ctx.app);
  const spec = `file:${ctx.tarball}`;
  // better-sqlite3's own install script stays unapproved, as in the repository (README: offline Linux).
  writeFileSync(join(ctx.app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { [pkg.name]: spec }, allowScripts: { 'better-sqlite3': false } }, null, 2));
  writeFileSync(join(ctx.app, 'package-lock.json'), JSON.stringify(consumerLock(spec, ctx.tarball), null, 2));
  const t0 = Date.now();
  ok(run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: ctx.app }), 'npm ci --offline in the consumer');
  console.log(`  npm ci --offline: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // A store with a job in it, as after a Node upgrade that left the add-on unusable.
  const env = { ...process.env, BITS_JOB2_STATE_DIR: ctx.stateDir };
  ctx.earlierJob = ok(run(process.execPath, [join(repo, 'dist', 'module', 'cli', 'main.js'), 'create', 'made-before', '--backend', 'portable'], { env }), 'create with the repository CLI').trim();
  const store = join(ctx.stateDir, 'jobs.sqlite');
  const before = readFileSync(store);
  const list = run(join(ctx.app, 'node_modules', '.bin', 'bits-job2'), ['list', '--backend', 'portable'], { env });
  assert.is(list.status, 6, `backend unavailable: ${list.stdout}${list.stderr}`);
  assert.match(list.stderr, /CO_E_SERVER_EXEC_FAILURE \(0x80080005\)/);
  assert.match(list.stderr, new RegExp(`node ${join(ctx.app, 'node_modules', pkg.name, 'scripts', 'install-sqlite.mjs').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  // Not mistaken for a damaged store: nothing moved aside, not a byte changed.
  assert.equal(readdirSync(ctx.stateDir).filter((f) => f.includes('corrupt')), []);
  assert.ok(readFileSync(store).equals(before), 'the store is untouched');
});

test('the shipped install-sqlite.mjs builds the add-on for this Node (its local headers, offline)', (ctx) => {
  const t0 = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_better_sqlite3_binary_host: 'http://127.0.0.1:9' };
  delete env.npm_config_nodedir; // nothing set: the script finds this Node's headers itself
  ok(run(process.execPath, [join(ctx.app, 'node_modules', pkg.name, 'scripts', 'install-sqlite.mjs')], { cwd: ctx.app, env }), 'install-sqlite.mjs');
  console.log(`  better-sqlite3 compiled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.ok(existsSync(join(ctx.app, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')));
});

test('the bits-job2 bin: --version, --help, a download through the per-user service, complete, sha256', async (ctx) => {
  const bin = join(ctx.app, 'node_modules', '.bin', 'bits-job2');
  const env = { ...process.env, BITS_JOB2_STATE_DIR: ctx.stateDir, BITS_JOB2_BACKEND: 'service' };
  const cli = (...args: string[]) => run(bin, args, { cwd: ctx.app, env });
  assert.is(ok(cli('--version'), '--version').trim(), pkg.version);
  const help = ok(cli('--help'), '--help');
  for (const command of ['create', 'add-file', 'resume', 'complete', 'get-reply-data', 'set-notify-cmdline', 'serve']) assert.match(help, new RegExp(`\\b${command}\\b`));
  const earlier = JSON.parse(ok(cli('list', '--json'), 'list')) as { id: string }[];
  assert.equal(earlier.map((j) => j.id), [ctx.earlierJob], 'the job made before the add-on broke is still there');
  const id = ok(cli('create', 'from-the-tarball'), 'create').trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  const target = ctx.tmp.file('downloaded.bin');
  ok(cli('add-file', id, ctx.url, target), 'add-file');
  ok(cli('resume', id), 'resume');
  let state = '';
  for (let i = 0; i < 300 && state !== 'TRANSFERRED'; i++) {
    state = (JSON.parse(ok(cli('info', id, '--json'), 'info')) as { state: string }).state;
    assert.not.ok(['ERROR', 'CANCELLED'].includes(state), `job ended in ${state}`);
    if (state !== 'TRANSFERRED') await new Promise((r) => setTimeout(r, 100));
  }
  assert.is(state, 'TRANSFERRED');
  ok(cli('complete', id), 'complete');
  assert.is(await sha256File(target), createHash('sha256').update(ctx.payload).digest('hex'));
  // The service that ran the job is the package's own, not the repository's.
  const { pid } = JSON.parse(ok(cli('service', 'status', '--json'), 'service status')) as { pid: number };
  const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  assert.ok(commandLine.includes(join(ctx.app, 'node_modules', pkg.name, 'dist', 'module', 'service')), commandLine);
});

test("an .mjs imports 'bits-job2' and 'bits-job2/server' and runs an upload-reply job between them", (ctx) => {
  const script = join(ctx.app, 'upload-reply.mjs');
  writeFileSync(script, `
import { mkdirSync, writeFileSync } from 'node:fs';
import { BitsManager, BitsError, JobState } from 'bits-job2';
import { startBitsServer, echoReply } from 'bits-job2/server';
const [dir] = process.argv.slice(2);
mkdirSync(dir + '/root', { recursive: true });
writeFileSync(dir + '/inventory.txt', 'inventory from the installed package\\n');
const server = await startBitsServer({ root: dir + '/root', replyHandler: echoReply });
const manager = await BitsManager.open();
try {
  const job = await manager.createJob('tarball upload-reply', { type: 'UPLOAD_REPLY' });
  await job.addFile(server.url + 'inventory.txt', dir + '/inventory.txt');
  await job.resume();
  const info = await job.waitFor('TRANSFERRED', { signal: AbortSignal.timeout(60000) });
  const reply = await job.getReplyData();
  await job.complete();
  console.log(JSON.stringify({ state: info.state, reply: reply.toString('utf8'), errorClass: typeof BitsError, transferred: JobState.TRANSFERRED }));
} finally {
  await manager.close();
  await server.close();
}
`);
  const out = ok(run(process.execPath, [script, ctx.tmp.file('mjs')], { cwd: ctx.app, env: { ...process.env, BITS_JOB2_STATE_DIR: ctx.stateDir, BITS_JOB2_BACKEND: 'service' } }), 'the .mjs consumer');
  const result = JSON.parse(out.trim().split('\n').pop()!) as unknown;
  // echoReply answers with the size and sha256 of what arrived: the file went through the service.
  const sent = Buffer.from('inventory from the installed package\n');
  const reply = `received ${sent.length} bytes sha256 ${createHash('sha256').update(sent).digest('hex')}`;
  assert.equal(result, { state: 'TRANSFERRED', reply, errorClass: 'function', transferred: 6 });
});

test('a TypeScript consumer compiles against the installed typings, and wrong uses are type errors', (ctx) => {
  const dir = join(ctx.app, 'ts');
  mkdirSync(dir);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, typeRoots: [join(repo, 'node_modules', '@types')], types: ['node'] },
    files: ['consumer.ts'],
  }));
  writeFileSync(join(dir, 'consumer.ts'), `
import { BitsManager, BitsError, type JobInfo, type JobStateName } from 'bits-job2';
import { startBitsServer, type RunningBitsServer } from 'bits-job2/server';
export async function inventory(): Promise<[JobInfo, Buffer, string | null]> {
  const manager: BitsManager = await BitsManager.open();
  const job = await manager.createJob('typed', { type: 'UPLOAD_REPLY' });
  const info: JobInfo = await job.waitFor(['TRANSFERRED', 'ERROR'], { intervalMs: 100 });
  const state: JobStateName = info.state;
  const total: number | null = info.progress.bytesTotal;
  void state; void total;
  return [info, await job.getReplyData(), await job.getReplyFileName()];
}
export const hresultOf = (e: unknown): number | undefined => (e instanceof BitsError ? e.hresult : undefined);
export const serve = (): Promise<RunningBitsServer> => startBitsServer({ root: '/srv/bits', port: 0 });
// @ts-expect-error: not a job state
export const wrongState: JobStateName = 'FINISHED';
// @ts-expect-error: createJob's type is a JobTypeName
export const wrongType = (m: BitsManager) => m.createJob('x', { type: 'SIDEWAYS' });
// @ts-expect-error: the server needs a root
export const noRoot = () => startBitsServer({ port: 0 });
`);
  ok(run(process.execPath, [tsc, '-p', dir]), 'tsc --noEmit of the consumer');
  // The same file with the expectations removed must fail to compile: the typings are not 'any'.
  const loose = readFileSync(join(dir, 'consumer.ts'), 'utf8').replace(/\/\/ @ts-expect-error.*\n/g, '');
  writeFileSync(join(dir, 'consumer.ts'), loose);
  const r = run(process.execPath, [tsc, '-p', dir]);
  assert.is.not(r.status, 0);
  assert.is((r.stdout.match(/error TS/g) ?? []).length, 3, r.stdout);
});

test.run();
