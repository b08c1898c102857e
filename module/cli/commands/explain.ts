// `explain <hresult>`: name, meaning, causes and fixes of an HRESULT or HTTP status, from module/api's
// tables (no backend needed; with --backend native the message comes from BITS itself, localized).
import { adviceFor } from '../../api/hresult-advice.js';
import { HR, hex, hresultMessage, hresultName, httpStatusToHResult, isFailure } from '../../api/hresult.js';
import { opCommand, readParams } from '../from-api.js';
import { printOutput, println, run } from '../context.js';
import { UsageError } from '../errors.js';
import { exitCodeForHResult } from '../exit-codes.js';
import type { OutputOf } from '../../api/outputs.js';

/**
 * 0x80200001, 2149580801, -2145386495, BG_E_NOT_FOUND (case-insensitive), and HTTP statuses: 404,
 * `HTTP 404` or `http404` are BG_E_HTTP_ERROR_404 (a decimal 100..599 is never a useful HRESULT).
 */
export function parseHResult(text: string): number {
  const s = text.trim();
  if (/^0x[0-9a-f]{1,8}$/i.test(s)) return Number(s) >>> 0;
  const http = /^(?:http\s*)?([1-5]\d\d)$/i.exec(s);
  if (http) return httpStatusToHResult(Number(http[1]));
  if (/^-?\d+$/.test(s)) {
    const n = Number(s);
    if (n >= -0x80000000 && n <= 0xffffffff) return n >>> 0;
  }
  const name = s.toUpperCase();
  const v = HR[name] ?? HR[`BG_E_${name}`] ?? HR[`BG_S_${name}`];
  if (v !== undefined) return v;
  throw new UsageError(`'${text}' is not an HRESULT: give hex (0x80200001), decimal, a name (BG_E_NOT_FOUND) or an HTTP status (404).`);
}

export default opCommand('getErrorDescription', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const hr = parseHResult(String(readParams(op, argv).hresult));
      const message = ctx.backendName === 'native' ? await (await ctx.manager()).getErrorDescription(hr) : hresultMessage(hr);
      const result: OutputOf<'explain'> = {
        hresult: hr,
        hresultHex: hex(hr),
        name: hresultName(hr),
        message,
        severity: isFailure(hr) ? 'failure' : 'success',
        facility: (hr >>> 16) & 0x1fff,
        code: hr & 0xffff,
        exitCode: exitCodeForHResult(hr),
        causes: adviceFor(hr)?.causes ?? [],
        fixes: adviceFor(hr)?.fixes ?? [],
      };
      if (ctx.json) printOutput('explain', result);
      else {
        println(`${result.name} (${result.hresultHex}): ${message}`);
        println(`${result.severity}; facility ${result.facility}, code ${result.code}; CLI exit code ${result.exitCode}`);
        if (result.causes.length) println(['', 'Why it happens:', ...result.causes.map((c) => `  - ${c}`)].join('\n'));
        if (result.fixes.length) println(['', 'What to do:', ...result.fixes.map((f) => `  - ${f}`)].join('\n'));
      }
    }),
});
