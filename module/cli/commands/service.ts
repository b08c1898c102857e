// `service start|stop|status|install|uninstall`: the per-user background service of the portable
// engine; install/uninstall manage the login item that starts it at login (module/service/login-item.ts).
import type { Argv, CommandModule } from 'yargs';
import { BitsError } from '../../api/bits-error.js';
import type { Args } from '../from-api.js';
import { printOutput, println, run, type CliContext } from '../context.js';
import { CliFailure } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { LoginItemReport } from '../../service/login-item-install.js';

type Action = 'start' | 'stop' | 'status' | 'install' | 'uninstall';

async function control() {
  return import('../../service/control.js');
}

function printLoginItem(ctx: CliContext, command: 'service install' | 'service uninstall', r: LoginItemReport, verb: string): void {
  if (ctx.json) return printOutput(command, r);
  if (r.path) println(`${r.changed ? verb : 'unchanged'}: ${r.path}${r.applied && r.changed ? ' (active)' : ''}`);
  for (const left of r.leftOut) println(`not copied into the file: ${left}`);
  for (const note of r.notes) println(note);
  if (r.commands.length) println(['to finish:', ...r.commands.map((c) => `  ${c}`)].join('\n'));
}

async function act(ctx: CliContext, action: Action, argv: Args): Promise<number> {
  if (action === 'install' || action === 'uninstall') {
    const { defaultStateDir } = await import('../../common/paths.js');
    const items = await import('../../service/login-item-install.js');
    if (action === 'uninstall') printLoginItem(ctx, 'service uninstall', items.uninstallLoginItem(), 'removed');
    else if (argv.print === true) {
      const r = items.installLoginItem(ctx.stateDir ?? defaultStateDir(), { write: false });
      if (ctx.json) printOutput('service install', r);
      else process.stdout.write(r.content ?? '');
    } else printLoginItem(ctx, 'service install', items.installLoginItem(ctx.stateDir ?? defaultStateDir()), 'written');
    return EXIT.OK;
  }
  const c = await control();
  const dir = ctx.stateDir;
  if (action === 'status') {
    const s = await c.serviceStatus(dir);
    if (ctx.json) printOutput('service status', s);
    else {
      println(s.running ? `running (pid ${s.pid})` : 'not running');
      println(`socket:    ${s.socketPath}`);
      println(`state dir: ${s.stateDir}`);
      if (s.version) println(`version:   ${s.version}`);
      if (s.startedAt) println(`started:   ${s.startedAt}`);
    }
    return EXIT.OK;
  }
  if (action === 'start') {
    let r: Awaited<ReturnType<typeof c.startService>>;
    try {
      r = await c.startService(dir);
    } catch (e) {
      throw new CliFailure(BitsError.from(e), 'see service.log in the state directory (`bits-job2 service status` shows where)', EXIT.SERVICE_UNAVAILABLE);
    }
    if (ctx.json) printOutput('service start', r);
    else println(r.alreadyRunning ? `already running (pid ${r.pid})` : `started (pid ${r.pid})`);
    return EXIT.OK;
  }
  const r = await c.stopService(dir);
  if (ctx.json) printOutput('service stop', r);
  else println(r.stopped ? `stopped${r.pid ? ` (pid ${r.pid})` : ''}` : 'was not running');
  return EXIT.OK;
}

function sub(action: Action, describe: string, builder?: (y: Argv) => Argv): CommandModule {
  return {
    command: action,
    describe,
    builder,
    handler: (argv) => run(argv as unknown as Args, (ctx) => act(ctx, action, argv as unknown as Args)),
  };
}

const command: CommandModule = {
  command: 'service',
  describe: 'Starts, stops or shows the per-user background service that runs the jobs.',
  builder: (y: Argv) =>
    y
      .usage(
        '$0 service <start|stop|status|install|uninstall>\n\nThe portable engine runs in a per-user background service so that jobs outlive the command that created them. ' +
          'Commands start it on demand; these subcommands manage it explicitly. Jobs in flight resume from their checkpoint when it restarts.',
      )
      .command(sub('start', 'Starts the service (if not running) and prints its pid.'))
      .command(sub('stop', 'Stops the service cleanly; jobs resume when it starts again.'))
      .command(sub('status', 'Shows whether the service runs, its pid, socket and state directory.'))
      .command(sub('install', 'Starts the service at login (systemd user unit; launchd agent on macOS) so queued jobs go on after a reboot.', (y) =>
        y.option('print', { type: 'boolean', default: false, describe: 'Print the unit (or plist) and change nothing.' })))
      .command(sub('uninstall', 'Removes the login item written by install (stops and disables it first).'))
      .demandCommand(1, 'give start, stop, status, install or uninstall')
      .example('bits-job2 service install', 'Resume jobs at every login; add `loginctl enable-linger $USER` for jobs that must run without a session.')
      .example('bits-job2 service status', 'Is the service running?')
      .example('bits-job2 service stop', 'Stop it (jobs resume on the next start).'),
  handler: () => undefined,
};
export default command;
