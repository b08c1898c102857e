// ServiceClient: the Backend that forwards every call to the per-user service (DESIGN §4 "Service"),
// starting the service on demand. Its port methods are RemoteBackend's (derived from module/api);
// the transport is a ServiceLink (connection.ts: one pipelined socket, reconnects, the starter);
// read-only calls (READ_ONLY_METHODS, from the description) are retried once on a restarted service.
import { resolve } from 'node:path';
import { BitsError } from '../api/bits-error.js';
import type { JobSnapshotWire } from '../api/types.js';
import { READ_ONLY_METHODS } from '../api/port.js';
import { RemoteBackend } from '../io/remote-backend.js';
import { defaultStateDir } from '../common/paths.js';
import { ServiceLink } from './connection.js';
import { fromJobRows } from './job-rows.js';
import type { ServiceInfo } from './server.js';
import { socketPath as socketPathFor } from './socket-path.js';

export { SERVICE_STOPPED_MESSAGE } from './connection.js';
export { SERVICE_MAIN } from './starter.js';
export { READ_ONLY_METHODS };

const E_NOTIMPL = 0x80004001;

export interface ConnectOptions {
  /** State directory of the service (default: defaultStateDir(), i.e. BITS_JOB2_STATE_DIR or the per-user dir). */
  stateDir?: string;
  /** Start the service when none answers (default true). */
  autoStart?: boolean;
  /** How long to wait for a service to answer after starting it (default 10 s). */
  startTimeoutMs?: number;
}

export class ServiceClient extends RemoteBackend {
  private rowsUnsupported = false;

  private constructor(private readonly link: ServiceLink) {
    super('service', (method, params, port) => link.call(method, params, port.readOnly));
  }

  get stateDir(): string {
    return this.link.stateDir;
  }
  get socketPath(): string {
    return this.link.socketPath;
  }

  /** Connects to the service of the state dir, starting it if needed (unless autoStart is false). */
  static async connect(opts: ConnectOptions = {}): Promise<ServiceClient> {
    const stateDir = resolve(opts.stateDir ?? defaultStateDir());
    const link = new ServiceLink(stateDir, socketPathFor(stateDir), opts.autoStart ?? true, opts.startTimeoutMs ?? 10_000);
    await link.connection();
    return new ServiceClient(link);
  }

  /** The service this client last connected to (its ping answer). */
  get service(): ServiceInfo | undefined {
    return this.link.info;
  }

  /** Asks the service who it is (pid, version, state dir, start time). */
  async ping(): Promise<ServiceInfo> {
    const info = (await this.link.call('ping', [], true)) as ServiceInfo;
    this.link.info = info;
    return info;
  }

  /** Asks the service to stop (it answers, then closes its engine and exits). Never starts one. */
  shutdown(): Promise<{ stopping: boolean; pid: number }> {
    return this.link.shutdown();
  }

  /** Closes this client's connection; the service keeps running. */
  override async close(): Promise<void> {
    this.link.close();
  }

  /** Asks for rows (job-rows.ts: a third of the bytes and of the JSON work); a service without listJobsRows gets listJobs. */
  override listJobs = async (options?: { allUsers?: boolean }): Promise<JobSnapshotWire[]> => {
    const listJobs = () => this.callPort('listJobs', [options]) as Promise<JobSnapshotWire[]>;
    if (this.rowsUnsupported) return listJobs();
    try {
      return fromJobRows(await this.link.call('listJobsRows', [options], true));
    } catch (e) {
      // Only "no such method" of the service itself; an engine's own E_NOTIMPL is the answer.
      if (!(e instanceof BitsError && e.hresult === E_NOTIMPL && e.message.includes("'listJobsRows'"))) throw e;
      this.rowsUnsupported = true; // a service of an older version
      return listJobs();
    }
  };
}
