// Runs the contract suite against one mutant (argv[2]); used by test/contract-mutant.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortableEngine } from '../../module/engine/engine.js';
import { contractSuite } from './contract-suite.js';
import { mutate, type MutationName } from './mutant-backend.js';

const mutation = process.argv[2] as MutationName;
contractSuite(`mutant ${mutation}`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-mut-'));
  const engine = await PortableEngine.open({ stateDir: dir });
  return {
    backend: mutate(engine, mutation),
    jobsPerUser: 60,
    cleanup: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}).run();
