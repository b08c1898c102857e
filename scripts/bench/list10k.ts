// Bench 3: `list` with 10,000 jobs. Fills a store through the in-process engine (every createJob is
// a durable SQLite commit, so the fill time is a number of its own), then times engine.listJobs()
// in-process, the CLI with --backend portable end to end (open store, load, snapshot, print JSON),
// and the same through a service (RPC listJobs, and the CLI talking to it).
import { rmSync } from 'node:fs';
import { JobType } from '../../module/api/enums.js';
import { PortableEngine } from '../../module/engine/engine.js';
import { startService } from './service.js';
import { CLI_JS, hrMs, NODE, onCleanup, progress, tempDir, timedOk } from './util.js';

export interface ListResults {
  jobs: number;
  fillMs: number;
  listRuns: number;
  engineListMs: number[];
  cliPortableMs: number[];
  cliPortableBytes: number;
  serviceRpcMs: number[];
  cliServiceMs: number[];
  cliPortableArgs: string[];
  cliServiceArgs: string[];
  stateDir: string;
}

export async function runListBench(
  jobs: number,
  listRuns: number,
  hooks: {
    afterFill?: (engine: PortableEngine) => Promise<void>;
    afterCli?: (stateDir: string) => Promise<void>;
    withService?: (stateDir: string) => Promise<void>;
  } = {},
): Promise<ListResults> {
  const stateDir = tempDir('bj2l-');
  const removeDir = onCleanup(`state dir ${stateDir}`, () => rmSync(stateDir, { recursive: true, force: true }));
  try {
    const engine = await PortableEngine.open({ stateDir, limits: { jobsPerUser: 20_000, jobsPerMachine: 20_000 } });
    const closeEngine = onCleanup('in-process engine', () => engine.close());
    progress(`list: filling ${jobs} jobs into ${stateDir} through the in-process engine`);
    const f0 = hrMs();
    for (let i = 0; i < jobs; i++) {
      await engine.createJob(`bench job ${i}`, JobType.DOWNLOAD);
      if ((i + 1) % 2000 === 0) progress(`list: ${i + 1}/${jobs} jobs (${((hrMs() - f0) / 1000).toFixed(1)} s)`);
    }
    const fillMs = hrMs() - f0;
    const engineListMs: number[] = [];
    const warm = await engine.listJobs();
    if (warm.length !== jobs) throw new Error(`engine.listJobs() returned ${warm.length} jobs, expected ${jobs}`);
    for (let i = 0; i < listRuns; i++) {
      const t = hrMs();
      await engine.listJobs();
      engineListMs.push(hrMs() - t);
    }
    progress(`list: engine.listJobs() ${engineListMs.map((m) => m.toFixed(1)).join(' ')} ms`);
    if (hooks.afterFill) await hooks.afterFill(engine);
    await closeEngine();

    const cliPortableArgs = [CLI_JS, 'list', '--json', '--backend', 'portable', '--state-dir', stateDir];
    const first = await timedOk(NODE, cliPortableArgs, { keepStdout: true });
    const listed = (JSON.parse(first.stdout) as unknown[]).length;
    if (listed !== jobs) throw new Error(`CLI list --json printed ${listed} jobs, expected ${jobs}`);
    const cliPortableMs: number[] = [];
    for (let i = 0; i < listRuns; i++) cliPortableMs.push((await timedOk(NODE, cliPortableArgs)).ms);
    progress(`list: CLI --backend portable ${cliPortableMs.map((m) => m.toFixed(0)).join(' ')} ms (${(first.stdoutBytes / 1e6).toFixed(1)} MB of JSON)`);
    if (hooks.afterCli) await hooks.afterCli(stateDir);

    // The same store behind a service (it loads all 10,000 at start; default limits do not matter for loading).
    const svc = await startService({ stateDir, keepStateDir: true });
    const serviceRpcMs: number[] = [];
    const cliServiceArgs = [CLI_JS, 'list', '--json', '--state-dir', stateDir];
    const cliServiceMs: number[] = [];
    try {
      const n = (await svc.client.listJobs()).length;
      if (n !== jobs) throw new Error(`service listJobs returned ${n} jobs, expected ${jobs}`);
      for (let i = 0; i < listRuns; i++) {
        const t = hrMs();
        await svc.client.listJobs();
        serviceRpcMs.push(hrMs() - t);
      }
      await timedOk(NODE, cliServiceArgs);
      for (let i = 0; i < listRuns; i++) cliServiceMs.push((await timedOk(NODE, cliServiceArgs)).ms);
      if (hooks.withService) await hooks.withService(stateDir);
    } finally {
      await svc.stop();
    }
    progress(`list: service RPC listJobs ${serviceRpcMs.map((m) => m.toFixed(0)).join(' ')} ms; CLI via service ${cliServiceMs.map((m) => m.toFixed(0)).join(' ')} ms`);
    return {
      jobs, fillMs, listRuns, engineListMs, cliPortableMs, cliPortableBytes: first.stdoutBytes, serviceRpcMs, cliServiceMs,
      cliPortableArgs, cliServiceArgs, stateDir,
    };
  } finally {
    await removeDir();
  }
}
