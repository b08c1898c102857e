// The BITS setter of each job property (Set<bits name> of JOB_PROPERTIES), typed by the description:
// `set` calls them for its flags, `create` for the ones it also applies (OperationSpec.alsoApplies).
import type { OperationOf } from '../api/operations.js';
import type { BitsJob } from '../core/bits-job.js';
import type { ParamValues } from './from-api.js';

export type SetValues = ParamValues<OperationOf<'setProperties'>>;
export type Settable = Exclude<keyof SetValues, 'jobId'>;

/** The BITS setter of each property (Set<bits name> of JOB_PROPERTIES), typed by the description. */
const SETTERS: { [K in Settable]: (job: BitsJob, v: NonNullable<SetValues[K]>) => Promise<void> } = {
  displayName: (job, v) => job.setDisplayName(v),
  description: (job, v) => job.setDescription(v),
  priority: (job, v) => job.setPriority(v),
  minimumRetryDelay: (job, v) => job.setMinimumRetryDelay(v),
  noProgressTimeout: (job, v) => job.setNoProgressTimeout(v),
  notifyFlags: (job, v) => job.setNotifyFlags(v),
};
export function setOne<K extends Settable>(job: BitsJob, name: K, v: NonNullable<SetValues[K]>): Promise<void> {
  return SETTERS[name](job, v);
}
