// Bench 8: bridge call overhead through edge-js (Node → C# bridge → BITS COM). Measured by
// scripts/bench/native-overhead.ts, which belongs to the native work, not to this bench: when its
// build output exists we run it (`node dist/scripts/bench/native-overhead.js`, JSON on stdout) and
// report what it printed; when it does not, the figure is "not measured".
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NODE, progress, REPO, timedRun } from './util.js';

export const NATIVE_SCRIPT = join(REPO, 'dist', 'scripts', 'bench', 'native-overhead.js');
export const NATIVE_COMMAND = 'node dist/scripts/bench/native-overhead.js';

export type NativeResults =
  | { status: 'not measured'; why: string }
  | { status: 'failed'; why: string; ms: number }
  | { status: 'measured'; data: unknown; ms: number };

export async function runNativeBench(): Promise<NativeResults> {
  if (!existsSync(NATIVE_SCRIPT)) {
    progress(`bridge overhead: ${NATIVE_SCRIPT} does not exist: not measured`);
    return { status: 'not measured', why: `${NATIVE_COMMAND} does not exist in this build (scripts/bench/native-overhead.ts is written by the native work)` };
  }
  progress(`bridge overhead: ${NATIVE_COMMAND}`);
  const r = await timedRun(NODE, [NATIVE_SCRIPT], { keepStdout: true, cwd: REPO, timeoutMs: 600_000 });
  if (r.code !== 0) return { status: 'failed', why: `exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 1500)}`, ms: r.ms };
  try {
    return { status: 'measured', data: JSON.parse(r.stdout), ms: r.ms };
  } catch (e) {
    return { status: 'failed', why: `its stdout is not JSON (${(e as Error).message}): ${r.stdout.slice(0, 500)}`, ms: r.ms };
  }
}
