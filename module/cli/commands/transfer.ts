// `transfer <name> <remote> <local> [<remote> <local>...]`: like `bitsadmin /transfer` — CreateJob,
// AddFileSet, (SetPriority), Resume, wait for TRANSFERRED, Complete. Built from the parameters of
// those operations in module/api. Ctrl-C detaches: the job keeps running in the service.
import type { Argv, CommandModule } from 'yargs';
import { BitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';
import type { NewFile } from '../../api/types.js';
import { errorOfJob, type BitsJob } from '../../core/bits-job.js';
import type { JobInfo } from '../../core/job-info.js';
import { applyParam, paramOf, readParam, stringsFlag, type Args } from '../from-api.js';
import { printOutput, println, run, type CliContext } from '../context.js';
import { CliFailure, UsageError, withHint } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { waitWithProgress } from '../wait-loop.js';
import { hresultJson, jobJson, successNote } from '../output.js';
import { localPath, remoteHint } from './add-file.js';

const P = {
  name: paramOf('createJob', 'displayName'),
  type: paramOf('createJob', 'type'),
  remote: paramOf('addFiles', 'remoteName'),
  local: paramOf('addFiles', 'localName'),
  priority: paramOf('setProperties', 'priority'),
  retryDelay: paramOf('setProperties', 'minimumRetryDelay'),
  noProgressTimeout: paramOf('setProperties', 'noProgressTimeout'),
};
/** ERROR_TIMEOUT: --timeout ran out (the job is left to go on). */
const ERROR_TIMEOUT = 0x800705b4;

interface Settings { priority?: number; retryDelay?: number; noProgressTimeout?: number }

function filesFrom(argv: Args): NewFile[] {
  const more = stringsFlag(argv, 'more');
  if (more.length % 2 !== 0) {
    throw new UsageError(`remote and local names come in pairs; '${more[more.length - 1]}' has no local name`, 'bits-job2 transfer <name> <remote> <local> [<remote> <local>...]');
  }
  const files: NewFile[] = [{ remoteName: String(readParam(P.remote, argv, { coerce: true })), localName: localPath(String(readParam(P.local, argv, { coerce: true }))) }];
  for (let i = 0; i < more.length; i += 2) files.push({ remoteName: more[i]!, localName: localPath(more[i + 1]!) });
  return files;
}

async function setUp(job: BitsJob, files: NewFile[], settings: Settings): Promise<void> {
  try {
    await job.addFiles(files);
  } catch (e) {
    const invalidArg = e instanceof BitsError && e.hresult === HR.E_INVALIDARG;
    const hint = invalidArg ? files.map((f) => remoteHint(f.remoteName)).find(Boolean) : undefined;
    throw withHint(e, hint);
  }
  if (settings.priority !== undefined) await job.setPriority(settings.priority);
  if (settings.retryDelay !== undefined) await job.setMinimumRetryDelay(settings.retryDelay);
  if (settings.noProgressTimeout !== undefined) await job.setNoProgressTimeout(settings.noProgressTimeout);
  await job.resume();
}

async function transfer(ctx: CliContext, argv: Args): Promise<number> {
  const files = filesFrom(argv);
  const name = String(readParam(P.name, argv));
  const type = readParam(P.type, argv, { fillDefault: true });
  const settings: Settings = {
    priority: readParam(P.priority, argv),
    retryDelay: readParam(P.retryDelay, argv),
    noProgressTimeout: readParam(P.noProgressTimeout, argv),
  };
  const timeoutSeconds = Number(argv.timeout);

  const m = await ctx.manager();
  const job = await m.createJob(name, { type });
  ctx.jobId = job.id;
  try {
    await setUp(job, files, settings);
  } catch (e) {
    // The caller never saw the id: do not leave a half-built job behind.
    await job.cancel().catch(() => undefined);
    const f = withHint(e, undefined);
    throw new CliFailure(f.error, f.hint ? `${f.hint} (the job was cancelled)` : 'the job was cancelled', f.exitCode);
  }

  if (argv.noWait === true) {
    if (ctx.json) printOutput('transfer', jobJson(await job.getInfo()));
    else println(job.id);
    return EXIT.OK;
  }

  // The id first, so that a script or a person can follow or detach from the job at once.
  const end = await waitWithProgress(ctx, job, ['TRANSFERRED'], { intervalMs: Number(argv.interval), timeoutSeconds, announce: `transfer: job ${job.id}` });
  if (end.kind === 'timeout') {
    throw new CliFailure(
      new BitsError(ERROR_TIMEOUT, `The job ${job.id} is still ${end.last?.state ?? 'unknown'} after ${timeoutSeconds} s.`, 0, { jobId: job.id, state: end.last?.state }),
      `it goes on in the background: \`bits-job2 wait ${job.id}\`, then \`bits-job2 complete ${job.id}\`; or \`bits-job2 cancel ${job.id}\``,
    );
  }
  if (end.kind === 'interrupted') {
    const where =
      ctx.backendName === 'portable'
        ? 'the in-process portable engine stops with this command; the job is saved and continues the next time the engine runs'
        : 'the job keeps running in the background service';
    process.stderr.write(`detached from ${job.id}: ${where}.\nFollow it with \`bits-job2 info ${job.id}\`, finish it with \`bits-job2 complete ${job.id}\`.\n`);
    return EXIT.INTERRUPTED;
  }
  const final = end.info;

  if (final.state === 'ERROR') {
    throw new CliFailure(
      errorOfJob(final),
      `the job ${job.id} is left in ERROR for inspection: \`bits-job2 info ${job.id}\`; fix the cause and \`bits-job2 resume ${job.id}\`, or \`bits-job2 cancel ${job.id}\``,
      EXIT.JOB_ERROR,
    );
  }
  if (final.state !== 'TRANSFERRED') {
    throw new BitsError(HR.BG_E_INVALID_STATE!, `The job ${job.id} reached ${final.state} while waiting (completed or cancelled elsewhere).`);
  }

  const result = await job.complete();
  const replyFileName = final.type === 'UPLOAD_REPLY' ? await job.getReplyFileName().catch(() => null) : null;
  if (ctx.json) {
    printOutput('transfer', { ...jobJson(await job.getInfo()), complete: hresultJson(result), files, ...(replyFileName ? { replyFileName } : {}) });
  } else {
    println(`transferred ${job.id}${successNote(result)}`);
    if (final.type === 'DOWNLOAD') for (const f of files) println(`  ${f.localName}`);
    if (replyFileName) println(`  reply: ${replyFileName}`);
  }
  return EXIT.OK;
}

const command: CommandModule = {
  command: 'transfer <name> <remote> <local> [more..]',
  describe: 'Creates a job, adds files, resumes it, waits for TRANSFERRED and completes it (bitsadmin /transfer).',
  builder: (y: Argv) => {
    let b = y.usage(
      '$0 transfer <name> <remote> <local> [<remote> <local>...]\n\n' +
        'Creates a job, adds the files, resumes it and waits until it is TRANSFERRED, then completes it, like `bitsadmin /transfer`.\n\n' +
        'Progress goes to stderr: a bar on a terminal, a line per state change when piped (nothing with --json). ' +
        'If the job ends in ERROR the error is printed, the job is left for inspection and the exit code is 5. ' +
        'Ctrl-C detaches (exit 130): the job keeps running in the background service. --no-wait prints the id right after Resume.',
    );
    for (const p of [P.name, P.remote, P.local]) b = applyParam(b, p);
    b = b.positional('more', { type: 'string', array: true, describe: 'More <remote> <local> pairs.' });
    b = applyParam(b, P.type);
    for (const p of [P.priority, P.retryDelay, P.noProgressTimeout]) b = applyParam(b, p);
    return b
      .option('timeout', { type: 'number', default: 0, describe: 'Stop waiting after this many seconds with ERROR_TIMEOUT (exit 1); the job goes on. 0: wait as long as it takes.' })
      .option('no-wait', { type: 'boolean', default: false, describe: 'Print the job id after Resume and exit; the service finishes the transfer (complete it later).' })
      .option('interval', { type: 'number', default: 250, describe: 'Poll interval in ms while waiting.' })
      .example('bits-job2 transfer report https://example.com/r.pdf "$PWD/r.pdf"', 'Download one file and wait for it.')
      .example('bits-job2 transfer iso https://example.com/a.iso /data/a.iso https://example.com/b.iso /data/b.iso --priority FOREGROUND', 'Two files, now.')
      .example('bits-job2 transfer nightly https://example.com/big.tar /data/big.tar --no-wait', 'Start it and return; the service finishes it.')
      .example('bits-job2 transfer probe https://host.example/f /tmp/f --retry-delay 5 --no-progress-timeout 30 --timeout 60', 'Fail fast on an unreachable host: retry every 5 s, ERROR after 30 s without progress, give up waiting after a minute.')
      .check((a) => {
        const n = Number(a.interval);
        if (!Number.isFinite(n) || n < 20) throw new UsageError('--interval must be a number of milliseconds ≥ 20');
        const t = Number(a.timeout);
        if (!Number.isFinite(t) || t < 0) throw new UsageError('--timeout must be a number of seconds ≥ 0');
        return true;
      });
  },
  handler: (argv) => run(argv as unknown as Args, (ctx) => transfer(ctx, argv as unknown as Args)),
};
export default command;
