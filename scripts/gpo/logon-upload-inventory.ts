#!/usr/bin/env node
// Logon script (Node): queues an upload-reply job that sends this machine's inventory to a BITS
// server, prints the job id and exits at once. The job's notify command line runs
// complete-inventory-upload.js, which completes the job and files the server's reply later.
//
//   node dist/scripts/gpo/logon-upload-inventory.js [--server-url URL] [--reply-folder DIR] [--inventory-folder DIR]
//
// Why asynchronous: Group Policy limits how long scripts may run. The policy "Specify maximum wait
// time for Group Policy scripts" (Computer Configuration > Administrative Templates > System >
// Scripts; registry value MaxGPOScriptWait) limits the total time of all logon, logoff, startup and
// shutdown scripts applied by Group Policy; when it is not configured the limit is 600 seconds (10
// minutes), and when it expires the system stops script processing and records an error event. With
// "Run logon scripts synchronously" the desktop waits for the logon scripts. So a logon script must
// not wait for a slow upload: this one creates the job and returns; the BITS job outlives it,
// survives logoff and reboot, retries on its own and runs the notify command line when the reply
// has arrived. (Sources: the policy's explain text,
// https://admx.help/?Category=Windows_7_2008R2&Policy=Microsoft.Policies.Scripts::MaxGPOScriptWaitPolicy,
// and https://learn.microsoft.com/en-us/previous-versions/cc977463(v=technet.10) for MaxGPOScriptWait.)
//
// Deploy with Group Policy: put the package (or this repository, built) where users can read it,
// and a one-line logon script next to it, e.g. inventory.cmd:
//     "%ProgramFiles%\nodejs\node.exe" "\\corp.example\NETLOGON\bits-job2\dist\scripts\gpo\logon-upload-inventory.js" --server-url https://inventory.corp.example/bits/
// then add inventory.cmd under User Configuration > Policies > Windows Settings > Scripts
// (Logon/Logoff) > Logon, tab "Scripts". node must be installed on the clients; the notify command
// line uses this node's absolute path (BITS searches no PATH).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BitsManager } from '../../module/index.js';
import { defaultDataFolder } from './inventory-folders.js';

const { values } = parseArgs({
  options: {
    'server-url': { type: 'string', default: 'https://inventory.example.com/bits/' },
    'reply-folder': { type: 'string', default: join(defaultDataFolder(), 'Inventory', 'Replies') },
    'inventory-folder': { type: 'string', default: join(defaultDataFolder(), 'Inventory') },
  },
});
const serverUrl = values['server-url']!;
const replyFolder = values['reply-folder']!;
const inventoryFolder = values['inventory-folder']!;

// The inventory: small, portable facts about this machine and user.
const now = new Date();
const user = os.userInfo().username;
const inventory = {
  schema: 'bits-job2-inventory/1',
  computerName: os.hostname(),
  userName: user,
  os: `${os.type()} ${os.release()} (${os.platform()} ${os.arch()})`,
  processorCount: os.cpus().length,
  node: process.version,
  collectedAt: now.toISOString(),
};
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const name = `${safe(inventory.computerName)}-${safe(user)}-${stamp}.json`;
mkdirSync(inventoryFolder, { recursive: true });
const inventoryPath = join(inventoryFolder, name);
writeFileSync(inventoryPath, JSON.stringify(inventory, null, 2) + '\n');

// The job: upload-reply, notify command line, resume, and exit.
const manager = await BitsManager.open();
const job = await manager.createJob(`Inventory upload ${inventory.computerName}`, { type: 'UPLOAD_REPLY' });
try {
  await job.addFile(`${serverUrl.replace(/\/+$/, '')}/${name}`, inventoryPath);
  const completeScript = join(dirname(fileURLToPath(import.meta.url)), 'complete-inventory-upload.js');
  await job.setNotifyCommand({ program: process.execPath, args: [completeScript, job.id, '--reply-folder', replyFolder] });
  await job.resume();
} catch (e) {
  await job.cancel().catch(() => undefined); // no half-made job: the next logon starts over
  throw e;
} finally {
  await manager.close();
}
console.log(job.id);
