// Notify command line (spec §3.1): Windows splitting/quoting, SetNotifyCmdLine validation codes,
// warnings, the Node builder, and the runner against real processes (node prints its argv).
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BitsError } from '../module/api/bits-error.js';
import { notifyCommand, notifyWarnings, validateNotifyCmdLine } from '../module/common/notify/notify-cmdline.js';
import { notifySpawnArgs, runNotifyCommand } from '../module/engine/notify/notify-runner.js';
import {
  buildWindowsCommandLine,
  parseWindowsCommandLine,
  quoteWindowsArgument,
  splitWindowsCommandLine,
  type WindowsParseMode,
} from '../module/common/notify/windows-cmdline.js';

const E_INVALIDARG = 0x80070057;
const BG_E_STRING_TOO_LONG = 0x80200021;
const node = process.execPath;
const r = String.raw;

function throwsCode(fn: () => unknown, hr: number, msg?: RegExp): BitsError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, BitsError);
    const be = e as BitsError;
    assert.is(be.hresult, hr, `${be.hresultHex} ${be.message}`);
    if (msg) assert.match(be.message, msg);
    return be;
  }
  assert.unreachable(`expected ${hr.toString(16)}`);
  throw new Error('unreachable');
}

/** Deterministic PRNG (mulberry32) so the property tests are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
// Weighted towards the characters that matter; 'é' and '😀' (a surrogate pair) for UTF-16.
const ALPHABET = [' ', ' ', '\t', '"', '"', '\\', '\\', '\\', 'a', 'b', 'C', ':', '/', '\n', 'é', '😀', '%', '$', ';', '|', '&'];
function randomString(next: () => number, max: number, alphabet = ALPHABET): string {
  let s = '';
  const n = Math.floor(next() * (max + 1));
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}

// ── parsing ────────────────────────────────────────────────────────────────────────────────────

test('parse: Microsoft table ("Parsing C++ command-line arguments"), argv[1..]', () => {
  const rows: Array<[string, string[]]> = [
    [r`"abc" d e`, ['abc', 'd', 'e']],
    [r`"a b c" d e`, ['a b c', 'd', 'e']],
    [r`"ab\"c" "\\" d`, ['ab"c', '\\', 'd']],
    [r`a\\\b d"e f"g h`, [r`a\\\b`, 'de fg', 'h']],
    [r`a\\\"b c d`, [r`a\"b`, 'c', 'd']],
    [r`a\\\\"b c" d e`, [r`a\\b c`, 'd', 'e']],
  ];
  for (const mode of ['crt', 'shell32'] as WindowsParseMode[]) {
    for (const [input, want] of rows) assert.equal(parseWindowsCommandLine(`prog ${input}`, mode), ['prog', ...want], `${mode}: ${input}`);
  }
});

test('parse: "" inside a quoted run — CRT continues the run, CommandLineToArgvW ends it', () => {
  assert.equal(parseWindowsCommandLine('p a"b"" c d'), ['p', 'ab" c d']); // the documented CRT row
  assert.equal(parseWindowsCommandLine('p a"b"" c d', 'shell32'), ['p', 'ab"', 'c', 'd']); // cpp-docs#3291
  assert.equal(parseWindowsCommandLine('p """ x'), ['p', '" x']);
  assert.equal(parseWindowsCommandLine('p """ x', 'shell32'), ['p', '"', 'x']);
  assert.equal(parseWindowsCommandLine('p "a""b"'), ['p', 'a"b']);
  assert.equal(parseWindowsCommandLine('p "a""b"', 'shell32'), ['p', 'a"b']);
});

test('parse: the program token has no backslash processing', () => {
  assert.equal(parseWindowsCommandLine(r`"C:\Program Files\n.exe" a`), [r`C:\Program Files\n.exe`, 'a']);
  assert.equal(parseWindowsCommandLine(r`"C:\dir\" x`), [r`C:\dir\ `.trimEnd(), 'x']);
  assert.equal(parseWindowsCommandLine(r`"C:\dir\" x`, 'shell32'), [r`C:\dir\ `.trimEnd(), 'x']);
  // CRT: every quote toggles; shell32: only a leading quote counts, and the next argument may follow at once.
  assert.equal(parseWindowsCommandLine(r`C:\a"b c"\d.exe x`), [r`C:\ab c\d.exe`, 'x']);
  assert.equal(parseWindowsCommandLine('"a b"c d'), ['a bc', 'd']);
  assert.equal(parseWindowsCommandLine('"a b"c d', 'shell32'), ['a b', 'c', 'd']);
  // Observed CommandLineToArgvW results (cpp-docs#3697: the table parsed as a whole command line).
  assert.equal(parseWindowsCommandLine(r`123\"abc" d e`, 'shell32'), [r`123\"abc"`, 'd', 'e']);
  assert.equal(parseWindowsCommandLine(r`a\\\b d"e f"g h`, 'shell32'), [r`a\\\b`, 'de fg', 'h']);
  assert.equal(parseWindowsCommandLine(r`a\\\"b c d`, 'shell32'), [r`a\\\"b`, 'c', 'd']);
  assert.equal(parseWindowsCommandLine(r`a\\\\"b c" d e`, 'shell32'), [r`a\\\\"b`, 'c d e']);
});

test('parse: empty arguments, whitespace, unterminated quotes', () => {
  assert.equal(parseWindowsCommandLine(''), ['']);
  assert.equal(parseWindowsCommandLine('p'), ['p']);
  assert.equal(parseWindowsCommandLine('p   '), ['p']);
  assert.equal(parseWindowsCommandLine('p "" x ""'), ['p', '', 'x', '']);
  assert.equal(parseWindowsCommandLine('p\ta\t\t b'), ['p', 'a', 'b']);
  assert.equal(parseWindowsCommandLine('p a\nb'), ['p', 'a\nb']); // only space and tab separate
  assert.equal(parseWindowsCommandLine('p "a b'), ['p', 'a b']);
  assert.equal(parseWindowsCommandLine(' p x'), ['', 'p', 'x']); // leading blank: empty program (CRT)
  assert.equal(parseWindowsCommandLine(r`p a\\`), ['p', r`a\\`]); // backslashes at the end are literal
  assert.equal(splitWindowsCommandLine('"/a b/c"  -x "y z"'), { program: '/a b/c', programRaw: '"/a b/c"', rest: '-x "y z"' });
});

test('quote: minimal quoting, escapes, trailing backslashes', () => {
  assert.is(quoteWindowsArgument(''), '""');
  assert.is(quoteWindowsArgument('abc'), 'abc');
  assert.is(quoteWindowsArgument(r`C:\dir\ `.trimEnd()), r`C:\dir\ `.trimEnd()); // no quote follows: literal
  assert.is(quoteWindowsArgument('a b'), '"a b"');
  assert.is(quoteWindowsArgument('a"b'), r`"a\"b"`);
  assert.is(quoteWindowsArgument(r`a\"b`), r`"a\\\"b"`);
  assert.is(quoteWindowsArgument(r`C:\my dir\ `.trimEnd()), r`"C:\my dir\\"`);
  assert.is(quoteWindowsArgument('\t'), '"\t"');
  assert.is(quoteWindowsArgument('a|b'), '"a|b"'); // not needed by Windows, but reads as data
  assert.is(buildWindowsCommandLine('/opt/My App/run', ['x', '']), '"/opt/My App/run" x ""');
  assert.is(buildWindowsCommandLine('', []), '""');
  assert.equal(parseWindowsCommandLine(buildWindowsCommandLine('', ['a'])), ['', 'a']);
});

test('quote: a program with a double quote cannot be expressed → E_INVALIDARG', () => {
  throwsCode(() => buildWindowsCommandLine('/tmp/a"b', []), E_INVALIDARG);
});

test('property: random argv → build → parse round-trips under both rules (seeded)', () => {
  const next = rng(20240611);
  const programChars = ALPHABET.filter((c) => c !== '"');
  for (let n = 0; n < 3000; n++) {
    const program = randomString(next, 12, programChars);
    const args = Array.from({ length: Math.floor(next() * 7) }, () => randomString(next, 10));
    const line = buildWindowsCommandLine(program, args);
    for (const mode of ['crt', 'shell32'] as WindowsParseMode[]) {
      assert.equal(parseWindowsCommandLine(line, mode), [program, ...args], `${mode} #${n}: ${JSON.stringify(line)}`);
    }
  }
});

test('property: quoting one argument round-trips, and parsing never throws', () => {
  const next = rng(7);
  for (let n = 0; n < 3000; n++) {
    const arg = randomString(next, 16);
    assert.equal(parseWindowsCommandLine(`p ${quoteWindowsArgument(arg)}`), ['p', arg]);
    const junk = randomString(next, 24);
    for (const mode of ['crt', 'shell32'] as WindowsParseMode[]) assert.ok(parseWindowsCommandLine(junk, mode).length >= 1);
  }
});

// ── validation ─────────────────────────────────────────────────────────────────────────────────

test('validate: removal, program only, empty strings', () => {
  assert.equal(validateNotifyCmdLine(null, null), { program: null, parameters: null });
  assert.equal(validateNotifyCmdLine('', ''), { program: null, parameters: null }); // Set(Get()) of "never set"
  assert.equal(validateNotifyCmdLine('/usr/bin/env', null), { program: '/usr/bin/env', parameters: null });
  assert.equal(validateNotifyCmdLine('/usr/bin/env', ''), { program: '/usr/bin/env', parameters: null });
  assert.equal(validateNotifyCmdLine('/usr/bin/env', '/usr/bin/env a "b c"'), { program: '/usr/bin/env', parameters: '/usr/bin/env a "b c"' });
  assert.equal(validateNotifyCmdLine('/opt/My App/run', '"/opt/My App/run" x'), { program: '/opt/My App/run', parameters: '"/opt/My App/run" x' });
});

test('validate: parameters without a program → E_INVALIDARG', () => {
  throwsCode(() => validateNotifyCmdLine(null, '/bin/true'), E_INVALIDARG, /without a program/);
  throwsCode(() => validateNotifyCmdLine('', '/bin/true'), E_INVALIDARG);
});

test('validate: MAX_PATH program and 4000-character parameters → BG_E_STRING_TOO_LONG', () => {
  const p260 = '/' + 'a'.repeat(259);
  assert.is(validateNotifyCmdLine(p260, null).program, p260);
  throwsCode(() => validateNotifyCmdLine(p260 + 'a', null), BG_E_STRING_TOO_LONG, /261 characters/);
  const p4000 = '/bin/true ' + 'x'.repeat(3990);
  assert.is(validateNotifyCmdLine('/bin/true', p4000).parameters, p4000);
  throwsCode(() => validateNotifyCmdLine('/bin/true', p4000 + 'x'), BG_E_STRING_TOO_LONG, /4001/);
  // UTF-16 code units: a surrogate pair counts twice
  throwsCode(() => validateNotifyCmdLine('/bin/true', '/bin/true ' + '😀'.repeat(1996)), BG_E_STRING_TOO_LONG);
});

test('validate: the program must be a full path (no search path, no variables)', () => {
  throwsCode(() => validateNotifyCmdLine('notify.sh', null), E_INVALIDARG, /not a full path/);
  throwsCode(() => validateNotifyCmdLine('./notify.sh', null), E_INVALIDARG);
  throwsCode(() => validateNotifyCmdLine('$HOME/notify.sh', null), E_INVALIDARG);
  throwsCode(() => validateNotifyCmdLine('C:\\Tools\\n.exe', null, { platform: 'linux' }), E_INVALIDARG);
  const win = { platform: 'win32' as const };
  assert.ok(validateNotifyCmdLine('C:\\Tools\\n.exe', null, win).program);
  assert.ok(validateNotifyCmdLine('c:/Tools/n.exe', null, win).program);
  assert.ok(validateNotifyCmdLine('\\\\server\\share\\n.exe', null, win).program);
  throwsCode(() => validateNotifyCmdLine('%windir%\\n.exe', null, win), E_INVALIDARG);
  throwsCode(() => validateNotifyCmdLine('\\Tools\\n.exe', null, win), E_INVALIDARG); // drive-relative
  throwsCode(() => validateNotifyCmdLine('C:n.exe', null, win), E_INVALIDARG);
  throwsCode(() => validateNotifyCmdLine('/usr/bin/env', null, win), E_INVALIDARG);
});

test('validate: NUL or a double quote in the program → E_INVALIDARG', () => {
  throwsCode(() => validateNotifyCmdLine('/bin/tr\0ue', null), E_INVALIDARG, /NUL/);
  throwsCode(() => validateNotifyCmdLine('/bin/true', '/bin/true a\0b'), E_INVALIDARG, /NUL/);
  throwsCode(() => validateNotifyCmdLine('/tmp/a"b', null), E_INVALIDARG, /double quote/);
});

test('validate: the first token of the parameters must be the program; the message shows the fix', () => {
  // left out
  throwsCode(() => validateNotifyCmdLine('/usr/local/bin/notify', '--job {ID}'), E_INVALIDARG, /Use: "\/usr\/local\/bin\/notify" --job \{ID\}$/);
  // a path with spaces, not quoted
  throwsCode(() => validateNotifyCmdLine('/opt/My App/run', '/opt/My App/run --x'), E_INVALIDARG, /first token is '\/opt\/My'.*Use: "\/opt\/My App\/run" --x$/);
  // by a relative name
  throwsCode(() => validateNotifyCmdLine('/opt/notify.sh', 'notify.sh a b'), E_INVALIDARG, /Use: "\/opt\/notify.sh" a b$/);
  // another program altogether
  throwsCode(() => validateNotifyCmdLine('/bin/true', '/bin/false'), E_INVALIDARG, /Use: "\/bin\/true" \/bin\/false$/);
  // case: exact on POSIX, case-insensitive on Windows
  throwsCode(() => validateNotifyCmdLine('/bin/true', '/BIN/TRUE'), E_INVALIDARG);
  const win = { platform: 'win32' as const };
  assert.ok(validateNotifyCmdLine('C:\\BITS\\N.EXE', '"c:\\bits\\n.exe" x', win).parameters);
  throwsCode(() => validateNotifyCmdLine('C:\\BITS\\N.EXE', 'C:/BITS/N.EXE x', win), E_INVALIDARG);
  // the program quoted in pieces is still the program (CRT argv[0] rule)
  assert.ok(validateNotifyCmdLine('/opt/My App/run', '/opt/"My App"/run').parameters);
});

test('validate: errors are BitsErrors with names', () => {
  const e = throwsCode(() => validateNotifyCmdLine('/x', 'y'.repeat(4001)), BG_E_STRING_TOO_LONG);
  assert.is(e.code, 'BG_E_STRING_TOO_LONG');
  assert.is(e.hresultHex, '0x80200021');
});

// ── warnings ───────────────────────────────────────────────────────────────────────────────────

test('warnings: nothing for a clean command line of an existing executable', () => {
  assert.equal(notifyWarnings(node, buildWindowsCommandLine(node, ['-e', 'process.exit(0)', 'a|b', 'x > y'])), []);
  assert.equal(notifyWarnings(null, null), []);
  assert.equal(notifyWarnings(node, `"${node}" "http://h/a?b=1&c=2"`), []); // & inside a word is not an operator
});

test('warnings: variables are not expanded', () => {
  const w = notifyWarnings(node, `"${node}" %TEMP%\\x $HOME/y \${USER} 100%`);
  assert.is(w.length, 1);
  assert.match(w[0], /does not expand environment variables/);
  for (const v of ['%TEMP%', '$HOME', '${USER}']) assert.ok(w[0].includes(v), v);
  assert.match(notifyWarnings('%windir%\\system32\\x.exe', null, { platform: 'win32' }).join(), /%windir%/);
});

test('warnings: program missing, a directory, not executable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-notify-w-'));
  try {
    assert.match(notifyWarnings(join(dir, 'missing'), null).join(), /does not exist/);
    assert.match(notifyWarnings(dir, null).join(), /is not a file/);
    const plain = join(dir, 'plain.sh');
    writeFileSync(plain, '#!/bin/sh\n');
    chmodSync(plain, 0o644);
    // No execute bit: not executable for root either (execve needs one), so this holds where CI runs.
    assert.match(notifyWarnings(plain, null).join(), /not executable/);
    chmodSync(plain, 0o755);
    assert.equal(notifyWarnings(plain, null), []);
    assert.equal(notifyWarnings(join(dir, 'missing'), null, { checkFile: false }), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('warnings: shell syntax outside quotes, with the explicit /bin/sh -c suggestion', () => {
  for (const params of ['/bin/echo hi | tee /tmp/x', '/bin/echo hi > /tmp/x', '/bin/echo a && /bin/echo b', '/bin/echo a; touch b', '/bin/echo $(id)', '/bin/sleep 1 &']) {
    const w = notifyWarnings('/bin/echo', params, { checkFile: false });
    assert.is(w.length, 1, params);
    assert.match(w[0], /shell syntax/);
    const suggestion = /parameters '(.*)'\.$/.exec(w[0])![1];
    // the suggestion is a valid command line giving the whole text to sh -c
    assert.equal(parseWindowsCommandLine(suggestion), ['/bin/sh', '-c', params]);
  }
  assert.equal(notifyWarnings('/bin/echo', '/bin/echo "a | b" "x;y" "1 > 0"', { checkFile: false }), []);
  assert.match(notifyWarnings('C:\\x\\n.cmd', '"C:\\x\\n.cmd" a', { platform: 'win32', checkFile: false }).join(), /batch file.*cmd\.exe/);
});

// ── builder ────────────────────────────────────────────────────────────────────────────────────

test('notifyCommand: quotes the program when needed and every argument', () => {
  const c = notifyCommand({ program: '/opt/My App/notify', args: ['--job', '{5A1B}', 'a b', '', 'q"t', 'end\\'] });
  assert.is(c.program, '/opt/My App/notify');
  assert.is(c.parameters, r`"/opt/My App/notify" --job {5A1B} "a b" "" "q\"t" end\ `.trimEnd());
  assert.equal(validateNotifyCmdLine(c.program, c.parameters), c);
  assert.equal(parseWindowsCommandLine(c.parameters), ['/opt/My App/notify', '--job', '{5A1B}', 'a b', '', 'q"t', 'end\\']);
  assert.equal(notifyCommand({ program: '/bin/true' }), { program: '/bin/true', parameters: '/bin/true' });
});

test('spawn arguments: POSIX gets the parsed argv; win32 passes the text verbatim', () => {
  assert.equal(notifySpawnArgs('/bin/x', '"/bin/x" a "b c"', 'linux'), { args: ['a', 'b c'], argv0: '/bin/x', windowsVerbatimArguments: false });
  assert.equal(notifySpawnArgs('/bin/x', null, 'linux'), { args: [], argv0: '/bin/x', windowsVerbatimArguments: false });
  assert.equal(notifySpawnArgs('C:\\a b\\x.exe', '"C:\\a b\\x.exe"  a "b c"', 'win32'), { args: ['a "b c"'], argv0: '"C:\\a b\\x.exe"', windowsVerbatimArguments: true });
  assert.equal(notifySpawnArgs('C:\\a b\\x.exe', null, 'win32'), { args: [], argv0: '"C:\\a b\\x.exe"', windowsVerbatimArguments: true });
});

// ── runner (real processes) ────────────────────────────────────────────────────────────────────

const PRINT_ARGV = 'console.log(JSON.stringify(process.argv.slice(1)))';

async function runNode(parameters: string | null, extra: Partial<Parameters<typeof runNotifyCommand>[0]> = {}) {
  const lines: string[] = [];
  const res = await runNotifyCommand({ program: node, parameters, log: (l) => lines.push(l), ...extra });
  return { res, lines };
}
function stdoutOf(lines: string[], id?: string): string[] {
  const p = id ? `job ${id}: notify stdout: ` : 'notify stdout: ';
  return lines.filter((l) => l.startsWith(p)).map((l) => l.slice(p.length));
}

test('runner: the child receives exactly the Windows-parsed argv', async () => {
  const { res, lines } = await runNode(`"${node}" -e "${PRINT_ARGV}" "" "a b" "c\\"d" "e\\\\" f\\g  ""`, { id: 'J1' });
  assert.equal(res, { exitCode: 0, signal: null, pid: res.pid });
  assert.equal(JSON.parse(stdoutOf(lines, 'J1')[0]), ['', 'a b', 'c"d', 'e\\', 'f\\g', '']);
});

test('runner: random argv arrays through notifyCommand arrive intact', async () => {
  const next = rng(99);
  // No NUL (cannot be in argv) and no lone surrogates (not valid UTF-8): everything else goes.
  for (let n = 0; n < 6; n++) {
    const args = Array.from({ length: 1 + Math.floor(next() * 8) }, () => randomString(next, 12));
    const { parameters } = notifyCommand({ program: node, args: ['-e', PRINT_ARGV, '--', ...args] });
    const { res, lines } = await runNode(parameters);
    assert.is(res.exitCode, 0);
    // node drops the `--` it used to end its own options
    assert.equal(JSON.parse(stdoutOf(lines)[0]), args, parameters);
  }
});

test('runner: exit codes 0 and 3, parameters null', async () => {
  assert.is((await runNode(buildWindowsCommandLine(node, ['-e', 'process.exit(3)']))).res.exitCode, 3);
  assert.is((await runNode(buildWindowsCommandLine(node, ['-e', '']))).res.exitCode, 0);
  const { res } = await runNode(null); // node reads its script from stdin, which is closed
  assert.is(res.exitCode, 0);
});

test('runner: a missing or non-executable program is an error result, not a throw', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-notify-r-'));
  try {
    const missing = join(dir, 'nope');
    const a = await runNotifyCommand({ program: missing, parameters: `"${missing}" x`, log: () => {} });
    assert.is(a.exitCode, null);
    assert.is(a.signal, null);
    assert.match(a.error!, /ENOENT/);
    const plain = join(dir, 'plain');
    writeFileSync(plain, 'data');
    chmodSync(plain, 0o644);
    // No execute bit: EACCES for root too.
    const b = await runNotifyCommand({ program: plain, parameters: null, log: () => {} });
    assert.is(b.exitCode, null);
    assert.match(b.error!, /EACCES/);
    const c = await runNotifyCommand({ program: node, parameters: null, cwd: join(dir, 'no-such-dir'), log: () => {} });
    assert.match(c.error!, /working directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runner: stdout and stderr are logged line by line with the job id', async () => {
  const code = 'process.stdout.write("one\\ntwo\\r\\nthree"); process.stderr.write("oops\\n")';
  const { res, lines } = await runNode(buildWindowsCommandLine(node, ['-e', code]), { id: 'JOB' });
  assert.is(res.exitCode, 0);
  assert.equal(stdoutOf(lines, 'JOB'), ['one', 'two', 'three']);
  assert.ok(lines.includes('job JOB: notify stderr: oops'), lines.join('\n'));
  assert.is(res.outputTruncated, undefined);
});

test('runner: output is capped (and still drained so the program finishes)', async () => {
  const code = 'for (let i = 0; i < 4000; i++) console.log("x".repeat(99))'; // 400 KB
  const { res, lines } = await runNode(buildWindowsCommandLine(node, ['-e', code]), { maxOutputBytes: 10_000 });
  assert.is(res.exitCode, 0);
  assert.is(res.outputTruncated, true);
  const captured = stdoutOf(lines).reduce((n, l) => n + l.length + 1, 0);
  assert.ok(captured <= 10_001, String(captured));
  assert.ok(captured >= 9_900, String(captured));
  assert.is(lines.filter((l) => /truncated after 10000 bytes/.test(l)).length, 1);
});

test('runner: no shell is involved — metacharacters arrive literally and run nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-notify-sh-'));
  try {
    const m1 = join(dir, 'm1');
    const m2 = join(dir, 'm2');
    const m3 = join(dir, 'm3');
    const params = `"${node}" -e "${PRINT_ARGV}" $(touch ${m1}) ; touch ${m2} && touch ${m3} | cat \`id\` > ${join(dir, 'out')}`;
    const { res, lines } = await runNode(params);
    assert.is(res.exitCode, 0);
    assert.equal(JSON.parse(stdoutOf(lines)[0]), ['$(touch', `${m1})`, ';', 'touch', m2, '&&', 'touch', m3, '|', 'cat', '`id`', '>', join(dir, 'out')]);
    for (const f of [m1, m2, m3, join(dir, 'out')]) assert.not.ok(existsSync(f), f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runner: env and cwd are passed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-notify-env-'));
  try {
    const { lines } = await runNode(buildWindowsCommandLine(node, ['-e', 'console.log(process.cwd(), process.env.BJ2_NOTIFY)']), {
      cwd: dir,
      env: { BJ2_NOTIFY: 'yes' },
    });
    assert.equal(stdoutOf(lines), [`${dir} yes`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runner: timeout stops a hung program', async () => {
  const t0 = Date.now();
  const { res, lines } = await runNode(buildWindowsCommandLine(node, ['-e', 'setTimeout(() => {}, 60000)']), { timeoutMs: 300, id: 'T' });
  assert.ok(Date.now() - t0 < 10_000);
  assert.is(res.exitCode, null);
  assert.is(res.signal, 'SIGTERM');
  assert.is(res.timedOut, true);
  assert.match(res.error!, /timed out after 0.3 s/);
  assert.ok(lines.some((l) => l.startsWith('job T: notify timed out')));
});

test('runner: SIGKILL follows when SIGTERM is ignored', async () => {
  const code = 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)';
  const { res } = await runNode(buildWindowsCommandLine(node, ['-e', code]), { timeoutMs: 500, killGraceMs: 300 });
  assert.is(res.signal, 'SIGKILL');
  assert.is(res.timedOut, true);
});

test('runner: abort signal kills the program', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const { res } = await runNode(buildWindowsCommandLine(node, ['-e', 'setTimeout(() => {}, 60000)']), { signal: ac.signal });
  assert.is(res.exitCode, null);
  assert.is(res.error, 'aborted');
  const pre = await runNode(buildWindowsCommandLine(node, ['-e', '']), { signal: AbortSignal.abort() });
  assert.match(pre.res.error!, /aborted before start/);
});

test('runner: a background process holding the pipes does not hold the result', async () => {
  // sh exits at once; its `sleep 3` child keeps stdout open.
  const t0 = Date.now();
  const res = await runNotifyCommand({ program: '/bin/sh', parameters: '/bin/sh -c "sleep 3 & echo started"', outputGraceMs: 200, log: () => {} });
  assert.is(res.exitCode, 0);
  assert.ok(Date.now() - t0 < 2500, String(Date.now() - t0));
});

test('runner: a throwing logger does not break the run', async () => {
  const res = await runNotifyCommand({
    program: node,
    parameters: buildWindowsCommandLine(node, ['-e', 'console.log("hi")']),
    log: () => {
      throw new Error('logger down');
    },
  });
  assert.is(res.exitCode, 0);
});

test.run();
