// The contract suite against the per-user background service: the engine in its own detached
// process, reached over the Unix socket by ServiceClient — exactly what the CLI and Node use.
import { mkdtempSync, rmSync } from 'node:fs';
import { ServiceClient } from '../module/service/client.js';
import { contractSuite } from './contract/contract-suite.js';
import { killServices } from './helpers/service.js';

contractSuite('background service (socket)', async () => {
  const stateDir = mkdtempSync('/tmp/bj2c-');
  const backend = await ServiceClient.connect({ stateDir });
  return {
    backend,
    jobsPerUser: 60,
    cleanup: async () => {
      await backend.close();
      await killServices(stateDir);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}).run();
