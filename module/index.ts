// The public Node API of bits-job2. `bits-job2/engine` exposes the in-process portable engine for
// embedding; everything else goes through BitsManager and the backend it opens.
export { BitsManager } from './core/bits-manager.js';
export { BitsJob, type WaitOptions } from './core/bits-job.js';
export type { JobInfo, JobTimes, JobErrorInfo, FileInfo } from './core/job-info.js';
export type { Backend, JobPropertyValues } from './core/backend.js';
export { openBackend, type BackendChoice, type OpenOptions } from './core/select-backend.js';
export { BitsError, type BitsErrorJSON } from './api/bits-error.js';
export { HR, hex, hresultMessage, hresultName, isFailure } from './api/hresult.js';
export {
  JobState, JobPriority, JobType, ProxyUsage, ErrorContext, AuthTarget, AuthScheme, NotifyFlags, BG_SIZE_UNKNOWN,
  type JobStateName, type JobPriorityName, type JobTypeName, type ProxyUsageName, type ErrorContextName,
  type AuthTargetName, type AuthSchemeName,
} from './api/enums.js';
export { LIMITS, DEFAULTS } from './api/limits.js';
export { OPERATIONS, JOB_PROPERTIES, type OperationSpec, type ParamSpec } from './api/operations.js';
export type * from './api/types.js';
export { notifyCommand, notifyWarnings } from './common/notify/notify-cmdline.js';
