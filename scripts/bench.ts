// `npm run bench` (never part of the tests): measures bits-job2 on loopback against the tools a user
// would pick instead (curl, aria2c, nginx, `node -e 0`) in one run and writes BENCHMARKS.md (DESIGN §6).
// Each measurement lives in scripts/bench/*; this file runs them in order, profiles what missed its
// target, writes the report and cleans up everything it started (nginx, servers, services, strace,
// temp dirs) whatever happens.
//
// Sizes and run counts: `npm run bench -- --help` (flags or BENCH_* variables; `--quick` for a smoke
// run of about a minute, reported to a temp file).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { figuresOf } from './bench/previous.js';
import { farmBlock, yieldSection } from './bench/report-parts.js';
import { renderCurves, runCurves, type Curves } from './bench/curves.js';
import { runFragmentCurve } from './bench/fragment-curve.js';
import { measureImportCosts, runCliBench, type CliResults } from './bench/cli.js';
import { probeConcurrent, runConcurrentBench } from './bench/concurrent.js';
import { runDownloadProbe } from './bench/download-probe.js';
import { bitsDownload, runDownloadBench, setUpDownloads, type DownloadResults } from './bench/download.js';
import { runListBench, type ListResults } from './bench/list10k.js';
import { runNativeBench } from './bench/native.js';
import { cpuProfArgs, logTop, profileCommand, profileDir, profileInProcess, readProfileDir, straceAttach, straceTop, type StraceHandle } from './bench/profile.js';
import { runPwshBench } from './bench/pwsh.js';
import { renderReport } from './bench/report.js';
import { evaluate, type Findings, type ReportInput } from './bench/results.js';
import { sweepServicesSync } from './bench/service.js';
import { parseSettings } from './bench/settings.js';
import { runReplyBench } from './bench/upload-reply.js';
import { profileUpload, runUploadBench, setUpUploads } from './bench/upload.js';
import { CLI_JS, describeMachine, interruptChildren, sweepTempDirsSync, hrMs, loadavgLine, median, MiB, progress, runCleanups, timedOk } from './bench/util.js';

let settings: ReturnType<typeof parseSettings>;
try {
  settings = parseSettings(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}
const { sizeMb, runs, cliRuns, jobs, listRuns, smallMb } = settings;
const outPath = settings.out;
const profileMode = settings.profile;

/** BITS_JOB2_CHECKPOINT_MS / _BYTES far beyond one download: no periodic fdatasync + store commit. */
const NO_CHECKPOINTS = { BITS_JOB2_CHECKPOINT_MS: String(24 * 3600 * 1000), BITS_JOB2_CHECKPOINT_BYTES: String(2 ** 40) };

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress(`${sig}: cleaning up`);
    // Cleanup runs twice: the main flow may have created something while the first pass ran.
    void interruptChildren().then(runCleanups).then(runCleanups).finally(() => {
      sweepServicesSync();
      sweepTempDirsSync();
      process.exit(130);
    });
  });
}

