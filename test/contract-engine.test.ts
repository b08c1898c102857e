// The contract suite against the portable engine running in this process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortableEngine } from '../module/engine/engine.js';
import { contractSuite } from './contract/contract-suite.js';

contractSuite('portable engine (in-process)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-eng-'));
  const backend = await PortableEngine.open({ stateDir: dir });
  return {
    backend,
    jobsPerUser: 60,
    cleanup: async () => {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}).run();
