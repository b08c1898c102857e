// The bridge's dispatch table is generated from module/api (scripts/gen-bridge.ts): regenerate in
// memory and compare with the committed Bridge.Operations.g.cs, and check what the table is made of.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BRIDGE_OPERATIONS_FILE, HEADER, bridgeOperationsSource } from '../scripts/gen-bridge.js';
import { BACKEND_METHODS, PORT } from '../module/api/port.js';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = [resolve(here, '..'), resolve(here, '../..')].find((d) => existsSync(join(d, 'module/native/bridge')))!;

test('the committed Bridge.Operations.g.cs equals what scripts/gen-bridge.ts generates (no drift)', () => {
  const file = join(REPO, BRIDGE_OPERATIONS_FILE);
  assert.ok(existsSync(file), `${BRIDGE_OPERATIONS_FILE} is missing: run node dist/scripts/gen-bridge.js`);
  assert.fixture(readFileSync(file, 'utf8'), bridgeOperationsSource(), `${BRIDGE_OPERATIONS_FILE} drifted: run node dist/scripts/gen-bridge.js`);
});

test('the generated table starts with the generator header and has one entry per BACKEND_METHODS name, in order', () => {
  const text = bridgeOperationsSource();
  assert.ok(text.startsWith(`${HEADER}\n`));
  const names = [...text.matchAll(/^\s+\["(\w+)"\] = a => /gm)].map((m) => m[1]);
  assert.equal(names, [...BACKEND_METHODS]);
});

test('job methods take the job object first and convert the other arguments by their type', () => {
  const text = bridgeOperationsSource();
  assert.match(text, /\["resume"\] = a => JobOps\.Resume\(GetJob\(a\)\),/);
  assert.match(text, /\["getJob"\] = a => JobOps\.Snapshot\(QueuedJob\(a\)\),/);
  assert.match(text, /\["setReplyFileName"\] = a => JobOps\.SetReplyFileName\(GetJob\(a\), Conversions\.ToNullableString\(Arg\(a, 1, "replyFileName"\), "replyFileName"\)\),/);
  assert.match(text, /\["createJob"\] = a => CreateJob\(Conversions\.ToStringArg\(Arg\(a, 0, "displayName"\), "displayName"\), Conversions\.ToInt32\(Arg\(a, 1, "type"\), "type"\)\),/);
  for (const p of PORT) if (p.native?.on !== 'manager') assert.is(p.args[0]?.[1], 'jobId', `${p.method}: jobId first`);
});

test.run();
