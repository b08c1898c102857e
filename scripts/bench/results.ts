// What one bench run measured (the inputs of BENCHMARKS.md), the targets from the issue and the
// verdicts against them.
import type { CliResults, ImportCost } from './cli.js';
import type { BatchRun, ConcurrentResults } from './concurrent.js';
import type { ProbeResults } from './download-probe.js';
import type { DownloadResults } from './download.js';
import type { ListResults } from './list10k.js';
import type { NativeResults } from './native.js';
import type { ProfileSummary } from './profile.js';
import type { PwshResults } from './pwsh.js';
import { jainOf, mibs } from './report-format.js';
import type { Settings } from './settings.js';
import type { ReplyResults } from './upload-reply.js';
import type { UploadResults } from './upload.js';
import { median, type Machine } from './util.js';

export const TARGETS = {
  /** bits-job2 throughput ≥ 0.95 × curl's. */
  downloadRatio: 0.95,
  /** Service peak RSS ≤ 80 MB at any file size; MB read as 10^6 bytes (the stricter reading). */
  rssBytes: 80e6,
  /** CLI command ≤ `node -e 0` + 60 ms. */
  cliOverheadMs: 60,
  /** list of 10,000 jobs ≤ 150 ms. */
  listMs: 150,
  /** BITS upload throughput ≥ 0.85 × curl -T's. */
  uploadRatio: 0.85,
  /** Cmdlet ≤ 1.3 × the CLI it wraps. */
  cmdletRatio: 1.3,
  /** CPU per GiB ≤ 1.5 × curl's (download), ≤ 1.5 × curl -T + nginx worker (upload). */
  cpuRatio: 1.5,
  /** download ≥ 1.1 × curl + sync (the same durability). */
  downloadSyncRatio: 1.1,
  /** 100 concurrent foreground jobs: throughput ≥ 0.8 × curl -Z's, Jain's index ≥ 0.95, service ≤ 100 MB (10^6 B). */
  concRatio: 0.8,
  concJain: 0.95,
  concRssBytes: 100e6,
};

/** CPU seconds per GiB of a list of runs (median of the per-run figures); NaN for runs measured before CPU was recorded. */
export function cpuPerGiB(cpuMsList: (number | undefined)[], bytes: number): number {
  const xs = cpuMsList.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return xs.length ? median(xs.map((ms) => ms / 1000 / (bytes / 2 ** 30))) : NaN;
}

export interface Verdicts {
  download: { met: boolean; ratio: number; bitsMiBs: number; curlMiBs: number; syncRatio: number; syncMet: boolean };
  rss: { met: boolean; maxKb: number; bigKb: number; smallKb: number; idleKb: number };
  cli: { met: boolean; nodeMs: number; rows: { label: string; ms: number; overMs: number; met: boolean }[] };
  list: { met: boolean; rows: { label: string; ms: number; met: boolean }[] };
  upload: { met: boolean; ratio: number; bitsMiBs: number; curlMiBs: number; syncRatio: number };
  /** Service RSS during the upload (80 MB, as every transfer) and during the concurrent batch (100 MB). */
  uploadRss: { met: boolean; maxKb: number };
  concRss: { met: boolean; maxKb: number };
  /** The concurrent batch: throughput against curl -Z's and Jain's index of per-job throughput (medians of the runs). */
  conc: { met: boolean; ratio: number; jain: number; ratioMet: boolean; jainMet: boolean };
  cmdlet: { met: boolean; ratio: number; cmdletMs: number; cliMs: number };
  /** CPU s/GiB: bits-job2 (service; + our server for uploads) vs the peer tool (curl; curl -T + nginx worker). */
  downloadCpu: { met: boolean; ratio: number; bits: number; curl: number };
  uploadCpu: { met: boolean; ratio: number; bits: number; curl: number };
  concCpu: { ratio: number; bits: number; curl: number };
}

export interface Results {
  download: DownloadResults;
  cli: CliResults;
  list: ListResults;
  upload: UploadResults;
  reply: ReplyResults;
  concurrent: ConcurrentResults;
  pwsh: PwshResults;
  native: NativeResults;
}

