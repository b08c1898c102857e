#!/usr/bin/env node
// bits-job2: the command-line interface (DESIGN §2: CLI (yargs) → core API → backend).
// yargs and the command builders are loaded only when needed: the common read-only commands in
// their simple forms take the fast path (fast-path.ts), which runs the same handlers without them.
// Error reporting (errors.ts, with the error shapes and the HRESULT table) loads when it is needed.
import { parseFastPath } from './fast-path.js';
import { argvWantsClixml, clixmlEnabled, useClixml } from './machine-output.js';
import { findPasswordInArgv, passwordFlagError, takePasswordFromEnv } from './secrets.js';

async function main(): Promise<void> {
  takePasswordFromEnv();
  // `bits-job2 list | head -1`: a closed pipe ends the output, not the process with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const args = process.argv.slice(2); // what yargs's hideBin() returns under node
  await useClixml(argvWantsClixml(args));
  const passwordFlag = findPasswordInArgv(args);
  if (passwordFlag) {
    const { reportError } = await import('./errors.js');
    process.exitCode = reportError(passwordFlagError(passwordFlag), args.includes('--json') || clixmlEnabled());
    return;
  }
  const fast = parseFastPath(args);
  if (fast) return fast.run();
  const { buildParser } = await import('./parser.js');
  await buildParser(args).parseAsync();
}

main().catch(async (e: unknown) => {
  const { reportError } = await import('./errors.js');
  process.exitCode = reportError(e, process.argv.includes('--json') || clixmlEnabled());
});
