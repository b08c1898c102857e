// The contract suite against the per-user background service: the engine in its own detached
// process, reached over the Unix socket by ServiceClient — exactly what the CLI and Node use.
import { BACKENDS } from './contract/backends.js';
import { contractSuite } from './contract/contract-suite.js';

contractSuite(BACKENDS[1]!.name, BACKENDS[1]!.make).run();
