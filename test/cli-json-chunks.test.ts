// `list --json` is written in pieces (module/common/json-chunks.ts); its bytes must be exactly those of
// the one-string document JSON.stringify(value, null, 2) it replaced, for any number of items, and a
// reader closing the pipe in the middle must end the CLI cleanly (README: exit code 0, no message).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHUNK_ITEMS, prettyArrayChunks, writePieces } from '../module/common/json-chunks.js';
import { PortableEngine } from '../module/engine/engine.js';
import { JobType } from '../module/api/enums.js';
import { CLI_JS, cliEnv, runCli } from './helpers/cli.js';

const whole = (items: unknown[], trailer = '') => Buffer.from(JSON.stringify(items, null, 2) + trailer);
const pieced = (items: unknown[], trailer = '', size?: number) => Buffer.concat([...prettyArrayChunks(items, trailer, size)]);

/** Items with what the pretty printer treats specially: nesting, non-ASCII, escapes, toJSON, undefined. */
function item(i: number): unknown {
  return {
    id: `job-${i}`, name: i % 3 === 0 ? `Grüße 📦 "${i}"\n\ttab\\` : `plain ${i}`, n: i, neg: -i / 7, nothing: null, skipped: undefined,
    nested: { list: [1, [], {}, [i, { deep: true }]], empty: {}, when: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) },
  };
}

test('pieces are the bytes of JSON.stringify(value, null, 2) for 0, 1, chunk-1, chunk, chunk+1 and many items', () => {
  for (const n of [0, 1, 2, CHUNK_ITEMS - 1, CHUNK_ITEMS, CHUNK_ITEMS + 1, 3 * CHUNK_ITEMS + 17]) {
    const items = Array.from({ length: n }, (_, i) => item(i));
    assert.ok(pieced(items, '\n').equals(whole(items, '\n')), `${n} items`);
    assert.ok(pieced(items).equals(whole(items)), `${n} items, no trailer`);
  }
});

test('any piece size gives the same bytes, with items that are not objects', () => {
  const items: unknown[] = [1, 'two', null, undefined, [3], { four: 4 }, true, 'ü', [], {}];
  for (let size = 1; size <= items.length + 1; size++) assert.ok(pieced(items, '\n', size).equals(whole(items, '\n')), `size ${size}`);
  assert.is([...prettyArrayChunks(items, '', 3)].length, 4); // 10 items in pieces of 3: really in pieces
});

test('writePieces writes every piece in order and rejects with the stream error', async () => {
  const { PassThrough, Writable } = await import('node:stream');
  const sink = new PassThrough({ highWaterMark: 4 }); // below a piece: every write waits for 'drain'
  const got: Buffer[] = [];
  sink.on('data', (c: Buffer) => got.push(c));
  const items = Array.from({ length: 40 }, (_, i) => item(i));
  await writePieces(sink, prettyArrayChunks(items, '\n', 3));
  assert.ok(Buffer.concat(got).equals(whole(items, '\n')));

  const broken = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) });
  let pulled = 0;
  const pieces = (function* () {
    for (const p of prettyArrayChunks(items, '\n', 3)) (pulled++, yield p);
  })();
  const e = await writePieces(broken, pieces).then(() => undefined, (x: NodeJS.ErrnoException) => x);
  assert.is(e?.code, 'EPIPE');
  assert.ok(pulled < 14, `stopped after the failing piece, not after all 14 (formatted ${pulled})`);
});

// The real CLI on a real store: enough jobs for several pieces and more than a pipe holds.
const stateDir = mkdtempSync('/tmp/bj2jc-');
const emptyDir = mkdtempSync('/tmp/bj2jc0-');
const oneDir = mkdtempSync('/tmp/bj2jc1-');
test.after(() => {
  for (const d of [stateDir, emptyDir, oneDir]) rmSync(d, { recursive: true, force: true });
});
const JOBS = 2 * CHUNK_ITEMS + 50;

test('setup: stores of 0, 1 and many jobs', async () => {
  const many = await PortableEngine.open({ stateDir, limits: { jobsPerUser: JOBS, jobsPerMachine: JOBS } }); // the CLI loads them all under its defaults
  for (let i = 0; i < JOBS; i++) await many.createJob(i % 5 === 0 ? `job ${i} «ünïcode» "quoted"` : `job ${i}`, JobType.DOWNLOAD);
  await many.close();
  const one = await PortableEngine.open({ stateDir: oneDir });
  await one.createJob('the only one', JobType.UPLOAD);
  await one.close();
  (await PortableEngine.open({ stateDir: emptyDir })).close();
});

test('list --json of 0, 1 and many jobs: the document re-printed in one piece is byte for byte what was written', async () => {
  for (const [dir, n] of [[emptyDir, 0], [oneDir, 1], [stateDir, JOBS]] as const) {
    const r = await runCli(['list', '--json', '--backend', 'portable'], { stateDir: dir });
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, '');
    const doc = JSON.parse(r.stdout) as unknown[];
    assert.is(doc.length, n);
    assert.is(r.stdout, JSON.stringify(doc, null, 2) + '\n', `${n} jobs`);
  }
});

test('a reader that closes the pipe in the middle of list --json: exit code 0, nothing on stderr', async () => {
  const child = spawn(process.execPath, [CLI_JS, 'list', '--json', '--backend', 'portable'], { env: cliEnv(stateDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let received = 0;
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stdout.once('data', (c: Buffer) => {
      received = c.length;
      child.stdout.destroy(); // like `| head -c 1000`: the read end goes away after the first bytes
      resolve();
    });
  });
  const code = await exit;
  const full = Buffer.byteLength((await runCli(['list', '--json', '--backend', 'portable'], { stateDir })).stdout);
  assert.ok(received < full, `the pipe was closed before the end (${received} of ${full} bytes)`);
  assert.is(code, 0, stderr);
  assert.is(stderr, '');
});

test.run();
