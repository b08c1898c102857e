// Targets (from the issue), verdicts and the BENCHMARKS.md text.
import type { CliResults, ImportCost } from './cli.js';
import type { ProbeResults } from './download-probe.js';
import { ariaArgs, curlArgs, curlSyncScript, POLL_MS, type DownloadResults } from './download.js';
import type { ListResults } from './list10k.js';
import { MISS_NOTES } from './notes.js';
import type { ProfileSummary } from './profile.js';
import { fmt, median, MiB, type Machine } from './util.js';

export const TARGETS = {
  /** bits-job2 throughput ≥ 0.95 × curl's. */
  downloadRatio: 0.95,
  /** Service peak RSS ≤ 80 MB at any file size; MB read as 10^6 bytes (the stricter reading). */
  rssBytes: 80e6,
  /** CLI command ≤ `node -e 0` + 60 ms. */
  cliOverheadMs: 60,
  /** list of 10,000 jobs ≤ 150 ms. */
  listMs: 150,
};

export interface Verdicts {
  download: { met: boolean; ratio: number; bitsMiBs: number; curlMiBs: number };
  rss: { met: boolean; maxKb: number; bigKb: number; smallKb: number; idleKb: number };
  cli: { met: boolean; nodeMs: number; rows: { label: string; ms: number; overMs: number; met: boolean }[] };
  list: { met: boolean; rows: { label: string; ms: number; met: boolean }[] };
}

const mibs = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

export function evaluate(d: DownloadResults, c: CliResults, l: ListResults): Verdicts {
  const curlMs = median(d.curlMs);
  const bitsMs = median(d.bits.map((b) => b.pollMs));
  const ratio = curlMs / bitsMs;
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
    download: { met: ratio >= TARGETS.downloadRatio, ratio, bitsMiBs: mibs(d.bytes, bitsMs), curlMiBs: mibs(d.bytes, curlMs) },
    rss: {
      met: maxKb * 1024 <= TARGETS.rssBytes,
      maxKb,
      bigKb: median(d.bits.map((b) => b.vmHwmKb)),
      smallKb: median(d.bitsSmall.map((b) => b.vmHwmKb)),
      idleKb: median(d.idleHwmKb),
    },
    cli: { met: cliRows.every((r) => r.met), nodeMs, rows: cliRows },
    list: { met: listRows.every((r) => r.met), rows: listRows },
  };
}

