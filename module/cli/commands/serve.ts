// `serve --root DIR [...]`: runs the BITS upload server (module/server) in the foreground until
// SIGINT/SIGTERM — the server side of upload and upload-reply jobs, for any BITS client.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Argv } from 'yargs';
import { BitsError } from '../../api/bits-error.js';
import { ServerNotificationType, nameOf } from '../../api/enums.js';
import type { OperationOf } from '../../api/operations.js';
import { opCommand, readParams, stringFlag, type Args } from '../from-api.js';
import { printOutput, println, run, type CliContext } from '../context.js';
import { CliFailure, UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { ServerLogEvent } from '../../server/index.js';

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

function authOptions(argv: Args): { scheme: 'basic' | 'digest'; usersFile: string; realm?: string; paths?: string[] } | undefined {
  const scheme = stringFlag(argv, 'auth')?.toLowerCase();
  const users = stringFlag(argv, 'users');
  if (!scheme) {
    if (users || argv.authRealm || argv.authPath) throw new UsageError('--users, --auth-realm and --auth-path need --auth basic|digest');
    return undefined;
  }
  if (!users) throw new UsageError(`--auth ${scheme} needs --users FILE (${scheme === 'basic' ? 'htpasswd format: user:bcrypt-hash, as `htpasswd -B` writes' : 'htdigest format: user:realm:HA1, as `htdigest` writes'})`);
  const paths = typeof argv.authPath === 'string' ? argv.authPath.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
  if (scheme !== 'basic' && scheme !== 'digest') throw new UsageError(`--auth must be basic or digest, got '${scheme}'`);
  return { scheme, usersFile: resolve(users), ...(argv.authRealm ? { realm: String(argv.authRealm) } : {}), ...(paths ? { paths } : {}) };
}

/**
 * A reader of our output that went away (the pipes of a PowerShell host that started us with
 * -NoWait and exited, a closed terminal) must not take a running server down: main.ts ends the
 * CLI on EPIPE, which is right for `list | head`, not here. The output stops; the server goes on.
 */
function keepServingWithoutOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.removeAllListeners('error');
    stream.on('error', () => stream.destroy());
  }
}

