// The store reads its jobs as raw rows (arrays in JOB_COLUMNS order, module/engine/store.ts loadAll)
// instead of one object per row. Every column must still land in its field: a job with every
// property set away from its default reads back after a reopen exactly as it was written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthScheme, AuthTarget, JobPriority, JobType, ProxyUsage } from '../module/api/enums.js';
import { PortableEngine } from '../module/engine/engine.js';

const stateDir = mkdtempSync('/tmp/bj2rr-');
test.after(() => rmSync(stateDir, { recursive: true, force: true }));

test('every column of a job survives close and reopen (snapshot, files, proxy, notify, reply file; the credentials column read without error)', async () => {
  const engine = await PortableEngine.open({ stateDir });
  const plain = await engine.createJob('plain', JobType.DOWNLOAD);
  const id = await engine.createJob('every property «set»', JobType.UPLOAD_REPLY);
  writeFileSync(join(stateDir, 'up.bin'), 'to upload');
  await engine.addFiles(id, [{ remoteName: 'http://127.0.0.1:9/up', localName: join(stateDir, 'up.bin') }]);
  await engine.setProperty(id, 'description', 'a description');
  await engine.setProperty(id, 'priority', JobPriority.LOW);
  await engine.setProperty(id, 'minimumRetryDelay', 77);
  await engine.setProperty(id, 'noProgressTimeout', 4321);
  await engine.setProperty(id, 'notifyFlags', 0x5);
  await engine.setProxySettings(id, ProxyUsage.OVERRIDE, 'http://127.0.0.1:3128', '<local>');
  await engine.setNotifyCmdLine(id, '/bin/true', '/bin/true done');
  await engine.setReplyFileName(id, join(stateDir, 'reply.bin'));
  await engine.setCredentials(id, { target: AuthTarget.SERVER, scheme: AuthScheme.BASIC, userName: 'u', password: 'p' });
  const read = async (e: PortableEngine) => ({
    list: await e.listJobs(),
    job: await e.describeJob(id),
    files: await e.listFiles(id),
    proxy: await e.getProxySettings(id),
    notify: await e.getNotifyCmdLine(id),
    reply: await e.getReplyFileName(id),
  });
  const before = await read(engine);
  await engine.close();

  const reopened = await PortableEngine.open({ stateDir });
  try {
    assert.equal(reopened.unreadable, []);
    const after = await read(reopened);
    assert.equal(after, before);
    assert.equal(after.list.map((j) => j.id).sort(), [plain, id].sort());
    const job = after.list.find((j) => j.id === id)!;
    assert.is(job.description, 'a description'); // not the defaults: the columns were really read
    assert.is(job.minimumRetryDelay, 77);
    assert.is(job.proxy.proxyList, 'http://127.0.0.1:3128');
  } finally {
    await reopened.close();
  }
});

test.run();
