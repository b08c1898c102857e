// `bits-job2 service start|stop|status`: manage the per-user service from the outside.
import { unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { BitsError } from '../api/bits-error.js';
import { defaultStateDir } from '../common/paths.js';
import { ServiceClient } from './client.js';
import { isProcessAlive, lockOwnerGone, lockPath, readLock } from './lock.js';
import { socketPath as socketPathFor } from './socket-path.js';

export interface ServiceStatus {
  running: boolean;
  pid?: number;
  socketPath: string;
  stateDir: string;
  version?: string;
  startedAt?: string;
}

/** How long status/stop wait for a running service to answer ping. */
const PING_TIMEOUT_MS = 3000;

/** Whether a service answers for the state dir (it is asked, not guessed from files). */
export async function serviceStatus(stateDir: string = defaultStateDir()): Promise<ServiceStatus> {
  const dir = resolve(stateDir);
  const socketPath = socketPathFor(dir); // throws E_INVALIDARG for a state dir too long for a socket
  let client: ServiceClient;
  try {
    client = await ServiceClient.connect({ stateDir: dir, autoStart: false, startTimeoutMs: PING_TIMEOUT_MS });
  } catch {
    return { running: false, socketPath, stateDir: dir };
  }
  try {
    const info = client.service!;
    return { running: true, pid: info.pid, socketPath, stateDir: dir, version: info.version, startedAt: info.startedAt };
  } finally {
    await client.close();
  }
}

/** Starts the service unless one runs; returns its pid either way. */
export async function startService(stateDir: string = defaultStateDir(), opts: { timeoutMs?: number } = {}): Promise<{ pid: number; alreadyRunning: boolean }> {
  const dir = resolve(stateDir);
  const status = await serviceStatus(dir);
  if (status.running) return { pid: status.pid!, alreadyRunning: true };
  const client = await ServiceClient.connect({ stateDir: dir, autoStart: true, startTimeoutMs: opts.timeoutMs });
  try {
    return { pid: client.service!.pid, alreadyRunning: false };
  } finally {
    await client.close();
  }
}

/**
 * Stops the service: asks it to shut down (it finishes requests in flight, closes the engine and removes
 * its socket and lock), waits for the process to exit, then falls back to SIGTERM and finally SIGKILL.
 * `stopped` is false when no service was running.
 */
export async function stopService(stateDir: string = defaultStateDir(), opts: { timeoutMs?: number } = {}): Promise<{ stopped: boolean; pid?: number }> {
  const dir = resolve(stateDir);
  // The service drains requests for up to 10 s before it closes the engine; give it that and more.
  const timeoutMs = opts.timeoutMs ?? 20_000;
  let pid: number | undefined;
  let asked = false;
  try {
    const client = await ServiceClient.connect({ stateDir: dir, autoStart: false, startTimeoutMs: PING_TIMEOUT_MS });
    try {
      pid = client.service!.pid;
      await client.shutdown();
      asked = true;
    } catch {
      /* it went away while we asked, or it cannot answer: the signals below decide */
    } finally {
      await client.close();
    }
  } catch {
    // Nothing answers. A hung service may still hold the lock: signal it only when the lock identifies
    // that very process (pid plus its start time, Linux), never a process that merely reuses the pid.
    const lock = readLock(dir);
    if (!lock || lockOwnerGone(lock) || lock.startTicks === undefined) return { stopped: false };
    pid = lock.pid;
  }
  if (pid === undefined) return { stopped: false };
  // A service embedded in this very process (runService in a test) stops through its handle, not signals.
  if (pid === process.pid) return { stopped: asked, pid };
  if (asked && (await waitForExit(pid, timeoutMs))) return { stopped: true, pid };
  signal(pid, 'SIGTERM');
  if (await waitForExit(pid, 5000)) return { stopped: true, pid };
  signal(pid, 'SIGKILL');
  const gone = await waitForExit(pid, 5000);
  if (gone) removeLeftovers(dir, pid);
  if (!gone) throw new BitsError(0x80004005, `The bits-job2 service (pid ${pid}) did not stop, even after SIGKILL.`);
  return { stopped: true, pid };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** A service killed with SIGKILL leaves its socket and lock; remove them if they are still its own. */
function removeLeftovers(dir: string, pid: number): void {
  const lock = readLock(dir);
  if (!lock || lock.pid !== pid) return;
  for (const p of [socketPathFor(dir), lockPath(dir)]) {
    if (process.platform === 'win32' && p.startsWith('\\\\.\\pipe\\')) continue;
    try {
      unlinkSync(p);
    } catch {
      /* gone */
    }
  }
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
