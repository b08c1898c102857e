// Upload and upload-reply contract rows against every backend.
import { BACKENDS } from './contract/backends.js';
import { uploadContractSuite } from './contract/upload-contract.js';

for (const b of BACKENDS) uploadContractSuite(b.name, b.make).run();
