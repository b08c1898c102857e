// SetNotifyCmdLine arguments (spec §3.1): validation with the BITS codes, and a builder for Node
// users. Warnings about things BITS accepts but that will not do what the caller probably means
// live in notify-warnings.ts (re-exported here).
import { basename } from 'node:path';
import { bitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';
import { LIMITS } from '../../api/limits.js';
import { isFullProgramPath, sameProgramName } from './program-path.js';
import { buildWindowsCommandLine, splitWindowsCommandLine } from './windows-cmdline.js';

export { notifyWarnings } from './notify-warnings.js';
export { isFullProgramPath, sameProgramName };

export interface NotifyCmdLine {
  program: string | null;
  parameters: string | null;
}

export interface NotifyPlatformOptions {
  /** Rules for absolute paths and name comparison; default process.platform. */
  platform?: NodeJS.Platform;
}

/**
 * Checks SetNotifyCmdLine(program, parameters) and returns what to store. Rules, in order:
 * '' counts as NULL for both (GetNotifyCmdLine reports "not set" as '', so Set(Get()) must work)
 * [DECISION]; both NULL → removal; program NULL with parameters → E_INVALIDARG [DECISION, §3.1];
 * program > MAX_PATH or parameters > 4000 UTF-16 units → BG_E_STRING_TOO_LONG; a NUL or a `"` in
 * the program, a NUL in parameters, or a program that is not a full path (no search path, no
 * variable expansion) → E_INVALIDARG; parameters whose first token is not the program →
 * E_INVALIDARG [DECISION: Windows documents the rule, Portable enforces it].
 */
export function validateNotifyCmdLine(program: string | null, parameters: string | null, opts: NotifyPlatformOptions = {}): NotifyCmdLine {
  const platform = opts.platform ?? process.platform;
  for (const [name, v] of [['Program', program], ['Parameters', parameters]] as const) {
    if (v !== null && v !== undefined && typeof v !== 'string') throw bitsError(HR.E_INVALIDARG, `${name} must be a string or null.`);
  }
  const prog = program || null;
  const params = parameters || null;
  if (prog === null && params === null) return { program: null, parameters: null };
  if (prog === null) {
    throw bitsError(HR.E_INVALIDARG, 'Parameters were given without a program: give the full path of the program too (or NULL for both to remove the command line).');
  }
  if (prog.length > LIMITS.notifyProgramMax) {
    throw bitsError(HR.BG_E_STRING_TOO_LONG, `The program path has ${prog.length} characters; the limit is MAX_PATH (${LIMITS.notifyProgramMax}).`);
  }
  if (params !== null && params.length > LIMITS.notifyParametersMax) {
    throw bitsError(HR.BG_E_STRING_TOO_LONG, `The parameters have ${params.length} characters; the limit is ${LIMITS.notifyParametersMax}: pass large data in a file and its path as the argument.`);
  }
  if (prog.includes('\0') || params?.includes('\0')) {
    throw bitsError(HR.E_INVALIDARG, 'The program or parameters contain a NUL character, which ends a Windows string: remove it.');
  }
  if (prog.includes('"')) {
    throw bitsError(HR.E_INVALIDARG, `The program path '${prog}' contains a double quote: give the path without quotes (quotes belong in Parameters).`);
  }
  if (!isFullProgramPath(prog, platform)) {
    const example = platform === 'win32' ? 'C:\\Tools\\notify.exe' : '/usr/local/bin/notify';
    throw bitsError(HR.E_INVALIDARG, `The program '${prog}' is not a full path: BITS neither searches PATH nor expands variables; give the full path (e.g. ${example}).`);
  }
  if (params !== null) {
    const { program: first, rest } = splitWindowsCommandLine(params);
    if (!sameProgramName(first, prog, platform)) {
      const fix = `"${prog}"${suggestedRest(prog, params, first, rest, platform)}`;
      throw bitsError(
        HR.E_INVALIDARG,
        `Parameters is the complete command line and must start with the program itself, but its first token is '${first}'. Use: ${fix}`,
      );
    }
  }
  return { program: prog, parameters: params };
}

/** What follows the program in the suggested fix: the caller's arguments, without a wrong argv[0]. */
function suggestedRest(prog: string, params: string, first: string, rest: string, platform: NodeJS.Platform): string {
  let tail: string;
  if (sameProgramName(params.slice(0, prog.length), prog, platform) && /^(?:[ \t]|$)/.test(params.slice(prog.length))) {
    tail = params.slice(prog.length).replace(/^[ \t]+/, ''); // the program, unquoted although it has spaces
  } else if (first && sameProgramName(basename(first.replace(/\\/g, '/')), basename(prog.replace(/\\/g, '/')), platform)) {
    tail = rest; // the program by a relative name
  } else {
    tail = params; // the program left out
  }
  return tail ? ` ${tail}` : '';
}

/**
 * Builder for Node users: program plus an argv array → the (program, parameters) pair for
 * SetNotifyCmdLine, quoted so that the program receives exactly `args`.
 */
export function notifyCommand(cmd: { program: string; args?: readonly string[] }): { program: string; parameters: string } {
  return { program: cmd.program, parameters: buildWindowsCommandLine(cmd.program, cmd.args ?? []) };
}
