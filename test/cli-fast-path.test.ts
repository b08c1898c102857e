// The CLI's fast path (module/cli/fast-path.ts: `info` and `list` without yargs) must behave exactly
// like the yargs path: same stdout, stderr and exit code for the same argv, and every argv it does
// not fully understand (help, version, repeated or unknown flags, wrong arguments) must be left to
// yargs. Both paths run in this process against the portable engine of a private state dir.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildParser } from '../module/cli/parser.js';
import { parseFastPath } from '../module/cli/fast-path.js';
import { PortableEngine } from '../module/engine/engine.js';
import { JobType } from '../module/api/enums.js';
import { CLI_JS, cliEnv } from './helpers/cli.js';
import { withService } from './helpers/service.js';

const stateDir = mkdtempSync('/tmp/bj2fp-');
test.after(() => rmSync(stateDir, { recursive: true, force: true }));

// Two jobs: one with a file, one with a description, so info and list have something to print.
const engine = await PortableEngine.open({ stateDir });
const first = await engine.createJob('fast path one', JobType.DOWNLOAD);
await engine.addFiles(first, [{ remoteName: 'http://127.0.0.1:9/one.bin', localName: join(stateDir, 'one.bin') }]);
const second = await engine.createJob('fast path two', JobType.UPLOAD);
await engine.close();

interface Outcome {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs `body` with stdout/stderr captured and process.exitCode reset before and after. */
async function capture(body: () => Promise<unknown>): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const write = (sink: string[]) => ((chunk: string | Uint8Array) => (sink.push(String(chunk)), true)) as typeof process.stdout.write;
  const [ow, ew] = [process.stdout.write, process.stderr.write];
  process.stdout.write = write(out);
  process.stderr.write = write(err);
  process.exitCode = 0;
  try {
    await body();
  } catch (e) {
    err.push(`threw: ${(e as Error).message}`);
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout: out.join(''), stderr: err.join(''), code };
}

const viaYargs = (args: string[]) => capture(() => buildParser(args).parseAsync());
const viaFastPath = (args: string[]) =>
  capture(async () => {
    const fast = parseFastPath(args);
    if (!fast) throw new Error(`no fast path for ${args.join(' ')}`);
    await fast.run();
  });

const common = ['--backend', 'portable', '--state-dir', stateDir];
const SAME: string[][] = [
  ['list', ...common],
  ['list', '--json', ...common],
  ['list', '--all-users', '--json', ...common],
  ['list', '--no-color', '--backend=portable', `--state-dir=${stateDir}`],
  ['info', first, ...common],
  ['info', '--json', first, ...common],
  ['info', second, '--json', ...common],
  ['info', `{${first}}`, ...common],
  ['info', first.slice(0, 8), '--json', ...common],
  ['info', '00000000-0000-0000-0000-000000000000', ...common],
  ['info', '00000000-0000-0000-0000-000000000000', '--json', ...common],
  ['info', 'not-a-job', '--json', ...common],
  ['info', first, '--clixml', ...common],
  ['list', '--clixml', ...common],
  ['info', 'not-a-job', '--clixml', ...common],
  // JSON again after CLIXML in the same process: the format is per command run.
  ['list', '--all-users', '--json', '--no-color', ...common],
];

for (const args of SAME) {
  test(`fast path = yargs: ${args.join(' ').replaceAll(stateDir, 'DIR')}`, async () => {
    const slow = await viaYargs(args);
    const fast = await viaFastPath(args);
    assert.equal(fast, slow);
    assert.ok(slow.stdout.length + slow.stderr.length > 0, 'the command printed something');
  });
}

test('the fast path shows the jobs (not only the same as yargs)', async () => {
  const r = await viaFastPath(['list', '--json', ...common]);
  assert.is(r.code, 0, r.stderr);
  const ids = (JSON.parse(r.stdout) as { id: string }[]).map((j) => j.id).sort();
  assert.equal(ids, [first, second].sort());
});

