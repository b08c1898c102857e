// A fresh bits-job2 service for one measurement: its own state dir under /tmp (short, for the socket
// path), started through ServiceClient.connect like any client would, stopped by pid at the end
// (stopService, then SIGTERM/SIGKILL of every service of that dir) and its state dir removed.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVICE_MAIN, ServiceClient } from '../../module/service/client.js';
import { stopService } from '../../module/service/control.js';
import { killServices, servicePids } from '../../test/helpers/service.js';
import { NODE, onCleanup, sleep, tempDir } from './util.js';

/** Every state dir a bench service was started for, for the last-resort sweep. */
const stateDirs = new Set<string>();

/**
 * Last resort after an interruption, synchronous so that nothing can spawn in between: SIGKILL every
 * service process still running for a bench state dir and remove the dirs. Call right before exiting.
 */
export function sweepServicesSync(): void {
  for (const dir of stateDirs) {
    for (const pid of servicePids(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The node flags the launchers of that build give its service (module/service/node-flags.ts next to
 * `main`; none for a build from before that file), so a service spawned here runs as users get it.
 */
async function launcherFlags(main: string): Promise<string[]> {
  const file = join(dirname(main), 'node-flags.js');
  if (!existsSync(file)) return [];
  return [...((await import(pathToFileURL(file).href)) as { SERVICE_NODE_FLAGS: readonly string[] }).SERVICE_NODE_FLAGS];
}

export interface BenchService {
  stateDir: string;
  pid: number;
  client: ServiceClient;
  /** Stops the service and removes its state dir (also runs from the cleanup stack on failure). */
  stop(): Promise<void>;
}

/**
 * Without `nodeArgs` the service is started the ordinary way, by ServiceClient.connect. With
 * `nodeArgs` (e.g. --cpu-prof, which NODE_OPTIONS does not accept) it is spawned here as
 * `node <its launcher flags> ...nodeArgs dist/module/service/main.js --state-dir DIR`, detached like ServiceClient does,
 * and connected to once it answers. `main` replaces dist/module/service/main.js (the same way: e.g.
 * a base build's dist/module/service/main.js). `env` is added to the service's environment (e.g. BITS_JOB2_CHECKPOINT_MS).
 */
export async function startService(opts: { stateDir?: string; nodeArgs?: string[]; main?: string; env?: Record<string, string>; keepStateDir?: boolean } = {}): Promise<BenchService> {
  const stateDir = opts.stateDir ?? tempDir('bj2b-');
  stateDirs.add(stateDir);
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
    if (opts.nodeArgs || opts.main) {
      const main = opts.main ?? SERVICE_MAIN;
      // A base build's service speaks its own build's wire format: talk to it with that build's client.
      const Client = opts.main ? ((await import(pathToFileURL(join(dirname(main), 'client.js')).href)) as { ServiceClient: typeof ServiceClient }).ServiceClient : ServiceClient;
      const child = spawn(NODE, [...(await launcherFlags(main)), ...(opts.nodeArgs ?? []), main, '--state-dir', stateDir], { detached: true, stdio: 'ignore', env: { ...process.env, ...opts.env } });
      child.unref();
      pid = child.pid;
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          client = await Client.connect({ stateDir, autoStart: false });
          break;
        } catch (e) {
          if (Date.now() > deadline || child.exitCode !== null) throw e;
          await sleep(50);
        }
      }
    } else {
      // ServiceClient spawns the service with process.env: set the extra variables only around that.
      const saved = Object.keys(opts.env ?? {}).map((k) => [k, process.env[k]] as const);
      Object.assign(process.env, opts.env);
      try {
        client = await ServiceClient.connect({ stateDir, startTimeoutMs: 20_000 });
      } finally {
        for (const [k, v] of saved) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    }
    pid = client.service!.pid;
  } catch (e) {
    await runEarly();
    throw e;
  }
  return { stateDir, pid, client, stop: runEarly };
}
