// A damaged store (jobs.sqlite) must not keep the service from starting: it starts, says in its log
// what it could not read (the damaged file is moved aside as jobs.sqlite.corrupt-<time>), keeps every
// job it could read intact, and goes on working (new jobs, a clean second start).
import { existsSync, readdirSync, readFileSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobType } from '../../module/api/enums.js';
import { ServiceClient } from '../../module/service/client.js';
import { isAlive, readLockPid, waitFor, withService, type ServiceCtx } from '../helpers/service.js';
import { iterations, seededRng } from './support.js';

const JOBS = 50;
const rng = seededRng('store-corruption');

interface Original { name: string; description: string; remote: string; local: string }

/** Creates JOBS suspended jobs with long descriptions (so the file spans many pages), then stops the service cleanly (WAL checkpointed). */
async function populate(svc: ServiceCtx): Promise<Map<string, Original>> {
  const c = await ServiceClient.connect({ stateDir: svc.stateDir });
  svc.track(readLockPid(svc.stateDir)!);
  const originals = new Map<string, Original>();
  for (let i = 0; i < JOBS; i++) {
    const o = { name: `job ${i}`, description: `d${i} `.repeat(200), remote: `http://127.0.0.1:9/file-${i}.bin`, local: join(svc.stateDir, `out-${i}.bin`) };
    const id = await c.createJob(o.name, JobType.DOWNLOAD);
    await c.setProperty(id, 'description', o.description);
    await c.addFiles(id, [{ remoteName: o.remote, localName: o.local }]);
    originals.set(id, o);
  }
  await stop(svc, c);
  return originals;
}

async function stop(svc: ServiceCtx, c: ServiceClient): Promise<void> {
  const pid = readLockPid(svc.stateDir)!;
  await c.shutdown();
  await c.close();
  await waitFor(() => !isAlive(pid), 15_000, 'the service to stop');
}

/** Starts the service on the (damaged) store; checks that every job it lists is intact and that it still works. */
async function restartAndCheck(svc: ServiceCtx, originals: Map<string, Original>): Promise<{ listed: number; log: string }> {
  const c = await ServiceClient.connect({ stateDir: svc.stateDir });
  svc.track(readLockPid(svc.stateDir)!);
  const jobs = await c.listJobs();
  for (const j of jobs) {
    const o = originals.get(j.id);
    assert.ok(o, `an unknown job ${j.id} appeared`);
    assert.is(j.displayName, o!.name);
    const d = await c.describeJob(j.id);
    assert.is(d.description, o!.description, `${o!.name}: description intact`);
    const files = await c.listFiles(j.id);
    if (files.length) assert.equal([files[0]!.remoteName, files[0]!.localName], [o!.remote, o!.local], `${o!.name}: file intact`);
  }
  // Still works: a new job is stored and listed.
  const fresh = await c.createJob('after the damage', JobType.DOWNLOAD);
  assert.ok((await c.listJobs()).some((j) => j.id === fresh));
  await c.cancel(fresh);
  await stop(svc, c);
  assert.not.ok(readdirSync(svc.stateDir).some((f) => f.includes('.salvage')), 'the working copy of the salvage is removed');
  return { listed: jobs.length, log: readFileSync(svc.logPath, 'utf8') };
}

function corruptFiles(stateDir: string): string[] {
  return readdirSync(stateDir).filter((f) => f.startsWith('jobs.sqlite.corrupt-') && !f.endsWith('-wal') && !f.endsWith('-shm'));
}

/** A second start on the recovered store finds nothing wrong and the same jobs. */
async function secondStartIsClean(svc: ServiceCtx, listedBefore: number): Promise<void> {
  const before = readFileSync(svc.logPath, 'utf8').length;
  const c = await ServiceClient.connect({ stateDir: svc.stateDir });
  svc.track(readLockPid(svc.stateDir)!);
  assert.is((await c.listJobs()).length, listedBefore, 'the same jobs after another restart');
  await stop(svc, c);
  assert.not.match(readFileSync(svc.logPath, 'utf8').slice(before), /store:/, 'no damage reported on the recovered store');
}

/** The damage line of the log says how many jobs were recovered; each one the engine then could not read is logged too. */
function checkDamageReport(log: string, listed: number): number {
  const m = /store: the store file jobs\.sqlite is damaged \(.+\): moved aside to .+jobs\.sqlite\.corrupt-\S+; (\d+) job\(s\) recovered/.exec(log);
  assert.ok(m, `the log reports the damage:\n${log}`);
  const recovered = Number(m![1]);
  const unreadable = (log.match(/store: could not read job /g) ?? []).length;
  // A row rebuilt from a damaged page may be readable yet not this user's job (garbage in its owner
  // column): it is kept but not listed, hence ≤ rather than =.
  assert.ok(listed + unreadable <= recovered, `${listed} listed + ${unreadable} unreadable ≤ ${recovered} recovered`);
  return recovered;
}

