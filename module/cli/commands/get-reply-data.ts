// `get-reply-data <job> [--out FILE]`: GetReplyData. Text when the reply is printable UTF-8, hex
// otherwise; --out writes the exact bytes; --json gives base64.
import { writeFile } from 'node:fs/promises';
import { BitsError } from '../../api/bits-error.js';
import { ErrorContext } from '../../api/enums.js';
import { opCommand, readParams } from '../from-api.js';
import { printJson, println, run } from '../context.js';

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

export default opCommand('getReplyData', {
  builder: (y) => y.option('out', { type: 'string', describe: 'Write the reply bytes to this file instead of printing them.' }),
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const id = await ctx.resolveJob(readParams(op, argv).jobId as string);
      const data = await (await ctx.manager()).job(id).getReplyData();
      const out = argv.out as string | undefined;
      if (out !== undefined) {
        try {
          await writeFile(out, data);
        } catch (e) {
          const err = BitsError.from(e);
          throw new BitsError(err.hresult, `Cannot write ${out}: ${err.message}`, ErrorContext.LOCAL_FILE);
        }
      }
      if (ctx.json) {
        printJson({ jobId: id, size: data.length, ...(out !== undefined ? { out } : { base64: data.toString('base64') }) });
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
