// The layers of module/ form a DAG (issue 14): api ← common ← io ← {engine, server, service,
// native} ← core ← {cli, index}. Parses the imports of every module/**/*.ts (scripts/import-graph.ts)
// and fails on an arrow from a lower layer to a higher one or sideways, on the engine loaded by
// anything but the service and the composition root, and on a circle of files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileCycles, importEdges, layerArrows, layerOf, layerViolations, LAYERS, type ImportEdge } from '../scripts/import-graph.js';

/**
 * Arrows that exist until the Backend port leaves core for module/api (issue 14 items 1–2, done on
 * another branch): the adapters implement the port and so import its type from core/backend.ts.
 * (service/server.ts also reads BACKEND_METHODS from it.) Each entry goes when that merge lands.
 */
const PENDING_PORT_MOVE = ['engine/engine.ts', 'native/native-backend.ts', 'service/client.ts', 'service/main.ts', 'service/server.ts'];
const pending = (e: ImportEdge) => e.to === 'core/backend.ts' && PENDING_PORT_MOVE.includes(e.from);

test('every folder of module/ with TypeScript is a layer', () => {
  const layers = new Set(importEdges().flatMap((e) => [layerOf(e.from), layerOf(e.to)]));
  for (const l of layers) assert.ok(l in LAYERS, `module/${l} has no rank in LAYERS (scripts/import-graph.ts)`);
});

test('no import goes up or sideways, and only the service and the backend selection load the engine', () => {
  const edges = importEdges();
  const violations = layerViolations(edges.filter((e) => !pending(e)));
  assert.equal(violations, [], violations.join('\n'));
});

test('the composition root loads the engine lazily (the native and service paths never load engine code)', () => {
  const fromCore = importEdges().filter((e) => layerOf(e.from) === 'core' && layerOf(e.to) === 'engine');
  assert.ok(fromCore.length > 0, 'core/select-backend.ts opens the portable engine');
  for (const e of fromCore) assert.ok(e.dynamic || e.typeOnly, `${e.from} imports ${e.to} statically`);
});

test('no circle of files through run-time imports', () => {
  const cycles = fileCycles();
  assert.equal(cycles, [], cycles.join('\n'));
});

test('the checker sees a wrong arrow: engine → cli, cli → engine, api → core and a circle are reported', () => {
  const made: ImportEdge[] = [
    { from: 'engine/store.ts', to: 'cli/format.ts', typeOnly: false, dynamic: false },
    { from: 'cli/main.ts', to: 'engine/engine.ts', typeOnly: false, dynamic: true },
    { from: 'api/types.ts', to: 'core/backend.ts', typeOnly: true, dynamic: false },
  ];
  const v = layerViolations(made);
  assert.is(v.length, 3, v.join('\n'));
  assert.match(v[0]!, /engine \(rank 3\) may not import cli/);
  assert.match(v[1]!, /only the service and core\/select-backend.ts load the engine/);
  assert.match(v[2]!, /api \(rank 0\) may not import core/);
  const circle = fileCycles([
    { from: 'io/a.ts', to: 'io/b.ts', typeOnly: false, dynamic: false },
    { from: 'io/b.ts', to: 'io/a.ts', typeOnly: false, dynamic: false },
  ]);
  assert.equal(circle, ['io/a.ts -> io/b.ts -> io/a.ts']);
  assert.ok(layerArrows(made).has('engine -> cli'));
});

test.run();
