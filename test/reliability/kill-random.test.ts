// SIGKILL of the service at random moments (seeded) across a mix of 20 download, upload and
// upload-reply jobs, several rounds: after the kills the next client restarts the service and every
// job still ends byte-exact (sha256 of the downloaded and the published files), every upload is
// published exactly once by our BITS server, and every reply arrives (the server application answers
// with the sha256 of what it received, so a reply also proves the bytes).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobState, JobType } from '../../module/api/enums.js';
import { startBitsServer } from '../../module/server/index.js';
import { ServiceClient } from '../../module/service/client.js';
import { startThrottleProxy } from '../../scripts/demo-throttle.js';
import { stateOf } from '../helpers/assert-bits.js';
import { contentOf } from '../helpers/fault-server.js';
import { startNginx } from '../helpers/nginx.js';
import { withService } from '../helpers/service.js';
import { sha256, sha256File } from '../helpers/tmp.js';
import { iterations, killServiceAndReconnect, seededRng } from './support.js';

const ROUNDS = iterations(5, 20);
const JOBS = 20;
/** Per-connection pace (nginx limit_rate for downloads, the throttle proxy for uploads): a 3 MiB file takes ~3 s, so kills land mid-transfer. */
const RATE = 1024 * 1024;

interface Planned {
  kind: 'download' | 'upload' | 'reply';
  name: string;
  size: number;
  digest: string;
  id?: string;
}

test(`SIGKILL at random moments, ${ROUNDS} rounds of ${JOBS} mixed jobs: byte-exact, published once, no reply lost`, async () => {
  const rng = seededRng('kill-random');
  const dir = mkdtempSync(join(tmpdir(), 'bj2-rel-kill-'));
  const www = join(dir, 'www');
  const root = join(dir, 'root');
  const dest = join(dir, 'dest');
  const src = join(dir, 'src');
  for (const d of [www, root, dest, src]) mkdirSync(d);
  const published = new Map<string, number>(); // destination path → publications
  const notified = new Map<string, number>(); // upload URL path → server-application calls
  const serverLog: string[] = []; // every line, for the report of a job that never finished
  const server = await startBitsServer({
    root,
    log: (line) => {
      serverLog.push(`${new Date().toISOString()} ${line}`);
      const m = /closed: published (.+)$/.exec(line);
      if (m) published.set(m[1]!, (published.get(m[1]!) ?? 0) + 1);
    },
    replyHandler: ({ uploadPath, remoteUrl }) => {
      const key = new URL(remoteUrl).pathname;
      notified.set(key, (notified.get(key) ?? 0) + 1);
      return { reply: createHash('sha256').update(readFileSync(uploadPath)).digest('hex'), copyToDestination: true };
    },
  });
  const proxy = await startThrottleProxy(server.port, RATE);
  const nginx = await startNginx({ root: www, extraConfig: `limit_rate ${RATE};` });
  let kills = 0;
  let verified = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      await withService(async (svc) => {
        const plan: Planned[] = [];
        for (let i = 0; i < JOBS; i++) {
          const kind = rng.pick(['download', 'upload', 'reply'] as const);
          const size = rng.int(1, 3 * 1024 * 1024);
          const name = `r${round}-${kind}-${i}.bin`;
          const data = contentOf(`${rng.seed}:${name}`, size);
          writeFileSync(join(kind === 'download' ? www : src, name), data);
          plan.push({ kind, name, size, digest: sha256(data) });
        }
        let client = await ServiceClient.connect({ stateDir: svc.stateDir });
        for (const p of plan) {
          const type = p.kind === 'download' ? JobType.DOWNLOAD : p.kind === 'upload' ? JobType.UPLOAD : JobType.UPLOAD_REPLY;
          p.id = await client.createJob(p.name, type);
          // FOREGROUND jobs all transfer at once, so a kill interrupts many of them in different phases.
          await client.setProperty(p.id, 'priority', rng.next() < 0.8 ? JobPriority.FOREGROUND : JobPriority.NORMAL);
          await client.setProperty(p.id, 'minimumRetryDelay', 5);
          const file = p.kind === 'download'
            ? { remoteName: `${nginx.url}/${p.name}`, localName: join(dest, p.name) }
            : { remoteName: `http://127.0.0.1:${proxy.port}/${p.name}`, localName: join(src, p.name) };
          await client.addFiles(p.id, [file]);
          await client.resume(p.id);
        }
        const roundKills = rng.int(2, 4);
        for (let k = 0; k < roundKills; k++) {
          await new Promise((r) => setTimeout(r, rng.int(100, 2500)));
          client = await killServiceAndReconnect(svc, client);
          kills++;
        }
        // Everything finishes after the last kill (TRANSIENT_ERROR is allowed on the way: a connection cut by the kill).
        const pending = new Set(plan.map((p) => p.id!));
        const deadline = Date.now() + 180_000;
        while (pending.size > 0) {
          for (const id of [...pending]) {
            const s = await client.describeJob(id);
            if (s.state === JobState.TRANSFERRED) pending.delete(id);
            else if (s.state === JobState.ERROR || s.state === JobState.CANCELLED) {
              assert.unreachable(`job ${id} ended in ${stateOf(s)} ${JSON.stringify(s.error)}`);
            }
          }
          if (Date.now() > deadline) {
            const stuck = await Promise.all([...pending].map(async (id) => {
              const s = await client.describeJob(id);
              const p = plan.find((q) => q.id === id)!;
              const lines = p.kind === 'download' ? [] : serverLog.filter((l) => l.includes(p.name)).slice(-12);
              return `${p.name} ${stateOf(s)} ${s.progress.bytesTransferred}/${p.size} error=${JSON.stringify(s.error)} retry=${s.nextRetryTime}${lines.map((l) => `\n      server: ${l}`).join('')}`;
            }));
            assert.unreachable(`round ${round}: ${pending.size} jobs never finished: ${stuck.join('\n    ')}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        for (const p of plan) {
          if (p.kind === 'reply') {
            const reply = Buffer.from(await client.getReplyData(p.id!), 'base64').toString();
            assert.is(reply, p.digest, `${p.name}: the reply names the bytes the server received`);
          }
          const replyFile = p.kind === 'reply' ? await client.getReplyFileName(p.id!) : null;
          await client.complete(p.id!);
          if (p.kind === 'download') {
            assert.is(await sha256File(join(dest, p.name)), p.digest, `${p.name}: downloaded byte-exact`);
          } else {
            const target = join(root, p.name);
            assert.is(await sha256File(target), p.digest, `${p.name}: published byte-exact`);
            assert.is(published.get(target), 1, `${p.name}: published once`);
            if (p.kind === 'reply') {
              // Once: a second notification would mean the upload was delivered twice.
              assert.is(notified.get(`/${p.name}`), 1, `${p.name}: the server application was notified once`);
              assert.ok(replyFile, `${p.name}: a reply file name`);
              assert.is(readFileSync(replyFile!, 'utf8'), p.digest, `${p.name}: the reply file holds the reply`);
            }
          }
          verified++;
        }
        await client.close();
      });
    }
    console.log(`    kill-random: ${ROUNDS} rounds, ${kills} SIGKILLs, ${verified} jobs verified byte-exact`);
  } finally {
    await nginx.stop();
    await proxy.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