export interface Findings {
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

export interface ReportInput {
  machine: Machine;
  download: DownloadResults;
  cli: CliResults;
  list: ListResults;
  verdicts: Verdicts;
  findings: Findings;
  totalS: number;
  loadAtEnd: number;
  settings: { sizeMb: number; runs: number; cliRuns: number; jobs: number; listRuns: number; smallMb: number };
}

const mark = (met: boolean) => (met ? '**met**' : '**missed**');
const list = (xs: number[], digits = 0) => xs.map((x) => fmt(x, digits)).join(', ');
const mib = (kb: number) => `${fmt(kb / 1024, 1)} MiB`;

function profileTable(s: ProfileSummary, what: 'topFunctions' | 'topFiles', n = 10): string {
  const rows = s[what].slice(0, n).map((r) => `| ${fmt(r.pct, 1)}% | ${fmt(r.ms, 0)} | \`${r.name.replace(/\|/g, '\\|')}\` |`);
  return [`| share of busy | self ms | ${what === 'topFunctions' ? 'function' : 'file / package'} |`, '|---:|---:|---|', ...rows].join('\n');
}

/** The download gap split into measured pieces (medians of this run; differences of noisy medians, so rough). */
function downloadDecomposition(d: DownloadResults, f: Findings): string[] {
  const curl = median(d.curlMs);
  const curlSync = median(d.curlSyncMs);
  const bits = median(d.bits.map((b) => b.pollMs));
  const engine = median(d.bits.map((b) => b.engineMs));
  const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${fmt(Math.abs(ms), 0)} ms`;
  const out = ['Where the gap goes in this run (differences of medians, so rough):', ''];
  out.push(`- bits-job2 − curl: ${signed(bits - curl)} in all.`);
  out.push(`- Durability, which curl does not pay: curl + sync − curl = ${signed(curlSync - curl)} (flushing the file to disk before saying "done").`);
  out.push(`- bits-job2 − (curl + sync): ${signed(bits - curlSync)} — bits-job2's own overhead beyond durability; of that, the ${POLL_MS} ms poll accounts for ${signed(bits - engine)} (poll-observed minus the job's own completion stamp).`);
  if (f.downloadNoCheckpoints) {
    const nc = median(f.downloadNoCheckpoints.ms);
    out.push(`- Periodic checkpoints: default − without them = ${signed(bits - nc)}${bits - nc < 0 ? ' (negative: the per-second fdatasync overlaps the flush with the transfer, so the final fsync has less left to do)' : ''}.`);
  }
  if (f.downloadProbe) {
    const pc = median(f.downloadProbe.curlMs);
    out.push(`- The write loop alone (probe, no fsync, vs curl in the same minutes): awaited 64 KiB writes ${signed(median(f.downloadProbe.serialMs) - pc)}, writeSync ${signed(median(f.downloadProbe.syncMs) - pc)}, 1 MiB writev batches ${signed(median(f.downloadProbe.batchedMs) - pc)}.`);
  }
  return out;
}

export function renderReport(r: ReportInput): string {
  const { machine: m, download: d, cli: c, list: l, verdicts: v, findings: f, settings: s } = r;
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  const curlMs = median(d.curlMs);
  const bigMiB = d.bytes / MiB;
  const pollMs = d.bits.map((b) => b.pollMs);
  const engineMs = d.bits.map((b) => b.engineMs);
  const outFile = (n: string) => `${d.outDir}/${n}`;

  p('# Benchmarks', '');
  p(`Generated by \`npm run bench\` (scripts/bench.ts, scripts/bench/*.ts) on ${m.date}; the whole run took ${fmt(r.totalS, 0)} s.`,
    'Everything below was measured in that one run, on loopback, and the file is rewritten by every run: edit the',
    'generator, not this file. Every timing and memory figure is the median of the runs listed next to it; profiles and',
    'strace tables (under "Misses and why") are single runs.', '');
  p('## Machine', '');
  p('| | |', '|---|---|',
    `| CPUs (\`nproc\`) | ${m.nproc} × ${m.cpuModel} |`,
    `| memory | ${m.memTotalMiB} MiB |`,
    `| kernel | ${m.kernel} |`,
    `| node | ${m.node} |`,
    `| curl | ${m.tools.curl} |`,
    `| aria2c | ${m.tools.aria2c} |`,
    `| nginx | ${m.tools.nginx} |`,
    `| bits-job2 source | ${m.source} |`,
    `| date | ${m.date} |`,
    `| load average (1 min) | ${fmt(m.loadAtStart, 2)} at the start, ${fmt(r.loadAtEnd, 2)} at the end |`, '');
  p('The machine is shared: other work running at the same time (builds, test suites) shows up in the load average and',
    'makes single runs noisy, which is why every figure is a median and the runs are interleaved tool by tool.', '');
  p('## Settings', '');
  p(`BENCH_SIZE_MB=${s.sizeMb} (file of ${bigMiB} MiB), BENCH_RUNS=${s.runs} (download runs per tool), BENCH_CLI_RUNS=${s.cliRuns},`,
    `BENCH_JOBS=${s.jobs}, BENCH_LIST_RUNS=${s.listRuns}. Reproduce with \`npm run bench\` (same variables to change them).`,
    `Units: MiB = 2^20 bytes, MiB/s = MiB per second of wall time.`, '');

  p('## Targets', '');
  p('| target (from the issue) | measured | verdict |', '|---|---|---|');
  p(`| download ≥ 0.95 × curl | ${fmt(v.download.ratio, 2)} × curl (${fmt(v.download.bitsMiBs, 0)} vs ${fmt(v.download.curlMiBs, 0)} MiB/s, ${bigMiB} MiB file); ${fmt(median(d.curlSyncMs) / median(d.bits.map((b) => b.pollMs)), 2)} × curl + sync (same durability) | ${mark(v.download.met)} |`);
  p(`| service RSS ≤ 80 MB at any file size (80 × 10^6 B = ${fmt(TARGETS.rssBytes / MiB, 1)} MiB) | peak VmHWM ${mib(v.rss.maxKb)} (${bigMiB} MiB file: ${mib(v.rss.bigKb)}, ${s.smallMb} MiB file: ${mib(v.rss.smallKb)}, idle: ${mib(v.rss.idleKb)}) | ${mark(v.rss.met)} |`);
  for (const row of v.cli.rows) {
    p(`| CLI \`${row.label}\` ≤ \`node -e 0\` + 60 ms | ${fmt(row.ms, 0)} ms = node -e 0 (${fmt(v.cli.nodeMs, 0)} ms) + ${fmt(row.overMs, 0)} ms | ${mark(row.met)} |`);
  }
  for (const row of v.list.rows) p(`| list of ${l.jobs} ≤ 150 ms: ${row.label} | ${fmt(row.ms, row.ms < 10 ? 1 : 0)} ms | ${mark(row.met)} |`);
  p('');

  // ── 1 ──
  p(`## 1. Download of one ${bigMiB} MiB file from the same nginx`, '');
  p(`A private nginx (test/helpers/nginx.ts: 127.0.0.1, sendfile on, one worker) serves ${bigMiB} MiB of random bytes`,
    `from a temp dir; every client writes into a sibling temp dir on the same file system (${d.outDir}).`,
    `Per run, in this order: curl, curl + sync, aria2c -x1, aria2c -x4, bits-job2. Before each timed download the output is`,
    `removed and \`sync\` flushes dirty pages, so no tool pays for another's writeback; the source file is in the`,
    `page cache (written just before, plus one untimed warm-up curl). Tools are timed from spawn to exit.`, '');
  const curlSyncMs = median(d.curlSyncMs);
  p('| client | median ms | MiB/s | throughput ratio to curl | ratio to curl + sync | runs (ms) |', '|---|---:|---:|---:|---:|---|');
  const row = (name: string, xs: number[]) => {
    const ms = median(xs);
    p(`| ${name} | ${fmt(ms, 0)} | ${fmt(mibs(d.bytes, ms), 0)} | ${fmt(curlMs / ms, 2)} | ${fmt(curlSyncMs / ms, 2)} | ${list(xs)} |`);
  };
  row('curl', d.curlMs);
  row('curl, then `sync FILE` (fsync: the durability bits-job2 has at TRANSFERRED)', d.curlSyncMs);
  row('aria2c -x1 -s1', d.aria1Ms);
  row('aria2c -x4 -s4', d.aria4Ms);
  row(`bits-job2 service (resume → TRANSFERRED seen by the ${POLL_MS} ms poll)`, pollMs);
  row('bits-job2 service (resume → the job\'s transferCompletionTime)', engineMs);
  p('');
  p(`**bits-job2 / curl = ${fmt(v.download.ratio, 2)}** (throughput, poll-observed times; the poll adds up to ${POLL_MS} ms to each bits-job2 run,`,
    `the transferCompletionTime row shows the time without that granularity). \`complete()\` (rename of the temp file onto`,
    `the destination) is not in the figure: median ${fmt(median(d.bits.map((b) => b.completeMs)), 1)} ms.`, '');
  p('Exact commands / method of this run:', '');
  p('```sh',
    `curl ${curlArgs(d.url, outFile('curl-big.bin')).join(' ')}`,
    `sh -c "${curlSyncScript(d.url, outFile('curlsync-big.bin'))}"`,
    `aria2c ${ariaArgs(1, d.url, d.outDir, 'aria1-big.bin').join(' ')}`,
    `aria2c ${ariaArgs(4, d.url, d.outDir, 'aria4-big.bin').join(' ')}`,
    '```', '');
  p('bits-job2 (scripts/bench/download.ts `bitsDownload`): a fresh state dir `/tmp/bj2b-XXXXXX` per run;',
    '`ServiceClient.connect({ stateDir })` starts the service (`node dist/module/service/main.js --state-dir DIR`, default',
    'settings); `createJob(\'bench download\', DOWNLOAD)`, `addFiles(id, [{ remoteName: URL, localName: OUT }])`; clock starts,',
    `\`resume(id)\`; \`describeJob(id)\` every ${POLL_MS} ms until state TRANSFERRED; clock stops; \`/proc/PID/status\` VmHWM is read;`,
    '`complete(id)`; the output size is checked; the service is stopped (`stopService`, then by pid) and its dir removed.', '');
  p('### Service peak RSS', '');
  p('VmHWM from `/proc/<service pid>/status`, read right after TRANSFERRED; a fresh service per run, so the peak belongs to',
    'that one download. "idle" is a fresh service that only answered ping (its baseline).', '');
  p('| file size | median VmHWM | max | runs (MiB) |', '|---|---:|---:|---|');
  const hwm = (label: string, kbs: number[]) =>
    p(`| ${label} | ${mib(median(kbs))} | ${mib(Math.max(...kbs))} | ${list(kbs.map((k) => k / 1024), 1)} |`);
  hwm(`${bigMiB} MiB`, d.bits.map((b) => b.vmHwmKb));
  hwm(`${s.smallMb} MiB`, d.bitsSmall.map((b) => b.vmHwmKb));
  hwm('idle (no download)', d.idleHwmKb);
  const growth = v.rss.bigKb / v.rss.smallKb;
  p('', `Ratio of the medians, peak(${bigMiB} MiB) / peak(${s.smallMb} MiB) = ${fmt(growth, 2)}: ${growth <= 1.1 ? 'the service\'s memory does not grow with the file size.' : 'the peak grows with the file size — look for buffering of the body.'}`, '');

  // ── 2 ──
  p('## 2. CLI latency against a running service', '');
  p(`A fresh service with one job (one file, never resumed); each command is a new process, timed from spawn to exit;`,
    `one untimed warm-up of each, then ${c.runs} runs interleaved (node -e 0, info, list, node -e 0, …).`, '');
  p('| command | median ms | over `node -e 0` | runs (ms) |', '|---|---:|---:|---|');
  for (const cmd of c.commands) {
    const ms = median(cmd.ms);
    p(`| \`${cmd.label}\` | ${fmt(ms, 0)} | ${cmd.label === 'node -e 0' ? '—' : `+${fmt(ms - v.cli.nodeMs, 0)} ms`} | ${list(cmd.ms)} |`);
  }
  p('', '```sh', ...c.commands.map((cmd) => `${cmd.cmd === process.execPath ? 'node' : cmd.cmd} ${cmd.args.map((a) => a.replace(/^.*\/dist\//, 'dist/')).join(' ')}`), '```', '');

  // ── 3 ──
  p(`## 3. \`list\` with ${l.jobs} jobs`, '');
  p(`The store is filled through the in-process engine (\`PortableEngine.open({ stateDir, limits: { jobsPerUser: 20000,`,
    `jobsPerMachine: 20000 } })\`, then \`createJob\` ${l.jobs} times, one after the other; each is a durable SQLite commit).`, '');
  p(`Fill: **${fmt(l.fillMs / 1000, 1)} s** for ${l.jobs} jobs = ${fmt(l.fillMs / l.jobs, 2)} ms per createJob (${fmt(l.jobs / (l.fillMs / 1000), 0)} jobs/s).`, '');
  p('| how | median ms | ≤ 150 ms | runs (ms) |', '|---|---:|---|---|');
  const lrow = (label: string, xs: number[]) => {
    const ms = median(xs);
    p(`| ${label} | ${fmt(ms, ms < 10 ? 1 : 0)} | ${mark(ms <= TARGETS.listMs)} | ${list(xs, 1)} |`);
  };
  lrow('`engine.listJobs()` in-process (after one warm-up call)', l.engineListMs);
  lrow('`ServiceClient.listJobs()` to a service on that store (RPC, JSON over the socket)', l.serviceRpcMs);
  lrow('CLI via that service, end to end', l.cliServiceMs);
  lrow('CLI `--backend portable`, end to end (opens the store, loads every job)', l.cliPortableMs);
  p('', `The CLI prints ${fmt(l.cliPortableBytes / 1e6, 1)} MB of JSON for ${l.jobs} jobs. Commands:`, '');
  p('```sh', `node ${l.cliServiceArgs.map((a) => a.replace(/^.*\/dist\//, 'dist/')).join(' ')}`,
    `node ${l.cliPortableArgs.map((a) => a.replace(/^.*\/dist\//, 'dist/')).join(' ')}`, '```', '');

  // ── misses ──
  const misses: string[] = [];
  if (!v.download.met) misses.push('download');
  if (!v.rss.met) misses.push('rss');
  if (!v.cli.met) misses.push('cli');
  if (!v.list.met) misses.push('list');
  p('## Misses and why', '');
  if (misses.length === 0) p('Every target was met in this run.', '');
  if (misses.includes('download')) {
    p(`### Download: ${fmt(v.download.ratio, 2)} × curl (target 0.95)`, '');
    if (f.downloadProfile) {
      const pr = f.downloadProfile;
      p(`CPU profile of the service during one ${bigMiB} MiB download (the service spawned as \`node --cpu-prof --cpu-prof-dir=DIR`,
        `--cpu-prof-interval=500 dist/module/service/main.js --state-dir DIR\`; the profile is written when it stops). Download took ${fmt(pr.downloadMs, 0)} ms under the profiler;`,
        `the service's main thread was busy ${fmt(pr.busyMs, 0)} ms of the ${fmt(pr.totalMs, 0)} ms it lived (${fmt((100 * pr.busyMs) / pr.totalMs, 0)}%).`, '');
      p(profileTable(pr, 'topFunctions', 12), '');
      p(profileTable(pr, 'topFiles', 8), '');
    }
    if (f.downloadStrace) {
      p(`Syscalls of the service (all threads) during one download, \`strace -c -f -p PID\` (download took ${fmt(f.downloadStrace.downloadMs, 0)} ms under strace):`, '');
      p('```', f.downloadStrace.table, '```', '');
    }
    if (f.curlStrace) p(`Same for curl (\`${f.curlStrace.command}\`):`, '', '```', f.curlStrace.table, '```', '');
    if (f.downloadNoCheckpoints) {
      const nc = median(f.downloadNoCheckpoints.ms);
      const bitsMs = median(pollMs);
      p('What the periodic durable checkpoints cost: the same bits-job2 download with',
        `\`${Object.entries(f.downloadNoCheckpoints.env).map(([k, val]) => `${k}=${val}`).join(' ')}\` in the service's environment`,
        '(no fdatasync + store commit every second / 64 MiB; the final fsync before TRANSFERRED remains):', '');
      p('| bits-job2 | median ms | MiB/s | ratio to curl | ratio to curl + sync | runs (ms) |', '|---|---:|---:|---:|---:|---|');
      const cs = median(d.curlSyncMs);
      p(`| default settings (from the table above) | ${fmt(bitsMs, 0)} | ${fmt(mibs(d.bytes, bitsMs), 0)} | ${fmt(curlMs / bitsMs, 2)} | ${fmt(cs / bitsMs, 2)} | ${list(pollMs)} |`);
      p(`| without periodic checkpoints | ${fmt(nc, 0)} | ${fmt(mibs(d.bytes, nc), 0)} | ${fmt(curlMs / nc, 2)} | ${fmt(cs / nc, 2)} | ${list(f.downloadNoCheckpoints.ms)} |`, '');
    }
    if (f.downloadProbe) {
      const pr = f.downloadProbe;
      const c = median(pr.curlMs);
      p('The write loop alone: bare Node loops in the bench process (scripts/bench/download-probe.ts), same nginx and',
        'node:http, no engine and no fsync (so plain curl is the fair comparison), interleaved with curl:', '');
      p('| loop | median ms | MiB/s | ratio to curl | runs (ms) |', '|---|---:|---:|---:|---|');
      p(`| curl (again, same minutes) | ${fmt(c, 0)} | ${fmt(mibs(d.bytes, c), 0)} | 1.00 | ${list(pr.curlMs)} |`);
      p(`| today's pattern: await a thread-pool write of each ~64 KiB chunk before reading on | ${fmt(median(pr.serialMs), 0)} | ${fmt(mibs(d.bytes, median(pr.serialMs)), 0)} | ${fmt(c / median(pr.serialMs), 2)} | ${list(pr.serialMs)} |`);
      p(`| the same chunks with \`fs.writeSync\` (no thread-pool hop) | ${fmt(median(pr.syncMs), 0)} | ${fmt(mibs(d.bytes, median(pr.syncMs)), 0)} | ${fmt(c / median(pr.syncMs), 2)} | ${list(pr.syncMs)} |`);
      p(`| chunks gathered into 1 MiB, one awaited \`writev\` per batch | ${fmt(median(pr.batchedMs), 0)} | ${fmt(mibs(d.bytes, median(pr.batchedMs)), 0)} | ${fmt(c / median(pr.batchedMs), 2)} | ${list(pr.batchedMs)} |`, '');
    }
    p(...downloadDecomposition(d, f), '');
    p(MISS_NOTES.download, '');
  }
  if (misses.includes('rss')) {
    p(`### RSS: peak ${mib(v.rss.maxKb)} (target 80 MB)`, '');
    p('| service | VmHWM median | runs (MiB) | download ms |', '|---|---:|---|---:|');
    if (f.bareNodeHwmKb) p(`| bare \`node -e\` that loads nothing (the floor) | ${mib(f.bareNodeHwmKb)} | — | — |`);
    p(`| idle service (ping only) | ${mib(v.rss.idleKb)} | ${list(d.idleHwmKb.map((k) => k / 1024), 1)} | — |`);
    p(`| ${bigMiB} MiB download, default | ${mib(v.rss.bigKb)} | ${list(d.bits.map((b) => b.vmHwmKb / 1024), 1)} | ${fmt(median(pollMs), 0)} |`);
    if (f.rssSmallSemiSpace) {
      const x = f.rssSmallSemiSpace;
      p(`| ${bigMiB} MiB download, service started with \`node ${x.nodeArgs.join(' ')}\` | ${mib(median(x.kb))} | ${list(x.kb.map((k) => k / 1024), 1)} | ${fmt(median(x.ms), 0)} |`);
    }
    p('', MISS_NOTES.rss, '');
  }
  if (misses.includes('cli')) {
    p(`### CLI latency: ${v.cli.rows.map((x) => `\`${x.label}\` +${fmt(x.overMs, 0)} ms`).join(', ')} over \`node -e 0\` (target +60 ms)`, '');
    if (f.cliProfile) {
      p(`\`node --cpu-prof --cpu-prof-interval=200 dist/module/cli/main.js info ID --state-dir DIR\` (${fmt(f.cliProfile.wallMs, 0)} ms wall under the profiler,`,
        `${fmt(f.cliProfile.busyMs, 0)} ms of JS-thread time sampled). Self time by file:`, '');
      p(profileTable(f.cliProfile, 'topFiles', 12), '');
      p(profileTable(f.cliProfile, 'topFunctions', 10), '');
    }
    if (f.cliImports) {
      const base = median(f.cliImports[0].ms);
      p('Loading the modules alone (`node --input-type=module -e CODE` in the repository, median of 5):', '');
      p('| what | median ms | over plain node | code |', '|---|---:|---:|---|');
      for (const c of f.cliImports) p(`| ${c.label} | ${fmt(median(c.ms), 0)} | +${fmt(median(c.ms) - base, 0)} | \`${c.code}\` |`);
      p('');
    }
    p(MISS_NOTES.cli, '');
  }
  if (misses.includes('list')) {
    p(`### list of ${l.jobs}: ${v.list.rows.filter((x) => !x.met).map((x) => `${x.label} ${fmt(x.ms, 0)} ms`).join('; ')} (target 150 ms)`, '');
    if (f.listEngineProfile) {
      p(`In-process \`engine.listJobs()\`, 20 calls under the inspector profiler (100 µs sampling):`, '', profileTable(f.listEngineProfile, 'topFunctions', 8), '');
    }
    if (f.listCliProfile) {
      p(`\`node --cpu-prof --cpu-prof-interval=200 dist/module/cli/main.js list --json --backend portable --state-dir DIR\` (${fmt(f.listCliProfile.wallMs, 0)} ms wall under the profiler):`, '');
      p(profileTable(f.listCliProfile, 'topFunctions', 12), '');
      p(profileTable(f.listCliProfile, 'topFiles', 8), '');
    }
    if (f.listServiceCliProfile) {
      p(`\`node --cpu-prof --cpu-prof-interval=200 dist/module/cli/main.js list --json --state-dir DIR\` with the service running (${fmt(f.listServiceCliProfile.wallMs, 0)} ms wall under the profiler):`, '');
      p(profileTable(f.listServiceCliProfile, 'topFunctions', 12), '');
    }
    p(MISS_NOTES.list, '');
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
