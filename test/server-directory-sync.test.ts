// The directory fsync after a publish is shared by the publishes into one directory at the same
// time (module/server/directory-sync.ts, group commit): every caller gets an fsync that started
// after its call, and callers that come while one runs share the next one. The fsyncs are counted
// by wrapping node:fs's fsync (syncBuiltinESMExports makes the module's import see the wrapper).
import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syncDirectory } from '../module/server/directory-sync.js';
import { makeTmpDir } from './helpers/tmp.js';

const tmp = await makeTmpDir('bits-directory-sync');
const dir = tmp.file('uploads');
await mkdir(dir);
const realFsync = fs.fsync;
let started = 0;
let finished = 0;
(fs as { fsync: typeof fs.fsync }).fsync = ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
  started++;
  realFsync(fd, (e) => {
    finished++;
    cb(e);
  });
}) as typeof fs.fsync;
syncBuiltinESMExports();
test.after(async () => {
  (fs as { fsync: typeof fs.fsync }).fsync = realFsync;
  syncBuiltinESMExports();
  await tmp.cleanup();
});

test('40 publishes at once: the first gets an fsync of its own, the 39 that came while it ran share the next one', async () => {
  started = finished = 0;
  const firstDone = syncDirectory(dir).then(() => finished);
  const others = Array.from({ length: 39 }, () => syncDirectory(dir).then(() => finished));
  assert.is(await firstDone, 1);
  // Each of the others resolved only after an fsync that began after its call, i.e. the second.
  for (const seen of await Promise.all(others)) assert.is(seen, 2);
  assert.is(started, 2);
  // Nothing running any more: the next caller starts a fresh one at once.
  await syncDirectory(dir);
  assert.is(started, 3);
});

test('a directory that cannot be opened fails every caller of its round with the error, and other directories go on', async () => {
  started = 0;
  const gone = tmp.file('missing');
  const results = await Promise.allSettled([syncDirectory(gone), syncDirectory(gone), syncDirectory(dir)]);
  for (const r of results.slice(0, 2)) {
    assert.is(r.status, 'rejected');
    assert.is(((r as PromiseRejectedResult).reason as NodeJS.ErrnoException).code, 'ENOENT');
  }
  assert.is(results[2]!.status, 'fulfilled');
  assert.is(started, 1);
});

test.run();
