// Growth curve: upload throughput and CPU per GiB against the fragment size (issue 16, item 3). One
// upload per size, each through a fresh service started with BITS_JOB2_FRAGMENT_BYTES (every
// Fragment that size) to the bench's `bits-job2 serve`; one file of random bytes for all sizes, smaller
// than the main upload so that 64 KiB fragments (one round trip each) finish in seconds.
import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { bitsUpload, type UploadFixture } from './upload.js';
import { cpuSPerGiB, MiB, mibPerS, onCleanup, progress, tempDir } from './util.js';

export interface FragmentPoint {
  fragmentBytes: number;
  mibPerS: number;
  /** Service + server CPU per GiB moved. */
  cpuPerGiB: number;
}

export interface FragmentCurve {
  bytes: number;
  points: FragmentPoint[];
}

function randomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  try {
    const block = Buffer.allocUnsafe(MiB);
    for (let done = 0; done < bytes; done += block.length) writeSync(fd, randomFillSync(block), 0, Math.min(block.length, bytes - done));
  } finally {
    closeSync(fd);
  }
}

export async function runFragmentCurve(u: UploadFixture, sizes: number[], bytes: number): Promise<FragmentCurve> {
  const dir = tempDir('bj2fc-');
  onCleanup(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'fragments.bin');
  randomFile(src, bytes);
  const points: FragmentPoint[] = [];
  for (const size of sizes) {
    const r = await bitsUpload({ ...u, src, bytes }, `fragments-${size}.bin`, { env: { BITS_JOB2_FRAGMENT_BYTES: String(size) } });
    const p = { fragmentBytes: size, mibPerS: mibPerS(bytes, r.ms), cpuPerGiB: cpuSPerGiB(r.clientCpuMs + r.serverCpuMs, bytes) };
    points.push(p);
    progress(`curve: fragments of ${size / 1024} KiB: ${p.mibPerS.toFixed(0)} MiB/s, ${p.cpuPerGiB.toFixed(2)} s/GiB (service + server)`);
  }
  return { bytes, points };
}
