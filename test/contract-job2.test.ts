// IBackgroundCopyJob2 contract rows (notify command line, credentials, proxy settings) against every backend.
import { BACKENDS } from './contract/backends.js';
import { job2ContractSuite } from './contract/job2-contract.js';

for (const b of BACKENDS) job2ContractSuite(b.name, b.make).run();
