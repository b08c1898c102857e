// The Backend port, derived from the API description (module/api/operations.ts): every operation
// with a `port` shape is one Backend method — its name, ordered typed arguments, result kind and
// whether it only reads. The port lives in module/api so that every layer may use it: the portable
// engine implements it, the service serves it, RemoteBackend (module/io) forwards it over a socket
// or edge-js, the bridge's dispatch table is generated from it (scripts/gen-bridge.ts), core wraps it.
// Job-id based and JSON-safe so that it crosses a socket or edge-js unchanged. Every failure is a
// BitsError (thrown, or rejected).
import type { JobPropertyName } from './operations.js';
import { OPERATION_TABLE, OPERATIONS } from './operations.js';
import type {
  CredentialsInput,
  FileInfoWire,
  HResultWire,
  JobErrorWire,
  JobSnapshotWire,
  NewFile,
  NotifyCmdLineWire,
  ProxySettingsWire,
  ReplyProgressWire,
} from './types.js';

/** The argument types of port methods, by tag (the tag also picks the bridge's C# converter). */
export interface PortArgTypes {
  jobId: string;
  string: string;
  nullableString: string | null;
  int: number;
  /** An HRESULT, signed or unsigned. */
  hresult: number;
  files: NewFile[];
  credentials: CredentialsInput;
  propertyName: JobPropertyName;
  propertyValue: string | number;
  /** Always the last argument and optional. */
  listOptions: { allUsers?: boolean } | undefined;
}
export type PortArgType = keyof PortArgTypes;

/** The result kinds of port methods: what a RemoteBackend normalises and the facade converts. */
export interface PortResultTypes {
  void: void;
  jobId: string;
  string: string;
  nullableString: string | null;
  hresult: HResultWire;
  snapshot: JobSnapshotWire;
  snapshots: JobSnapshotWire[];
  files: FileInfoWire[];
  jobError: JobErrorWire;
  proxy: ProxySettingsWire;
  notifyCmdLine: NotifyCmdLineWire;
  replyProgress: ReplyProgressWire;
  /** Reply bytes as base64 (JSON-safe); the facade returns a Buffer. */
  bytes: string;
}
export type PortResultKind = keyof PortResultTypes;

/** One port argument: [name, type]. */
export type PortArg = readonly [name: string, type: PortArgType];

export interface PortSpec {
  /** The Backend method name. */
  method: string;
  /** Arguments in order; the job's id comes first for job methods. */
  args: readonly PortArg[];
  result: PortResultKind;
  /** Changes nothing: the service client may send it again to a restarted service. */
  readOnly: boolean;
  /**
   * The bridge (generated Bridge.Operations.g.cs): by default `JobOps.<Method>(job, args…)` on the
   * job object (held, else the manager's). `on: 'queued'`: the manager's GetJob lookup only;
   * `on: 'manager'`: `Bridge.<Method>(args…)`. `call` names the C# method when it is not the
   * PascalCase of the port method.
   */
  native?: { on?: 'queued' | 'manager'; call?: string };
  /**
   * The BitsJob facade (module/core/bits-job.ts) gets `<method>(args after jobId…)` for free, its
   * result converted by kind (bytes → Buffer, snapshot → JobInfo, jobError → JobErrorInfo);
   * false: the facade writes its own (enum names, several calls).
   */
  facade?: false;
}

// ---- the types derived from OPERATIONS ---------------------------------------------------------

type Operation = (typeof OPERATION_TABLE)[number];
/** Every port shape of the description. */
export type PortEntry = Extract<Operation, { port: PortSpec }>['port'];
export type BackendMethod = PortEntry['method'];
type EntryOf<M extends BackendMethod> = Extract<PortEntry, { method: M }>;

type ArgTuple<A extends readonly PortArg[]> = A extends readonly [infer H extends PortArg, ...infer R extends readonly PortArg[]]
  ? H[1] extends 'listOptions'
    ? [options?: PortArgTypes['listOptions']]
    : [PortArgTypes[H[1]], ...ArgTuple<R>]
  : [];

/** The arguments of a port method, in order. */
export type PortArgs<M extends BackendMethod> = ArgTuple<EntryOf<M>['args']>;
/** The result of a port method. */
export type PortResult<M extends BackendMethod> = PortResultTypes[EntryOf<M>['result']];

/** The port methods as TypeScript signatures. */
export type PortMethods = { [M in BackendMethod]: (...args: PortArgs<M>) => Promise<PortResult<M>> };

/** The Backend port: the one contract every backend implements (portable engine, service client, native bridge). */
export interface Backend extends PortMethods {
  /** 'portable' | 'service' | 'native' — for messages and tests. */
  readonly kind: string;
  /** Releases the backend (closes the store, the socket, ...). Jobs keep running where the backend is a service. */
  close(): Promise<void>;
}

export type JobPropertyValues = Partial<{
  displayName: string;
  description: string;
  priority: number;
  minimumRetryDelay: number;
  noProgressTimeout: number;
  notifyFlags: number;
}>;

// ---- the values derived from OPERATIONS --------------------------------------------------------

/** Every port shape, in the description's order. */
export const PORT: readonly PortSpec[] = OPERATIONS.flatMap((op) => ('port' in op ? [op.port as PortSpec] : []));

/** The RPC-callable method names (everything but `kind` and `close`). */
export const BACKEND_METHODS: readonly BackendMethod[] = PORT.map((p) => p.method as BackendMethod);

/** Methods that change nothing: safe to send again to a restarted service. */
export const READ_ONLY_METHODS: ReadonlySet<BackendMethod> = new Set(PORT.filter((p) => p.readOnly).map((p) => p.method as BackendMethod));

const BY_METHOD = new Map(PORT.map((p) => [p.method, p]));

/** The port shape of `method` (undefined: not a port method). */
export function portOf(method: string): PortSpec | undefined {
  return BY_METHOD.get(method);
}
