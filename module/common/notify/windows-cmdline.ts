// Windows command-line splitting and quoting (spec §3.1: the notify Parameters are one Windows
// command line, parsed with Windows rules on every OS).
//
// Windows passes a process ONE string; each program splits it itself. Two splitters matter:
//
// * 'crt' (default) — the Microsoft C/C++ runtime since Visual C++ 2005 (UCRT today), the rules
//   Microsoft documents in "Parsing C++ command-line arguments". Most programs BITS would launch
//   see their arguments this way, so it is our reference.
// * 'shell32' — CommandLineToArgvW (and the CRT before 2005; .NET Framework copies it).
//
// They agree except in two places:
//   1. `""` inside a quoted run: crt → a literal `"`, the run continues;
//      shell32 → a literal `"`, the run ENDS. (`a"b"" c d` → crt [ab" c d]; shell32 [ab", c, d],
//      confirmed on Windows in MicrosoftDocs/cpp-docs#3291.)
//   2. The program name (first token): crt toggles on every `"` (quotes dropped) and stops at a
//      space/tab outside quotes; shell32 takes a leading `"…"` up to the next `"` — and the next
//      argument starts right after it even without whitespace — or else everything up to the
//      first space/tab, quotes kept literally.
// Neither processes backslashes in the program name (it is a path). Later arguments: space/tab
// separate; 2n backslashes + `"` → n backslashes and the quote toggles the run; 2n+1 backslashes
// + `"` → n backslashes and a literal `"`; other backslashes are literal; an unterminated quote
// runs to the end. Only space and tab separate (a newline is an ordinary character).
//
// quoteWindowsArgument never emits `""` inside a run and always quotes the program with plain
// `"…"`, so what we build splits identically under both rules (the round trip is tested in both).
import { bitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';

export type WindowsParseMode = 'crt' | 'shell32';

export interface SplitCommandLine {
  /** The program name as the child will see it as argv[0]. */
  program: string;
  /** The program token exactly as written (quotes included). */
  programRaw: string;
  /** The raw text of the arguments: everything after the program token and its whitespace. */
  rest: string;
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** Splits off the program token (argv[0]) without touching the arguments. */
export function splitWindowsCommandLine(s: string, mode: WindowsParseMode = 'crt'): SplitCommandLine {
  let i = 0;
  let program = '';
  if (mode === 'shell32') {
    if (s[0] === '"') {
      const close = s.indexOf('"', 1);
      i = close === -1 ? s.length : close + 1;
      program = s.slice(1, close === -1 ? s.length : close);
    } else {
      while (i < s.length && !isBlank(s[i])) i++;
      program = s.slice(0, i);
    }
  } else {
    let inQuotes = false;
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '"') inQuotes = !inQuotes;
      else if (!inQuotes && isBlank(c)) break;
      else program += c;
    }
  }
  const programRaw = s.slice(0, i);
  while (isBlank(s[i])) i++;
  return { program, programRaw, rest: s.slice(i) };
}

/** Splits the arguments that follow the program token (text as in SplitCommandLine.rest). */
export function parseWindowsArguments(rest: string, mode: WindowsParseMode = 'crt'): string[] {
  const args: string[] = [];
  const s = rest;
  let i = 0;
  for (;;) {
    while (isBlank(s[i])) i++;
    if (i >= s.length) return args;
    let arg = '';
    let inQuotes = false;
    for (;;) {
      let backslashes = 0;
      while (s[i] === '\\') {
        i++;
        backslashes++;
      }
      let copy = true;
      if (s[i] === '"') {
        if (backslashes % 2 === 0) {
          if (inQuotes && s[i + 1] === '"') {
            i++; // `""` in a run: the second quote is copied below
            if (mode === 'shell32') inQuotes = false;
          } else {
            copy = false;
            inQuotes = !inQuotes;
          }
        }
        backslashes = Math.floor(backslashes / 2);
      }
      arg += '\\'.repeat(backslashes);
      if (i >= s.length || (!inQuotes && isBlank(s[i]))) break;
      if (copy) arg += s[i];
      i++;
    }
    args.push(arg);
  }
}

/**
 * The argv a Windows program gets from command line `s`: always at least one element, the
 * program name (possibly ''). Unlike CommandLineToArgvW, '' gives [''] (not the caller's path).
 */
export function parseWindowsCommandLine(s: string, mode: WindowsParseMode = 'crt'): string[] {
  const { program, rest } = splitWindowsCommandLine(s, mode);
  return [program, ...parseWindowsArguments(rest, mode)];
}

/** Quotes one argument (not the program) so that both splitters give it back unchanged. */
export function quoteWindowsArgument(arg: string): string {
  // Only blanks and quotes need it; newline/VT and the shell operators are quoted too, which costs
  // nothing and shows readers (and notifyWarnings) that `a|b` is data, not a pipe.
  if (arg.length > 0 && !/[ \t\n\v"|&;<>`]|\$\(/.test(arg)) return arg;
  let out = '"';
  let i = 0;
  for (;;) {
    let backslashes = 0;
    while (arg[i] === '\\') {
      i++;
      backslashes++;
    }
    if (i >= arg.length) {
      // Backslashes before the closing quote must be doubled or they would escape it.
      out += '\\'.repeat(backslashes * 2);
      break;
    }
    if (arg[i] === '"') out += '\\'.repeat(backslashes * 2 + 1) + '"';
    else out += '\\'.repeat(backslashes) + arg[i];
    i++;
  }
  return out + '"';
}

/**
 * Quotes the program token. The program name has no escapes under either rule, so a `"` in it
 * cannot be expressed (Windows paths cannot contain one): that is E_INVALIDARG.
 */
export function quoteWindowsProgram(program: string): string {
  if (program.includes('"')) {
    throw bitsError(HR.E_INVALIDARG, `The program path '${program}' contains a double quote, which a Windows command line cannot express: rename or link the program.`);
  }
  return program.length === 0 || /\s/.test(program) ? `"${program}"` : program;
}

/** The command line that parseWindowsCommandLine splits back into [program, ...args]. */
export function buildWindowsCommandLine(program: string, args: readonly string[] = []): string {
  return [quoteWindowsProgram(program), ...args.map(quoteWindowsArgument)].join(' ');
}
