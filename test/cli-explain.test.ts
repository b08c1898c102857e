// `bits-job2 explain`: the codes BITS users meet, with causes and fixes; HTTP statuses as input;
// every BG_E_* code named. Runs the real CLI (no backend is needed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ADVISED_NAMES, adviceFor } from '../module/api/hresult-advice.js';
import { HR, HRESULT_TABLE } from '../module/api/index.js';
import { json, runCli } from './helpers/cli.js';

interface Explanation { name: string; hresultHex: string; message: string; causes: string[]; fixes: string[]; exitCode: number }
const explain = async (code: string) => {
  const r = await runCli(['explain', code, '--json']);
  assert.is(r.code, 0, r.stderr);
  return json<Explanation>(r);
};

test('0x800704DD, the code BITS users meet most: named, with its causes (not logged on interactively) and fixes', async () => {
  const e = await explain('0x800704DD');
  assert.is(e.name, 'ERROR_NOT_LOGGED_ON');
  assert.match(e.causes.join(' '), /Scheduled tasks.*Run-As.*remoting/s);
  assert.match(e.fixes.join(' '), /Run only when user is logged on/);
  const plain = await runCli(['explain', '0x800704DD']);
  assert.match(plain.stdout, /^ERROR_NOT_LOGGED_ON \(0x800704DD\): .*\n.*\n\nWhy it happens:\n  - .*\n\nWhat to do:\n  - /);
});

test('HTTP statuses as input: 404, "HTTP 404", http418; families for statuses without an entry', async () => {
  for (const input of ['404', 'HTTP 404', 'http404', 'BG_E_HTTP_ERROR_404', '0x80190194']) {
    const e = await explain(input);
    assert.is(e.name, 'BG_E_HTTP_ERROR_404', input);
    assert.is(e.hresultHex, '0x80190194');
    assert.ok(e.causes.length > 0 && e.fixes.length > 0, input);
  }
  const teapot = await explain('418');
  assert.is(teapot.name, 'BG_E_HTTP_ERROR_418');
  assert.is(teapot.message, 'HTTP 418: the server answered with this status.');
  assert.match(teapot.causes[0]!, /HTTP client error/);
  assert.match((await explain('599')).causes[0]!, /HTTP server error/);
});

test('the Win32 and WinINet codes of the issue are named with advice; other Win32 codes say "Windows error N"', async () => {
  for (const [hex, name] of [['0x80070005', 'E_ACCESSDENIED'], ['0x80072EE7', 'ERROR_INTERNET_NAME_NOT_RESOLVED'], ['0x80072EFD', 'ERROR_INTERNET_CANNOT_CONNECT'], ['0x80072F8F', 'ERROR_INTERNET_SECURE_FAILURE']] as const) {
    const e = await explain(hex);
    assert.is(e.name, name);
    assert.ok(e.causes.length && e.fixes.length, name);
  }
  const other = await explain('0x80070006');
  assert.is(other.message, 'Windows error 6.');
});

test('every BG_E_/BG_S_ code has a name and a message; every advised name is a code of the table', () => {
  const bg = HRESULT_TABLE.filter((h) => h.name.startsWith('BG_'));
  assert.ok(bg.length > 90, `${bg.length} BITS codes`);
  for (const h of bg) assert.ok(h.message && h.message !== 'Unknown error.', h.name);
  for (const name of ADVISED_NAMES) {
    assert.ok(HR[name] !== undefined, `${name} is in the HRESULT table`);
    assert.ok(adviceFor(HR[name]!), name);
  }
});

test.run();
