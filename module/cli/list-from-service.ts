// `bits-job2 list --json` through a running service, printed as the service wrote it: the service
// makes the very document the CLI would (module/service/list-text.ts, `listJobsText`) and this file
// copies it from the socket to stdout — no service client, no JSON parse, no formatting here. With
// 10,000 jobs that leaves Node's start-up and a copy of ~9 MB (BENCHMARKS.md "list of 10000").
//
// It only ever answers "printed" or "not for me": when nothing listens on the socket (the ordinary
// path starts the service), the service is older and has no listJobsText, or it answers anything
// but the text (an error: the ordinary path asks again and reports it as it always does), this
// prints nothing and the caller goes the ordinary way. Once text has been printed there is no way
// back: a service that goes away before the end of the text is reported as the stopped service.
import net from 'node:net';
import { resolve } from 'node:path';
import { BitsError } from '../api/bits-error.js';
import { ErrorContext } from '../api/enums.js';
import { defaultStateDir } from '../common/paths.js';
import { LIST_TEXT_METHOD, SERVICE_STOPPED_MESSAGE, TEXT_END, TEXT_FOLLOWS } from '../service/list-text-wire.js';
import { socketPath } from '../service/socket-path.js';

const E_FAIL = 0x80004005;

/**
 * Prints the `list --json` document of the service of `stateDir` (default: defaultStateDir()) on
 * `out`. Resolves true when it did, false when it printed nothing and the ordinary path must run.
 */
export async function printListFromService(stateDir: string | undefined, out: NodeJS.WritableStream = process.stdout): Promise<boolean> {
  let path: string;
  try {
    path = socketPath(resolve(stateDir ?? defaultStateDir()));
  } catch {
    return false; // a path too long for a socket: the ordinary path says so
  }
  return new Promise<boolean>((settle, fail) => {
    const socket = net.connect(path);
    let header: Buffer[] | undefined = []; // bytes of the result line until it is complete, then undefined
    let done = false;
    const finish = (outcome: boolean | Error): void => {
      if (done) return;
      done = true;
      socket.destroy();
      if (outcome instanceof Error) fail(outcome);
      else settle(outcome);
    };
    const body = (chunk: Buffer): void => {
      const end = chunk.indexOf(TEXT_END);
      const text = end < 0 ? chunk : chunk.subarray(0, end);
      const flowing = text.length === 0 || out.write(text);
      if (end >= 0) return finish(true);
      if (!flowing) {
        socket.pause();
        out.once('drain', () => socket.resume());
      }
    };
    socket.on('connect', () => socket.write(JSON.stringify({ id: 1, method: LIST_TEXT_METHOD, params: [{ allUsers: false }] }) + '\n'));
    socket.on('data', (chunk: Buffer) => {
      if (!header) return body(chunk);
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) return void header.push(chunk);
      const line = Buffer.concat([...header, chunk.subarray(0, nl)]).toString('utf8');
      header = undefined;
      if (!announcesText(line)) return finish(false);
      if (nl + 1 < chunk.length) body(chunk.subarray(nl + 1));
    });
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => finish(header ? false : new BitsError(E_FAIL, SERVICE_STOPPED_MESSAGE, ErrorContext.GENERAL_QUEUE_MANAGER, { serviceUnavailable: true })));
  });
}

/** The result line of listJobsText: {"id":1,"result":{"text":"follows"}}. */
function announcesText(line: string): boolean {
  try {
    const reply = JSON.parse(line) as { id?: unknown; result?: { text?: unknown } } | null;
    return reply?.id === 1 && reply.result?.text === TEXT_FOLLOWS.text;
  } catch {
    return false;
  }
}
