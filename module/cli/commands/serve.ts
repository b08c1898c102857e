// `serve --root DIR [...]`: runs the BITS upload server (module/server) in the foreground until
// SIGINT/SIGTERM — the server side of upload and upload-reply jobs, for any BITS client.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import { BitsError } from '../../api/bits-error.js';
import type { Args } from '../from-api.js';
import { printJson, println, run, type CliContext } from '../context.js';
import { CliFailure, UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';

/** A non-negative integer flag given as digits (sizes may exceed what yargs' number parsing keeps exact). */
function count(argv: Args, flag: string): number | undefined {
  const v = argv[flag];
  if (v === undefined) return undefined;
  const s = String(v).trim();
  if (!/^\d+$/.test(s)) throw new UsageError(`--${flag} must be a whole number (got ${JSON.stringify(String(v))})`);
  return Number(s);
}

async function loadReplyHandler(file: string): Promise<(ctx: never) => unknown> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  } catch (e) {
    throw new UsageError(`--reply-handler ${file} could not be loaded: ${(e as Error).message}`);
  }
  if (typeof mod.default !== 'function') throw new UsageError(`--reply-handler ${file} must have a default export that is a function (the reply handler)`);
  return mod.default as (ctx: never) => unknown;
}

async function serve(ctx: CliContext, argv: Args): Promise<number> {
  const root = resolve(String(argv.root));
  if (!(await stat(root).then((s) => s.isDirectory(), () => false))) throw new UsageError(`--root ${root} is not an existing directory`);
  const notifyUrl = argv['notify-url'] as string | undefined;
  const replyHandlerFile = argv['reply-handler'] as string | undefined;
  const echo = argv['echo-reply'] === true;
  if ([notifyUrl, replyHandlerFile, echo || undefined].filter(Boolean).length > 1) throw new UsageError('give only one of --notify-url, --reply-handler and --echo-reply');
  if (argv['notify-type'] !== undefined && !notifyUrl) throw new UsageError('--notify-type needs --notify-url');
  const maxUploadSize = count(argv, 'max-upload-size');

  const { startBitsServer, echoReply } = await import('../../server/index.js');
  const replyHandler = echo ? echoReply : replyHandlerFile ? ((await loadReplyHandler(replyHandlerFile)) as typeof echoReply) : undefined;
  const verbose = argv.verbose === true;
  let server: Awaited<ReturnType<typeof startBitsServer>>;
  try {
    server = await startBitsServer({
      root,
      host: String(argv.host),
      port: count(argv, 'port') ?? 0,
      urlPrefix: argv['url-prefix'] as string | undefined,
      sessionsDir: argv['sessions-dir'] ? resolve(String(argv['sessions-dir'])) : undefined,
      allowOverwrites: argv['allow-overwrites'] === true,
      // Beyond 2^53 no upload can be counted exactly anyway: treat it as "no limit" (spec §11 #9).
      maxUploadSize: maxUploadSize === undefined || maxUploadSize > Number.MAX_SAFE_INTEGER ? null : maxUploadSize,
      sessionTimeoutSeconds: count(argv, 'session-timeout'),
      maxSessionsPerClient: count(argv, 'max-sessions-per-client'),
      maxFragmentBytes: count(argv, 'max-fragment-size'),
      hostId: argv['host-id'] as string | undefined,
      hostIdFallbackTimeout: count(argv, 'host-id-fallback-timeout'),
      notification: notifyUrl ? { url: notifyUrl, type: (argv['notify-type'] as 'reference' | 'value') ?? 'reference' } : undefined,
      replyHandler,
      log: verbose ? (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`) : undefined,
    });
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliFailure(BitsError.from(e), code === 'EADDRINUSE' ? 'the port is in use: choose another with --port (0 picks a free one)' : undefined);
  }
  const mode = notifyUrl ? `notify ${argv['notify-type'] ?? 'reference'} ${notifyUrl}` : echo ? 'echo reply' : replyHandlerFile ? `reply handler ${replyHandlerFile}` : 'upload (published on Close-Session)';
  if (ctx.json) {
    printJson({ url: server.url, host: server.host, port: server.port, pid: process.pid, root, mode });
  } else {
    println(`BITS upload server on ${server.url}  (root ${root}; ${mode})`);
    println('Ctrl-C stops it; sessions in progress survive a restart.');
  }
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.close();
  if (!ctx.json) println('stopped');
  return EXIT.OK;
}

const command: CommandModule = {
  command: 'serve',
  describe: 'Runs a BITS upload server (upload and upload-reply jobs) on this machine.',
  builder: (y: Argv) =>
    y
      .usage(
        '$0 serve --root DIR [options]\n\nServes the BITS Upload Protocol (BITS_POST) on --host:--port: uploads to http://HOST:PORT/<path> land in DIR/<path> ' +
          '(the directory must exist) when the client closes its session. With --notify-url, --reply-handler or --echo-reply the upload goes to a server ' +
          'application instead and its answer is the reply of upload-reply jobs. Uploaded files and replies are also served by GET/HEAD with Range. ' +
          'Runs until Ctrl-C (SIGINT) or SIGTERM.',
      )
      .option('root', { type: 'string', demandOption: true, describe: 'Directory uploads are published to (IIS: the virtual directory).' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Interface to listen on (0.0.0.0 or :: for other machines).' })
      .option('port', { type: 'string', default: '0', describe: 'TCP port (0 picks a free one; the URL is printed).' })
      .option('url-prefix', { type: 'string', describe: 'URL path that maps to --root (default /).' })
      .option('sessions-dir', { type: 'string', describe: 'Session data directory (default DIR/BITS-Sessions).' })
      .option('allow-overwrites', { type: 'boolean', default: false, describe: 'Let an upload replace an existing file (BITSAllowOverwrites; default: refused with 409).' })
      .option('max-upload-size', { type: 'string', describe: 'Largest upload in bytes (BITSMaximumUploadSize; default unlimited).' })
      .option('session-timeout', { type: 'string', describe: 'Seconds an idle session is kept (BITSSessionTimeout; default 1209600 = 14 days).' })
      .option('max-sessions-per-client', { type: 'string', describe: 'Open sessions per client address (BITSNumberOfSessionsLimit; default 50, 0 = no limit).' })
      .option('max-fragment-size', { type: 'string', describe: 'Largest fragment body in bytes; larger ones get 413 (default 16777216).' })
      .option('host-id', { type: 'string', describe: 'Host name clients must use for the rest of a session (BITSHostId, web farms).' })
      .option('host-id-fallback-timeout', { type: 'string', describe: 'Seconds before clients fall back to the original host (BITSHostIdFallbackTimeout; default 86400).' })
      .option('notify-url', { type: 'string', describe: 'Server application URL notified of each upload (BITSServerNotificationURL; relative to the upload URL allowed).' })
      .option('notify-type', { choices: ['reference', 'value'], describe: 'reference: post the file paths; value: post the bytes (BITSServerNotificationType; default reference).' })
      .option('reply-handler', { type: 'string', describe: 'A JS module whose default export (ctx) => {reply|replyFile|staticResponseUrl|copyToDestination} is the server application.' })
      .option('echo-reply', { type: 'boolean', default: false, describe: 'Built-in application: replies "received <n> bytes sha256 <hex>".' })
      .option('verbose', { type: 'boolean', default: false, describe: 'Log every request and session event on stderr.' })
      .example('bits-job2 serve --root /srv/uploads --port 8080', 'Plain uploads into /srv/uploads.')
      .example('bits-job2 serve --root /tmp/up --echo-reply', 'Upload-reply jobs get a checksum of what arrived.')
      .example('bits-job2 serve --root /srv/up --notify-url http://127.0.0.1:9000/app --notify-type value', 'Post each upload to an application; its response is the reply.'),
  handler: (argv) => run(argv as unknown as Args, (ctx) => serve(ctx, argv as unknown as Args)),
};
export default command;