async function main(): Promise<void> {
  const started = hrMs();
  const machine = describeMachine();
  progress(`machine: ${machine.nproc} CPUs, ${machine.memTotalMiB} MiB, node ${machine.node}; file ${sizeMb} MiB, ${runs} runs${settings.quick ? ' (--quick)' : ''}; loadavg ${machine.loadavgAtStart}`);
  const loads: { label: string; line: string }[] = [{ label: 'start', line: machine.loadavgAtStart }];
  const mark = (label: string) => loads.push({ label, line: loadavgLine() });

  // 1. Download + RSS
  const fixture = await setUpDownloads(sizeMb * MiB, smallMb * MiB, settings.concMb * MiB);
  const download: DownloadResults = await runDownloadBench(fixture, runs);
  mark('after the downloads');

  // 4. Upload to our server vs curl -T to nginx (PUT); 5. the upload-reply round trip (section numbers of the report)
  const uploads = await setUpUploads(fixture);
  const upload = await runUploadBench(uploads, runs);
  mark('after the uploads');
  const reply = await runReplyBench(uploads, settings.replyRuns, settings.replyKb * 1024);
  mark('after the upload-reply round trips');

  // 6. N concurrent foreground jobs
  const concurrent = await runConcurrentBench(fixture, settings.concJobs, settings.concMb * MiB, runs);
  mark('after the concurrent jobs');

  // Growth curves: concurrent jobs and list size (one run per point)
  const curves: Curves = await runCurves(
    fixture,
    settings.quick ? [1, 5] : [1, 10, 50, 100, 200],
    settings.quick ? [100, 500] : [100, 1000, 10_000, 50_000],
    settings.concMb * MiB,
  );
  curves.fragments = await runFragmentCurve(
    uploads,
    settings.quick ? [256 * 1024, 4 * MiB] : [64 * 1024, 256 * 1024, MiB, 4 * MiB, 13 * MiB],
    (settings.quick ? 16 : Math.min(128, sizeMb)) * MiB,
  );
  mark('after the growth curves');

  // 2. CLI latency
  let cliProfile: Findings['cliProfile'];
  const cli: CliResults = await runCliBench(cliRuns, async (stateDir, jobId) => {
    if (profileMode === 'never') return;
    // Profiled inside the hook so the service is still up; kept only if the target was missed (decided below).
    progress('CLI: one run of `info` under --cpu-prof');
    cliProfile = await profileCommand([CLI_JS, 'info', jobId, '--state-dir', stateDir]);
  });

  mark('after CLI latency');

  // 3. list with 10,000 jobs
  let listEngineProfile: Findings['listEngineProfile'];
  let listCliProfile: Findings['listCliProfile'];
  let listServiceCliProfile: Findings['listServiceCliProfile'];
  const list: ListResults = await runListBench(jobs, listRuns, {
    afterFill: async (engine) => {
      if (profileMode === 'never') return;
      listEngineProfile = await profileInProcess(() => engine.listJobs(), 20);
    },
    afterCli: async (stateDir) => {
      if (profileMode === 'never') return;
      progress('list: one run of the portable CLI list under --cpu-prof');
      listCliProfile = await profileCommand([CLI_JS, 'list', '--json', '--backend', 'portable', '--state-dir', stateDir]);
    },
    withService: async (stateDir) => {
      if (profileMode === 'never') return;
      progress('list: one run of the CLI list via the service under --cpu-prof');
      listServiceCliProfile = await profileCommand([CLI_JS, 'list', '--json', '--state-dir', stateDir]);
    },
  });

  mark('after list');

  // 7. Cmdlet vs CLI; 8. bridge overhead
  const pwsh = await runPwshBench(settings.pwshRuns);
  const native = await runNativeBench();
  mark('after cmdlets and bridge');

  const verdicts = evaluate({ download, cli, list, upload, reply, concurrent, pwsh, native });
  const findings: Findings = {};
  const want = (missed: boolean) => profileMode === 'always' || (profileMode === 'misses' && missed);
  if (want(!verdicts.download.met)) {
    progress('download missed its target: one bits-job2 download with the service under --cpu-prof');
    const dir = profileDir();
    const run = await bitsDownload(fixture, fixture.bigName, fixture.bigBytes, { nodeArgs: cpuProfArgs(dir) });
    findings.downloadProfile = { ...readProfileDir(dir), downloadMs: run.pollMs };
    logTop('service profile', findings.downloadProfile);
    progress('download: one bits-job2 download with strace -c -f attached to the service');
    let strace: StraceHandle | undefined;
    const sRun = await bitsDownload(fixture, fixture.bigName, fixture.bigBytes, { during: async (pid) => void (strace = await straceAttach(pid)) }).catch(async (e) => {
      await strace?.stop().catch(() => '');
      throw e;
    });
    // The service has exited by now; strace ends with it, stop() just collects the table.
    findings.downloadStrace = { table: straceTop(await strace!.stop(), 12), downloadMs: sRun.pollMs };
    progress('download: one curl under strace -c -f for comparison');
    findings.curlStrace = await straceCurl(fixture.url(fixture.bigName), join(fixture.out, 'strace-curl.bin'));
    // What the durable checkpoints cost: the same download with them pushed out of reach (the final
    // fsync before TRANSFERRED stays; it is not configurable).
    findings.downloadNoCheckpoints = { env: NO_CHECKPOINTS, ms: [] };
    for (let i = 1; i <= runs; i++) {
      const b = await bitsDownload(fixture, fixture.bigName, fixture.bigBytes, { env: NO_CHECKPOINTS });
      findings.downloadNoCheckpoints.ms.push(b.pollMs);
      progress(`run ${i}/${runs} bits-job2 without periodic checkpoints ${b.pollMs.toFixed(0)} ms`);
    }
    progress('download: bare Node write loops (today\'s pattern, writeSync, 1 MiB batches), interleaved with curl');
    findings.downloadProbe = await runDownloadProbe(fixture, runs);
  }
  if (want(!verdicts.upload.met)) {
    progress('upload missed its target: one bits-job2 upload with the service and a second server under --cpu-prof');
    findings.uploadProfile = await profileUpload(uploads);
    logTop('upload: service profile', findings.uploadProfile.service);
    logTop('upload: server profile', findings.uploadProfile.server);
  }
  if (want(!verdicts.concRss.met)) {
    progress(`concurrent jobs: one batch with the service under --cpu-prof, one with --max-semi-space-size=1`);
    findings.concurrentProbe = await probeConcurrent(fixture, settings.concJobs, settings.concMb * MiB);
    logTop('concurrent: service profile', findings.concurrentProbe.profile);
    progress(`concurrent with --max-semi-space-size=1: VmHWM ${(findings.concurrentProbe.smallSemi.peakRssKb / 1024).toFixed(1)} MiB, ${findings.concurrentProbe.smallSemi.wallMs.toFixed(0)} ms`);
  }
  if (want(!verdicts.rss.met)) {
    // How much does the launchers' 1 MiB young generation (module/service/node-flags.ts) give? The same
    // download with V8's default maximum (16 MiB; a later flag overrides the launcher's).
    findings.rssSmallSemiSpace = { nodeArgs: ['--max-semi-space-size=16'], kb: [], ms: [] };
    for (let i = 1; i <= runs; i++) {
      const b = await bitsDownload(fixture, fixture.bigName, fixture.bigBytes, { nodeArgs: findings.rssSmallSemiSpace.nodeArgs });
      findings.rssSmallSemiSpace.kb.push(b.vmHwmKb);
      findings.rssSmallSemiSpace.ms.push(b.pollMs);
      progress(`run ${i}/${runs} bits-job2 service with --max-semi-space-size=16: VmHWM ${(b.vmHwmKb / 1024).toFixed(1)} MiB, ${b.pollMs.toFixed(0)} ms`);
    }
    findings.bareNodeHwmKb = await bareNodeHwm();
  }
  if (want(!verdicts.cli.met)) {
    findings.cliProfile = cliProfile;
    if (cliProfile) logTop('CLI info profile', cliProfile);
    progress('CLI: what importing its modules alone costs (5 runs each)');
    findings.cliImports = await measureImportCosts(5);
    for (const c of findings.cliImports) progress(`   ${median(c.ms).toFixed(0).padStart(4)} ms  ${c.label}`);
  }
  if (want(!verdicts.list.met)) {
    findings.listEngineProfile = listEngineProfile;
    findings.listCliProfile = listCliProfile;
    findings.listServiceCliProfile = listServiceCliProfile;
    if (listCliProfile) logTop('CLI list (portable) profile', listCliProfile);
    if (listServiceCliProfile) logTop('CLI list (service) profile', listServiceCliProfile);
  }

  const totalS = (hrMs() - started) / 1000;
  mark('end');
  const input: ReportInput = { machine, download, cli, list, upload, reply, concurrent, pwsh, native, verdicts, findings, totalS, loads, settings, curves };
  writeFileSync(outPath, renderWithCurves(input));
  writeFigures(input);
  // The measurements themselves, so that the report can be re-rendered after editing its text (--render).
  const dataPath = join(tmpdir(), `bits-job2-bench-${settings.quick ? 'quick' : 'full'}.json`);
  writeFileSync(dataPath, JSON.stringify(input));
  progress(`wrote ${outPath} (${totalS.toFixed(0)} s in all); measurements in ${dataPath}`);
}

