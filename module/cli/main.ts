#!/usr/bin/env node
// bits-job2: the command-line interface (DESIGN §2: CLI (yargs) → core API → backend).
import { hideBin } from 'yargs/helpers';
import { reportError } from './errors.js';
import { buildParser } from './parser.js';
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
  const args = hideBin(process.argv);
  const passwordFlag = findPasswordInArgv(args);
  if (passwordFlag) {
    process.exitCode = reportError(passwordFlagError(passwordFlag), args.includes('--json'));
    return;
  }
  await buildParser(args).parseAsync();
}

main().catch((e: unknown) => {
  process.exitCode = reportError(e, process.argv.includes('--json'));
});
