// The ordinary service (dist/module/service/main.js, unchanged) with one difference: the engine's
// jobs-per-user and jobs-per-machine limits raised to BENCH_JOB_LIMIT (default 1000). The spec's
// per-user limit is 60 (LIMITS.jobsPerUser, as Windows' default MaxJobsPerUser), and the service has
// no setting for it, so "100 concurrent jobs" needs this launcher. Everything else — the RPC server,
// the engine, the scheduler, the transfer code — is the code a user runs.
//
//   node dist/scripts/bench/service-more-jobs.js --state-dir DIR
import { PortableEngine, type EngineOptions } from '../../module/engine/engine.js';

const limit = Number(process.env.BENCH_JOB_LIMIT || 1000);
const open = PortableEngine.open.bind(PortableEngine);
PortableEngine.open = (options: EngineOptions = {}) => open({ ...options, limits: { ...options.limits, jobsPerUser: limit, jobsPerMachine: limit } });
// main.ts parses process.argv (--state-dir) and imports the engine module we just patched.
await import('../../module/service/main.js');