export function evaluate(res: Results): Verdicts {
  const { download: d, cli: c, list: l, upload: u, concurrent: cc, pwsh: ps } = res;
  const curlMs = median(d.curlMs);
  const bitsMs = median(d.bits.map((b) => b.pollMs));
  const ratio = curlMs / bitsMs;
  const syncRatio = median(d.curlSyncMs) / bitsMs;
  const allHwm = [...d.bits, ...d.bitsSmall].map((b) => b.vmHwmKb);
  const maxKb = Math.max(...allHwm);
  const nodeMs = median(c.commands[0].ms);
  const cliRows = c.commands.slice(1).map((cmd) => {
    const ms = median(cmd.ms);
    return { label: cmd.label, ms, overMs: ms - nodeMs, met: ms - nodeMs <= TARGETS.cliOverheadMs };
  });
  const listRows = [
    { label: 'engine.listJobs() in-process', ms: median(l.engineListMs) },
    { label: 'ServiceClient.listJobs() (RPC to a running service)', ms: median(l.serviceRpcMs) },
    { label: 'CLI `list --json` via the service (end to end)', ms: median(l.cliServiceMs) },
    { label: 'CLI `list --json --backend portable` (end to end)', ms: median(l.cliPortableMs) },
  ].map((r) => ({ ...r, met: r.ms <= TARGETS.listMs }));
  return {
    download: { met: ratio >= TARGETS.downloadRatio, ratio, bitsMiBs: mibs(d.bytes, bitsMs), curlMiBs: mibs(d.bytes, curlMs), syncRatio, syncMet: syncRatio >= TARGETS.downloadSyncRatio },
    rss: {
      met: maxKb * 1024 <= TARGETS.rssBytes,
      maxKb,
      bigKb: median(d.bits.map((b) => b.vmHwmKb)),
      smallKb: median(d.bitsSmall.map((b) => b.vmHwmKb)),
      idleKb: median(d.idleHwmKb),
    },
    cli: { met: cliRows.every((r) => r.met), nodeMs, rows: cliRows },
    list: { met: listRows.every((r) => r.met), rows: listRows },
    upload: (() => {
      const bitsMs = median(u.bits.map((b) => b.ms));
      const curlMs = median(u.curl.map((b) => b.ms));
      const ratio = curlMs / bitsMs;
      return { met: ratio >= TARGETS.uploadRatio, ratio, bitsMiBs: mibs(u.bytes, bitsMs), curlMiBs: mibs(u.bytes, curlMs), syncRatio: median(u.curlSync.map((b) => b.ms)) / bitsMs };
    })(),
    uploadRss: (() => {
      const maxKb = Math.max(...u.bits.map((b) => b.serviceHwmKb));
      return { met: maxKb * 1024 <= TARGETS.rssBytes, maxKb };
    })(),
    concRss: (() => {
      const maxKb = Math.max(...cc.bits.map((b) => b.peakRssKb));
      return { met: maxKb * 1024 <= TARGETS.concRssBytes, maxKb };
    })(),
    conc: (() => {
      const ratio = median(cc.curl.map((b) => b.wallMs)) / median(cc.bits.map((b) => b.wallMs));
      const jain = median(cc.bits.map((b) => jainOf(b.perJobMs, cc.bytesEach)));
      const ratioMet = ratio >= TARGETS.concRatio;
      const jainMet = jain >= TARGETS.concJain;
      return { met: ratioMet && jainMet, ratio, jain, ratioMet, jainMet };
    })(),
    downloadCpu: (() => {
      const bits = cpuPerGiB(d.bits.map((b) => b.cpuMs), d.bytes);
      const curl = cpuPerGiB((d.curlRuns ?? []).map((t) => t.cpuMs), d.bytes);
      return { met: bits <= TARGETS.cpuRatio * curl, ratio: bits / curl, bits, curl };
    })(),
    uploadCpu: (() => {
      const bits = cpuPerGiB(u.bits.map((b) => b.clientCpuMs + b.serverCpuMs), u.bytes);
      const curl = cpuPerGiB(u.curl.map((b) => b.clientCpuMs + b.serverCpuMs), u.bytes);
      return { met: bits <= TARGETS.cpuRatio * curl, ratio: bits / curl, bits, curl };
    })(),
    concCpu: (() => {
      const tot = cc.jobs * cc.bytesEach;
      const bits = cpuPerGiB(cc.bits.map((b) => b.cpuMs), tot);
      const curl = cpuPerGiB(cc.curl.map((b) => b.cpuMs), tot);
      return { ratio: bits / curl, bits, curl };
    })(),
    cmdlet: (() => {
      const cmdletMs = median(ps.cmdletMs);
      const cliMs = median(ps.cliDirectMs);
      return { met: cmdletMs <= TARGETS.cmdletRatio * cliMs, ratio: cmdletMs / cliMs, cmdletMs, cliMs };
    })(),
  };
}

export interface Findings {
  concurrentProbe?: { profile: ProfileSummary; profiledRun: BatchRun & { resumeAllMs: number }; smallSemi: BatchRun & { resumeAllMs: number }; smallSemiArgs: string[] };
  uploadProfile?: { service: ProfileSummary; server: ProfileSummary; uploadMs: number };
  downloadProfile?: ProfileSummary & { downloadMs: number };
  downloadStrace?: { table: string; downloadMs: number };
  curlStrace?: { table: string; command: string };
  downloadNoCheckpoints?: { env: Record<string, string>; ms: number[] };
  cliImports?: ImportCost[];
  downloadProbe?: ProbeResults;
  listServiceCliProfile?: ProfileSummary & { wallMs: number };
  rssSmallSemiSpace?: { nodeArgs: string[]; kb: number[]; ms: number[] };
  bareNodeHwmKb?: number;
  cliProfile?: ProfileSummary & { wallMs: number };
  listEngineProfile?: ProfileSummary;
  listCliProfile?: ProfileSummary & { wallMs: number };
}

export interface ReportInput extends Results {
  machine: Machine;
  verdicts: Verdicts;
  findings: Findings;
  totalS: number;
  /** /proc/loadavg at the start, between the parts and at the end. */
  loads: { label: string; line: string }[];
  settings: Settings;
  /** Growth curves (curves.ts), rendered after the report by bench.ts. */
  curves?: import('./curves.js').Curves;
}
