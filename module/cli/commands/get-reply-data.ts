// `get-reply-data <job> [--out FILE]`: GetReplyData. Text when the reply is printable UTF-8, hex
// otherwise; --out writes the exact bytes; --json gives base64.
import { writeFile } from 'node:fs/promises';
import { BitsError } from '../../api/bits-error.js';
import { ErrorContext } from '../../api/enums.js';
import { HR } from '../../api/hresult.js';
import { LIMITS } from '../../api/limits.js';
import type { BitsJob } from '../../core/bits-job.js';
import { opCommand, readParams, stringFlag } from '../from-api.js';
import { printOutput, println, run } from '../context.js';
import { withHint } from '../errors.js';

/** UTF-8 that decodes cleanly and has no control characters other than tab, CR and LF. */
export function printableText(bytes: Buffer): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text) ? undefined : text;
}

export function hexLines(bytes: Buffer, perLine = 32): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += perLine) lines.push(bytes.subarray(i, i + perLine).toString('hex'));
  return lines.join('\n');
}

/**
 * BG_E_TOO_LARGE: where the reply is instead, with its size. Built from the error's data or
 * GetReplyProgress and from GetReplyFileName, so it does not depend on the backend's message
 * (Windows BITS names no size and no file).
 */
async function tooLargeHint(job: BitsJob, e: BitsError): Promise<string> {
  const data = e.data as { size?: unknown } | undefined;
  const size = typeof data?.size === 'number' ? data.size : await job.getReplyProgress().then((p) => p.bytesTotal, () => null);
  const path = await job.getReplyFileName().catch(() => null);
  const info = await job.getInfo().catch(() => undefined);
  const what = `the reply${size !== null ? ` has ${size} bytes,` : ' is'} over the ${LIMITS.replyDataMax}-byte limit of get-reply-data`;
  const file = path ? `the reply file ${path}` : 'the reply file (`bits-job2 get-reply-file ' + job.id + '`)';
  return info?.state === 'ACKNOWLEDGED' ? `${what}: read ${file}` : `${what}: \`bits-job2 complete ${job.id}\`, then read ${file}`;
}

export default opCommand('getReplyData', {
  builder: (y) => y.option('out', { type: 'string', describe: 'Write the reply bytes to this file instead of printing them.' }),
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const id = await ctx.resolveJob(readParams(op, argv).jobId);
      const job = (await ctx.manager()).job(id);
      let data: Buffer;
      try {
        data = await job.getReplyData();
      } catch (e) {
        const err = BitsError.from(e);
        if (err.hresult >>> 0 === HR.BG_E_TOO_LARGE) throw withHint(err, await tooLargeHint(job, err));
        throw e;
      }
      const out = stringFlag(argv, 'out');
      if (out !== undefined) {
        try {
          await writeFile(out, data);
        } catch (e) {
          const err = BitsError.from(e);
          throw new BitsError(err.hresult, `Cannot write ${out}: ${err.message}`, ErrorContext.LOCAL_FILE);
        }
      }
      if (ctx.json) {
        printOutput('get-reply-data', { jobId: id, size: data.length, ...(out !== undefined ? { out } : { base64: data.toString('base64') }) });
      } else if (out !== undefined) {
        println(`wrote ${data.length} bytes to ${out}`);
      } else if (data.length === 0) {
        process.stderr.write('the reply is empty\n');
      } else {
        const text = printableText(data);
        if (text !== undefined) process.stdout.write(text.endsWith('\n') || !process.stdout.isTTY ? text : text + '\n');
        else println(hexLines(data));
      }
    }),
});
