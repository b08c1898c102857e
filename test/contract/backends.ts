// The backends every contract suite runs against: each call makes a fresh one with its own state
// directory, and its cleanup stops what it started (the service by PID). The native backend (real
// BITS through edge-js and the C# bridge) is listed only when BITS_JOB2_BACKEND=native: it needs
// Windows, and the Windows workflow (.github/workflows/windows.yml) sets the variable.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMITS } from '../../module/api/limits.js';
import type { Backend } from '../../module/api/port.js';
import { openBackend } from '../../module/core/select-backend.js';
import { PortableEngine } from '../../module/engine/engine.js';
import { ServiceClient } from '../../module/service/client.js';
import { killServices } from '../helpers/service.js';
import type { ContractContext, EngineFacts } from './contract-suite.js';
import { WINE_FACTS } from './wine-facts.js';

export interface ContractBackend {
  name: string;
  make: () => Promise<ContractContext>;
}

/** What our engine does where the spec leaves the detail open (spec §5.4, §3.5 [DECISION]) or limits non-admins. */
export const PORTABLE_FACTS: EngineFacts = {
  jobsPerUser: LIMITS.jobsPerUser,
  filesPerJob: LIMITS.filesPerJob,
  tempFilePattern: /\.bits-/, // <local>.bits-<job id>.tmp, the reply's <reply name>.bits-<job id>.tmp
  generatedReplyName: (uploadFile, jobId) => `${uploadFile}.${jobId}.reply`,
  rangeRequests: 'open-ended',
};

/**
 * Windows BITS: temp files are GetTempFileName names with the prefix "BIT" (BIT1A2B.tmp); the
 * generated reply name is undocumented (only its directory is: the upload file's, spec §3.5); GET
 * fragments carry `Range: bytes=a-b` (spec §8). The per-user job and per-job file caps apply to
 * non-admin callers only (spec §4.1, §4.3, §6): `callerIsAdmin` says which row the suite asserts.
 */
export function nativeFacts(callerIsAdmin: boolean): EngineFacts {
  return {
    jobsPerUser: callerIsAdmin ? 'unlimited-for-admin' : LIMITS.jobsPerUser,
    filesPerJob: callerIsAdmin ? 'unlimited-for-admin' : LIMITS.filesPerJob,
    tempFilePattern: /^BIT[0-9A-F]+\.tmp$/i,
    generatedReplyName: 'in-upload-directory',
    rangeRequests: 'bounded',
  };
}

/**
 * Whether this Windows process runs elevated as an administrator (BITS exempts it from the per-user
 * caps): `whoami /groups` lists the High Mandatory Level label S-1-16-12288 only in an elevated token.
 * The GitHub windows-latest runner is elevated. Throws when whoami cannot answer: never guessed.
 */
export function windowsCallerIsElevatedAdmin(): boolean {
  const r = spawnSync('whoami', ['/groups', '/fo', 'csv', '/nh'], { encoding: 'utf8', windowsHide: true });
  if (r.status !== 0) throw new Error(`whoami /groups failed (${r.error?.message ?? `exit ${r.status}`}): cannot tell which job limits apply.\n${r.stderr}`);
  return r.stdout.includes('S-1-16-12288') || r.stdout.includes('S-1-16-16384');
}

/**
 * A contract context over an already opened native-style backend: it records the caller's jobs at
 * open, and its cleanup cancels every job listed afterwards that was not there before (the suite's
 * jobs in real BITS outlive the test process otherwise), then closes the backend. Cancel failures
 * other than "already final/gone" (the job finished meanwhile) are reported after every job was tried.
 */
export async function nativeContext(backend: Backend, facts: EngineFacts): Promise<ContractContext> {
  const before = new Set((await backend.listJobs()).map((j) => j.id));
  return {
    backend,
    ...facts,
    cleanup: async () => {
      const failures: string[] = [];
      try {
        for (const j of await backend.listJobs()) {
          if (before.has(j.id)) continue;
          try {
            await backend.cancel(j.id);
          } catch (e) {
            const code = (e as { code?: string }).code;
            if (code !== 'BG_E_INVALID_STATE' && code !== 'BG_E_NOT_FOUND') failures.push(`${j.id}: ${String((e as Error).message ?? e)}`);
          }
        }
      } finally {
        await backend.close();
      }
      if (failures.length > 0) throw new Error(`contract cleanup could not cancel ${failures.length} job(s):\n${failures.join('\n')}`);
    },
  };
}

export const PORTABLE_BACKEND: ContractBackend = {
  name: 'portable engine (in-process)',
  make: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bj2-eng-'));
    const backend = await PortableEngine.open({ stateDir: dir });
    return {
      backend,
      ...PORTABLE_FACTS,
      cleanup: async () => {
        await backend.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const SERVICE_BACKEND: ContractBackend = {
  name: 'background service (socket)',
  make: async () => {
    // POSIX: short, because the Unix socket path must fit in sun_path. Windows: a named pipe whose
    // name is derived from the directory (module/service/socket-path.ts), so any temp dir will do.
    const stateDir = mkdtempSync(process.platform === 'win32' ? join(tmpdir(), 'bj2c-') : '/tmp/bj2c-');
    const backend = await ServiceClient.connect({ stateDir });
    return {
      backend,
      ...PORTABLE_FACTS,
      cleanup: async () => {
        await backend.close();
        await killServices(stateDir);
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  },
};

/** True in the Wine lane (test/helpers/wine.ts sets it for node.exe under wine64): the rows read WINE_FACTS. */
export const ON_WINE = process.env.BITS_JOB2_WINE === '1';

/** Real BITS through openBackend('native'): fails (never skips) when the bridge or BITS is missing. */
export const NATIVE_BACKEND: ContractBackend = {
  name: ON_WINE ? "native (Wine's BITS via edge-js)" : 'native (Windows BITS via edge-js)',
  make: async () => nativeContext(await openBackend('native'), ON_WINE ? WINE_FACTS : nativeFacts(windowsCallerIsElevatedAdmin())),
};

/** True when the run asks for the native backend (the Windows workflow). */
export const NATIVE_REQUESTED = process.env.BITS_JOB2_BACKEND === 'native';

export const BACKENDS: ContractBackend[] = [PORTABLE_BACKEND, SERVICE_BACKEND, ...(NATIVE_REQUESTED ? [NATIVE_BACKEND] : [])];
