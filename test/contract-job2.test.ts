// IBackgroundCopyJob2 contract rows against the in-process engine and against the service.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortableEngine } from '../module/engine/engine.js';
import { ServiceClient } from '../module/service/client.js';
import { job2ContractSuite } from './contract/job2-contract.js';
import { killServices } from './helpers/service.js';

job2ContractSuite('portable engine (in-process)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-j2e-'));
  const backend = await PortableEngine.open({ stateDir: dir });
  return { backend, jobsPerUser: 60, cleanup: async () => { await backend.close(); rmSync(dir, { recursive: true, force: true }); } };
}).run();

job2ContractSuite('background service (socket)', async () => {
  const stateDir = mkdtempSync('/tmp/bj2j-');
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
