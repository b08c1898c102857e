// Starts the per-user service process when nobody listens on its socket (ServiceLink calls it while
// it waits for a service to answer).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS } from './node-flags.js';

/** The service executable, next to this file in the compiled package. */
export const SERVICE_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

/**
 * Starts the service process when nobody listens. Several clients may start it at once; the lock makes
 * one instance win and the others exit, and every client then connects to the winner. A started process
 * that exits without anyone listening (it lost to a service that was just stopping) is started again, with backoff.
 */
export class Starter {
  spawned = 0;
  lastExit?: string;
  private running = false;
  private nextAllowed = 0;

  constructor(private readonly stateDir: string) {}

  startIfNeeded(): void {
    if (this.running || Date.now() < this.nextAllowed) return;
    this.running = true;
    this.spawned++;
    this.nextAllowed = Date.now() + Math.min(250 * 2 ** (this.spawned - 1), 2000);
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, SERVICE_MAIN, '--state-dir', this.stateDir], {
      detached: true,
      stdio: 'ignore',
      env: process.env,
      windowsHide: true,
      // Not the caller's cwd: the service outlives it, and must not pin (or lose) that directory.
      cwd: existsSync(homedir()) ? homedir() : undefined,
    });
    child.once('error', (e) => {
      this.running = false;
      this.lastExit = `could not start ${process.execPath}: ${e.message}`;
    });
    child.once('exit', (code, signal) => {
      this.running = false;
      this.lastExit = signal ? `signal ${signal}` : `exit code ${code}`;
    });
    child.unref();
  }
}
