// SIGKILL of the service right after a reply, while more changes are in flight (issue 16: the store
// groups the writes of many calls into one commit, store-commit.ts). Each round fires a burst of
// pipelined changes — new jobs, new descriptions, cancels — and kills the service from inside the
// handler of a random reply. After the restart every change that was answered is there; a change
// that was not answered is either there or not, never half (a job exists with its description, or
// not at all).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BitsError } from '../../module/api/bits-error.js';
import { JobState, JobType } from '../../module/api/enums.js';
import { ServiceClient } from '../../module/service/client.js';
import { isAlive, readLockPid, waitFor, withService } from '../helpers/service.js';
import { iterations, seededRng } from './support.js';

const ROUNDS = iterations(5, 30);
const CREATES_PER_ROUND = 8;
const CANCELS_PER_ROUND = 2;
/** Jobs kept from round to round (the per-user limit is 60). */
const KEEP = 24;

/** The job as the restarted service has it, or null when it is gone (never created, or cancelled). */
async function stored(c: ServiceClient, id: string): Promise<{ description: string; state: number } | null> {
  try {
    const j = await c.getJob(id);
    return { description: j.description, state: j.state };
  } catch (e) {
    if (e instanceof BitsError && e.code === 'BG_E_NOT_FOUND') return null;
    throw e;
  }
}

test(`SIGKILL right after a reply, ${ROUNDS} rounds of pipelined changes: every answered change survives`, async () => {
  const rng = seededRng('kill-after-reply');
  await withService(async (svc) => {
    let c = await ServiceClient.connect({ stateDir: svc.stateDir });
    /** Jobs known to exist, with the description last answered. */
    const live = new Map<string, string>();
    let answeredTotal = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const pid = readLockPid(svc.stateDir)!;
      svc.track(pid);
      const description = `round ${round}`;
      const ids = [...live.keys()];
      const cancels = new Set<string>();
      while (cancels.size < Math.min(CANCELS_PER_ROUND, ids.length)) cancels.add(rng.pick(ids));
      const described = ids.filter((id) => !cancels.has(id));
      const total = CREATES_PER_ROUND + described.length + cancels.size;
      const killAt = rng.int(1, total);
      let replies = 0;
      const replied = () => {
        if (++replies === killAt) process.kill(pid, 'SIGKILL'); // in the reply's own handler
      };
      const created: string[] = [];
      const answeredDescription = new Set<string>();
      const answeredCancel = new Set<string>();
      await Promise.allSettled([
        ...Array.from({ length: CREATES_PER_ROUND }, (_, i) => c.createJob(`r${round} j${i}`, JobType.DOWNLOAD).then((id) => {
          created.push(id);
          replied();
        })),
        ...described.map((id) => c.setProperty(id, 'description', description).then(() => {
          answeredDescription.add(id);
          replied();
        })),
        ...[...cancels].map((id) => c.cancel(id).then(() => {
          answeredCancel.add(id);
          replied();
        })),
      ]);
      answeredTotal += replies;
      await waitFor(() => !isAlive(pid), 5000, 'the killed service to die');
      await c.close();
      c = await ServiceClient.connect({ stateDir: svc.stateDir }); // a new service on the same store
      svc.track(readLockPid(svc.stateDir)!);

      const where = `round ${round} (kill after reply ${killAt} of ${total}, seed ${rng.seed})`;
      for (const id of created) {
        const j = await stored(c, id);
        assert.ok(j, `${where}: job ${id} was answered by createJob but is gone`);
        live.set(id, '');
      }
      for (const id of described) {
        const j = await stored(c, id);
        assert.ok(j, `${where}: job ${id} is gone though nobody cancelled it`);
        if (answeredDescription.has(id)) assert.is(j.description, description, `${where}: the answered description of ${id}`);
        else assert.ok([description, live.get(id)].includes(j.description), `${where}: ${id} has "${j.description}", neither the old nor the new description`);
        live.set(id, j.description);
      }
      for (const id of cancels) {
        const j = await stored(c, id);
        if (answeredCancel.has(id)) assert.is(j, null, `${where}: job ${id} was answered as cancelled but is back`);
        if (j === null) live.delete(id);
        else assert.is.not(j.state, JobState.CANCELLED);
      }
      // Jobs created without an answer may exist; they and the oldest ones go, so the limit is never reached.
      for (const j of await c.listJobs()) {
        if (!live.has(j.id) || live.size > KEEP) {
          await c.cancel(j.id);
          live.delete(j.id);
        }
      }
    }
    assert.ok(answeredTotal >= ROUNDS, 'every round got replies before its kill');
    await c.close();
  });
});

test.run();
