// Shared by the reliability suite (test/reliability/*.test.ts): the run mode and a seeded PRNG.
//
// BITS_JOB2_RELIABILITY=full runs many iterations (minutes each, documented in README); the default
// reduced mode runs a few of each so the suite stays part of `npm test`. Every random choice comes
// from a PRNG seeded by BITS_JOB2_SEED (printed, so a failure can be replayed with the same seed).
import { randomInt } from 'node:crypto';
import { ServiceClient } from '../../module/service/client.js';
import { isAlive, readLockPid, waitFor } from '../helpers/service.js';

export const FULL = process.env.BITS_JOB2_RELIABILITY === 'full';

/** `reduced` in the default run, `full` with BITS_JOB2_RELIABILITY=full. */
export function iterations(reduced: number, full: number): number {
  return FULL ? full : reduced;
}

export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] (both included). */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Buffer;
}

/** mulberry32: small, fast and good enough to choose test inputs; the same seed gives the same run. */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    bytes: (n) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = int(0, 255);
      return b;
    },
  };
}

/** The PRNG of one test file: BITS_JOB2_SEED if set, else a fresh seed; printed either way. */
export function seededRng(what: string): Rng {
  const fromEnv = process.env.BITS_JOB2_SEED;
  const seed = fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) : randomInt(0, 2 ** 31);
  console.log(`    ${what}: seed ${seed} (replay with BITS_JOB2_SEED=${seed}), mode ${FULL ? 'full' : 'reduced'}`);
  return makeRng(seed);
}

/**
 * SIGKILLs the service of the state dir, waits until it is gone, closes `client` and returns a new
 * one (which starts a new service); both pids are tracked so the test's cleanup stops them.
 */
export async function killServiceAndReconnect(svc: { stateDir: string; track(pid: number): void }, client: ServiceClient): Promise<ServiceClient> {
  const pid = readLockPid(svc.stateDir)!;
  svc.track(pid);
  process.kill(pid, 'SIGKILL');
  await waitFor(() => !isAlive(pid), 5000, 'the killed service to die');
  await client.close();
  const next = await ServiceClient.connect({ stateDir: svc.stateDir }); // starts a new service
  svc.track(readLockPid(svc.stateDir)!);
  return next;
}
