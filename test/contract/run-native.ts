// Runs every contract suite (download rows, upload/upload-reply rows, IBackgroundCopyJob2 rows)
// against the native backend — real BITS through edge-js and the C# bridge: Windows BITS in
// .github/workflows/windows.yml, Wine's BITS in the Wine lane (test/wine-contract.test.ts, which
// sets BITS_JOB2_WINE=1 so the rows read wineFacts). Not a *.test file, so the Linux run-all does
// not pick it up (test/native-contract-entry.test.ts covers it there).
// It exits with uvu's status right after the summary: edge-js keeps the CLR (and with it Node's
// event loop) alive, so the process would otherwise never end.
import './uvu-defer.js';
import { exec } from 'uvu';
import { NATIVE_BACKEND, NATIVE_REQUESTED } from './backends.js';
import { contractSuite } from './contract-suite.js';
import { job2ContractSuite } from './job2-contract.js';
import { uploadContractSuite } from './upload-contract.js';

if (!NATIVE_REQUESTED) {
  console.error('run-native: set BITS_JOB2_BACKEND=native (Windows with the bridge built and edge-js installed, or the Wine lane).');
  process.exit(2);
}
contractSuite(NATIVE_BACKEND.name, NATIVE_BACKEND.make).run();
uploadContractSuite(NATIVE_BACKEND.name, NATIVE_BACKEND.make).run();
job2ContractSuite(NATIVE_BACKEND.name, NATIVE_BACKEND.make).run();
await exec();
process.exit(process.exitCode ?? 0);
