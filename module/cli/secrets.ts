// Secrets never travel in argv (DESIGN §4): the password comes from standard input
// (--password-stdin) or from BITS_JOB2_PASSWORD, which main() takes out of the environment at
// startup so that no child process (the auto-started service) inherits it.
import { UsageError } from './usage-error.js';

let envPassword: string | undefined;

/** Called first thing by main(): keeps BITS_JOB2_PASSWORD in memory and removes it from process.env. */
export function takePasswordFromEnv(): void {
  if (process.env.BITS_JOB2_PASSWORD !== undefined) {
    envPassword = process.env.BITS_JOB2_PASSWORD;
    delete process.env.BITS_JOB2_PASSWORD;
  }
}

/** Flags that look like a password on the command line: refused before yargs sees (and echoes) them. */
export function findPasswordInArgv(args: readonly string[]): string | undefined {
  for (const a of args) {
    if (a === '--') break;
    if (/^--?(password|pass|pw|pwd)(=|$)/i.test(a)) return a.replace(/=.*$/s, '');
  }
  return undefined;
}

export function passwordFlagError(flag: string): UsageError {
  return new UsageError(
    `${flag} is not accepted: passwords are never taken from the command line (other users can read process lists).`,
    'pipe it in with --password-stdin (e.g. `printf %s "$PW" | bits-job2 set-credentials ... --password-stdin`) or set BITS_JOB2_PASSWORD',
  );
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from a terminal without echo. */
async function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(Object.assign(new Error('interrupted'), { code: 'SIGINT' }));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The password for set-credentials: all of stdin with one trailing newline removed
 * (--password-stdin; a hidden prompt on a terminal), else BITS_JOB2_PASSWORD, else null.
 */
export async function readPassword(fromStdin: boolean): Promise<string | null> {
  if (fromStdin) {
    if (process.stdin.isTTY) return promptHidden('Password: ');
    return (await readAllStdin()).replace(/\r?\n$/, '');
  }
  return envPassword ?? null;
}
