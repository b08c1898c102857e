// --clixml end to end: what the real CLI writes for every output shape the module reads (a job with
// files, the job list, an empty list, results of set/get commands, reply progress, errors, the
// serve ready line) and a document with the odd values (non-ASCII and control characters, nested
// lists, nulls, 64-bit integers), read by PSSerializer::Deserialize in the real engine (PwshHost):
// the values must come back equal to the --json document with times as UTC DateTime, integers as
// Int64, and type names Deserialized.BitsJob2.*.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toClixml } from '../module/cli/clixml.js';
import { describe, PS_DIR, REPO, runPwsh } from './pwsh-host/host.js';

const CLI = join(REPO, 'dist/module/cli/main.js');
const TIME_KEY = /^time$|Time$|At$/;

/** The --json document as the PowerShell side prints it: times as 'DT:<ISO>', fractions as 'Db:<n>'. */
function expected(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => expected(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expected(v, k)]));
  if (typeof value === 'string' && TIME_KEY.test(key) && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value)) return `DT:${value}`;
  if (typeof value === 'number' && !Number.isInteger(value)) return `Db:${value}`;
  return value;
}

test('Deserialize reads every --clixml shape of the CLI with types and type names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-clixml-'));
  const state = join(dir, 'state');
  const env = { ...process.env, BITS_JOB2_STATE_DIR: state, BITS_JOB2_BACKEND: 'portable', NO_COLOR: '1' };
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  const files: string[] = [];
  const want = new Map<string, { doc: unknown; tn: string }>();
  const keep = (name: string, xml: string, doc: unknown, tn: string) => {
    const file = join(dir, `${name}.clixml`);
    writeFileSync(file, xml);
    files.push(file);
    want.set(name, { doc: expected(doc), tn });
  };
  /** Runs a command both ways; keeps the --clixml text with the --json document as the expectation. */
  const both = (name: string, args: string[], tn: string, stream: 'stdout' | 'stderr' = 'stdout') => {
    const x = cli([...args, '--clixml']);
    const j = cli([...args, '--json']);
    assert.is(x.status, j.status, `${name}: ${x.stderr}`);
    assert.is(j.status === 0, stream === 'stdout', `${name}: ${j.stderr}`);
    keep(name, x[stream], JSON.parse(j[stream]), tn);
    return JSON.parse(j[stream]) as Record<string, unknown>;
  };
  try {
    both('empty-list', ['list'], '');
    // create makes a job each run: its --json twin is info's document without the files.
    const created = cli(['create', 'grüße ✓ "q" \\ tab\there', '--clixml']);
    assert.is(created.status, 0, created.stderr);
    const id = /<S N="id">([^<]+)<\/S>/.exec(created.stdout)![1]!;
    const { files: _files, ...createdJson } = JSON.parse(cli(['info', id, '--json']).stdout) as Record<string, unknown>;
    keep('create', created.stdout, createdJson, 'Deserialized.BitsJob2.Job');
    assert.is(cli(['add-file', id, 'http://127.0.0.1:9/a', join(dir, 'ä.bin')]).status, 0);
    assert.is(cli(['set', id, '--description', 'line1\r\nline2\u0001']).status, 0);
    both('info', ['info', id], 'Deserialized.BitsJob2.Job');
    both('list', ['list'], 'Deserialized.BitsJob2.Job');
    both('set-proxy', ['set-proxy', id, '--usage=OVERRIDE', '--list=http://p:1'], 'Deserialized.BitsJob2.Result');
    both('get-notify-cmdline', ['get-notify-cmdline', id], 'Deserialized.BitsJob2.NotifyCmdLine');
    both('suspend', ['suspend', id], 'Deserialized.BitsJob2.Result');
    both('not-found', ['info', '00000000-0000-4000-8000-000000000000'], 'Deserialized.BitsJob2.Error', 'stderr');
    both('usage-error', ['info'], 'Deserialized.BitsJob2.Error', 'stderr');
    // serve's ready line: the one document the module reads from a running server.
    const server = spawn(process.execPath, [CLI, 'serve', '--root', dir, '--port', '0', '--clixml'], { env });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n'))); });
      server.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    server.kill();
    assert.ok(line.endsWith('</Objs>'), line);
    files.push(join(dir, 'serve.clixml'));
    writeFileSync(files[files.length - 1]!, line);
    // The odd values, straight from the serializer.
    const odd = { s: 'é€😀 _x0041_ <&> \u0000\u001f\ufffe', n: -(2 ** 53 - 1), big: 2 ** 53 - 1, nested: [[1, [null, 'x']], [], [{ a: null }]], f: 0.25, no: false, creationTime: '2026-02-28T23:59:59.999Z' };
    keep('odd', toClixml(odd, 'BitsJob2.Odd'), odd, 'Deserialized.BitsJob2.Odd');

    const r = await runPwsh([join(PS_DIR, 'clixml-cli.ps1'), ...files], { timeoutMs: 120_000 });
    assert.is(r.code, 0, describe(r));
    const lines = r.stdout.split('\n');
    const got = (kind: string, name: string) => {
      const l = lines.find((x) => x.startsWith(`${kind} ${name} `) || x === `${kind} ${name} `.trimEnd());
      assert.ok(l !== undefined, `${kind} ${name} missing:\n${r.stdout}`);
      return l!.slice(kind.length + name.length + 2);
    };
    for (const [name, w] of want) {
      const doc = JSON.parse(got('DOC', name)) as unknown;
      assert.equal(doc, w.doc, name);
      assert.is(got('TN', name).trim(), w.tn, `${name} type names`);
    }
    const serve = JSON.parse(got('DOC', 'serve')) as Record<string, unknown>;
    assert.is(typeof serve.port, 'number');
    assert.is(serve.root, dir);
    assert.is(got('TN', 'serve').trim(), 'Deserialized.BitsJob2.Server');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