test('a truncated store file: the service starts, logs the damage, keeps what it read', async () => {
  for (let round = 0; round < iterations(3, 15); round++) {
    await withService(async (svc) => {
      const originals = await populate(svc);
      const path = join(svc.stateDir, 'jobs.sqlite');
      const size = statSync(path).size;
      const cut = rng.int(Math.floor(size * 0.2), size - 4097); // at least one whole page lost
      truncateSync(path, cut);
      const { listed, log } = await restartAndCheck(svc, originals);
      if (log.includes('store: the store file')) {
        checkDamageReport(log, listed);
        assert.is(corruptFiles(svc.stateDir).length, 1, 'the damaged file is kept for inspection');
      } else {
        assert.is(listed, JOBS, 'no damage reported, so nothing may be missing'); // the cut only took free pages
      }
      await secondStartIsClean(svc, listed);
      console.log(`    truncated ${size} → ${cut} bytes: ${listed} of ${JOBS} jobs kept`);
    });
  }
});

test('garbage over pages in the middle of the store file: the readable jobs are kept', async () => {
  for (let round = 0; round < iterations(3, 15); round++) {
    await withService(async (svc) => {
      const originals = await populate(svc);
      const path = join(svc.stateDir, 'jobs.sqlite');
      const bytes = readFileSync(path);
      const pages = bytes.length / 4096;
      const first = rng.int(2, pages - 2);
      rng.bytes(4096).copy(bytes, first * 4096);
      writeFileSync(path, bytes);
      const { listed, log } = await restartAndCheck(svc, originals);
      checkDamageReport(log, listed);
      assert.ok(listed > 0, 'the jobs outside the damaged page are kept');
      await secondStartIsClean(svc, listed);
      console.log(`    page ${first} of ${pages} overwritten: ${listed} of ${JOBS} jobs recovered`);
    });
  }
});

test('a store file that is not a database at all: the service starts with an empty store and says so', async () => {
  await withService(async (svc) => {
    const originals = await populate(svc);
    const path = join(svc.stateDir, 'jobs.sqlite');
    const bytes = readFileSync(path);
    bytes.fill(0x41, 0, 100); // the header
    writeFileSync(path, bytes);
    const { listed, log } = await restartAndCheck(svc, originals);
    assert.is(listed, 0);
    assert.match(log, /store: the store file jobs\.sqlite is damaged \(file is not a database\)/);
    assert.is(checkDamageReport(log, listed), 0);
  });
});

test('a row the engine cannot read: reported by job id, every other job kept', async () => {
  await withService(async (svc) => {
    const originals = await populate(svc);
    const [badId] = [...originals.keys()].slice(rng.int(0, JOBS - 1));
    const db = new Database(join(svc.stateDir, 'jobs.sqlite'));
    db.prepare("UPDATE jobs SET error_json = '{not json' WHERE id = ?").run(badId);
    db.close();
    const { listed, log } = await restartAndCheck(svc, originals);
    assert.is(listed, JOBS - 1);
    assert.match(log, new RegExp(`store: could not read job ${badId}: `));
    assert.is(corruptFiles(svc.stateDir).length, 0, 'a healthy file is not moved aside');
  });
});

test('kill -9 then a torn write-ahead log: the service starts and keeps the committed jobs', async () => {
  await withService(async (svc) => {
    const c = await ServiceClient.connect({ stateDir: svc.stateDir });
    const pid = readLockPid(svc.stateDir)!;
    svc.track(pid);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await c.createJob(`wal ${i}`, JobType.UPLOAD));
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 5000, 'the service to die');
    await c.close();
    const wal = join(svc.stateDir, 'jobs.sqlite-wal');
    assert.ok(existsSync(wal), 'the WAL holds the commits');
    const size = statSync(wal).size;
    truncateSync(wal, rng.int(1, size - 1));
    const again = await ServiceClient.connect({ stateDir: svc.stateDir });
    svc.track(readLockPid(svc.stateDir)!);
    const listed = (await again.listJobs()).map((j) => j.id);
    // Commits are appended in order, so the ones kept are a prefix of the creations.
    assert.equal(listed.sort(), ids.slice(0, listed.length).sort(), 'a prefix of the creations survives');
    assert.ok(await again.createJob('after', JobType.DOWNLOAD));
    console.log(`    WAL torn at a random byte of ${size}: ${listed.length} of 20 jobs kept`);
    await again.close();
  });
});

test.run();
