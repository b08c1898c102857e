// Every command's machine document against its declaration in module/api/outputs.ts (issue 14 item 3):
// each command is run for real — the CLI in a child process, the per-user service of a private state
// dir, downloads and upload-reply uploads against the project's own BITS server started as
// `bits-job2 serve` — and its --json document (and its --clixml document, which the cmdlets read,
// with the declared type name on the top objects) is checked with checkShape: a member the shape
// lacks or a member it has that is missing fails. Every declared command must have been checked.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkShape } from '../module/api/shape.js';
import { ERROR_OUTPUT, OUTPUTS, type OutputName } from '../module/api/outputs.js';
import { CLI_JS, cliEnv, makeSandbox, type CliResult } from './helpers/cli.js';
import { decodeClixml } from './helpers/clixml-decode.js';
import { isAlive } from './helpers/service.js';

const dir = mkdtempSync('/tmp/bj2o-');
const root = join(dir, 'root');
mkdirSync(join(root, 'up'), { recursive: true });
writeFileSync(join(root, 'file.bin'), Buffer.alloc(4096, 7));
const source = join(dir, 'inventory.txt');
writeFileSync(source, 'inventory: 3 items\n');
const sb = makeSandbox('bj2o-');
const servers: ChildProcess[] = [];
const checked = new Set<string>();

test.after(async () => {
  for (const s of servers) if (s.pid !== undefined && isAlive(s.pid)) s.kill('SIGTERM');
  await sb.cleanup().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function show(args: string[], r: CliResult): string {
  return `bits-job2 ${args.join(' ')}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

/** The first names of every type name list in a CLIXML document, but for the generic ones. */
function topTypeNames(xml: string): string[] {
  const names = [...xml.matchAll(/<TN RefId="\d+"><T>([^<]+)<\/T>/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => n !== 'System.Object[]' && n !== 'System.Management.Automation.PSCustomObject'))];
}

/** Runs `command` (its words, then `args`) with --json or --clixml and checks the document; returns it as JSON. */
async function doc(command: OutputName, args: string[], opts: { clixml?: boolean; input?: string; exit?: number[]; env?: Record<string, string> } = {}): Promise<any> {
  const argv = [...command.split(' '), ...args, opts.clixml ? '--clixml' : '--json'];
  const r = await sb.run(argv, { input: opts.input, env: opts.env, timeoutMs: 120_000 });
  assert.ok((opts.exit ?? [0]).includes(r.code ?? -1), show(argv, r));
  const spec = OUTPUTS[command];
  let value: unknown;
  if (opts.clixml) {
    value = await decodeClixml(r.stdout);
    const expected = Array.isArray(value) && value.length === 0 ? [] : [spec.typeName];
    assert.equal(topTypeNames(r.stdout), expected, `${command}: the type name of its top objects\n${r.stdout}`);
  } else {
    value = JSON.parse(r.stdout);
  }
  assert.equal(checkShape(spec.shape, value), [], `${command} ${opts.clixml ? '--clixml' : '--json'} against module/api/outputs.ts\n${JSON.stringify(value, null, 2)}`);
  checked.add(command);
  return value;
}

/** `serve` in the background: the document it prints once it listens. */
async function serve(clixml: boolean): Promise<any> {
  const child = spawn(process.execPath, [CLI_JS, 'serve', '--root', root, '--echo-reply', clixml ? '--clixml' : '--json'], { env: cliEnv(sb.stateDir), stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve printed no document: ${out}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const end = clixml ? out.indexOf('</Objs>') + 7 : out.lastIndexOf('}') + 1;
      if (end > 6 && (clixml || out.trimStart().startsWith('{'))) {
        try {
          if (!clixml) JSON.parse(out.slice(0, end));
          clearTimeout(timer);
          resolve(out.slice(0, end));
        } catch {
          /* not the whole document yet */
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${out}`)));
  });
  const value = clixml ? await decodeClixml(line) : JSON.parse(line);
  if (clixml) assert.equal(topTypeNames(line), [OUTPUTS.serve.typeName]);
  assert.equal(checkShape(OUTPUTS.serve.shape, value), [], JSON.stringify(value));
  checked.add('serve');
  return value;
}

