// The values of --backend (and BITS_JOB2_BACKEND), apart from context.ts so that the fast path
// (fast-path.ts) can check them without loading the command context and what it imports.
export type BackendName = 'service' | 'portable' | 'native';
export const BACKENDS: readonly BackendName[] = ['service', 'portable', 'native'];
