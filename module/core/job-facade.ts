// The BitsJob facade's plumbing, derived from the port (module/api/port.ts): every job method of the
// description (first argument the job id, `facade` not false) becomes `job.<method>(other args…)`,
// its result converted by kind for Node — reply bytes as a Buffer, a job error with names. Methods
// that need more (enum names, several calls, the snapshot as JobInfo) are written in bits-job.ts.
import type { BackendMethod, PortArgs, PortEntry, PortResultTypes, PortSpec } from '../api/port.js';
import { PORT } from '../api/port.js';
import type { JobErrorWire } from '../api/types.js';
import type { Backend } from '../api/port.js';
import { toErrorInfo, type JobErrorInfo } from './job-info.js';

/** Results the facade converts; other kinds are returned as the port gives them. */
interface FacadeResultTypes {
  bytes: Buffer;
  jobError: JobErrorInfo;
}
type FacadeResult<K extends keyof PortResultTypes> = K extends keyof FacadeResultTypes ? FacadeResultTypes[K] : PortResultTypes[K];

type FacadeEntry = Exclude<Extract<PortEntry, { args: readonly [readonly [string, 'jobId'], ...unknown[]] }>, { facade: false }>;
type Rest<T> = T extends [unknown, ...infer R] ? R : [];

/** The derived job methods as TypeScript signatures. */
export type FacadeMethods = {
  [E in FacadeEntry as E['method']]: (...args: Rest<PortArgs<E['method'] & BackendMethod>>) => Promise<FacadeResult<E['result']>>;
};

const CONVERT: { [K in keyof FacadeResultTypes]: (v: PortResultTypes[K]) => FacadeResultTypes[K] } = {
  bytes: (base64) => Buffer.from(base64, 'base64'),
  jobError: (e: JobErrorWire) => toErrorInfo(e),
};

/** The ports the facade derives a method for. */
export const FACADE_PORTS: readonly PortSpec[] = PORT.filter((p) => p.facade !== false && p.args[0]?.[1] === 'jobId');

/** Installs the derived methods on `proto`; `parts(this)` gives the job's backend and id. */
export function installFacade(proto: object, parts: (self: never) => { backend: Backend; id: string }): void {
  for (const port of FACADE_PORTS) {
    const convert = (CONVERT as Record<string, ((v: unknown) => unknown) | undefined>)[port.result];
    Object.defineProperty(proto, port.method, {
      async value(this: never, ...args: unknown[]) {
        const { backend, id } = parts(this);
        const method = backend[port.method as BackendMethod] as (...a: unknown[]) => Promise<unknown>;
        const result = await method.call(backend, id, ...args);
        return convert ? convert(result) : result;
      },
      writable: true,
      configurable: true,
    });
  }
}
