// The yargs parser of `bits-job2`: global options, the commands, help that teaches (synopsis,
// description, examples from module/api, every flag with its limits), exit codes in the epilogue.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { BACKENDS } from './context.js';
import { COMMANDS, COMMAND_NAMES } from './commands/index.js';
import { OPERATIONS } from '../api/operations.js';
import { UsageError } from './errors.js';
import { exitCodesHelp } from './exit-codes.js';
import { setColor } from './format.js';

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const ENVIRONMENT = [
  'Environment:',
  '  BITS_JOB2_BACKEND    default for --backend (service, portable or native)',
  '  BITS_JOB2_STATE_DIR  state directory of the portable engine and its service (--state-dir sets it)',
  '  BITS_JOB2_PASSWORD   password for set-credentials when --password-stdin is not given',
  '  NO_COLOR             no colors (like --no-color)',
].join('\n');

const EPILOGUE = [
  'Jobs: give the GUID printed by `create`/`list` ({...} optional) or a unique prefix of 8+ hex digits.',
  'Files: local names must be absolute paths. Passwords are read from stdin, never from the command line.',
  '',
  exitCodesHelp(),
  '',
  ENVIRONMENT,
].join('\n');

/** Commands of an operation with a secret parameter (set-credentials): a stray word may be a password. */
function takesSecret(command: string | undefined): boolean {
  return command !== undefined && OPERATIONS.some((op) => op.cli === command && op.params.some((p) => p.type === 'secret'));
}

/**
 * yargs names stray words ("Unknown argument: s3cret"); for a command that takes a password such a
 * word is likely the password typed on the command line, so it is not repeated (flags still are).
 */
function withoutStrayValues(message: string, command: string, args: readonly string[]): UsageError {
  // yargs names unknown flags without their dashes: a word is a flag when the command line has it so.
  const isFlag = (w: string) => args.some((a) => a === `--${w}` || a === `-${w}` || a.startsWith(`--${w}=`));
  const text = message.replace(/^(Unknown arguments?: )(.*)$/m, (_, lead: string, list: string) =>
    lead + list.split(', ').map((w) => (isFlag(w) ? w : '<value not shown>')).join(', '));
  return new UsageError(text, `a password goes to stdin (--password-stdin) or BITS_JOB2_PASSWORD, never on the command line; see \`bits-job2 ${command} --help\``);
}

/** Builds the parser for `args` (already stripped of `node main.js`). */
export function buildParser(args: string[]): Argv {
  const command = args.find((a) => COMMAND_NAMES.includes(a));
  const LIST_KEYS = new Set(['_', 'more', 'arg', 'state']);
  let y = yargs(args)
    .scriptName('bits-job2')
    .parserConfiguration({
      // `--no-progress-timeout` is a flag of its own, not the negation of `--progress-timeout`.
      'boolean-negation': false,
      'parse-positional-numbers': false,
    })
    .usage('$0 <command> [options]\n\nBITS jobs (IBackgroundCopyJob2) from the command line: create, add files, resume, watch, complete; reply data, notify command line, credentials.')
    .option('json', { type: 'boolean', default: false, global: true, describe: 'Machine output: exactly one JSON document on stdout; errors as {"error": {...}} on stderr.' })
    .option('clixml', { type: 'boolean', default: false, global: true, describe: 'Like --json, as PowerShell CLIXML (PSSerializer::Deserialize reads it; the Bits.Job2 module uses it): times as DateTime, numbers as Int64, type names BitsJob2.*; wins over --json.' })
    .option('backend', {
      choices: BACKENDS as string[],
      default: (process.env.BITS_JOB2_BACKEND || 'service').toLowerCase(),
      defaultDescription: `${process.env.BITS_JOB2_BACKEND ? `"${process.env.BITS_JOB2_BACKEND}" from ` : ''}BITS_JOB2_BACKEND, else service`,
      global: true,
      describe: 'service: the per-user background service (started on demand); portable: the engine in this process; native: Windows BITS.',
    })
    .option('state-dir', { type: 'string', global: true, describe: 'State directory of the portable engine/service (sets BITS_JOB2_STATE_DIR for this process).' })
    .option('no-color', { type: 'boolean', default: false, global: true, describe: 'No colors (colors are used only on a terminal).' })
    .middleware((argv) => {
      // A flag given twice: the last one wins. Lists stay lists: transfer's [more..], set-notify-cmdline's --arg, wait's --state.
      for (const key of Object.keys(argv)) {
        const v = argv[key];
        if (!LIST_KEYS.has(key) && Array.isArray(v)) argv[key] = v[v.length - 1];
      }
    }, true)
    .middleware((argv) => {
      if (typeof argv.stateDir === 'string' && argv.stateDir) process.env.BITS_JOB2_STATE_DIR = resolve(argv.stateDir);
      setColor(argv.noColor !== true && process.env.NO_COLOR === undefined);
    });
  y = y.group(['json', 'clixml', 'backend', 'state-dir', 'no-color', 'help', 'version'], 'Global options:');
  for (const c of COMMANDS) y = y.command(c);
  return y
    .demandCommand(1, 'give a command')
    .recommendCommands()
    .strict()
    .help('help')
    .alias('help', 'h')
    .version('version', 'Show the version number.', packageVersion())
    .epilogue(EPILOGUE)
    .wrap(process.stdout.isTTY ? Math.min(120, y.terminalWidth()) : null)
    .fail((msg, err) => {
      const usage =
        err instanceof UsageError
          ? err
          : takesSecret(command)
            ? withoutStrayValues(msg || err?.message || 'usage error', command!, args)
            : new UsageError(msg || err?.message || 'usage error', `see \`bits-job2 ${command ? `${command} ` : ''}--help\``);
      // Throwing stops yargs (a returning fail handler lets the command run); main() reports it.
      throw usage;
    });
}
