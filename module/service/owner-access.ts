#!/usr/bin/env node
// `node owner-access.js '<json [{path, need}]>'`: run as a job's former owner (as-user.ts) before an
// administrator adopts the job (all-users.ts). Prints a JSON list of what that user could NOT do:
// read an upload's source file, or write in a download's directory. root could do all of it, so
// adopting a job whose files its owner could not reach would let a user make root read or write
// files on their behalf (a store the user edited by hand, pointing an upload at /etc/shadow).
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';

const wanted = JSON.parse(process.argv[2] ?? '[]') as { path: string; need: 'read' | 'write-dir' }[];
const refused: string[] = [];
for (const { path, need } of wanted) {
  try {
    if (need === 'read') accessSync(path, constants.R_OK);
    else accessSync(dirname(path), constants.W_OK | constants.X_OK);
  } catch {
    refused.push(need === 'read' ? `cannot read ${path}` : `cannot write in ${dirname(path)}`);
  }
}
process.stdout.write(JSON.stringify(refused) + '\n');
