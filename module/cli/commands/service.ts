// `service start|stop|status`: the per-user background service of the portable engine.
import type { Argv, CommandModule } from 'yargs';
import { BitsError } from '../../api/bits-error.js';
import type { Args } from '../from-api.js';
import { printJson, println, run, type CliContext } from '../context.js';
import { CliFailure } from '../errors.js';
import { EXIT } from '../exit-codes.js';

type Action = 'start' | 'stop' | 'status';

async function control() {
  return import('../../service/control.js');
}

async function act(ctx: CliContext, action: Action): Promise<number> {
  const c = await control();
  const dir = ctx.stateDir;
  if (action === 'status') {
    const s = await c.serviceStatus(dir);
    if (ctx.json) printJson(s, 'BitsJob2.ServiceStatus');
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
    if (ctx.json) printJson(r, 'BitsJob2.ServiceStatus');
    else println(r.alreadyRunning ? `already running (pid ${r.pid})` : `started (pid ${r.pid})`);
    return EXIT.OK;
  }
  const r = await c.stopService(dir);
  if (ctx.json) printJson(r, 'BitsJob2.ServiceStatus');
  else println(r.stopped ? `stopped${r.pid ? ` (pid ${r.pid})` : ''}` : 'was not running');
  return EXIT.OK;
}

function sub(action: Action, describe: string): CommandModule {
  return {
    command: action,
    describe,
    handler: (argv) => run(argv as unknown as Args, (ctx) => act(ctx, action)),
  };
}

const command: CommandModule = {
  command: 'service',
  describe: 'Starts, stops or shows the per-user background service that runs the jobs.',
  builder: (y: Argv) =>
    y
      .usage(
        '$0 service <start|stop|status>\n\nThe portable engine runs in a per-user background service so that jobs outlive the command that created them. ' +
          'Commands start it on demand; these subcommands manage it explicitly. Jobs in flight resume from their checkpoint when it restarts.',
      )
      .command(sub('start', 'Starts the service (if not running) and prints its pid.'))
      .command(sub('stop', 'Stops the service cleanly; jobs resume when it starts again.'))
      .command(sub('status', 'Shows whether the service runs, its pid, socket and state directory.'))
      .demandCommand(1, 'give start, stop or status')
      .example('bits-job2 service status', 'Is the service running?')
      .example('bits-job2 service stop', 'Stop it (jobs resume on the next start).'),
  handler: () => undefined,
};
export default command;
