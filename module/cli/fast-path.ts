// The common read-only commands without yargs: `info <job>` and `list [--all-users]` with the global
// options. Loading yargs and every command's builder costs more than the command itself (tens of
// ms; BENCHMARKS.md "CLI latency"), so main() first asks parseFastPath() whether argv is one of these
// simple shapes and, if so, runs the very same handler with the argv yargs would have produced.
// Anything else — help, version, a flag given twice, an unknown or misspelled flag, a wrong number of
// arguments, an odd value — returns undefined and goes through yargs, so errors and help are exactly
// yargs's. test/cli-fast-path.test.ts holds the two paths to the same output.
//
// `list --json` against the service first tries the service's own text (list-from-service.ts) and
// loads nothing else when it is printed. The modules of the ordinary path load only after that.
import { resolve } from 'node:path';
import type { Args } from './from-api.js';
import { BACKENDS, type BackendName } from './backend-names.js';
import type { GlobalArgs } from './context.js';

interface FastCommand {
  /** How many positionals the command takes and their argv names. */
  positionals: string[];
  /** The command's own boolean flags (kebab-case, as on the command line). */
  flags: string[];
  load: () => Promise<{ handler?: (argv: Args) => unknown }>;
}

const FAST_COMMANDS: Record<string, FastCommand> = {
  info: { positionals: ['job'], flags: [], load: async () => (await import('./commands/info.js')).default },
  list: { positionals: [], flags: ['all-users'], load: async () => (await import('./commands/list.js')).default },
};

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export interface FastPath {
  command: string;
  argv: Args;
  run(): Promise<void>;
}

/** argv (without `node main.js`) → the command to run without yargs, or undefined for the yargs path. */
export function parseFastPath(args: readonly string[], env: NodeJS.ProcessEnv = process.env): FastPath | undefined {
  const [command, ...rest] = args;
  const spec = command === undefined ? undefined : FAST_COMMANDS[command];
  if (!spec) return undefined;
  const seen = new Set<string>();
  const positionals: string[] = [];
  const values: Record<string, string | boolean> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (!a.startsWith('-')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (!a.startsWith('--') || seen.has(name)) return undefined;
    seen.add(name);
    if (name === 'json' || name === 'clixml' || name === 'no-color' || spec.flags.includes(name)) {
      if (eq >= 0) return undefined; // --json=false etc.: yargs's business
      values[name] = true;
    } else if (name === 'state-dir' || name === 'backend') {
      const value = eq >= 0 ? a.slice(eq + 1) : rest[++i];
      if (value === undefined || value === '' || value.startsWith('-')) return undefined;
      values[name] = value;
    } else {
      return undefined;
    }
  }
  if (positionals.length !== spec.positionals.length) return undefined;
  const backend = (values.backend ?? (env.BITS_JOB2_BACKEND || 'service').toLowerCase()) as BackendName;
  if (!BACKENDS.includes(backend)) return undefined;

  const argv: Args = { _: [command!], $0: 'bits-job2', json: values.json === true, clixml: values.clixml === true, backend, 'no-color': values['no-color'] === true, noColor: values['no-color'] === true };
  if (typeof values['state-dir'] === 'string') argv['state-dir'] = argv.stateDir = values['state-dir'];
  // Like yargs: a command flag that was not given is absent (its API default applies), not false.
  for (const f of spec.flags) if (values[f] === true) argv[f] = argv[camel(f)] = true;
  spec.positionals.forEach((p, i) => (argv[p] = positionals[i]));
  return {
    command: command!,
    argv,
    run: async () => {
      // What parser.ts's middleware does before every handler.
      if (typeof argv.stateDir === 'string' && argv.stateDir) process.env.BITS_JOB2_STATE_DIR = resolve(argv.stateDir);
      if (command === 'list' && backend === 'service' && argv.json === true && argv.clixml !== true && argv.allUsers !== true) {
        const { printListFromService } = await import('./list-from-service.js');
        if (await printListFromService(process.env.BITS_JOB2_STATE_DIR || undefined)) return;
      }
      const { closeUntaken, preopenBackend } = await import('./context.js');
      // Connect to the service (and ask for the jobs of `list`) before loading the command's modules:
      // the service answers while they load (context.ts "opening early"); the handler takes both.
      if (backend === 'service') preopenBackend(argv as unknown as GlobalArgs, command === 'list' ? { allUsers: argv.allUsers === true } : undefined);
      try {
        const { setColor } = await import('./format.js');
        setColor(argv.noColor !== true && process.env.NO_COLOR === undefined);
        const mod = await spec.load();
        await mod.handler!(argv);
      } finally {
        await closeUntaken();
      }
    },
  };
}
