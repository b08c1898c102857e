// module/cli/clixml.ts: the --json documents as PowerShell CLIXML. Structure and escaping per
// PowerShell's own serializer (checked against PSSerializer::Serialize output), the value walk of
// JSON.stringify, and the CLI's --clixml output equal to its --json output (test/powershell-clixml
// holds it to the real engine's Deserialize).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeClixmlString, toClixml } from '../module/cli/clixml.js';
import { decodeClixml } from './helpers/clixml-decode.js';

const CLI = join(process.cwd(), 'dist/module/cli/main.js');
const HEAD = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">';

test('strings are encoded as PowerShell does: control characters, surrogates, _x', () => {
  // PSSerializer::Serialize of "a`r`nb`tc_x0041_<&>" + [char]1 + "é€😀" (PowerShell 7.6) gives this
  // text before XML escaping.
  assert.is(encodeClixmlString('a\r\nb\tc_x0041_<&>\u0001é€😀'), 'a_x000D__x000A_b_x0009_c_x005F_x0041_<&>_x0001_é€_xD83D__xDE00_');
  assert.is(encodeClixmlString('snake_case_'), 'snake_case_');
  assert.is(encodeClixmlString('\ufffe\u0000'), '_xFFFE__x0000_');
});

test('a typed object: type names, members in order, one element per JSON type', () => {
  const xml = toClixml({ id: 'a', n: 5, big: 2 ** 53 - 1, f: 1.5, b: false, nil: null, gone: undefined, nan: NaN, when: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), creationTime: '2026-11-25T20:55:35.209Z', note: '2026-11-25T20:55:35.209Z', text: '<&>"' }, 'BitsJob2.Job');
  assert.is(
    xml,
    HEAD +
      '<Obj RefId="0"><TN RefId="0"><T>BitsJob2.Job</T><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS>' +
      '<S N="id">a</S><I64 N="n">5</I64><I64 N="big">9007199254740991</I64><Db N="f">1.5</Db><B N="b">false</B><Nil N="nil"/><Nil N="nan"/>' +
      '<DT N="when">2026-01-02T03:04:05.006Z</DT><DT N="creationTime">2026-11-25T20:55:35.209Z</DT><S N="note">2026-11-25T20:55:35.209Z</S><S N="text">&lt;&amp;&gt;"</S>' +
      '</MS></Obj></Objs>',
  );
});

test('arrays are System.Object[] lists; repeated type name lists become TNRef; the items of a top array carry the type name', () => {
  const xml = toClixml([{ a: [] }, { a: [1, null, 'x'] }], 'BitsJob2.Job');
  assert.is(
    xml,
    HEAD +
      '<Obj RefId="0"><TN RefId="0"><T>System.Object[]</T><T>System.Array</T><T>System.Object</T></TN><LST>' +
      '<Obj RefId="1"><TN RefId="1"><T>BitsJob2.Job</T><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><Obj N="a" RefId="2"><TNRef RefId="0"/><LST/></Obj></MS></Obj>' +
      '<Obj RefId="3"><TNRef RefId="1"/><MS><Obj N="a" RefId="4"><TNRef RefId="0"/><LST><I64>1</I64><Nil/><S>x</S></LST></Obj></MS></Obj>' +
      '</LST></Obj></Objs>',
  );
});

test('the JSON.stringify walk: toJSON, property names encoded, empty objects', async () => {
  const value = { err: { toJSON: () => ({ code: 'E' }) }, 'we_x\tird': {}, list: [{}], s: '' };
  assert.equal(await decodeClixml(toClixml(value)), JSON.parse(JSON.stringify(value)));
  assert.ok(toClixml(value).includes('N="we_x005F_x_x0009_ird"'));
});

test('the CLI: --clixml writes the --json document (results and errors), one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clixml-'));
  try {
    const env = { ...process.env, BITS_JOB2_STATE_DIR: dir, BITS_JOB2_BACKEND: 'portable', NO_COLOR: '1' };
    const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    const created = cli(['create', 'nächtlich\t"x"', '--clixml']);
    assert.is(created.status, 0, created.stderr);
    assert.ok(created.stdout.startsWith(HEAD) && created.stdout.endsWith('</Objs>\n') && created.stdout.split('\n').length === 2);
    const job = (await decodeClixml(created.stdout)) as { id: string; displayName: string };
    assert.is(job.displayName, 'nächtlich\t"x"');
    cli(['add-file', job.id, 'http://127.0.0.1:9/a', join(dir, 'a'), '--json']);
    for (const args of [['info', job.id], ['list'], ['get-notify-cmdline', job.id], ['set-proxy', job.id, '--usage=NO_PROXY'], ['suspend', job.id], ['info', '00000000-0000-4000-8000-000000000000'], ['info', 'xyz']]) {
      const j = cli([...args, '--json']);
      const x = cli([...args, '--clixml']);
      assert.is(x.status, j.status, args.join(' '));
      const [jText, xText] = j.status === 0 ? [j.stdout, x.stdout] : [j.stderr, x.stderr];
      const jDoc = JSON.parse(jText) as Record<string, unknown>;
      const xDoc = (await decodeClixml(xText)) as Record<string, unknown>;
      // The modification time may move between the two runs (set-proxy, suspend change the job).
      assert.equal(JSON.stringify(xDoc).replace(/"modificationTime":"[^"]+"/g, ''), JSON.stringify(jDoc).replace(/"modificationTime":"[^"]+"/g, ''), args.join(' '));
    }
    const usage = cli(['info', '--clixml', '--password=x']);
    assert.is(usage.status, 2);
    assert.equal(((await decodeClixml(usage.stderr)) as { error: { name: string; usage: boolean } }).error.usage, true);
    assert.ok(usage.stderr.includes('<T>BitsJob2.Error</T>'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