test('every command prints the document module/api/outputs.ts declares (--json and --clixml)', async () => {
  await serve(true);
  const server = await serve(false);
  const url = String(server.url).replace(/\/$/, '');

  await doc('explain', ['0x80200001']);
  await doc('explain', ['404'], { clixml: true });
  await doc('doctor', [], { exit: [0, 1] });
  await doc('doctor', [], { exit: [0, 1], clixml: true });
  await doc('service start', []);
  await doc('service status', [], { clixml: true });
  const xdg = { XDG_CONFIG_HOME: join(dir, 'config') };
  await doc('service install', ['--print'], { env: xdg });
  await doc('service uninstall', [], { env: xdg, clixml: true });

  const a = (await doc('create', ['outputs a', '--description', 'first', '--priority', 'HIGH'])).id as string;
  const b = (await doc('create', ['outputs b'], { clixml: true })).id as string;
  const single = await doc('add-file', [a, `${url}/file.bin`, join(dir, 'a.bin')]);
  assert.ok('remoteName' in single, 'one pair: the pair itself');
  const several = await doc('add-file', [b, `${url}/file.bin`, join(dir, 'b1.bin'), `${url}/file.bin`, join(dir, 'b2.bin')], { clixml: true });
  assert.is(several.files.length, 2, 'several pairs: the files');
  await doc('set', [a, '--description', 'changed', '--priority', 'FOREGROUND', '--notify-flags', '3']);
  await doc('set', [b, '--display-name', 'outputs b2'], { clixml: true });
  await doc('set-proxy', [a, '--usage', 'NO_PROXY']);
  await doc('set-proxy', [b, '--usage', 'OVERRIDE', '--list', 'http://127.0.0.1:9', '--bypass', '<local>'], { clixml: true });
  await doc('set-notify-cmdline', [a, '--program', '/bin/true', '--parameters', '/bin/true done']);
  await doc('set-notify-cmdline', [b], { clixml: true });
  await doc('get-notify-cmdline', [a]);
  await doc('get-notify-cmdline', [b], { clixml: true });
  const secret = 'outputs-s3cret';
  const creds = await sb.run(['set-credentials', a, '--target', 'SERVER', '--scheme', 'BASIC', '--user', 'alice', '--password-stdin', '--json'], { input: secret });
  assert.ok(!creds.stdout.includes(secret) && !creds.stderr.includes(secret), 'the password is never printed');
  await doc('set-credentials', [a, '--target', 'SERVER', '--scheme', 'BASIC', '--user', 'alice', '--password-stdin'], { input: secret });
  await doc('set-credentials', [b, '--target', 'PROXY', '--scheme', 'NTLM'], { clixml: true });
  await doc('remove-credentials', [a, '--target', 'SERVER', '--scheme', 'BASIC']);
  await doc('remove-credentials', [b, '--target', 'SERVER', '--scheme', 'DIGEST'], { clixml: true });
  await doc('info', [a]);
  await doc('info', [b], { clixml: true });
  await doc('list', []);
  await doc('list', [], { clixml: true });
  const everyone = await doc('list', ['--all-users']);
  assert.ok(everyone.every((j: any) => typeof j.ownerName === 'string'), '--all-users names the owners');
  await doc('monitor', ['--once']);

  // The job actions: one job, then a batch with a failure in it.
  await doc('suspend', [a], { clixml: true });
  await doc('resume', [a]);
  const waited = await doc('wait', [a, '--state', 'TRANSFERRED', '--timeout', '60']);
  assert.is(waited.state, 'TRANSFERRED');
  await doc('complete', [a]);
  const c = (await doc('create', ['outputs c'])).id as string;
  await doc('suspend', [c, b]);
  const batch = await doc('cancel', [c, a, b], { exit: [4] });
  assert.equal(batch.map((x: any) => 'error' in x), [false, true, false], 'the completed job failed, the others were cancelled');
  const d = (await doc('create', ['outputs d'])).id as string;
  await doc('take-ownership', [d]);
  await doc('cancel', [d], { clixml: true });

  // Upload-reply: the reply's commands.
  const r = (await doc('create', ['outputs reply', '--type', 'UPLOAD_REPLY'])).id as string;
  await doc('set-reply-file', [r, join(dir, 'reply.txt')]);
  await doc('set-reply-file', [r], { clixml: true });
  await doc('get-reply-file', [r]);
  await doc('get-reply-progress', [r], { clixml: true });
  await doc('add-file', [r, `${url}/up/inventory.txt`, source]);
  await doc('resume', [r], { clixml: true });
  await doc('wait', [r, '--timeout', '60'], { clixml: true });
  const reply = await doc('get-reply-data', [r]);
  assert.match(Buffer.from(reply.base64, 'base64').toString(), /received/);
  await doc('get-reply-data', [r, '--out', join(dir, 'reply.out')], { clixml: true });
  await doc('get-reply-progress', [r]);
  await doc('get-reply-file', [r], { clixml: true });
  await doc('complete', [r]);

  // transfer: to the end (with Complete's result), and --no-wait.
  const done = await doc('transfer', ['outputs transfer', `${url}/file.bin`, join(dir, 't.bin')]);
  assert.is(done.state, 'ACKNOWLEDGED');
  assert.is(done.complete.name, 'S_OK');
  const started = await doc('transfer', ['outputs no-wait', `${url}/file.bin`, join(dir, 'n.bin'), '--no-wait'], { clixml: true });
  await doc('cancel', [started.id]);

  await doc('service stop', []);
  assert.equal(Object.keys(OUTPUTS).filter((k) => !checked.has(k)), [], 'every declared command was run and checked');
});

