// The CLI helps users get the notify command line right: --arg builds the quoted parameters string
// (program first), warnings name syntax BITS never interprets, and misuse is a usage error.
import { mkdtempSync, rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseWindowsCommandLine } from '../module/common/notify/windows-cmdline.js';
import { runCli } from './helpers/cli.js';
import { killServices } from './helpers/service.js';

const stateDir = mkdtempSync('/tmp/bj2n-');
const cli = (args: string[]) => runCli(args, { stateDir });

test.after(async () => {
  await killServices(stateDir);
  rmSync(stateDir, { recursive: true, force: true });
});

test('--arg builds a parameters string that splits back into exactly the arguments', async () => {
  const id = (await cli(['create', 'notify cli'])).stdout.trim();
  const args = ['-e', 'console.log("hi there")', '', 'C:\\dir with space\\', 'a"b'];
  const set = await cli(['set-notify-cmdline', id, '--program', process.execPath, ...args.map((a) => `--arg=${a}`), '--json']);
  assert.is(set.code, 0, set.stderr);
  const got = JSON.parse((await cli(['get-notify-cmdline', id, '--json'])).stdout);
  assert.is(got.program, process.execPath);
  assert.equal(parseWindowsCommandLine(got.parameters), [process.execPath, ...args]);
});

test('warnings for %VAR% / $VAR / shell syntax; usage errors for --arg misuse', async () => {
  const id = (await cli(['create', 'notify warn'])).stdout.trim();
  const r = await cli(['set-notify-cmdline', id, '--program', '/bin/echo', '--parameters', '/bin/echo %TEMP% $HOME | wc']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*%TEMP%/);
  assert.match(r.stderr, /warning: .*shell/i);
  const both = await cli(['set-notify-cmdline', id, '--program', '/bin/echo', '--parameters', '/bin/echo x', '--arg', 'y']);
  assert.is(both.code, 2);
  const noProgram = await cli(['set-notify-cmdline', id, '--arg', 'y']);
  assert.is(noProgram.code, 2);
  const bad = await cli(['set-notify-cmdline', id, '--program', '/bin/echo', '--parameters', '/bin/cat x']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /E_INVALIDARG \(0x80070057\)/);
});

test.run();
