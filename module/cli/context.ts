// What every command handler gets: the global options, a lazily opened BitsManager (the backend is
// imported only when a command needs it: the engine and better-sqlite3 for --backend portable, the
// service client otherwise), job-id resolution, and one error/exit-code path.
import { resolve as resolvePath } from 'node:path';
import { BitsError } from '../api/bits-error.js';
import { OUTPUTS, type OutputName, type OutputOf } from '../api/outputs.js';
import type { BitsManager } from '../core/bits-manager.js';
import type { JobSnapshotWire } from '../api/types.js';
import { CliFailure, reportError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { resolveJobId } from './job-id.js';
import type { Args } from './from-api.js';
import { clixmlEnabled, machineText, useClixml } from './machine-output.js';

import type { BackendName } from './backend-names.js';

export { BACKENDS, type BackendName } from './backend-names.js';

export interface GlobalArgs {
  json: boolean;
  /** CLIXML instead of JSON (machine-output.ts); implies machine output like --json. */
  clixml?: boolean;
  backend: BackendName;
  stateDir?: string;
  noColor: boolean;
}

export class CliContext {
  private managerPromise?: Promise<BitsManager>;
  /** The job id the command resolved (named in error reports). */
  jobId?: string;
  private earlyList?: EarlyList;

  constructor(readonly args: GlobalArgs) {}

  /** Machine output (--json or --clixml): one document on stdout, errors as a document on stderr. */
  get json(): boolean {
    return this.args.json || this.args.clixml === true;
  }
  get backendName(): BackendName {
    return this.args.backend;
  }
  /** The state directory given by --state-dir (already exported as BITS_JOB2_STATE_DIR), or undefined for the default. */
  get stateDir(): string | undefined {
    return this.args.stateDir ? resolvePath(this.args.stateDir) : process.env.BITS_JOB2_STATE_DIR || undefined;
  }

  /** Opens the backend on first use (or takes the one fast-path.ts opened for these arguments). A backend that cannot be opened is exit code 6. */
  manager(): Promise<BitsManager> {
    if (!this.managerPromise) {
      const early = takePreopened(this.args);
      this.earlyList = early?.list;
      this.managerPromise = early?.manager ?? openManager(this.args, this.stateDir);
    }
    return this.managerPromise;
  }

  /** backend.listJobs(options): the answer asked for early by fast-path.ts when it was for these options. */
  async listJobs(options: { allUsers?: boolean }): Promise<JobSnapshotWire[]> {
    const manager = await this.manager();
    const early = this.earlyList;
    this.earlyList = undefined;
    if (early && early.allUsers === (options.allUsers === true)) return early.jobs;
    return manager.backend.listJobs(options);
  }

  /** `{GUID}`, a bare GUID, or a unique prefix of 8+ hex digits → the job id. */
  async resolveJob(input: string): Promise<string> {
    // An administrator's prefix may name another user's job (module/service/all-users.ts): theirs are searched too.
    const allUsers = process.platform !== 'win32' && process.getuid?.() === 0 && this.backendName !== 'native';
    this.jobId = await resolveJobId(input, async () => (await (await this.manager()).backend.listJobs(allUsers ? { allUsers } : undefined)).map((j) => ({ id: j.id, displayName: j.displayName })));
    return this.jobId;
  }

  async close(): Promise<void> {
    if (!this.managerPromise) return;
    const m = await this.managerPromise.catch(() => undefined);
    await m?.close();
  }
}

/** Opens args.backend as a BitsManager; a backend that cannot be opened is exit code 6 with a hint. */
async function openManager(args: GlobalArgs, stateDir: string | undefined): Promise<BitsManager> {
  const [{ BitsManager }, { openBackend }] = await Promise.all([import('../core/bits-manager.js'), import('../core/select-backend.js')]);
  try {
    return new BitsManager(await openBackend(args.backend, { stateDir }));
  } catch (e) {
    const err = BitsError.from(e);
    // An error that knows its remedy (packaged-addons.ts) keeps it; the others get the backend's.
    const ownHint = typeof err.data?.hint === 'string' ? err.data.hint : undefined;
    throw new CliFailure(
      err,
      ownHint ?? (args.backend === 'service'
        ? 'the service could not be reached or started; see `bits-job2 service status` and service.log in the state directory, or try --backend portable'
        : args.backend === 'native'
          ? 'the native backend needs Windows BITS; use --backend service (default) or portable'
          : 'the portable engine could not open its state directory (--state-dir / BITS_JOB2_STATE_DIR)'),
      EXIT.SERVICE_UNAVAILABLE,
    );
  }
}

// ---- opening early (fast-path.ts) -----------------------------------------------------------------
// The service does its part of a command (listJobs of 10,000 jobs: tens of ms) in its own process.
// The fast path therefore connects, and for `list` sends the request, before it loads the command's
// own modules, and the command's CliContext then takes that connection and that answer instead of
// starting its own after them: the service works while this process loads code. Same calls, same
// errors (openManager either way), just earlier; a command that never asks for them only closes them.

interface EarlyList {
  allUsers: boolean;
  jobs: Promise<JobSnapshotWire[]>;
}
let preopened: { key: string; manager: Promise<BitsManager>; list?: EarlyList; taken: boolean } | undefined;

const backendKey = (args: GlobalArgs): string => JSON.stringify([args.backend, args.stateDir ? resolvePath(args.stateDir) : process.env.BITS_JOB2_STATE_DIR || '']);
const quiet = <T>(p: Promise<T>): Promise<T> => (p.catch(() => undefined), p); // rejections are seen when awaited

/** The backend the fast path opened for the same backend and state dir, once (the first context takes it). */
function takePreopened(args: GlobalArgs): { manager: Promise<BitsManager>; list?: EarlyList } | undefined {
  if (!preopened || preopened.taken || preopened.key !== backendKey(args)) return undefined;
  preopened.taken = true;
  return preopened;
}

/**
 * Opens the backend of `args` now (and, with `list`, asks for the jobs) for the command about to run.
 * Call before the command's modules load; BITS_JOB2_STATE_DIR must already be set as the handler sets it.
 */
export function preopenBackend(args: GlobalArgs, list?: { allUsers: boolean }): void {
  const stateDir = args.stateDir ? resolvePath(args.stateDir) : process.env.BITS_JOB2_STATE_DIR || undefined;
  const manager = quiet(openManager(args, stateDir));
  preopened = { key: backendKey(args), manager, taken: false };
  if (list) preopened.list = { allUsers: list.allUsers, jobs: quiet(manager.then((m) => m.backend.listJobs({ allUsers: list.allUsers }))) };
}

/** Closes a backend opened early that no command took (so that the process can exit). */
export async function closeUntaken(): Promise<void> {
  const p = preopened;
  preopened = undefined;
  if (!p || p.taken) return;
  await (await p.manager.catch(() => undefined))?.close();
}

/**
 * Writes `command`'s machine document on stdout: JSON, or CLIXML under --clixml with the type name
 * module/api/outputs.ts declares for it on its top object. `value` is typed by the declared shape, so
 * the compiler holds every presenter to it (test/cli-outputs.test.ts holds the printed documents).
 */
export function printOutput<C extends OutputName>(command: C, value: OutputOf<C>): void {
  process.stdout.write(machineText(value, OUTPUTS[command].typeName) + '\n');
}
/**
 * printOutput for a document that is an array and may be long (`list`): the same bytes, but JSON is
 * formatted and written a few hundred items at a time (json-chunks.ts), so that 10,000 jobs are not
 * one 8.9 MB string and a closed pipe stops the work early. CLIXML is written as one document.
 */
export async function printArrayOutput<C extends OutputName>(command: C, value: OutputOf<C> & readonly unknown[]): Promise<void> {
  if (clixmlEnabled()) return printOutput(command, value);
  const { prettyArrayChunks, writePieces } = await import('../common/json-chunks.js'); // only list needs it
  await writePieces(process.stdout, prettyArrayChunks(value, '\n'));
}
export function println(text = ''): void {
  process.stdout.write(text + '\n');
}

/**
 * Runs a command body: the exit code is what it returns (default 0), or the error's (reported on
 * stderr). The backend is closed afterwards so that the process can exit.
 */
export async function run(argv: Args, body: (ctx: CliContext) => Promise<number | void>): Promise<void> {
  const ctx = new CliContext(argv as unknown as GlobalArgs);
  let code: number;
  try {
    await useClixml(ctx.args.clixml === true);
    code = (await body(ctx)) ?? EXIT.OK;
  } catch (e) {
    code = reportError(e, ctx.json, { jobId: ctx.jobId });
  }
  try {
    await ctx.close();
  } catch {
    // closing is best effort; the command's outcome is already decided
  }
  process.exitCode = code;
}
