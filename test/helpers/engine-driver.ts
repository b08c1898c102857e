// A PortableEngine in its own process, driven over stdin/stdout (one JSON object a line), so a test
// can run the engine inside a network namespace (`ip netns exec … node engine-driver.js`) while the
// test itself stays outside — with a ManualClock the test moves ({method: "advance", params: [ms]}).
// Requests: {id, method, params} → {id, result} | {id, error: {name, message}}. Any engine method,
// plus advance(ms). Argument: a JSON object {stateDir, policyPaths, clockStart}.
import { createInterface } from 'node:readline';
import { BitsError } from '../../module/api/bits-error.js';
import { ManualClock } from '../../module/engine/clock.js';
import { PortableEngine } from '../../module/engine/engine.js';

const config = JSON.parse(process.argv[2] ?? '{}') as { stateDir: string; policyPaths: { system: string; user: string }; clockStart: number };
const clock = new ManualClock(config.clockStart);
const engine = await PortableEngine.open({ stateDir: config.stateDir, clock, policyPaths: config.policyPaths });
const send = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, method, params = [] } = JSON.parse(line) as { id: number; method: string; params?: unknown[] };
  void (async () => {
    if (method === 'advance') return clock.advance(params[0] as number);
    if (method === 'close') {
      await engine.close();
      setImmediate(() => process.exit(0));
      return null;
    }
    const fn = (engine as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
    if (typeof fn !== 'function') throw new Error(`no engine method ${method}`);
    return await fn.apply(engine, params);
  })().then(
    (result) => send({ id, result: result ?? null }),
    (e: unknown) => send({ id, error: { name: e instanceof BitsError ? e.code : 'Error', message: (e as Error).message } }),
  );
});
process.stdin.on('end', () => void engine.close().then(() => process.exit(0)));
