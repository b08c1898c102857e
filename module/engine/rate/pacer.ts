// The port between the transfer paths and whatever limits a background transfer's rate (the
// policy's shared token bucket; later the delay-based yielding controller). The download reads the
// socket only as fast as the pacer allows (paced-body.ts), so TCP's receive window closes and the
// sender slows down; the upload writes only as fast. FOREGROUND jobs get no pacer at all.
import { setTimeout as sleep } from 'node:timers/promises';

export interface TransferPacer {
  /** Milliseconds to wait before `bytes` may move (0 = now). Counts them as moved. */
  delayFor(bytes: number): number;
  /**
   * True while no limit is in force (no policy cap right now): the caller may move whole chunks
   * without asking per piece. Splitting every 1 MiB socket write into awaited 16 KiB pieces cost a
   * background upload about a third of its throughput with no cap to honour (BENCHMARKS.md, upload).
   * Absent = always limited.
   */
  unlimited?(): boolean;
}

/** Whether `pacer` has nothing to hold back right now (or there is no pacer). */
export function pacerIdle(pacer: TransferPacer | undefined): boolean {
  return !pacer || pacer.unlimited?.() === true;
}

/** Waits until `bytes` may move; resolves at once when no wait is due. Rejects when `signal` aborts. */
export async function paceBytes(pacer: TransferPacer, bytes: number, signal?: AbortSignal): Promise<void> {
  const ms = pacer.delayFor(bytes);
  if (ms > 0) await sleep(ms, undefined, { signal });
}

/** Pieces a paced transfer is split into, so a slow cap never holds one big chunk for minutes (idle timers). */
export const PACED_PIECE_BYTES = 16 * 1024;
