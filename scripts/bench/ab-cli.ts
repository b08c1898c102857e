// Paired before/after runs of the CLI's latency (not part of `npm run bench`): sections 2 and 3 of
// the report — `info <id>` and `list` against a service with one job, and `list --json` of N jobs
// through a service and with --backend portable — for a CLI (and its service) built from another
// checkout's dist/ ("base") and from this one ("new"), interleaved run by run, so that both see the
// load of the same minutes. Each side has its own service and its own copy of the store.
//
//   cp -r dist /tmp/base/dist && ln -s $PWD/node_modules /tmp/base/   # before the change
//   node dist/scripts/bench/ab-cli.js --base /tmp/base/dist [--runs 10] [--jobs 10000] [--parts cli,list]
import { cpSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { JobType } from '../../module/api/enums.js';
import { PortableEngine } from '../../module/engine/engine.js';
import { startService, type BenchService } from './service.js';
import { cpuMs, median, NODE, onCleanup, progress, REPO, runCleanups, tempDir, timedOk, timedOkCpu } from './util.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    runs: { type: 'string', default: '10' },
    jobs: { type: 'string', default: '10000' },
    parts: { type: 'string', default: 'cli,list' },
  },
});
if (!values.base) throw new Error('--base DIST (the dist/ of the build to compare with) is required');
const runs = Number(values.runs);
const jobs = Number(values.jobs);
const parts = new Set(values.parts!.split(','));
const DISTS = { base: values.base, new: join(REPO, 'dist') } as const;
type Side = keyof typeof DISTS;
const cliOf = (side: Side) => join(DISTS[side], 'module', 'cli', 'main.js');
const serviceOf = (side: Side) => join(DISTS[side], 'module', 'service', 'main.js');

/** Wall ms, and CPU ms of the CLI process plus (through a service) the service's CPU during the run. */
const rows = new Map<string, { ms: number[]; cpu: number[] }>();
const loads: string[] = [];
const noteLoad = (when: string) => loads.push(`${when}: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

/** Runs every command once untimed, then `runs` rounds of all of them in turn. */
async function interleaved(commands: { label: string; args: string[]; servicePid?: number }[]): Promise<void> {
  for (const c of commands) await timedOk(NODE, c.args);
  for (let i = 0; i < runs; i++) {
    for (const c of commands) {
      const row = rows.get(c.label) ?? { ms: [], cpu: [] };
      rows.set(c.label, row);
      const before = c.servicePid ? cpuMs(c.servicePid) : 0;
      const run = await timedOkCpu(NODE, c.args);
      row.ms.push(run.ms);
      row.cpu.push(run.cpuMs + (c.servicePid ? cpuMs(c.servicePid) - before : 0));
    }
  }
  for (const c of commands) progress(`${c.label.padEnd(40)} ${rows.get(c.label)!.ms.map((m) => m.toFixed(0)).join(' ')} ms`);
}

async function withServices<T>(dirs: Record<Side, string | undefined>, body: (s: Record<Side, BenchService>) => Promise<T>): Promise<T> {
  const base = await startService({ main: serviceOf('base'), stateDir: dirs.base, keepStateDir: dirs.base !== undefined });
  try {
    const fresh = await startService({ main: serviceOf('new'), stateDir: dirs.new, keepStateDir: dirs.new !== undefined });
    try {
      return await body({ base, new: fresh });
    } finally {
      await fresh.stop();
    }
  } finally {
    await base.stop();
  }
}

try {
  noteLoad('start');
  if (parts.has('cli')) {
    await withServices({ base: undefined, new: undefined }, async (svc) => {
      const ids = { base: await svc.base.client.createJob('ab cli', JobType.DOWNLOAD), new: await svc.new.client.createJob('ab cli', JobType.DOWNLOAD) };
      const commands: { label: string; args: string[]; servicePid?: number }[] = [{ label: 'node -e 0', args: ['-e', '0'] }];
      for (const cmd of ['info', 'list'] as const) {
        for (const side of ['base', 'new'] as const) {
          commands.push({ label: `${cmd} ${side}`, args: [cliOf(side), cmd, ...(cmd === 'info' ? [ids[side]] : []), '--state-dir', svc[side].stateDir], servicePid: svc[side].pid });
        }
      }
      await interleaved(commands);
    });
    noteLoad('after cli');
  }
  if (parts.has('list')) {
    const store = tempDir('bj2abl-');
    onCleanup(`store ${store}`, () => rmSync(store, { recursive: true, force: true }));
    const engine = await PortableEngine.open({ stateDir: store, limits: { jobsPerUser: jobs + 1, jobsPerMachine: jobs + 1 } });
    progress(`list: filling ${jobs} jobs`);
    for (let i = 0; i < jobs; i++) await engine.createJob(`bench job ${i}`, JobType.DOWNLOAD);
    await engine.close();
    const dirs = { base: tempDir('bj2abb-'), new: tempDir('bj2abn-') };
    for (const d of Object.values(dirs)) {
      cpSync(store, d, { recursive: true });
      onCleanup(`store ${d}`, () => rmSync(d, { recursive: true, force: true }));
    }
    const list = (side: Side, portable: boolean) => [cliOf(side), 'list', '--json', ...(portable ? ['--backend', 'portable'] : []), '--state-dir', dirs[side]];
    await interleaved([
      { label: `list ${jobs} --backend portable base`, args: list('base', true) },
      { label: `list ${jobs} --backend portable new`, args: list('new', true) },
    ]);
    noteLoad('after portable');
    await withServices(dirs, (svc) => interleaved([
      { label: `list ${jobs} --json via service base`, args: list('base', false), servicePid: svc.base.pid },
      { label: `list ${jobs} --json via service new`, args: list('new', false), servicePid: svc.new.pid },
    ]));
    noteLoad('after service');
  }
  process.stdout.write(`\n| command | median ms | median CPU ms (CLI + service) | runs (ms) |\n|---|---:|---:|---|\n`);
  for (const [label, r] of rows) process.stdout.write(`| ${label} | ${median(r.ms).toFixed(0)} | ${median(r.cpu).toFixed(0)} | ${r.ms.map((m) => m.toFixed(0)).join(', ')} |\n`);
  process.stdout.write(`\nload average (1, 5, 15 min): ${loads.join('; ')}\n`);
} finally {
  await runCleanups();
}
