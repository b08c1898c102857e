// The native entry of the contract suites (test/contract/backends.ts): listed only with
// BITS_JOB2_BACKEND=native; off Windows it fails with the clear REGDB_E_CLASSNOTREG instead of
// skipping; its cleanup cancels exactly the jobs created after it opened (run here over a real
// PortableEngine standing in for BITS) and closes the backend; and the engine facts it declares.
// The suites themselves run against real BITS only in the Windows workflow.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { JobType } from '../module/api/enums.js';
import { LIMITS } from '../module/api/limits.js';
import type { Backend } from '../module/api/port.js';
import { PortableEngine } from '../module/engine/engine.js';
import { rejection } from './helpers/assert-bits.js';
import { BACKENDS, NATIVE_BACKEND, NATIVE_REQUESTED, PORTABLE_FACTS, nativeContext, nativeFacts, windowsCallerIsElevatedAdmin } from './contract/backends.js';

const backendsModule = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'contract', 'backends.js')).href;

/** The BACKENDS names a fresh process sees with BITS_JOB2_BACKEND set to `value`. */
function backendNames(value: string | undefined): string[] {
  const env = { ...process.env };
  if (value === undefined) delete env.BITS_JOB2_BACKEND;
  else env.BITS_JOB2_BACKEND = value;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(backendsModule)}); console.log(JSON.stringify(m.BACKENDS.map((b) => b.name)));`], { env, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

test('BACKENDS: portable and service always (in the order the contract files index them); native only with BITS_JOB2_BACKEND=native', () => {
  assert.is(NATIVE_REQUESTED, process.env.BITS_JOB2_BACKEND === 'native');
  assert.equal(backendNames(undefined), ['portable engine (in-process)', 'background service (socket)']);
  assert.equal(backendNames('portable'), ['portable engine (in-process)', 'background service (socket)']);
  assert.equal(backendNames('native'), ['portable engine (in-process)', 'background service (socket)', NATIVE_BACKEND.name]);
  if (!NATIVE_REQUESTED) assert.is(BACKENDS.length, 2);
});

test('the native entry off Windows fails with REGDB_E_CLASSNOTREG naming the platform (it never skips)', async () => {
  assert.is.not(process.platform, 'win32', 'this assertion is for the Linux run; on Windows the workflow runs the suites');
  const e = await rejection(NATIVE_BACKEND.make());
  assert.is(e.code, 'REGDB_E_CLASSNOTREG');
  assert.match(e.message, new RegExp(`this is ${process.platform}`));
});

test('test/contract/run-native.js (the Windows workflow\'s contract step) refuses to run without BITS_JOB2_BACKEND=native, and fails — never skips — where the native backend cannot open', () => {
  const runner = join(dirname(fileURLToPath(import.meta.url)), 'contract', 'run-native.js');
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  delete env.BITS_JOB2_BACKEND;
  const r = spawnSync(process.execPath, [runner], { env, encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /set BITS_JOB2_BACKEND=native/);
  const off = spawnSync(process.execPath, [runner], { env: { ...env, BITS_JOB2_BACKEND: 'native' }, encoding: 'utf8', timeout: 120_000 });
  assert.is.not(off.status, 0, 'every row fails off Windows');
  assert.match(off.stdout + off.stderr, /REGDB_E_CLASSNOTREG|needs Windows BITS/);
  assert.match(off.stdout, /contract: native \(Windows BITS via edge-js\)/);
  assert.match(off.stdout, /upload contract: native/);
  assert.match(off.stdout, /IBackgroundCopyJob2 contract: native/);
});

test('windowsCallerIsElevatedAdmin never guesses: off Windows `whoami /groups` fails and so does it', () => {
  assert.throws(() => windowsCallerIsElevatedAdmin(), /whoami \/groups failed/);
});

test('engine facts: the portable engine\'s decisions; BITS\'s documented details, caps only for non-admins', () => {
  assert.equal({ ...PORTABLE_FACTS, tempFilePattern: String(PORTABLE_FACTS.tempFilePattern), generatedReplyName: typeof PORTABLE_FACTS.generatedReplyName }, {
    jobsPerUser: 60, filesPerJob: 200, tempFilePattern: '/\\.bits-/', generatedReplyName: 'function', rangeRequests: 'open-ended',
  });
  assert.is((PORTABLE_FACTS.generatedReplyName as (f: string, id: string) => string)('/d/u.bin', 'g'), '/d/u.bin.g.reply');
  assert.ok(PORTABLE_FACTS.tempFilePattern.test('a.bin.bits-6f1c2a4e-9b7d-4c1e-8a2f-3d5e7f9a1b2c.tmp'));
  const admin = nativeFacts(true);
  const user = nativeFacts(false);
  assert.is(admin.jobsPerUser, 'unlimited-for-admin');
  assert.is(admin.filesPerJob, 'unlimited-for-admin');
  assert.is(user.jobsPerUser, LIMITS.jobsPerUser);
  assert.is(user.filesPerJob, LIMITS.filesPerJob);
  assert.ok(admin.tempFilePattern.test('BIT3A1C.tmp') && admin.tempFilePattern.test('bitf00d.TMP'));
  assert.not.ok(admin.tempFilePattern.test('a.bin.bits-x.tmp'));
  assert.is(admin.generatedReplyName, 'in-upload-directory');
  assert.is(admin.rangeRequests, 'bounded');
});

test('nativeContext cleanup cancels exactly the jobs created after it opened, then closes the backend (a real engine stands in for BITS)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-natctx-'));
  try {
    const engine = await PortableEngine.open({ stateDir: dir });
    const before = await engine.createJob('not the suite\'s', JobType.DOWNLOAD);
    let closed = 0;
    /** The engine with some methods replaced (close is counted, not done: the engine is inspected afterwards). */
    const wrap = (overrides: Partial<Backend>): Backend => new Proxy(engine, {
      get: (t, p) => (p in overrides ? (overrides as Record<string | symbol, unknown>)[p] : typeof Reflect.get(t, p) === 'function' ? (Reflect.get(t, p) as Function).bind(t) : Reflect.get(t, p)),
    }) as unknown as Backend;
    const backend = wrap({ close: async () => { closed++; } });
    const ctx = await nativeContext(backend, nativeFacts(true));
    assert.is(ctx.backend, backend);
    assert.is(ctx.jobsPerUser, 'unlimited-for-admin');
    const a = await engine.createJob('suite 1', JobType.DOWNLOAD);
    const b = await engine.createJob('suite 2', JobType.UPLOAD_REPLY);
    const done = await engine.createJob('suite, already final', JobType.DOWNLOAD);
    await engine.cancel(done);
    await ctx.cleanup();
    assert.is(closed, 1, 'backend closed');
    assert.equal((await engine.listJobs()).map((j) => j.id), [before], 'the suite\'s jobs are cancelled, the earlier one is left alone');
    assert.is((await engine.describeJob(a)).state, 8);
    assert.is((await engine.describeJob(b)).state, 8);

    // A cancel that fails for another reason than "already final" is reported, after every job was tried, and the backend is still closed.
    let c = '';
    const refusing = wrap({
      close: async () => { closed++; },
      cancel: async (id: string) => { if (id === c) throw Object.assign(new Error('access denied'), { code: 'E_ACCESSDENIED' }); return engine.cancel(id); },
    });
    const ctx2 = await nativeContext(refusing, nativeFacts(false));
    c = await engine.createJob('suite 3', JobType.DOWNLOAD);
    const d = await engine.createJob('suite 4', JobType.DOWNLOAD);
    try {
      await ctx2.cleanup();
      assert.unreachable('cleanup should report the refused cancel');
    } catch (e) {
      assert.match((e as Error).message, /could not cancel 1 job/);
      assert.match((e as Error).message, new RegExp(c));
    }
    assert.is(closed, 2);
    assert.is((await engine.describeJob(d)).state, 8, 'the other job was still cancelled');
    await engine.cancel(c);
    await engine.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
