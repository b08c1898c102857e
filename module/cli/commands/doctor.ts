// `doctor`: checks what bits-job2 needs and says what is wrong, with the fix — Node, the SQLite
// add-on, the state directory, the store, the clock, the service, proxy variables, the CA file and
// Kerberos (the add-on, the ticket cache and its expiry);
// on Windows the BITS service and whether this is an interactive logon. Only looks (module/cli/doctor).
// Exit 0 when nothing failed (warnings included), 1 otherwise.
import { spawnSync } from 'node:child_process';
import type { Argv, CommandModule } from 'yargs';
import { defaultStateDir } from '../../common/paths.js';
import { printOutput, println, run, type CliContext } from '../context.js';
import type { CheckResult } from '../doctor/check.js';
import { checkAuthSchemes } from '../doctor/auth-check.js';
import { checkKerberos } from '../doctor/kerberos-check.js';
import { checkNode, checkSqliteAddon, checkStateDir, checkStore } from '../doctor/local-checks.js';
import { checkCaFile, checkProxyEnv } from '../doctor/network-checks.js';
import { checkService } from '../doctor/service-check.js';
import { checkPolicy } from '../doctor/policy-check.js';
import { checkBitsService, checkInteractiveSession } from '../doctor/windows-checks.js';
import { EXIT } from '../exit-codes.js';
import { paint, table } from '../format.js';
import type { Args } from '../from-api.js';

async function checks(ctx: CliContext): Promise<CheckResult[]> {
  const results = [checkNode()];
  if (process.platform === 'win32') {
    const sc = spawnSync('sc.exe', ['query', 'BITS'], { encoding: 'utf8' });
    results.push(checkBitsService(sc.error ? undefined : sc.stdout + sc.stderr), checkInteractiveSession(process.env));
  }
  if (ctx.backendName !== 'native') {
    const dir = ctx.stateDir ?? defaultStateDir();
    const addon = checkSqliteAddon();
    results.push(addon, checkStateDir(dir));
    if (addon.status === 'ok') results.push(...checkStore(dir));
    if (ctx.backendName === 'service') results.push(await checkService(dir));
    results.push(...checkPolicy(dir), ...checkProxyEnv(), checkCaFile(), checkAuthSchemes(), checkKerberos());
  }
  return results;
}

const MARK = { ok: paint('green', 'ok  '), warn: paint('yellow', 'warn'), fail: paint('red', 'FAIL') } as const;

async function doctor(ctx: CliContext): Promise<number> {
  const results = await checks(ctx);
  const failed = results.some((r) => r.status === 'fail');
  if (ctx.json) {
    printOutput('doctor', { ok: !failed, backend: ctx.backendName, checks: results });
  } else {
    println(table(['', 'CHECK', 'FOUND'], results.map((r) => [MARK[r.status], r.check, r.detail])));
    const todo = results.filter((r) => r.fix);
    if (todo.length) println(['', 'To do:', ...todo.map((r) => `  ${r.check}: ${r.fix}`)].join('\n'));
    else println('\nNothing to do.');
  }
  return failed ? EXIT.BITS_ERROR : EXIT.OK;
}

const command: CommandModule = {
  command: 'doctor',
  describe: 'Checks Node, the job store, the state directory, the service, proxy and CA settings (on Windows BITS and the logon) and says what to fix.',
  builder: (y: Argv) =>
    y
      .usage(
        '$0 doctor [--json]\n\n' +
          'Checks what bits-job2 needs and prints one line per check (ok, warn, FAIL) and what to do. It only looks: it starts no service, ' +
          'creates nothing and opens the store read-only. Exit code 0 when nothing failed (warnings included), 1 otherwise.',
      )
      .example('bits-job2 doctor', 'Check this machine and your state directory.')
      .example('bits-job2 doctor --json', 'The same as a document ({ok, backend, checks: [{check, status, detail, fix}]}).'),
  handler: (argv) => run(argv as unknown as Args, (ctx) => doctor(ctx)),
};
export default command;
