// For the "Misses and why" section only: bare Node download loops in this process, same nginx, same
// node:http client, no engine and no fsync (like plain curl) — to measure "how the body is written"
// apart from durability and everything else.
//   serial:    what body-writer.ts does today — await a positional write (thread pool) of each socket
//              chunk (~64 KiB) before the next chunk is read.
//   sync:      the same chunks written with fs.writeSync on the main thread (no thread-pool hop).
//   batched:   chunks gathered into >= 1 MiB and written with one awaited writev (a fix candidate:
//              16x fewer thread-pool round trips, memory bounded by one batch). A variant keeping one
//              write in flight while reading on was tried too and gave erratic times here, so it is not run.
// Interleaved with curl so the ratios come from the same minutes.
import http from 'node:http';
import { open } from 'node:fs/promises';
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { timeCurl, type DownloadFixture } from './download.js';
import { hrMs, MiB, progress, syncDisks } from './util.js';

function get(url: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => http.get(url, resolve).on('error', reject));
}

async function serial(url: string, file: string): Promise<void> {
  const fh = await open(file, 'w');
  try {
    const res = await get(url);
    let pos = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      await fh.write(chunk, 0, chunk.length, pos);
      pos += chunk.length;
    }
  } finally {
    await fh.close();
  }
}

async function syncWrites(url: string, file: string): Promise<void> {
  const fd = openSync(file, 'w');
  try {
    const res = await get(url);
    let pos = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done, pos + done);
      pos += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
}

async function batched(url: string, file: string, batchBytes = MiB): Promise<void> {
  const fh = await open(file, 'w');
  try {
    const res = await get(url);
    let pos = 0;
    let batch: Buffer[] = [];
    let batchLen = 0;
    const flush = async () => {
      await fh.writev(batch, pos);
      pos += batchLen;
      batch = [];
      batchLen = 0;
    };
    for await (const chunk of res as AsyncIterable<Buffer>) {
      batch.push(chunk);
      batchLen += chunk.length;
      if (batchLen >= batchBytes) await flush();
    }
    if (batchLen > 0) await flush();
  } finally {
    await fh.close();
  }
}

export interface ProbeResults {
  curlMs: number[];
  serialMs: number[];
  syncMs: number[];
  batchedMs: number[];
}

export async function runDownloadProbe(f: DownloadFixture, runs: number): Promise<ProbeResults> {
  const r: ProbeResults = { curlMs: [], serialMs: [], syncMs: [], batchedMs: [] };
  const url = f.url(f.bigName);
  const file = join(f.out, 'probe.bin');
  const timed = async (fn: (u: string, p: string) => Promise<void>): Promise<number> => {
    rmSync(file, { force: true });
    syncDisks();
    const t = hrMs();
    await fn(url, file);
    const ms = hrMs() - t;
    if (statSync(file).size !== f.bigBytes) throw new Error(`probe wrote ${statSync(file).size} bytes, expected ${f.bigBytes}`);
    rmSync(file, { force: true });
    return ms;
  };
  for (let i = 1; i <= runs; i++) {
    r.curlMs.push((await timeCurl(f, f.bigName, f.bigBytes)).ms);
    r.serialMs.push(await timed(serial));
    r.syncMs.push(await timed(syncWrites));
    r.batchedMs.push(await timed(batched));
    const last = (xs: number[]) => xs[xs.length - 1].toFixed(0);
    progress(`probe run ${i}/${runs}: curl ${last(r.curlMs)} ms, awaited 64 KiB writes ${last(r.serialMs)} ms, writeSync ${last(r.syncMs)} ms, 1 MiB writev batches ${last(r.batchedMs)} ms`);
  }
  return r;
}
