// Growth curves (issue 16, item 3), each from one run: throughput, CPU per GiB and service RSS
// against the number of concurrent jobs (curl -Z with as many transfers beside it), and `list`
// latency against the number of jobs in the store, and upload throughput against the fragment size
// (fragment-curve.ts). Plotted by svg.ts next to BENCHMARKS.md.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobType } from '../../module/api/enums.js';
import { PortableEngine } from '../../module/engine/engine.js';
import { bitsBatch, curlBatch } from './concurrent.js';
import type { DownloadFixture } from './download.js';
import type { FragmentCurve } from './fragment-curve.js';
import { startService } from './service.js';
import { linePlot } from './svg.js';
import { CLI_JS, cpuSPerGiB, hrMs, median, MiB, mibPerS, NODE, onCleanup, progress, tempDir, timedOk } from './util.js';

export interface ConcPoint {
  jobs: number;
  bitsMiBs: number;
  curlMiBs: number;
  bitsCpuPerGiB: number;
  curlCpuPerGiB: number;
  bitsRssMiB: number;
  curlRssMiB: number;
}

export interface ListPoint {
  jobs: number;
  rpcMs: number;
  cliServiceMs: number;
}

export interface Curves {
  bytesEach: number;
  conc: ConcPoint[];
  list: ListPoint[];
  /** Upload throughput by fragment size (absent in reports saved before it existed). */
  fragments?: FragmentCurve;
}