const LEFT_TO_YARGS: string[][] = [
  [],
  ['info'],
  ['info', 'a', 'b'],
  ['info', first, '--help'],
  ['info', first, '-h'],
  ['list', '--version'],
  ['list', 'extra'],
  ['list', '--json', '--json'],
  ['list', '--jsn'],
  ['list', '--json=false'],
  ['list', '--all-users=true'],
  ['list', '--state-dir'],
  ['list', '--state-dir', ''],
  ['list', '--state-dir', '--json'],
  ['list', '--backend', 'Service'],
  ['list', '--backend', 'other'],
  ['list', '-j'],
  ['list', '--'],
  ['info', first, '--all-users'],
  ['--json', 'list'],
  ['create', 'x'],
  ['resume', first],
];

test('argv the fast path does not fully understand is left to yargs', () => {
  for (const args of LEFT_TO_YARGS) assert.is(parseFastPath(args), undefined, args.join(' '));
});

test('BITS_JOB2_BACKEND picks the default backend like yargs does, and a bad one is left to yargs', () => {
  assert.is(parseFastPath(['list'], { BITS_JOB2_BACKEND: 'Portable' })?.argv.backend, 'portable');
  assert.is(parseFastPath(['list'], {})?.argv.backend, 'service');
  assert.is(parseFastPath(['list'], { BITS_JOB2_BACKEND: 'bogus' }), undefined);
});

test('through main.js: argv left to yargs still gets the yargs usage error and help', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI_JS, ...args], { encoding: 'utf8', env: cliEnv(undefined) });
  const missing = cli(['info', ...common]);
  assert.is(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /Not enough non-option arguments/);
  const help = cli(['info', first, '--help', ...common]);
  assert.is(help.status, 0, help.stderr);
  assert.match(help.stdout, /bits-job2 info <job>/);
  const fast = cli(['info', first, '--json', ...common]);
  assert.is(fast.status, 0, fast.stderr);
  assert.is((JSON.parse(fast.stdout) as { id: string }).id, first);
});

// With the service, the fast path connects (and sends `list`'s request) before it loads the command
// (context.ts "opening early"); the handler takes that connection and that answer. Output and errors
// must still be yargs's, whose path opens the backend inside the handler.
test('through the service (opened early by the fast path) = yargs, and the same error when no service can start', async () => {
  await withService(async ({ stateDir: dir }) => {
    const seed = await PortableEngine.open({ stateDir: dir }); // jobs the service will load
    const one = await seed.createJob('via the service', JobType.DOWNLOAD);
    await seed.createJob('and another', JobType.UPLOAD);
    await seed.close();
    const svc = ['--backend', 'service', '--state-dir', dir];
    const cases = [['list', '--json', ...svc], ['list', ...svc], ['list', '--all-users', '--json', ...svc], ['info', one, '--json', ...svc], ['info', one.slice(0, 8), ...svc], ['info', 'not-a-job', '--json', ...svc], ['list', '--clixml', ...svc]];
    for (const args of cases) {
      const fast = await viaFastPath(args);
      const slow = await viaYargs(args);
      assert.equal(fast, slow, args.join(' '));
      assert.ok(fast.stdout.length + fast.stderr.length > 0, 'the command printed something');
    }
    const listed = JSON.parse((await viaFastPath(['list', '--json', ...svc])).stdout) as { displayName: string }[];
    assert.equal(listed.map((j) => j.displayName).sort(), ['and another', 'via the service']);
  });
  // A state dir under a regular file: the service cannot start, on either path the same exit code 6 and message.
  const nowhere = ['--backend', 'service', '--state-dir', '/dev/null/bj2-nowhere'];
  for (const args of [['list', '--json', ...nowhere], ['info', '00000000-0000-0000-0000-000000000000', ...nowhere]]) {
    const fast = await viaFastPath(args);
    assert.equal(fast, await viaYargs(args));
    assert.is(fast.code, 6, fast.stderr);
  }
});

test.run();
