// The CLI's registration is derived from module/api (commands/index.ts): one command per operation
// with a `cli` name, in the description's order, then the composed ones; an operation without a
// presenter of its own gets the generic one (module/cli/generic-command.ts). The generic presenter is
// run here in-process for real (yargs, the portable engine on a private state dir, a real job) and
// prints the document module/api/outputs.ts declares for the command.
import { mkdtempSync, rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yargs from 'yargs';
import { OPERATIONS, operation } from '../module/api/operations.js';
import { OUTPUTS } from '../module/api/outputs.js';
import { checkShape } from '../module/api/shape.js';
import { COMMAND_NAMES } from '../module/cli/commands/index.js';
import { genericCommand } from '../module/cli/generic-command.js';
import { BitsManager } from '../module/core/bits-manager.js';
import { openBackend } from '../module/core/select-backend.js';

test('one command per operation with a cli name, in the description\'s order, then the composed commands', () => {
  const apiCommands = OPERATIONS.flatMap((op) => (op.cli ? [op.cli] : []));
  assert.equal(COMMAND_NAMES.slice(0, apiCommands.length), apiCommands);
  assert.equal(COMMAND_NAMES.slice(apiCommands.length), ['transfer', 'wait', 'monitor', 'service', 'doctor']);
  for (const name of COMMAND_NAMES) assert.ok(name === 'service' || name in OUTPUTS, `${name} declares its output`);
});

test('the generic presenter: the port method by the description, its declared document (--json) and text lines', async () => {
  const stateDir = mkdtempSync('/tmp/bj2g-');
  const manager = new BitsManager(await openBackend('portable', { stateDir }));
  const job = await manager.createJob('generic', { type: 'UPLOAD_REPLY' });
  await manager.close();
  const written: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const run = async (args: string[]): Promise<string> => {
    written.length = 0;
    process.stdout.write = ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await yargs(args)
        .option('json', { type: 'boolean', default: false })
        .option('backend', { type: 'string', default: 'portable' })
        .option('state-dir', { type: 'string', default: stateDir })
        .command(genericCommand(operation('getReplyProgress')))
        .strict()
        .parseAsync();
    } finally {
      process.stdout.write = write;
    }
    assert.is(process.exitCode ?? 0, 0, written.join(''));
    return written.join('');
  };
  try {
    const doc = JSON.parse(await run(['get-reply-progress', job.id, '--json']));
    assert.equal(doc, { jobId: job.id, bytesTotal: null, bytesTransferred: 0 });
    assert.equal(checkShape(OUTPUTS['get-reply-progress'].shape, doc), []);
    assert.is(await run(['get-reply-progress', job.id.slice(0, 8)]), `jobId: ${job.id}\nbytesTotal: null\nbytesTransferred: 0\n`);
  } finally {
    process.exitCode = 0;
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test.run();
