#!/usr/bin/env node
// The service executable: `node dist/module/service/main.js [--state-dir DIR]`. ServiceClient starts it
// detached with stdio ignored, so everything worth knowing goes to <stateDir>/service.log; stderr only
// matters when a person runs it by hand.
//
// Exit codes: 0 stopped cleanly; 2 another service already runs for this state dir; 1 any other failure.
import { BitsError } from '../api/bits-error.js';
import type { Backend } from '../core/backend.js';
import { defaultStateDir, ensurePrivateDir } from '../common/paths.js';
import { fileLogger } from './log.js';
import { runService } from './server.js';

function parseArgs(argv: string[]): { stateDir: string } {
  let stateDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--state-dir') {
      stateDir = argv[++i];
      if (!stateDir) usage('--state-dir needs a directory');
    } else if (a.startsWith('--state-dir=')) {
      stateDir = a.slice('--state-dir='.length);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: main.js [--state-dir DIR]   (the bits-job2 background service)\n');
      process.exit(0);
    } else {
      usage(`unknown argument '${a}'`);
    }
  }
  return { stateDir: stateDir ?? defaultStateDir() };
}

function usage(problem: string): never {
  process.stderr.write(`bits-job2 service: ${problem}\nusage: main.js [--state-dir DIR]\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { stateDir } = parseArgs(process.argv.slice(2));
  let log: (line: string) => void = () => {};
  try {
    ensurePrivateDir(stateDir);
    log = fileLogger(stateDir);
  } catch (e) {
    process.stderr.write(`bits-job2 service: cannot use the state directory ${stateDir}: ${(e as Error).message}\n`);
    process.exit(1);
  }
  // A detached process has nobody to show a crash to: record it, then die (clients restart the service).
  process.on('uncaughtException', (e) => {
    log(`fatal: uncaught exception: ${e.stack ?? String(e)}`);
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => {
    log(`fatal: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  });

  const openEngine = async (): Promise<Backend> => {
    const { PortableEngine } = await import('../engine/engine.js');
    return PortableEngine.open({ stateDir, log });
  };
  let handle;
  try {
    handle = await runService({ stateDir, engine: openEngine, log, handleSignals: true });
  } catch (e) {
    const be = BitsError.from(e);
    const alreadyRunning = be.data !== undefined && typeof be.data.pid === 'number';
    if (!alreadyRunning) log(`failed to start: ${be.message}`);
    process.stderr.write(`bits-job2 service: ${be.message}\n`);
    process.exit(alreadyRunning ? 2 : 1);
  }
  await handle.closed;
  // The engine may leave timers or workers behind; the service is done either way.
  process.exit(0);
}

void main();