async function serve(ctx: CliContext, argv: Args, op: OperationOf<'startBitsServer'>): Promise<number> {
  keepServingWithoutOutput();
  // The flags are module/api's (operation startBitsServer); absent ones are undefined, which the
  // server reads as its documented defaults.
  const a = readParams(op, argv);
  const root = resolve(String(a.root));
  if (!(await stat(root).then((s) => s.isDirectory(), () => false))) throw new UsageError(`--root ${root} is not an existing directory`);
  const notifyUrl = a.notifyUrl;
  const replyHandlerFile = a.replyHandler;
  const echo = a.echoReply === true;
  if ([notifyUrl, replyHandlerFile, echo || undefined].filter(Boolean).length > 1) throw new UsageError('give only one of --notify-url, --reply-handler and --echo-reply');
  let notifyType: 'reference' | 'value' = 'reference';
  if (a.notifyType !== undefined) {
    if (!notifyUrl) throw new UsageError('--notify-type needs --notify-url');
    const name = nameOf(ServerNotificationType, a.notifyType);
    if (!name) throw new UsageError(`--notify-type must be ${Object.keys(ServerNotificationType).join(' or ')} (or ${Object.values(ServerNotificationType).join(' or ')}), got ${String(a.notifyType)}`);
    notifyType = name === 'VALUE' ? 'value' : 'reference';
  }
  const maxUploadSize = a.maxUploadSize;

  const { startBitsServer, echoReply } = await import('../../server/index.js');
  const replyHandler = echo ? echoReply : replyHandlerFile ? ((await loadReplyHandler(replyHandlerFile)) as typeof echoReply) : undefined;
  const logFormat = stringFlag(argv, 'logFormat');
  if (logFormat !== undefined && logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format must be text or json, got ${logFormat}`);
  // --log-format json implies logging: one JSON object a line (access and session events).
  const verbose = argv.verbose === true || logFormat !== undefined;
  const tlsCert = stringFlag(argv, 'tlsCert');
  const tlsKey = stringFlag(argv, 'tlsKey');
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new UsageError('give both --tls-cert and --tls-key (PEM files), or neither');
  const tls = tlsCert && tlsKey ? { certFile: resolve(tlsCert), keyFile: resolve(tlsKey) } : undefined;
  const auth = authOptions(argv);
  const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const allowClients = list(argv.allow);
  if (auth?.scheme === 'basic' && !tls) process.stderr.write('warning: --auth basic without --tls-cert sends passwords in clear text (fine behind a TLS-terminating proxy on loopback only)\n');
  let server: Awaited<ReturnType<typeof startBitsServer>>;
  try {
    server = await startBitsServer({
      root,
      host: a.host ?? '127.0.0.1',
      port: a.port ?? 0,
      tls,
      auth,
      allowClients,
      trustedProxies: list(argv.trustProxy),
      urlPrefix: a.urlPrefix,
      sessionsDir: a.sessionsDir ? resolve(String(a.sessionsDir)) : undefined,
      farm: a.farm === true,
      allowOverwrites: a.allowOverwrites === true,
      // Beyond 2^53 no upload can be counted exactly anyway: treat it as "no limit" (spec §11 #9).
      maxUploadSize: maxUploadSize === undefined || maxUploadSize > Number.MAX_SAFE_INTEGER ? null : maxUploadSize,
      sessionTimeoutSeconds: a.sessionTimeoutSeconds,
      idleTimeoutSeconds: a.idleTimeoutSeconds,
      headersTimeoutSeconds: a.headersTimeoutSeconds,
      minBodyRate: a.minBodyRate,
      minBodyRateWindowSeconds: a.minBodyRateWindowSeconds,
      maxSessionsPerClient: a.maxSessionsPerClient,
      maxFragmentBytes: a.maxFragmentBytes,
      hostId: a.hostId,
      hostIdFallbackTimeout: a.hostIdFallbackTimeout,
      notification: notifyUrl ? { url: notifyUrl, type: notifyType } : undefined,
      replyHandler,
      log: verbose ? serverLog(logFormat ?? 'text', a.hostId) : undefined,
    });
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliFailure(BitsError.from(e), code === 'EADDRINUSE' ? 'the port is in use: choose another with --port (0 picks a free one)' : undefined);
  }
  const mode = notifyUrl ? `notify ${notifyType} ${notifyUrl}` : echo ? 'echo reply' : replyHandlerFile ? `reply handler ${replyHandlerFile}` : 'upload (published on Close-Session)';
  if (ctx.json) {
    printOutput('serve', { url: server.url, host: server.host, port: server.port, pid: process.pid, root, mode });
  } else {
    println(`BITS upload server on ${server.url}  (root ${root}; ${mode})`);
    println('Ctrl-C stops it; sessions in progress survive a restart.');
  }
  // SIGHUP: a renewed certificate (certbot, an internal CA) is taken without a restart; open
  // connections and sessions keep going. A bad pair is reported and the old one stays.
  const say = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const onHup = () => {
    server.reloadTls().then(
      () => say(tls ? `TLS certificate reloaded from ${tls.certFile}` : 'SIGHUP: no TLS certificate to reload'),
      (e: Error) => say(`TLS reload failed, the previous certificate stays: ${e.message}`),
    );
    if (auth) server.handler.reloadUsers().then(() => say(`users reloaded from ${auth.usersFile}`), (e: Error) => say(`users reload failed, the previous users stay: ${e.message}`));
  };
  process.on('SIGHUP', onHup);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  process.off('SIGHUP', onHup);
  await server.close();
  if (!ctx.json) println('stopped');
  return EXIT.OK;
}

/** The log sink of --verbose: text lines, or JSON lines carrying the event's fields. */
function serverLog(format: 'text' | 'json', hostId: string | undefined): (line: string, event?: ServerLogEvent) => void {
  const write = (text: string) => {
    if (!process.stderr.destroyed) process.stderr.write(text);
  };
  if (format === 'text') return (line) => write(`${new Date().toISOString()} ${line}\n`);
  return (line, event) => {
    const fields = event ?? { event: 'message', message: line.split('\n', 1)[0] };
    write(JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...(hostId ? { hostId } : {}), ...fields }) + '\n');
  };
}

// Flags, help text and examples come from module/api (startBitsServer); --verbose is presentation only.
export default opCommand('startBitsServer', {
  builder: (y: Argv) =>
    y
      .option('verbose', { type: 'boolean', default: false, describe: 'Log every request and session event on stderr.' }),
  handler: (argv, op) => run(argv, (ctx) => serve(ctx, argv, op)),
});
