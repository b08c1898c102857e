// What every command handler gets: the global options, a lazily opened BitsManager (the backend is
// imported only when a command needs it: the engine and better-sqlite3 for --backend portable, the
// service client otherwise), job-id resolution, and one error/exit-code path.
import { resolve as resolvePath } from 'node:path';
import { BitsError } from '../api/bits-error.js';
import { OUTPUTS, type OutputName, type OutputOf } from '../api/outputs.js';
import type { BitsManager } from '../core/bits-manager.js';
import { CliFailure, reportError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { resolveJobId } from './job-id.js';
import type { Args } from './from-api.js';
import { machineText, useClixml } from './machine-output.js';

export type BackendName = 'service' | 'portable' | 'native';
export const BACKENDS: readonly BackendName[] = ['service', 'portable', 'native'];

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

  /** Opens the backend on first use. A backend that cannot be opened is exit code 6. */
  manager(): Promise<BitsManager> {
    this.managerPromise ??= (async () => {
      const [{ BitsManager }, { openBackend }] = await Promise.all([import('../core/bits-manager.js'), import('../core/select-backend.js')]);
      try {
        return new BitsManager(await openBackend(this.args.backend, { stateDir: this.stateDir }));
      } catch (e) {
        const err = BitsError.from(e);
        // An error that knows its remedy (packaged-addons.ts) keeps it; the others get the backend's.
        const ownHint = typeof err.data?.hint === 'string' ? err.data.hint : undefined;
        throw new CliFailure(
          err,
          ownHint ?? (this.args.backend === 'service'
            ? 'the service could not be reached or started; see `bits-job2 service status` and service.log in the state directory, or try --backend portable'
            : this.args.backend === 'native'
              ? 'the native backend needs Windows BITS; use --backend service (default) or portable'
              : 'the portable engine could not open its state directory (--state-dir / BITS_JOB2_STATE_DIR)'),
          EXIT.SERVICE_UNAVAILABLE,
        );
      }
    })();
    return this.managerPromise;
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

/**
 * Writes `command`'s machine document on stdout: JSON, or CLIXML under --clixml with the type name
 * module/api/outputs.ts declares for it on its top object. `value` is typed by the declared shape, so
 * the compiler holds every presenter to it (test/cli-outputs.test.ts holds the printed documents).
 */
export function printOutput<C extends OutputName>(command: C, value: OutputOf<C>): void {
  process.stdout.write(machineText(value, OUTPUTS[command].typeName) + '\n');
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
