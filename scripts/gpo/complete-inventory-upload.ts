#!/usr/bin/env node
// Notify program of the inventory job of logon-upload-inventory.js: BITS starts it when the job is
// TRANSFERRED (or in ERROR). It completes the job, which publishes the reply file, and moves the
// reply into --reply-folder as <upload name>.reply. A job in ERROR is recorded as
// <upload name>.error.json and cancelled, so the next logon starts over. It runs unattended: it
// writes files, never prompts; a non-zero exit makes the service run it again after the retry delay.
//
//   node dist/scripts/gpo/complete-inventory-upload.js <job id> [--reply-folder DIR]
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { BitsManager } from '../../module/index.js';
import { defaultDataFolder } from './inventory-folders.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'reply-folder': { type: 'string', default: join(defaultDataFolder(), 'Inventory', 'Replies') } },
});
const jobId = positionals[0];
if (!jobId) {
  console.error('usage: complete-inventory-upload.js <job id> [--reply-folder DIR]');
  process.exit(2);
}
const replyFolder = values['reply-folder']!;
mkdirSync(replyFolder, { recursive: true });

const manager = await BitsManager.open();
try {
  const job = await manager.getJob(jobId);
  const info = await job.getInfo();
  const uploadName = basename((await job.listFiles())[0]!.localName);
  if (info.state === 'ERROR') {
    writeFileSync(join(replyFolder, `${uploadName}.error.json`), JSON.stringify(info.error, null, 2) + '\n');
    await job.cancel();
  } else if (info.state === 'TRANSFERRED') {
    await job.complete();
    const replyFile = await job.getReplyFileName();
    if (!replyFile) throw new Error(`job ${jobId} has no reply file`);
    const target = join(replyFolder, `${uploadName}.reply`);
    if (existsSync(target)) rmSync(target);
    try {
      renameSync(replyFile, target);
    } catch {
      copyFileSync(replyFile, target); // another volume
      rmSync(replyFile);
    }
  } // else: already completed or cancelled by an earlier run
} finally {
  await manager.close();
}
