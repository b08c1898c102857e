// Two small defects of issue 14: the per-user job cap (60, as BITS) has a setting the service reads,
// BITS_JOB2_JOBS_PER_USER (and, for issue 16's growth curves past 300 jobs, the machine cap has
// BITS_JOB2_JOBS_PER_MACHINE); and the engine's messages show what a raw RPC client sent where a scalar
// belongs as JSON instead of `[object Object]`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobType } from '../module/api/enums.js';
import type { JobPropertyName } from '../module/api/operations.js';
import type { CredentialsInput } from '../module/api/types.js';
import { PortableEngine } from '../module/engine/engine.js';
import { ServiceClient } from '../module/service/client.js';
import { rejectsWith } from './helpers/assert-bits.js';
import { killServices } from './helpers/service.js';

const dirs: string[] = [];
const stateDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'bj2-settings-'));
  dirs.push(d);
  return d;
};

async function withEnv<T>(name: string, value: string, run: () => Promise<T>): Promise<T> {
  const old = process.env[name];
  process.env[name] = value;
  try {
    return await run();
  } finally {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  }
}

test('BITS_JOB2_JOBS_PER_USER lowers the per-user cap of the engine', async () => {
  const engine = await withEnv('BITS_JOB2_JOBS_PER_USER', '3', () => PortableEngine.open({ stateDir: stateDir() }));
  try {
    for (let i = 0; i < 3; i++) await engine.createJob(`job ${i}`, JobType.DOWNLOAD);
    const e = await rejectsWith(engine.createJob('one too many', JobType.DOWNLOAD), 'BG_E_TOO_MANY_JOBS_PER_USER');
    assert.match(e.message, /You have 3 jobs/);
  } finally {
    await engine.close();
  }
});

test('the engine option still wins over BITS_JOB2_JOBS_PER_USER; without either the cap is 60', async () => {
  const engine = await withEnv('BITS_JOB2_JOBS_PER_USER', '3', () => PortableEngine.open({ stateDir: stateDir(), limits: { jobsPerUser: 5 } }));
  try {
    for (let i = 0; i < 5; i++) await engine.createJob(`job ${i}`, JobType.DOWNLOAD);
    assert.match((await rejectsWith(engine.createJob('sixth', JobType.DOWNLOAD), 'BG_E_TOO_MANY_JOBS_PER_USER')).message, /You have 5 jobs/);
  } finally {
    await engine.close();
  }
  const plain = await PortableEngine.open({ stateDir: stateDir() });
  try {
    for (let i = 0; i < 60; i++) await plain.createJob(`job ${i}`, JobType.DOWNLOAD);
    assert.match((await rejectsWith(plain.createJob('61st', JobType.DOWNLOAD), 'BG_E_TOO_MANY_JOBS_PER_USER')).message, /You have 60 jobs/);
  } finally {
    await plain.close();
  }
});

test('a bad BITS_JOB2_JOBS_PER_USER is refused with the variable named, before the store is touched', async () => {
  for (const bad of ['0', '-1', '2.5', 'many']) {
    const e = await withEnv('BITS_JOB2_JOBS_PER_USER', bad, () => rejectsWith(PortableEngine.open({ stateDir: stateDir() }), 'E_INVALIDARG'));
    assert.match(e.message, new RegExp(`BITS_JOB2_JOBS_PER_USER=${bad.replace('.', '\\.')} is not a positive whole number`));
  }
});

test('the service started with BITS_JOB2_JOBS_PER_USER applies it', async () => {
  const dir = stateDir();
  const client = await withEnv('BITS_JOB2_JOBS_PER_USER', '2', () => ServiceClient.connect({ stateDir: dir }));
  try {
    await client.createJob('a', JobType.DOWNLOAD);
    await client.createJob('b', JobType.DOWNLOAD);
    assert.match((await rejectsWith(client.createJob('c', JobType.DOWNLOAD), 'BG_E_TOO_MANY_JOBS_PER_USER')).message, /You have 2 jobs/);
  } finally {
    await client.close();
    await killServices(dir);
  }
});

