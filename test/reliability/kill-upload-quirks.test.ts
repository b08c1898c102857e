// kill -9 of the service at random (seeded) moments of uploads to the two servers issue 13 names:
// one that reports its received range only in the misspelled BITS-Recieved-Content-Range, and one
// that reports no range at all. Both answer 416 to any fragment that does not start exactly at
// their next byte and keep the bytes of a fragment cut off mid-body — so after every kill the
// server holds more than the client recorded, the case that used to leave the job in
// TRANSIENT_ERROR for ever. Every upload must end TRANSFERRED, published byte-exact and once, within
// a bounded time after the last kill.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobState, JobType } from '../../module/api/enums.js';
import { ServiceClient } from '../../module/service/client.js';
import { stateOf } from '../helpers/assert-bits.js';
import { contentOf } from '../helpers/fault-server.js';
import { startQuirksServer, type Quirks } from '../helpers/quirks-server.js';
import { withService } from '../helpers/service.js';
import { iterations, killServiceAndReconnect, seededRng } from './support.js';

const ROUNDS = iterations(3, 12);
/** Uploads at once per round: several are cut at different points by the same kill. */
const JOBS = 3;
const MiB = 1024 * 1024;
/** Server read pace per connection: a 6–14 MiB file takes 3–7 s, so kills land mid-upload. */
const PACE = 2 * MiB;
/** After the last kill every upload finishes within this (one engine retry delay of 5 s at most, plus the transfer). */
const SETTLE_MS = 60_000;

const FIXTURES: Array<{ name: string; quirks: Quirks }> = [
  { name: 'range only in BITS-Recieved-Content-Range', quirks: { misspelledRange: true, strict416: true, keepPartial: true, bytesPerSecond: PACE } },
  { name: 'no range at all', quirks: { noRange: true, strict416: true, keepPartial: true, bytesPerSecond: PACE } },
];

for (const fx of FIXTURES) {
  test(`kill -9 at random moments, ${ROUNDS} rounds × ${JOBS} uploads, server with ${fx.name}: TRANSFERRED, byte-exact, once, bounded`, async () => {
    const rng = seededRng(`kill-upload-quirks (${fx.name})`);
    const dir = mkdtempSync(join(tmpdir(), 'bj2-kill-quirks-'));
    const server = await startQuirksServer(fx.quirks);
    let kills = 0;
    let slowest = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        await withService(async (svc) => {
          let client = await ServiceClient.connect({ stateDir: svc.stateDir });
          const plan: Array<{ id: string; path: string; data: Buffer }> = [];
          for (let i = 0; i < JOBS; i++) {
            const data = contentOf(`${rng.seed}:${round}:${i}`, rng.int(6 * MiB, 14 * MiB));
            const local = join(dir, `r${round}-${i}.bin`);
            writeFileSync(local, data);
            const path = `/up/r${round}-${i}.bin`;
            const id = await client.createJob(path, JobType.UPLOAD);
            await client.setProperty(id, 'priority', JobPriority.FOREGROUND);
            await client.setProperty(id, 'minimumRetryDelay', 5);
            await client.addFiles(id, [{ remoteName: server.url(path), localName: local }]);
            await client.resume(id);
            plan.push({ id, path, data });
          }
          const roundKills = rng.int(2, 4);
          for (let k = 0; k < roundKills; k++) {
            await new Promise((r) => setTimeout(r, rng.int(300, 1500)));
            client = await killServiceAndReconnect(svc, client);
            kills++;
          }
          const settleStart = Date.now();
          const pending = new Set(plan.map((p) => p.id));
          while (pending.size > 0) {
            for (const id of [...pending]) {
              const s = await client.describeJob(id);
              if (s.state === JobState.TRANSFERRED) pending.delete(id);
              else if (s.state === JobState.ERROR || s.state === JobState.CANCELLED) assert.unreachable(`job ${id} ended in ${stateOf(s)} ${JSON.stringify(s.error)}`);
            }
            if (Date.now() - settleStart > SETTLE_MS) {
              const states = await Promise.all([...pending].map(async (id) => { const s = await client.describeJob(id); return `${stateOf(s)} ${JSON.stringify(s.error)}`; }));
              assert.unreachable(`round ${round}: ${pending.size} uploads never finished: ${states.join('; ')}`);
            }
            await new Promise((r) => setTimeout(r, 100));
          }
          slowest = Math.max(slowest, Date.now() - settleStart);
          for (const p of plan) {
            await client.complete(p.id);
            const published = server.files.get(p.path);
            assert.ok(published?.equals(p.data), `${p.path}: published byte-exact`);
            assert.is(server.publications.get(p.path), 1, `${p.path}: published once`);
          }
          await client.close();
        });
      }
      // The kills did what the test is about: the server was ahead of the client and said so with a 416.
      const refused = server.requests.filter((r) => r.status === 416).length;
      const sessions = server.issuedIds.length;
      assert.ok(refused > 0, 'resumed fragments inside what the server held were answered 416');
      console.log(`    ${fx.name}: ${ROUNDS} rounds, ${kills} SIGKILLs, ${ROUNDS * JOBS} uploads byte-exact; ${refused} answers 416, ${sessions} sessions; slowest finish after the last kill ${(slowest / 1000).toFixed(1)} s`);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
