// Bench 2: CLI latency against a running service — `info <id>` and `list` vs `node -e 0` (process
// start alone), each run as a fresh process, interleaved, median of N (default 10).
import { join } from 'node:path';
import { JobType } from '../../module/api/enums.js';
import { startService } from './service.js';
import { CLI_JS, NODE, progress, REPO, timedOk } from './util.js';

export interface CliCommand {
  label: string;
  cmd: string;
  args: string[];
  ms: number[];
}

export interface CliResults {
  runs: number;
  commands: CliCommand[];
  /** The service's job id used by `info`, and its state dir (both gone after the bench). */
  jobId: string;
  stateDir: string;
}

export async function runCliBench(runs: number, profileHook?: (stateDir: string, jobId: string) => Promise<void>): Promise<CliResults> {
  const svc = await startService();
  try {
    const { client, stateDir } = svc;
    const jobId = await client.createJob('cli latency bench', JobType.DOWNLOAD);
    await client.addFiles(jobId, [{ remoteName: 'http://127.0.0.1:9/never-fetched.bin', localName: join(stateDir, 'never.bin') }]);
    const commands: CliCommand[] = [
      { label: 'node -e 0', cmd: NODE, args: ['-e', '0'], ms: [] },
      { label: 'info <id>', cmd: NODE, args: [CLI_JS, 'info', jobId, '--state-dir', stateDir], ms: [] },
      { label: 'list', cmd: NODE, args: [CLI_JS, 'list', '--state-dir', stateDir], ms: [] },
    ];
    progress(`CLI latency: service pid ${svc.pid}, one warm-up run of each command, then ${runs} interleaved runs`);
    for (const c of commands) await timedOk(c.cmd, c.args);
    for (let i = 0; i < runs; i++) {
      for (const c of commands) c.ms.push((await timedOk(c.cmd, c.args)).ms);
    }
    for (const c of commands) progress(`CLI ${c.label.padEnd(10)} runs: ${c.ms.map((m) => m.toFixed(0)).join(' ')} ms`);
    if (profileHook) await profileHook(stateDir, jobId);
    return { runs, commands, jobId, stateDir };
  } finally {
    await svc.stop();
  }
}

export interface ImportCost {
  label: string;
  /** The module text given to `node --input-type=module -e` (run with the repository as cwd). */
  code: string;
  ms: number[];
}

/** What loading the CLI's modules alone costs: `node -e 0` vs importing yargs, the parser, the service client. */
export async function measureImportCosts(runs: number): Promise<ImportCost[]> {
  const costs: ImportCost[] = [
    { label: 'node (ESM, nothing imported)', code: '0', ms: [] },
    { label: "import 'yargs'", code: "await import('yargs')", ms: [] },
    { label: 'import the CLI parser (yargs + every command module)', code: "await import('./dist/module/cli/parser.js')", ms: [] },
    { label: 'import the service client', code: "await import('./dist/module/service/client.js')", ms: [] },
    { label: 'import parser + BitsManager + service client', code: "await Promise.all(['./dist/module/cli/parser.js', './dist/module/core/bits-manager.js', './dist/module/core/select-backend.js', './dist/module/service/client.js'].map((m) => import(m)))", ms: [] },
  ];
  for (const c of costs) await timedOk(NODE, ['--input-type=module', '-e', c.code], { cwd: REPO });
  for (let i = 0; i < runs; i++) {
    for (const c of costs) c.ms.push((await timedOk(NODE, ['--input-type=module', '-e', c.code], { cwd: REPO })).ms);
  }
  return costs;
}