export async function runCurves(f: DownloadFixture, jobCounts: number[], listCounts: number[], bytesEach: number): Promise<Curves> {
  const work = tempDir('bj2cv-');
  onCleanup(`temp dir ${work}`, () => rmSync(work, { recursive: true, force: true }));
  const conc: ConcPoint[] = [];
  const url = f.url(f.concName);
  for (const n of jobCounts) {
    const total = n * bytesEach;
    const c = (await curlBatch(url, join(work, 'curl'), n, bytesEach)).run;
    const b = await bitsBatch(url, join(work, 'bits'), n, bytesEach);
    const p: ConcPoint = {
      jobs: n, bitsMiBs: mibPerS(total, b.wallMs), curlMiBs: mibPerS(total, c.wallMs),
      bitsCpuPerGiB: cpuSPerGiB(b.cpuMs, total), curlCpuPerGiB: cpuSPerGiB(c.cpuMs, total), bitsRssMiB: b.peakRssKb / 1024, curlRssMiB: c.peakRssKb / 1024,
    };
    conc.push(p);
    progress(`curve: ${n} jobs: bits-job2 ${p.bitsMiBs.toFixed(0)} MiB/s ${p.bitsCpuPerGiB.toFixed(2)} s/GiB ${p.bitsRssMiB.toFixed(1)} MiB; curl -Z ${p.curlMiBs.toFixed(0)} MiB/s ${p.curlCpuPerGiB.toFixed(2)} s/GiB`);
  }
  // One store grown step by step: 100, 1,000, ... jobs; at each step a service on it answers list.
  const stateDir = tempDir('bj2lc-');
  onCleanup(`state dir ${stateDir}`, () => rmSync(stateDir, { recursive: true, force: true }));
  const list: ListPoint[] = [];
  let have = 0;
  const max = Math.max(...listCounts);
  for (const n of [...listCounts].sort((a, b) => a - b)) {
    const engine = await PortableEngine.open({ stateDir, limits: { jobsPerUser: max + 10, jobsPerMachine: max + 10 } });
    try {
      for (; have < n; have++) {
        await engine.createJob(`curve job ${have}`, JobType.DOWNLOAD);
        // createJob's promise settles without a turn of the event loop: yield so Ctrl-C / SIGTERM cleanup can run.
        if (have % 500 === 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      await engine.close();
    }
    const svc = await startService({ stateDir, keepStateDir: true });
    const rpc: number[] = [];
    const cli: number[] = [];
    try {
      const args = [CLI_JS, 'list', '--json', '--state-dir', stateDir];
      await timedOk(NODE, args);
      for (let i = 0; i < 3; i++) {
        const t = hrMs();
        await svc.client.listJobs();
        rpc.push(hrMs() - t);
        cli.push((await timedOk(NODE, args)).ms);
      }
    } finally {
      await svc.stop();
    }
    list.push({ jobs: n, rpcMs: median(rpc), cliServiceMs: median(cli) });
    progress(`curve: list of ${n}: RPC ${median(rpc).toFixed(1)} ms, CLI via service ${median(cli).toFixed(0)} ms`);
  }
  return { bytesEach, conc, list };
}

/** Writes the SVG files into `dir`; returns the report section that links them. */
export function renderCurves(c: Curves, dir: string): string[] {
  const files: [string, string][] = [
    ['bench-conc-throughput.svg', linePlot({ title: `Throughput vs concurrent jobs (${c.bytesEach / MiB} MiB each)`, xLabel: 'concurrent jobs (log scale)', yLabel: 'MiB/s', logX: true,
      series: [{ name: 'bits-job2 service', points: c.conc.map((p) => [p.jobs, p.bitsMiBs]) }, { name: 'curl -Z', points: c.conc.map((p) => [p.jobs, p.curlMiBs]) }] })],
    ['bench-conc-cpu.svg', linePlot({ title: 'CPU per GiB vs concurrent jobs', xLabel: 'concurrent jobs (log scale)', yLabel: 'CPU s/GiB', logX: true,
      series: [{ name: 'bits-job2 service', points: c.conc.map((p) => [p.jobs, p.bitsCpuPerGiB]) }, { name: 'curl -Z', points: c.conc.map((p) => [p.jobs, p.curlCpuPerGiB]) }] })],
    ['bench-conc-rss.svg', linePlot({ title: 'Peak RSS vs concurrent jobs', xLabel: 'concurrent jobs (log scale)', yLabel: 'MiB', logX: true,
      series: [{ name: 'bits-job2 service', points: c.conc.map((p) => [p.jobs, p.bitsRssMiB]) }, { name: 'curl -Z', points: c.conc.map((p) => [p.jobs, p.curlRssMiB]) }, { name: '80 MB target', points: c.conc.map((p) => [p.jobs, 80e6 / MiB]) }] })],
    ['bench-list.svg', linePlot({ title: '`list` latency vs jobs in the store', xLabel: 'jobs (log scale)', yLabel: 'ms', logX: true,
      series: [{ name: 'CLI list --json via the service', points: c.list.map((p) => [p.jobs, p.cliServiceMs]) }, { name: 'ServiceClient.listJobs() RPC', points: c.list.map((p) => [p.jobs, p.rpcMs]) }, { name: '150 ms target', points: c.list.map((p) => [p.jobs, 150]) }] })],
  ];
  const fc = c.fragments;
  if (fc) {
    files.push(['bench-upload-fragments.svg', linePlot({ title: `Upload throughput vs fragment size (${fc.bytes / MiB} MiB file)`, xLabel: 'fragment size, KiB (log scale)', yLabel: 'MiB/s', logX: true,
      series: [{ name: 'bits-job2 service → bits-job2 serve', points: fc.points.map((p) => [p.fragmentBytes / 1024, p.mibPerS]) }] })]);
  }
  for (const [name, svg] of files) writeFileSync(join(dir, name), svg);
  const out = ['## Growth curves', '',
    `Each curve is one run (no medians). Concurrent jobs: N FOREGROUND jobs × ${c.bytesEach / MiB} MiB through one service vs one \`curl -Z --parallel-max N\`, as`,
    'in section 6 (the job limits raised through the service settings BITS_JOB2_JOBS_PER_USER and BITS_JOB2_JOBS_PER_MACHINE). list: one store grown step by step through the in-process engine; at each',
    'step a fresh service on it, one untimed `list`, then 3 timed ones (median).', '',
    ...files.map(([name]) => `![${name}](${name})`), '',
    '| concurrent jobs | bits-job2 MiB/s | curl -Z MiB/s | throughput ratio | bits-job2 CPU s/GiB | curl -Z CPU s/GiB | CPU ratio | service peak RSS | curl peak RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...c.conc.map((p) => `| ${p.jobs} | ${p.bitsMiBs.toFixed(0)} | ${p.curlMiBs.toFixed(0)} | ${(p.bitsMiBs / p.curlMiBs).toFixed(2)} | ${p.bitsCpuPerGiB.toFixed(2)} | ${p.curlCpuPerGiB.toFixed(2)} | ${(p.bitsCpuPerGiB / p.curlCpuPerGiB).toFixed(2)} | ${p.bitsRssMiB.toFixed(1)} MiB | ${p.curlRssMiB.toFixed(1)} MiB |`),
    '', '| jobs in the store | ServiceClient.listJobs() ms | CLI `list --json` via the service ms |', '|---:|---:|---:|',
    ...c.list.map((p) => `| ${p.jobs} | ${p.rpcMs.toFixed(1)} | ${p.cliServiceMs.toFixed(0)} |`), ''];
  if (fc) {
    out.push(`Fragment size: one UPLOAD job per size through a fresh service started with \`BITS_JOB2_FRAGMENT_BYTES=N\` (every Fragment N bytes; without it, 1 MiB doubling to the limit the server names: 256 MiB for bits-job2 serve, 13 MiB for servers that name none) to the bench's \`bits-job2 serve\`, ${fc.bytes / MiB} MiB of random bytes; one run per size.`, '',
      '| fragment size | MiB/s | CPU s/GiB (service + server) |', '|---:|---:|---:|',
      ...fc.points.map((p) => `| ${p.fragmentBytes >= MiB ? `${p.fragmentBytes / MiB} MiB` : `${p.fragmentBytes / 1024} KiB`} | ${p.mibPerS.toFixed(0)} | ${p.cpuPerGiB.toFixed(2)} |`), '');
  }
  return out;
}