test('the error document every command writes with --json', async () => {
  const argv = ['info', '00000000-0000-0000-0000-000000000000', '--json'];
  const r = await sb.run(argv);
  assert.is(r.code, 3, show(argv, r));
  assert.equal(checkShape(ERROR_OUTPUT.shape, JSON.parse(r.stderr)), [], r.stderr);
});

test('the check fails on a member the shape lacks and on one it has that is missing', async () => {
  const id = (await doc('create', ['outputs mutant'])).id as string;
  const info = await doc('info', [id]);
  assert.equal(checkShape(OUTPUTS.info.shape, { ...info, retryWindow: null }), ["$: has the member 'retryWindow' its shape lacks"]);
  const { state: _state, ...withoutState } = info;
  assert.equal(checkShape(OUTPUTS.info.shape, withoutState), ["$: omits the member 'state' its shape has"]);
  const { bytesTotal: _total, ...progress } = info.progress;
  assert.equal(checkShape(OUTPUTS.info.shape, { ...info, progress }), ["$.progress: omits the member 'bytesTotal' its shape has"]);
  assert.equal(checkShape(OUTPUTS.info.shape, { ...info, state: 'RUNNING' }), ['$.state: expected one of QUEUED, CONNECTING, TRANSFERRING, SUSPENDED, ERROR, TRANSIENT_ERROR, TRANSFERRED, ACKNOWLEDGED, CANCELLED, got the string "RUNNING"']);
  // A null is allowed only where the snapshot's `unavailable` names the member.
  assert.equal(checkShape(OUTPUTS.info.shape, { ...info, times: null }).length, 1);
  assert.equal(checkShape(OUTPUTS.info.shape, { ...info, times: null, unavailable: { times: { hresult: 0x80004001, hresultHex: '0x80004001', name: 'E_NOTIMPL', method: 'IBackgroundCopyJob.GetTimes' } } }), []);
  await sb.run(['cancel', id]);
});

test.run();
