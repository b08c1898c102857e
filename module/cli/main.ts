#!/usr/bin/env node
// bits-job2: the command-line interface (DESIGN §2: CLI (yargs) → core API → backend).
import { hideBin } from 'yargs/helpers';
import { reportError } from './errors.js';
import { buildParser } from './parser.js';
import { findPasswordInArgv, passwordFlagError, takePasswordFromEnv } from './secrets.js';

async function main(): Promise<void> {
  takePasswordFromEnv();
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
