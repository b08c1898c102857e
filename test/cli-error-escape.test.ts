// CLI error messages echo user input (job ids, URLs, paths): a newline in it must not print a line
// of its own that reads like another message (issue 14). Human output escapes control characters;
// --json keeps the exact text (JSON escapes it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { oneLine } from '../module/cli/errors.js';
import { jsonError, makeSandbox } from './helpers/cli.js';

const sb = makeSandbox('bj2esc-');
test.after(() => sb.cleanup());

const FORGED = 'abc\nerror: S_OK (0x00000000): all good\r\x1b[2K';

test('a job id with a newline: one error line, the newline shown as \\n; --json keeps the text', async () => {
  const r = await sb.run(['info', FORGED]);
  assert.is.not(r.code, 0);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.ok(lines[0]!.startsWith('error: E_INVALIDARG'), r.stderr);
  assert.ok(lines[0]!.includes('abc\\nerror: S_OK (0x00000000): all good\\r\\x1b[2K'), r.stderr);
  assert.not.ok(lines.some((l) => l.startsWith('error: S_OK')), `no forged line: ${r.stderr}`);
  assert.not.ok(/[\r\x1b]/.test(r.stderr), 'no raw carriage return or escape');
  const j = jsonError(await sb.run(['info', FORGED, '--json']));
  assert.ok(j.message.includes(FORGED), j.message);
});

test('a URL with a newline (add-file): the echoed URL is escaped too', async () => {
  const id = (await sb.run(['create', 'escape'])).stdout.trim();
  const r = await sb.run(['add-file', id, 'http://host/a\nb', `${sb.stateDir}/x.bin`]);
  assert.is.not(r.code, 0);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.ok(lines[0]!.startsWith('error: E_INVALIDARG') && lines[0]!.includes('http://host/a\\nb'), r.stderr);
  assert.is((await sb.run(['cancel', id])).code, 0);
});

test('oneLine: newline, carriage return and other controls escaped; tab and text unchanged', () => {
  assert.is(oneLine('a\nb\r\x00\x7f\tc é'), 'a\\nb\\r\\x00\\x7f\tc é');
});

test.run();
