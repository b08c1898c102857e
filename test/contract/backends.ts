// The backends every contract suite runs against: each call makes a fresh one with its own state
// directory, and its cleanup stops what it started (the service by PID).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortableEngine } from '../../module/engine/engine.js';
import { ServiceClient } from '../../module/service/client.js';
import { killServices } from '../helpers/service.js';
import type { ContractContext } from './contract-suite.js';

export const BACKENDS: { name: string; make: () => Promise<ContractContext> }[] = [
  {
    name: 'portable engine (in-process)',
    make: async () => {
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
    },
  },
  {
    name: 'background service (socket)',
    make: async () => {
      const stateDir = mkdtempSync('/tmp/bj2c-'); // short: the socket path must fit in sun_path
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
    },
  },
];
