// Runs every contract suite (download rows, upload/upload-reply rows, IBackgroundCopyJob2 rows)
// against the native backend — real Windows BITS through edge-js and the C# bridge. Used by
// .github/workflows/windows.yml with BITS_JOB2_BACKEND=native; not a *.test file, so the Linux
// run-all does not pick it up (off Windows the native backend cannot open: see
// test/native-contract-entry.test.ts). Exits non-zero when any row fails (uvu sets the exit code).
import { NATIVE_BACKEND, NATIVE_REQUESTED } from './backends.js';
import { contractSuite } from './contract-suite.js';
import { job2ContractSuite } from './job2-contract.js';
import { uploadContractSuite } from './upload-contract.js';

if (!NATIVE_REQUESTED) {
  console.error('run-native: set BITS_JOB2_BACKEND=native (Windows with the bridge built and edge-js installed).');
  process.exit(2);
}
contractSuite(NATIVE_BACKEND.name, NATIVE_BACKEND.make).run();
uploadContractSuite(NATIVE_BACKEND.name, NATIVE_BACKEND.make).run();
job2ContractSuite(NATIVE_BACKEND.name, NATIVE_BACKEND.make).run();