test('BITS_JOB2_JOBS_PER_MACHINE sets the machine cap (checked after the user cap); without it the machine cap is 300', async () => {
  const engine = await withEnv('BITS_JOB2_JOBS_PER_USER', '10', () => withEnv('BITS_JOB2_JOBS_PER_MACHINE', '3', () => PortableEngine.open({ stateDir: stateDir() })));
  try {
    for (let i = 0; i < 3; i++) await engine.createJob(`job ${i}`, JobType.DOWNLOAD);
    const e = await rejectsWith(engine.createJob('fourth', JobType.DOWNLOAD), 'BG_E_TOO_MANY_JOBS_PER_MACHINE');
    assert.match(e.message, /The machine has 3 jobs .*BITS_JOB2_JOBS_PER_MACHINE/);
  } finally {
    await engine.close();
  }
  const plain = await withEnv('BITS_JOB2_JOBS_PER_USER', '400', () => PortableEngine.open({ stateDir: stateDir() }));
  try {
    for (let i = 0; i < 300; i++) await plain.createJob(`job ${i}`, JobType.DOWNLOAD);
    assert.match((await rejectsWith(plain.createJob('301st', JobType.DOWNLOAD), 'BG_E_TOO_MANY_JOBS_PER_MACHINE')).message, /The machine has 300 jobs/);
  } finally {
    await plain.close();
  }
});

test('a bad BITS_JOB2_JOBS_PER_MACHINE is refused with the variable named', async () => {
  for (const bad of ['0', '-3', '1e9.5', 'all']) {
    const e = await withEnv('BITS_JOB2_JOBS_PER_MACHINE', bad, () => rejectsWith(PortableEngine.open({ stateDir: stateDir() }), 'E_INVALIDARG'));
    assert.ok(e.message.includes(`BITS_JOB2_JOBS_PER_MACHINE=${bad} is not a positive whole number`), e.message);
  }
});

test('the service started with BITS_JOB2_JOBS_PER_USER and _PER_MACHINE above the defaults holds more than 300 jobs', async () => {
  const dir = stateDir();
  const client = await withEnv('BITS_JOB2_JOBS_PER_USER', '400', () => withEnv('BITS_JOB2_JOBS_PER_MACHINE', '305', () => ServiceClient.connect({ stateDir: dir })));
  try {
    await Promise.all(Array.from({ length: 305 }, (_, i) => client.createJob(`j${i}`, JobType.DOWNLOAD)));
    assert.is((await client.listJobs()).length, 305);
    assert.match((await rejectsWith(client.createJob('306th', JobType.DOWNLOAD), 'BG_E_TOO_MANY_JOBS_PER_MACHINE')).message, /The machine has 305 jobs/);
  } finally {
    await client.close();
    await killServices(dir);
  }
});

test('engine messages show a non-scalar argument as JSON, never [object Object]', async () => {
  const engine = await PortableEngine.open({ stateDir: stateDir() });
  const odd = { x: 1 } as unknown;
  try {
    const id = await engine.createJob('messages', JobType.DOWNLOAD);
    const messages = [
      (await rejectsWith(engine.createJob('t', odd as number), 'E_INVALIDARG')).message,
      (await rejectsWith(engine.setProperty(id, 'priority', odd as number), 'E_NOTIMPL')).message,
      (await rejectsWith(engine.setProperty(id, 'notifyFlags', odd as number), 'E_NOTIMPL')).message,
      (await rejectsWith(engine.setProperty(id, odd as JobPropertyName, 1), 'E_INVALIDARG')).message,
      (await rejectsWith(engine.setProxySettings(id, odd as number, null, null), 'E_NOTIMPL')).message,
      (await rejectsWith(engine.setCredentials(id, { target: odd, scheme: 1 } as CredentialsInput), 'BG_E_INVALID_AUTH_TARGET')).message,
      (await rejectsWith(engine.removeCredentials(id, 1, odd as number), 'BG_E_INVALID_AUTH_SCHEME')).message,
    ];
    for (const m of messages) {
      assert.not.match(m, /\[object Object\]/, m);
      assert.ok(m.includes('{"x":1}'), `shows the value: ${m}`);
    }
    const long = { list: 'y'.repeat(200) } as unknown;
    const m = (await rejectsWith(engine.setProperty(id, 'priority', long as number), 'E_NOTIMPL')).message;
    assert.ok(m.includes('{"list":"yyy') && m.includes('...') && !m.includes('y'.repeat(100)), `long values are cut: ${m}`);
  } finally {
    await engine.close();
  }
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
