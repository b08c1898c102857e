// Engine tuning from the environment, for the service (which has no other configuration channel
// yet) and for tests: BITS_JOB2_CHECKPOINT_MS, BITS_JOB2_CHECKPOINT_BYTES, BITS_JOB2_TIME_SLICE_MS,
// BITS_JOB2_JOBS_PER_USER and BITS_JOB2_JOBS_PER_MACHINE (the job caps, 60 and 300 by default as in BITS:
// spec §6; Group Policy's MaxJobsPerUser / MaxJobsPerMachine on Windows),
// BITS_JOB2_FRAGMENT_BYTES (uploads: every Fragment this size instead of 1 MiB doubling to 13 MiB or the server's named limit; the
// bench's fragment-size curve, or a server/proxy with a request size limit).
// Invalid values are refused loudly rather than ignored.
import { bitsError } from '../api/bits-error.js';
import { HR } from '../api/hresult.js';
import { MAX_FRAGMENT, MIN_FRAGMENT } from './upload/fragment-size.js';

function positiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw bitsError(HR.E_INVALIDARG, `${name}=${raw} is not a positive whole number: fix or unset it.`);
  return n;
}

export function engineTuningFromEnv(env: NodeJS.ProcessEnv = process.env): {
  timeSliceMs?: number;
  download: { checkpointIntervalMs?: number; checkpointBytes?: number; fragmentBytes?: number };
  limits: { jobsPerUser?: number; jobsPerMachine?: number };
} {
  const jobsPerUser = positiveInt(env, 'BITS_JOB2_JOBS_PER_USER');
  const jobsPerMachine = positiveInt(env, 'BITS_JOB2_JOBS_PER_MACHINE');
  const checkpointIntervalMs = positiveInt(env, 'BITS_JOB2_CHECKPOINT_MS');
  const checkpointBytes = positiveInt(env, 'BITS_JOB2_CHECKPOINT_BYTES');
  const timeSliceMs = positiveInt(env, 'BITS_JOB2_TIME_SLICE_MS');
  const fragmentBytes = positiveInt(env, 'BITS_JOB2_FRAGMENT_BYTES');
  if (fragmentBytes !== undefined && (fragmentBytes < MIN_FRAGMENT || fragmentBytes > MAX_FRAGMENT)) {
    throw bitsError(HR.E_INVALIDARG, `BITS_JOB2_FRAGMENT_BYTES=${fragmentBytes} is outside ${MIN_FRAGMENT}..${MAX_FRAGMENT} (the fragment sizes of BITS): fix or unset it.`);
  }
  return {
    ...(timeSliceMs ? { timeSliceMs } : {}),
    download: { ...(checkpointIntervalMs ? { checkpointIntervalMs } : {}), ...(checkpointBytes ? { checkpointBytes } : {}), ...(fragmentBytes ? { fragmentBytes } : {}) },
    limits: { ...(jobsPerUser ? { jobsPerUser } : {}), ...(jobsPerMachine ? { jobsPerMachine } : {}) },
  };
}
