// The test side of engine-driver.ts: spawns the driver (in a network namespace when given an argv
// prefix) and calls engine methods on it. close() ends it; it is also killed by PID on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { JobSnapshotWire } from '../../module/api/types.js';
import { running } from './nginx.js';
import { REPO } from './service.js';

const DRIVER = join(REPO, 'dist/test/helpers/engine-driver.js');

export interface RemoteEngineOptions {
  stateDir: string;
  policyPaths: { system: string; user: string };
  clockStart: number;
  /** e.g. bottleneck.inClient: wraps [node, driver, config] into the namespace. */
  wrap?: (cmd: string, args: string[]) => [string, string[]];
}

export class RemoteEngine {
  private readonly child: ChildProcess;
  private next = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private stderr = '';

  constructor(o: RemoteEngineOptions) {
    const argv: [string, string[]] = [process.execPath, [DRIVER, JSON.stringify({ stateDir: o.stateDir, policyPaths: o.policyPaths, clockStart: o.clockStart })]];
    const [cmd, args] = o.wrap ? o.wrap(...argv) : argv;
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this.child.pid!);
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { id: number; result?: unknown; error?: { name: string; message: string } };
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) p?.reject(Object.assign(new Error(`${msg.error.name}: ${msg.error.message}`), { code: msg.error.name }));
      else p?.resolve(msg.result);
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`engine driver exited (${code}): ${this.stderr.slice(-2000)}`));
      this.pending.clear();
    });
  }

  call<T = unknown>(method: string, ...params: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  describe(id: string): Promise<JobSnapshotWire> {
    return this.call('describeJob', id);
  }

  /** Bytes per second job `id` moves over `ms` (live progress, sampled at both ends). */
  async rate(id: string, ms: number): Promise<number> {
    const a = await this.describe(id);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    const b = await this.describe(id);
    return ((b.progress.bytesTransferred - a.progress.bytesTransferred) * 1000) / (performance.now() - t0);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.call('close').catch(() => undefined);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
    running.delete(this.child.pid!);
  }
}