/** --render FILE: the report from the measurements a previous run saved (no measuring). */
function renderOnly(file: string): void {
  const input = JSON.parse(readFileSync(file, 'utf8')) as ReportInput;
  input.verdicts = evaluate(input);
  writeFileSync(outPath, renderWithCurves(input));
  writeFigures(input); // the verdicts may have gained figures since the run
  progress(`re-rendered ${outPath} from ${file} (measured ${input.machine.date})`);
}

/** The headline figures, committed with BENCHMARKS.md: the next run shows them beside its own. */
function writeFigures(input: ReportInput): void {
  if (!input.settings.quick) writeFileSync(join(dirname(outPath), 'BENCHMARKS.json'), `${JSON.stringify(figuresOf(input.verdicts, input.machine.date, input.machine.source), null, 2)}\n`);
}

/**
 * The report plus the growth-curve section; the SVG plots are written next to the report. The parts
 * the other two benches wrote into the report it replaces are kept — section 9 (bench-yield.js,
 * before "Misses and why") and the "Upload server under load" block (farm-load.js --write): in a full
 * run they come after this one and replace their parts again, and --render must not drop them.
 */
function renderWithCurves(input: ReportInput): string {
  const curves = input.curves ? renderCurves(input.curves, dirname(outPath)).join('\n') : '';
  const old = existsSync(outPath) ? readFileSync(outPath, 'utf8') : '';
  const farm = farmBlock(old);
  const yieldPart = yieldSection(old);
  let report = renderReport(input);
  const misses = report.indexOf('\n## Misses and why');
  if (yieldPart && misses >= 0) report = `${report.slice(0, misses + 1)}${yieldPart.trimEnd()}\n\n${report.slice(misses + 1)}`;
  return `${report}${curves ? `\n${curves}` : ''}${farm ? `\n${farm}` : ''}`;
}

/** VmHWM of a Node process that loads nothing (the floor under any Node service), kB. */
async function bareNodeHwm(): Promise<number> {
  const r = await timedOk(process.execPath, ['-e', "setTimeout(() => console.log(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]), 200)"], { keepStdout: true });
  return Number(r.stdout.trim());
}

async function straceCurl(url: string, file: string): Promise<{ table: string; command: string }> {
  const dir = profileDir();
  const out = join(dir, 'curl-strace.txt');
  const args = ['-c', '-f', '-o', out, 'curl', '-s', '-o', file, url];
  await timedOk('strace', args);
  rmSync(file, { force: true });
  return { table: straceTop(readFileSync(out, 'utf8'), 12), command: `strace ${args.join(' ')}` };
}

let failed = false;
try {
  if (settings.render) renderOnly(settings.render);
  else await main();
} catch (e) {
  failed = true;
  progress(`FAILED: ${(e as Error).stack ?? e}`);
} finally {
  progress('cleaning up (nginx, services, temp dirs)');
  await runCleanups();
  sweepServicesSync();
  sweepTempDirsSync();
}
process.exit(failed ? 1 : 0);
