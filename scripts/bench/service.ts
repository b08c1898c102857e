// A fresh bits-job2 service for one measurement: its own state dir under /tmp (short, for the socket
// path), started through ServiceClient.connect like any client would, stopped by pid at the end
// (stopService, then SIGTERM/SIGKILL of every service of that dir) and its state dir removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { ServiceClient } from '../../module/service/client.js';
import { stopService } from '../../module/service/control.js';
import { killServices } from '../../test/helpers/service.js';
import { onCleanup } from './util.js';

export interface BenchService {
  stateDir: string;
  pid: number;
  client: ServiceClient;
  /** Stops the service and removes its state dir (also runs from the cleanup stack on failure). */
  stop(): Promise<void>;
}

/**
 * `env` is applied to process.env only while the service is spawned (ServiceClient passes
 * process.env to it), e.g. NODE_OPTIONS for a CPU profile.
 */
export async function startService(opts: { stateDir?: string; env?: Record<string, string>; keepStateDir?: boolean } = {}): Promise<BenchService> {
  const stateDir = opts.stateDir ?? mkdtempSync('/tmp/bj2b-');
  const saved: Record<string, string | undefined> = {};
  let stopped = false;
  let pid: number | undefined;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await client?.close().catch(() => {});
    try {
      await stopService(stateDir, { timeoutMs: 15_000 });
    } catch {
      /* the kill below decides */
    }
    await killServices(stateDir, pid !== undefined ? [pid] : []);
    if (!opts.keepStateDir) rmSync(stateDir, { recursive: true, force: true });
  };
  const runEarly = onCleanup(`service ${stateDir}`, stop);
  let client: ServiceClient | undefined;
  try {
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    try {
      client = await ServiceClient.connect({ stateDir, startTimeoutMs: 20_000 });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    pid = client.service!.pid;
  } catch (e) {
    await runEarly();
    throw e;
  }
  return { stateDir, pid, client, stop: runEarly };
}
