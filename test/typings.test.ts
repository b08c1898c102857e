// typings/ is generated from the compiled declarations (scripts/gen-typings.ts): regenerate and
// compare, so the published types can never drift from the code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collectTypings } from '../scripts/gen-typings.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const typingsDir = join(root, 'typings');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? listFiles(join(dir, n)) : [join(dir, n)]));
}

test('typings/ equals what scripts/gen-typings.ts generates from the compiled code', () => {
  const expected = collectTypings();
  const committed = new Set(listFiles(typingsDir).map((f) => relative(typingsDir, f)));
  for (const [rel, text] of expected) {
    assert.ok(committed.has(rel), `typings/${rel} is missing: run node dist/scripts/gen-typings.js`);
    assert.fixture(readFileSync(join(typingsDir, rel), 'utf8'), text, `typings/${rel} drifted: run node dist/scripts/gen-typings.js`);
  }
  for (const rel of committed) assert.ok(expected.has(rel), `typings/${rel} is stale: run node dist/scripts/gen-typings.js`);
});

test('package.json points types and exports at typings/', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.is(pkg.types, 'typings/index.d.ts');
  assert.is(pkg.exports['.'].types, './typings/index.d.ts');
  assert.is(Object.keys(pkg.exports['.'])[0], 'types', 'types condition first');
  assert.is(pkg.exports['./engine'].types, './typings/engine/index.d.ts');
  assert.is(pkg.exports['./server'].types, './typings/server/index.d.ts');
});

test('./engine publishes what an embedder uses (the engine, its options, clocks, the state dir), not the engine\'s internals', () => {
  const engineTypings = [...collectTypings().keys()].filter((rel) => rel.startsWith('engine/')).sort();
  assert.equal(engineTypings, ['engine/clock.d.ts', 'engine/engine.d.ts', 'engine/index.d.ts']);
  const index = readFileSync(join(typingsDir, 'engine', 'index.d.ts'), 'utf8');
  for (const name of ['PortableEngine', 'EngineOptions', 'EngineTransferOptions', 'ManualClock', 'realClock', 'Clock', 'TimerHandle', 'defaultStateDir']) {
    assert.ok(new RegExp(`\\b${name}\\b`).test(index), `bits-job2/engine exports ${name}`);
  }
});

test.run();
