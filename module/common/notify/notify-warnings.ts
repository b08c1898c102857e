// Warnings (never errors) for notify command lines that BITS accepts but that will not do what the
// caller probably means (spec §3.1): variables BITS does not expand, a program that is not there
// or not executable now (it may appear before the job finishes), and shell syntax that only a
// shell understands while BITS — and Portable — start the program directly.
import { accessSync, constants, statSync } from 'node:fs';
import { isFullProgramPath } from './program-path.js';
import { buildWindowsCommandLine, splitWindowsCommandLine } from './windows-cmdline.js';

export interface NotifyWarningOptions {
  /** Default process.platform. The file checks run only when it is the platform we run on. */
  platform?: NodeJS.Platform;
  /** Look at the program file on disk (default true). */
  checkFile?: boolean;
}

const VARIABLE = /%[A-Za-z_][A-Za-z0-9_()]*%|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g;

/** Operators a shell would act on, looked for in the unquoted text only. */
const SHELL_SYNTAX: ReadonlyArray<[RegExp, string]> = [
  [/\|/, '|'],
  [/&&/, '&&'],
  [/(?:^|[ \t])&(?:[ \t]|$)/, '&'],
  [/;/, ';'],
  [/[<>]/, '< >'],
  [/`|\$\(/, '$( ) / backticks'],
];

export function notifyWarnings(program: string | null, parameters: string | null, opts: NotifyWarningOptions = {}): string[] {
  const platform = opts.platform ?? process.platform;
  const warnings: string[] = [];
  const prog = program || null;
  const params = parameters || null;
  if (prog === null && params === null) return warnings;

  const variables = [...new Set([prog ?? '', params ?? ''].flatMap((s) => s.match(VARIABLE) ?? []))];
  if (variables.length) {
    warnings.push(`BITS does not expand environment variables, so ${variables.join(', ')} reach the program literally: expand them before calling SetNotifyCmdLine.`);
  }

  if (prog !== null && opts.checkFile !== false && platform === process.platform && isFullProgramPath(prog, platform)) {
    const problem = programProblem(prog, platform);
    if (problem) warnings.push(`The program ${problem}: the notification will fail unless that changes before the job finishes.`);
  }

  if (params !== null) {
    const text = unquotedText(splitWindowsCommandLine(params).rest);
    const found = SHELL_SYNTAX.filter(([re]) => re.test(text)).map(([, label]) => label);
    if (found.length) {
      warnings.push(`The parameters contain shell syntax (${found.join(' ')}), but BITS starts the program directly, without a shell: these reach the program as literal arguments. To use a shell, name it: ${shellSuggestion(params, platform)}.`);
    }
  }

  if (prog !== null && platform === 'win32' && /\.(?:bat|cmd)$/i.test(prog)) {
    warnings.push(`'${prog}' is a batch file, which the portable engine cannot start without a shell: ${shellSuggestion(params ?? `"${prog}"`, platform)}.`);
  }
  return warnings;
}

/** Why `prog` cannot be started right now, or null when it looks fine. */
function programProblem(prog: string, platform: NodeJS.Platform): string | null {
  try {
    if (!statSync(prog).isFile()) return `'${prog}' is not a file`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? `'${prog}' does not exist` : `'${prog}' cannot be checked (${code})`;
  }
  if (platform === 'win32') return null; // no execute bit on Windows
  try {
    accessSync(prog, constants.X_OK);
    return null;
  } catch {
    return `'${prog}' is not executable (chmod +x it)`;
  }
}

/** The command line with every quoted character (and the quotes) masked, so quoted `|` is fine. */
function unquotedText(s: string): string {
  let out = '';
  let inQuotes = false;
  for (let i = 0; i < s.length; i++) {
    let backslashes = 0;
    while (s[i] === '\\') {
      backslashes++;
      i++;
    }
    out += (inQuotes ? '_' : '\\').repeat(backslashes);
    if (i >= s.length) break;
    if (s[i] === '"') {
      if (backslashes % 2 === 0 && !(inQuotes && s[i + 1] === '"')) inQuotes = !inQuotes;
      else if (backslashes % 2 === 0) i++; // `""` in a run: one literal quote
      out += '_';
      continue;
    }
    out += inQuotes ? '_' : s[i];
  }
  return out;
}

function shellSuggestion(commandLine: string, platform: NodeJS.Platform): string {
  if (platform === 'win32') {
    const cmd = `${process.env.SystemRoot ?? 'C:\\Windows'}\\System32\\cmd.exe`;
    // cmd /s /c "<line>" strips only the outer quotes and runs the rest as typed.
    return `program '${cmd}', parameters '"${cmd}" /d /s /c "${commandLine}"'`;
  }
  return `program '/bin/sh', parameters '${buildWindowsCommandLine('/bin/sh', ['-c', commandLine])}'`;
}
