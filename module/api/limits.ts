// Defaults and limits of spec §6, as data. The engine enforces them, the contract suite checks them,
// the CLI and cmdlet help print them.
export const LIMITS = {
  MAX_PATH: 260,
  displayNameMax: 256,
  descriptionMax: 1024,
  remoteUrlMax: 2200,
  urlSegmentMax: 260,
  filesPerJob: 200,
  jobsPerUser: 60,
  jobsPerMachine: 300,
  uploadFilesPerJob: 1,
  notifyProgramMax: 260,
  notifyParametersMax: 4000,
  userNameMax: 300,
  passwordMax: 65536,
  proxyListMax: 32000,
  replyDataMax: 1048576,
  minimumRetryDelayFloor: 5,
  jobInactivityTimeoutSeconds: 90 * 24 * 3600,
} as const;

export const DEFAULTS = {
  description: '',
  priority: 2, // NORMAL
  minimumRetryDelay: 600,
  noProgressTimeout: 1209600,
  notifyFlags: 0x0003,
  proxyUsage: 0, // PRECONFIG
  /** Portable scheduler time slice among equal background priorities (spec §5.3 [DECISION]). */
  timeSliceSeconds: 300,
  /** Portable: modification events coalesced this far apart (spec §5.2 [DECISION]). */
  modificationIntervalMs: 500,
} as const;
