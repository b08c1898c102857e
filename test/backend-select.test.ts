// Backend selection (module/core/select-backend.ts): BITS_JOB2_BACKEND=native|portable|service.
// Off Windows (here) native is a clear REGDB_E_CLASSNOTREG naming the platform, an unknown value is
// E_INVALIDARG listing the choices, portable and service open. The Windows default (native when the
// bridge loads, else the service with the reason kept) is exercised with process.platform stubbed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitsError } from '../module/api/bits-error.js';
import { nativeFallbackReason, openBackend } from '../module/core/select-backend.js';
import { killServices } from './helpers/service.js';
import { rejection } from './helpers/assert-bits.js';

/** Runs fn with BITS_JOB2_BACKEND (and others) set, restoring them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

test('BITS_JOB2_BACKEND=native off Windows → REGDB_E_CLASSNOTREG naming the platform', async () => {
  assert.is.not(process.platform, 'win32', 'this file runs off Windows');
  const e = await withEnv({ BITS_JOB2_BACKEND: 'native' }, () => rejection(openBackend()));
  assert.is(e.code, 'REGDB_E_CLASSNOTREG');
  assert.is(e.hresult, 0x80040154);
  assert.match(e.message, new RegExp(`this is ${process.platform}`));
  assert.match(e.message, /portable/);
  const e2 = await rejection(openBackend('native'));
  assert.is(e2.code, 'REGDB_E_CLASSNOTREG');
  assert.match(e2.message, new RegExp(process.platform));
});

test('an unknown value → E_INVALIDARG listing the choices', async () => {
  const e = await withEnv({ BITS_JOB2_BACKEND: 'bitsadmin' }, () => rejection(openBackend()));
  assert.is(e.code, 'E_INVALIDARG');
  assert.match(e.message, /'bitsadmin'/);
  assert.match(e.message, /native, portable or service/);
});

test('BITS_JOB2_BACKEND=portable opens the in-process engine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-sel-'));
  try {
    const b = await withEnv({ BITS_JOB2_BACKEND: 'portable' }, () => openBackend(undefined, { stateDir: dir }));
    assert.is(b.kind, 'portable');
    const id = await b.createJob('select', 0);
    assert.is((await b.getJob(id)).displayName, 'select');
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('BITS_JOB2_BACKEND=service, and unset off Windows (the default), open the per-user service', async () => {
  for (const value of ['service', undefined]) {
    const stateDir = mkdtempSync('/tmp/bj2s-'); // short: the socket path must fit in sun_path
    try {
      const b = await withEnv({ BITS_JOB2_BACKEND: value }, () => openBackend(undefined, { stateDir }));
      assert.is(b.kind, 'service', `BITS_JOB2_BACKEND=${value}`);
      const id = await b.createJob('select', 0);
      assert.is((await b.getJob(id)).displayName, 'select');
      await b.close();
      assert.is(nativeFallbackReason(), undefined, 'off Windows the default never tries native');
    } finally {
      await killServices(stateDir);
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
});

test('Windows (platform stubbed), unset: native is tried first; when the bridge does not load, the reason is kept and the fallback opens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-sel-'));
  const real = Object.getOwnPropertyDescriptor(process, 'platform')!;
  const restore = () => Object.defineProperty(process, 'platform', real);
  Object.defineProperty(process, 'platform', { ...real, value: 'win32' });
  try {
    const missing = join(dir, 'no-bridge.dll');
    // Explicit native on "Windows" fails with the loader's reason, no fallback.
    const e = await withEnv({ BITS_JOB2_BACKEND: 'native', BITS_JOB2_BRIDGE_DLL: missing }, () => rejection(openBackend()));
    assert.is(e.code, 'E_FAIL');
    assert.match(e.message, /BITS_JOB2_BRIDGE_DLL/);
    // Unset: the reason is reported, then the default (the service) opens. The stub is undone in the
    // callback, before the fallback connects (on "win32" the service would pick a named pipe).
    let reported: BitsError | undefined;
    const stateDir = mkdtempSync('/tmp/bj2s-');
    try {
      const b = await withEnv({ BITS_JOB2_BACKEND: undefined, BITS_JOB2_BRIDGE_DLL: missing }, () =>
        openBackend(undefined, { stateDir, onNativeUnavailable: (r) => { reported = r; restore(); } }));
      assert.is(b.kind, 'service');
      await b.close();
    } finally {
      await killServices(stateDir);
      rmSync(stateDir, { recursive: true, force: true });
    }
    assert.ok(reported, 'onNativeUnavailable was called');
    assert.is(reported!.code, 'E_FAIL');
    assert.match(reported!.message, /no-bridge\.dll/);
    assert.is(nativeFallbackReason(), reported);
  } finally {
    restore();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
