// RemoteBackend: the Backend port over a transport — one method per port shape of module/api
// (port.ts), none written by hand. The service client (a socket to the per-user service) and the
// native backend (edge-js into the C# bridge) are each a transport, argument encoders by argument
// type and result normalisers by result kind; adding an operation to the description adds the
// method to both.
import type { Backend, BackendMethod, PortArgType, PortResultKind, PortResultTypes, PortSpec } from '../api/port.js';
import { PORT, portOf } from '../api/port.js';

/** Sends one call and resolves with the raw result; every failure is a BitsError. */
export type Transport = (method: BackendMethod, args: unknown[], port: PortSpec) => Promise<unknown>;

export interface RemoteOptions {
  /** Turns an argument into what the far side reads (by the argument's type in the description). */
  encode?: Partial<Record<PortArgType, (value: unknown) => unknown>>;
  /** Turns a raw result into the port's result type (by the result kind in the description). */
  normalise?: { [K in PortResultKind]?: (value: unknown, method: BackendMethod) => PortResultTypes[K] };
}

export class RemoteBackend {
  constructor(
    readonly kind: string,
    private readonly transport: Transport,
    private readonly options: RemoteOptions = {},
  ) {}

  /** One port call: arguments encoded by type, result normalised by kind. */
  protected async invoke(port: PortSpec, args: unknown[]): Promise<unknown> {
    const { encode, normalise } = this.options;
    const encoded = encode ? port.args.map(([, type], i) => (encode[type] ? encode[type]!(args[i]) : args[i])) : args.slice(0, port.args.length);
    const raw = await this.transport(port.method as BackendMethod, encoded, port);
    const n = normalise?.[port.result] as ((v: unknown, m: BackendMethod) => unknown) | undefined;
    return n ? n(raw, port.method as BackendMethod) : raw;
  }

  /** The port method `method` as RemoteBackend sends it (for a subclass that overrides the method). */
  protected callPort(method: BackendMethod, args: unknown[]): Promise<unknown> {
    return this.invoke(portOf(method)!, args);
  }

  async close(): Promise<void> {}
}

// The port methods, on the prototype so that a subclass may override one (ServiceClient.listJobs).
for (const port of PORT) {
  Object.defineProperty(RemoteBackend.prototype, port.method, {
    value: function (this: RemoteBackend, ...args: unknown[]) {
      return this['invoke'](port, args);
    },
    writable: true,
    configurable: true,
  });
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the methods installed above
export interface RemoteBackend extends Backend {}
