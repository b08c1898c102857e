// Hostile CLI arguments, seeded and bounded (reduced: 60 runs; full: 400): very long values, unicode
// and bidi controls, negative and huge numbers, option injection (flags where values belong, `--`,
// `=` forms), malformed job ids. argv cannot carry NUL bytes (execve ends each argument at the
// first one), so "a\0b" is not testable here; NUL inside JSON-RPC strings is covered by fuzz-rpc.
// Each run exits with a documented code and, when it fails, one clear error message on stderr (an
// `error:` line, or the {"error": ...} document with --json) — never a stack trace or a signal.
// Commands that run until stopped (serve, monitor, transfer) are left out; they have their own tests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSandbox } from '../helpers/cli.js';
import { iterations, seededRng, type Rng } from './support.js';

const RUNS = iterations(60, 400);
const COMMANDS = [
  'create', 'add-file', 'resume', 'suspend', 'complete', 'cancel', 'list', 'info', 'set', 'explain', 'set-proxy',
  'set-notify-cmdline', 'get-notify-cmdline', 'get-reply-progress', 'get-reply-data', 'set-reply-file', 'get-reply-file',
  'set-credentials', 'remove-credentials', 'take-ownership', 'service',
];
const OPTIONS = [
  '--priority', '--type', '--target', '--scheme', '--user', '--usage', '--list', '--bypass', '--program', '--arg', '--parameters',
  '--name', '--description', '--retry-delay', '--no-progress-timeout', '--notify-flags', '--out', '--password', '--password-stdin',
  '--json', '--help', '--version', '--backend', '--', '-', '-x', '--no-json',
];

function hostileValue(rng: Rng, jobId: string): string {
  return rng.pick([
    () => 'x'.repeat(rng.int(1000, 100_000)), () => '', () => ' ', () => '-1', () => '-99999999999999999999', () => '1e309', () => 'NaN',
    () => '0x80200001', () => '4294967296', () => '\u202e\ud83d\udca5\u0301', () => '{', () => '%00', () => 'a\nb\r\nc', () => '\t',
    () => 'file:///etc/passwd', () => 'http://', () => 'http://127.0.0.1:9/' + 'é'.repeat(rng.int(1, 3000)), () => '/dev/full', () => '../../x',
    () => 'C:\\x\\y', () => jobId, () => jobId.slice(0, 8), () => `{${jobId.toUpperCase()}}`, () => jobId.slice(0, 7), () => jobId + 'ff',
    () => rng.pick(OPTIONS), () => `${rng.pick(OPTIONS)}=${rng.pick(['', '-1', 'BOGUS', 'x'.repeat(5000)])}`, () => String(rng.int(-(2 ** 31), 2 ** 31)),
    () => rng.pick(['FOREGROUND', 'server', 'BASIC', 'override', 'DOWNLOAD', 'upload_reply', 'NTLM']),
  ])();
}

test(`${RUNS} CLI runs with hostile arguments: documented exit codes and a clear message, no crash`, async () => {
  const rng = seededRng('fuzz-cli');
  const box = makeSandbox('bj2fz-');
  const codes = new Map<number, number>();
  try {
    const created = await box.run(['create', 'fuzz target']);
    assert.is(created.code, 0, created.stderr);
    const jobId = created.stdout.trim();
    for (let i = 0; i < RUNS; i++) {
      const args = [rng.next() < 0.9 ? rng.pick(COMMANDS) : hostileValue(rng, jobId)];
      if (args[0] === 'service') args.push(rng.pick(['status', 'start', 'bogus', hostileValue(rng, jobId)]));
      // Mostly a real job first, so the hostile values reach the checks behind the parser.
      else if (!['create', 'list', 'explain'].includes(args[0]!) && rng.next() < 0.7) args.push(jobId);
      for (let n = rng.int(0, 5); n > 0; n--) args.push(rng.next() < 0.4 ? rng.pick(OPTIONS) : hostileValue(rng, jobId));
      const json = args.includes('--json');
      const r = await box.run(args, { timeoutMs: 60_000 });
      const shown = args.map((a) => (a.length > 60 ? `${a.slice(0, 60)}…(${a.length})` : a)).join(' ');
      assert.is(r.signal, null, `killed by a signal: ${shown}`);
      assert.ok([0, 1, 2, 3, 4, 6].includes(r.code!), `exit ${r.code} is not a documented code: ${shown}\n${r.stderr}`);
      codes.set(r.code!, (codes.get(r.code!) ?? 0) + 1);
      assert.not.match(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace: ${shown}\n${r.stderr}`);
      assert.not.match(r.stderr + r.stdout, /TypeError|RangeError|ReferenceError|Cannot read prop|is not a function/, `a JavaScript error leaked: ${shown}\n${r.stderr}`);
      if (r.code !== 0) {
        if (json && r.stderr.trimStart().startsWith('{')) {
          const doc = JSON.parse(r.stderr) as { error: { message: string; name: string } };
          assert.ok(doc.error.message.length > 10, `a message in the JSON error: ${shown}`);
        } else {
          assert.match(r.stderr, /^error: \S.{4,}/m, `an error line naming the problem: ${shown}\n${r.stderr}`);
        }
      }
    }
    // The service the runs talked to still answers, and the target job is intact or legitimately changed.
    const after = await box.run(['service', 'status', '--json']);
    assert.is(after.code, 0, after.stderr);
    assert.is(JSON.parse(after.stdout).running, true, 'the service is still running');
    assert.is((await box.run(['list'])).code, 0);
    console.log(`    fuzz-cli: ${RUNS} runs → exit codes ${[...codes].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}×${v}`).join(', ')}`);
  } finally {
    await box.cleanup();
  }
});

test.run();
