// Bench 8 (issue 5 → issue 7): the per-call overhead of the native backend's bridge, measured where
// it can be here: TypeScript → load-bridge → edge-js (CoreCLR) → the real Bits.Job2.Bridge dispatch
// and ComCall → managed fakes of the COM interfaces (module/native/bridge.fakes) and back. On Windows
// the COM call into BITS (a cross-process RPC to the BITS service) comes on top of this figure.
// Compared in the same run with the same NativeBackend over an in-process JS invoke (no edge-js), so
// the difference is what edge-js and the CLR add. Prints JSON on stdout (scripts/bench/native.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JobType } from '../../module/api/enums.js';
import { EDGE_JS_ENV, loadBridge } from '../../module/native/load-bridge.js';
import { NativeBackend, type BridgeInvoke } from '../../module/native/native-backend.js';
import { REPO } from './util.js';

const CALLS = Number(process.env.BENCH_NATIVE_CALLS ?? 2000);
const FAKES = join(REPO, 'module/native/bridge.fakes');
const FAKES_DLL = join(FAKES, 'bin/Release/netstandard2.0/Bits.Job2.Bridge.Fakes.dll');
const EDGE_DIR = process.env[EDGE_JS_ENV]?.trim() ? resolve(process.env[EDGE_JS_ENV]!) : join(REPO, '.ci/edge/node_modules/edge-js');

function fail(why: string): never {
  process.stderr.write(`native-overhead: ${why}\n`);
  process.exit(1);
}

/** Median and p95 (ms) of `calls` sequential awaits of `call`, after 100 warm-up calls. */
async function timeCalls(call: () => Promise<unknown>, calls: number): Promise<{ medianMs: number; p95Ms: number }> {
  for (let i = 0; i < 100; i++) await call();
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    await call();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Number(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(4));
  return { medianMs: at(0.5), p95Ms: at(0.95) };
}

if (!existsSync(join(EDGE_DIR, 'package.json'))) fail(`edge-js is not installed at ${EDGE_DIR}: run scripts/install-edge-js.sh`);
const build = spawnSync('dotnet', ['build', '-c', 'Release', '-nologo'], { cwd: FAKES, encoding: 'utf8', env: { ...process.env, DOTNET_NOLOGO: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
if (build.status !== 0 || !existsSync(FAKES_DLL)) fail(`dotnet build of ${FAKES} failed: ${(build.stdout ?? '') + (build.stderr ?? '') || build.error}`.slice(-3000));

process.env.EDGE_USE_CORECLR = '1'; // before edge-js is first imported
const t0 = performance.now();
const invoke = await loadBridge({ allowNonWindows: true, dll: FAKES_DLL, typeName: 'Bits.Job2.Bridge.Fakes.FakeBridge', env: { ...process.env, [EDGE_JS_ENV]: EDGE_DIR } });
const bridged = new NativeBackend(invoke);
const id = await bridged.createJob('overhead', JobType.UPLOAD_REPLY);
const firstCallMs = performance.now() - t0;

// The same adapter over a JS invoke that answers describeJob with the very result the bridge gave:
// the adapter's own cost, without edge-js and the CLR.
const canned = await invoke({ op: 'describeJob', args: [id] } as never);
const jsInvoke: BridgeInvoke = async () => canned;
const direct = new NativeBackend(jsInvoke);

const viaBridge = await timeCalls(() => bridged.describeJob(id), CALLS);
const viaJs = await timeCalls(() => direct.describeJob(id), CALLS);
await bridged.cancel(id);

process.stdout.write(JSON.stringify({
  command: 'node dist/scripts/bench/native-overhead.js',
  runtime: 'edge-js 26.1.0 on CoreCLR (EDGE_USE_CORECLR=1), managed fakes instead of BITS COM',
  calls: CALLS,
  loadAndFirstCallMs: Number(firstCallMs.toFixed(1)),
  describeJobThroughBridge: viaBridge,
  describeJobAdapterOnly: viaJs,
  bridgeOverheadMedianMs: Number((viaBridge.medianMs - viaJs.medianMs).toFixed(4)),
}) + '\n');
process.exit(0); // edge-js keeps the CLR alive
