// Upload and upload-reply contract rows against the in-process engine and against the service.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortableEngine } from '../module/engine/engine.js';
import { ServiceClient } from '../module/service/client.js';
import { uploadContractSuite } from './contract/upload-contract.js';
import { killServices } from './helpers/service.js';

uploadContractSuite('portable engine (in-process)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-upe-'));
  const backend = await PortableEngine.open({ stateDir: dir });
  return { backend, jobsPerUser: 60, cleanup: async () => { await backend.close(); rmSync(dir, { recursive: true, force: true }); } };
}).run();

uploadContractSuite('background service (socket)', async () => {
  const stateDir = mkdtempSync('/tmp/bj2u-');
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
