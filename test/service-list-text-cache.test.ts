// The service's `list --json` text with its per-job cache (module/service/list-text-cache.ts) is
// byte for byte the document the CLI's own path prints (prettyArrayChunks of the job documents, the
// function `list --json` uses): cold, warm, after a change of any one field of a job, after jobs
// left, empty, with more jobs than one chunk and with names that look like the printer's own lines.
import { writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobType } from '../module/api/enums.js';
import { jobDocument } from '../module/api/job-document.js';
import type { JobSnapshotWire } from '../module/api/types.js';
import { CHUNK_ITEMS, prettyArrayChunks } from '../module/common/json-chunks.js';
import { PortableEngine } from '../module/engine/engine.js';
import { ListTextCache, sameJson } from '../module/service/list-text-cache.js';
import { makeTmpDir } from './helpers/tmp.js';

const text = (pieces: Iterable<Buffer>) => Buffer.concat([...pieces]).toString('utf8');
const expected = (snaps: JobSnapshotWire[]) => text(prettyArrayChunks(snaps.map(jobDocument), '\n'));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Real snapshots of a few varied jobs (one with an error), copied under new ids to more than two chunks' worth. */
async function snapshots(): Promise<JobSnapshotWire[]> {
  const dir = await makeTmpDir('bj2-ltc-');
  const engine = await PortableEngine.open({ stateDir: dir.path });
  try {
    const names = ['plain', 'quote " and backslash \\', 'lines\n  },\n  {\n', 'ünïcødé ✓ 🚀', '  },'];
    for (const [i, name] of names.entries()) {
      const id = await engine.createJob(name, i % 2 ? JobType.UPLOAD_REPLY : JobType.DOWNLOAD);
      await engine.setProperty(id, 'description', `job ${i}\n  }`);
      await engine.setProperty(id, 'priority', i % 2 ? JobPriority.LOW : JobPriority.FOREGROUND);
      writeFileSync(dir.file(`f${i}.bin`), 'x'); // an upload's local file must exist
      await engine.addFiles(id, [{ remoteName: `http://127.0.0.1:9/f${i}.bin`, localName: dir.file(`f${i}.bin`) }]);
    }
    const real = await engine.listJobs();
    // One with an error and a retry time, as a failed job has them: every field has a value somewhere.
    real[0] = { ...real[0]!, error: { hresult: -2145844844, hresultHex: '0x80190194', name: 'BG_E_HTTP_ERROR_404', context: 5, contextName: 'REMOTE_FILE', message: 'Not found', contextDescription: 'remote', protocol: 'http', file: { remoteName: 'http://h/x', localName: '/tmp/x' } }, nextRetryTime: '2026-12-04T10:00:00.000Z' } as JobSnapshotWire;
    return Array.from({ length: 2 * CHUNK_ITEMS + 7 }, (_, i) => ({ ...clone(real[i % real.length]!), id: `{00000000-0000-0000-0000-${String(i).padStart(12, '0')}}` }));
  } finally {
    await engine.close();
    await dir.cleanup();
  }
}

/** Every path to a leaf of a JSON value (an object's key, an array's index). */
function leafPaths(v: unknown, path: string[] = []): string[][] {
  if (typeof v !== 'object' || v === null || Object.keys(v).length === 0) return [path];
  return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...path, k]));
}

function withLeaf(s: JobSnapshotWire, path: string[], value: unknown): JobSnapshotWire {
  const copy = clone(s) as unknown as Record<string, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[path[path.length - 1]!] = value;
  return copy as unknown as JobSnapshotWire;
}

test('cold, warm, jobs gone, empty: always the document prettyArrayChunks makes', async () => {
  const snaps = await snapshots();
  const cache = new ListTextCache();
  try {
    assert.is(text(cache.pieces(snaps)), expected(snaps), 'cold');
    assert.is(cache.formattedLast, snaps.length);
    const again = snaps.map(clone); // a listing makes fresh snapshots
    assert.is(text(cache.pieces(again)), expected(again), 'warm');
    assert.is(cache.formattedLast, 0, 'nothing formatted again when nothing changed');

    const fewer = again.filter((_, i) => i % 3 !== 0).reverse();
    assert.is(text(cache.pieces(fewer)), expected(fewer), 'jobs gone, order changed');
    assert.is(cache.formattedLast, 0);
    assert.is(text(cache.pieces(snaps)), expected(snaps), 'the jobs that were gone are back');
    assert.is(cache.formattedLast, snaps.length - fewer.length, 'their entries were dropped when they were missing');

    assert.is(text(cache.pieces([])), '[]\n', 'empty');
    // Not snapshots: an error before any text (the service answers it as an error reply).
    for (const bad of [{ length: 2 }, null, [null], [{ id: 'x' }]]) assert.throws(() => cache.pieces(bad), undefined, JSON.stringify(bad));
    assert.is(text(cache.pieces(snaps.slice(0, 1))), expected(snaps.slice(0, 1)), 'one job');
  } finally {
    cache.clear();
  }
});

test('a change of any one field of a snapshot is formatted again, and only that job', async () => {
  const snaps = (await snapshots()).slice(0, CHUNK_ITEMS + 6);
  const cache = new ListTextCache();
  try {
    text(cache.pieces(snaps));
    const at = CHUNK_ITEMS + 4; // in the second chunk: a copy of the job with the error
    const paths = leafPaths(snaps[at]!).filter((p) => p[0] !== 'id');
    assert.ok(paths.length >= 30, `${paths.length} leaves`);
    for (const path of paths) {
      const old = path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], snaps[at]);
      const changed = snaps.map((s, i) => (i === at ? withLeaf(s, path, typeof old === 'number' ? old + 1 : old === null ? 'x' : `${String(old)}!`) : s));
      assert.is(text(cache.pieces(changed)), expected(changed), path.join('.'));
      assert.is(cache.formattedLast, 1, `${path.join('.')}: only the changed job`);
      text(cache.pieces(snaps));
    }
  } finally {
    cache.clear();
  }
});

test('a cache not used for its idle time is dropped', async () => {
  const snaps = (await snapshots()).slice(0, 3);
  const cache = new ListTextCache(20);
  text(cache.pieces(snaps));
  await new Promise((r) => setTimeout(r, 60));
  assert.is(text(cache.pieces(snaps)), expected(snaps));
  assert.is(cache.formattedLast, 3, 'formatted again after the idle time');
  cache.clear();
});

test('sameJson: equal values, whatever the objects', () => {
  assert.ok(sameJson({ a: 1, b: [1, { c: null }] }, { a: 1, b: [1, { c: null }] }));
  assert.not.ok(sameJson({ a: [1] }, { a: { 0: 1 } }));
  assert.not.ok(sameJson({ a: null }, { a: {} }));
  assert.not.ok(sameJson({ a: 1 }, { a: 1, b: 2 }));
  assert.not.ok(sameJson({ a: 1, b: 2 }, { a: 1 }));
  assert.not.ok(sameJson({ a: 1, b: undefined }, { a: 1, c: undefined }), 'a key of one missing in the other');
  assert.not.ok(sameJson({ a: NaN }, { a: NaN }), 'NaN counts as changed');
  assert.not.ok(sameJson({ a: '1' }, { a: 1 }));
  assert.not.ok(sameJson([1, 2], [1, 2, 3]));
});

test.run();
