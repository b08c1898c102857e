// Group commit of the job store (module/engine/store-commit.ts), on the real SQLite file of a real
// engine: the writes of one event-loop turn are one all-or-nothing commit that another connection
// sees only as a whole; an answer of the engine comes only after its change is committed; and a
// store on a full disk reports ERROR_DISK_FULL to the caller and writes the change once there is room.
// (That the commit is synced before a reply leaves the service is checked on the system calls in
// store-commit-order.test.ts; SIGKILLs right after replies in test/reliability/kill-after-reply.test.ts.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BitsError } from '../module/api/bits-error.js';
import { JobState, JobType } from '../module/api/enums.js';
import { storePath } from '../module/common/paths.js';
import { PortableEngine } from '../module/engine/engine.js';
import { JobStore } from '../module/engine/store.js';
import { waitFor } from './helpers/service.js';

const ERROR_DISK_FULL = 0x80070070;

/** Jobs as another connection to the file sees them (what a crash now would leave). */
const committed = (stateDir: string) => JobStore.readOnly(storePath(stateDir)).jobs;

test('the writes of one turn are one commit: another connection sees none of them, then all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-group-'));
  const engine = await PortableEngine.open({ stateDir: dir });
  try {
    const calls = Array.from({ length: 40 }, (_, i) => engine.createJob(`batch ${i}`, JobType.DOWNLOAD));
    assert.is(committed(dir).length, 0, 'nothing is committed within the turn that wrote it');
    const ids = await Promise.all(calls);
    const seen = committed(dir);
    assert.is(seen.length, 40, 'every answered createJob is in the file');
    assert.equal(new Set(seen.map((j) => j.id)), new Set(ids));

    // A later turn's changes join the file the same way, as a whole.
    const described = ids.map((id, i) => engine.setProperty(id, 'description', `second ${i}`));
    assert.ok(committed(dir).every((j) => j.description === ''), 'the second batch is not half visible');
    await Promise.all(described);
    assert.ok(committed(dir).every((j) => j.description.startsWith('second ')), 'then all of it');
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an answer waits for its commit: each awaited change is in the file when the call returns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-group-'));
  const engine = await PortableEngine.open({ stateDir: dir });
  try {
    const id = await engine.createJob('one by one', JobType.DOWNLOAD);
    for (let i = 0; i < 20; i++) {
      await engine.setProperty(id, 'description', `step ${i}`);
      assert.is(committed(dir).find((j) => j.id === id)?.description, `step ${i}`);
    }
    await engine.cancel(id);
    assert.is(committed(dir).find((j) => j.id === id)?.state, JobState.CANCELLED, 'Cancel returns once CANCELLED is committed');
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('store on a full disk: the call fails with ERROR_DISK_FULL saying what to do; the change is written once there is room', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-group-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', dir]);
  const lines: string[] = [];
  let engine: PortableEngine | undefined;
  try {
    engine = await PortableEngine.open({ stateDir: dir, log: (l) => lines.push(l) });
    const kept = await engine.createJob('before the disk filled', JobType.DOWNLOAD);
    const filler = join(dir, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024)); // more than the disk: fills it
    } catch (e) {
      assert.is((e as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    const failure = await engine.createJob('while the disk is full', JobType.DOWNLOAD).then(() => 'answered', (err: unknown) => err);
    assert.instance(failure, BitsError);
    const e = failure as BitsError;
    assert.is(e.hresult, ERROR_DISK_FULL, e.message);
    assert.match(e.message, /job store .* could not be written/);
    assert.match(e.message, /Free disk space/);
    assert.ok(lines.some((l) => /store: .*could not be written/.test(l)), 'the failure is logged');
    assert.is(committed(dir).length, 1, 'only the job of before is in the file');

    rmSync(filler);
    // Nobody writes: the store retries on its own.
    await waitFor(() => committed(dir).length === 2, 10_000, 'the failed batch to be written again');
    const names = committed(dir).map((j) => j.displayName).sort();
    assert.equal(names, ['before the disk filled', 'while the disk is full']);
    await waitFor(() => lines.includes('store: writes are durable again'), 10_000, 'the recovery to be logged (after its sync)');
    assert.ok(await engine.getJob(kept));
    await engine.close();
    engine = undefined;
    const reopened = await PortableEngine.open({ stateDir: dir });
    assert.is((await reopened.listJobs()).length, 2, 'both jobs survive a restart');
    await reopened.close();
  } finally {
    await engine?.close().catch(() => {});
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
