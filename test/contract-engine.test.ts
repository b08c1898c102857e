// The contract suite against the portable engine running in this process.
import { BACKENDS } from './contract/backends.js';
import { contractSuite } from './contract/contract-suite.js';

contractSuite(BACKENDS[0]!.name, BACKENDS[0]!.make).run();
