// Runs the contract suite against one mutant (argv[2]) of the in-process engine; used by
// test/contract-mutant.test.ts.
import { BACKENDS } from './backends.js';
import { contractSuite } from './contract-suite.js';
import { mutate, type MutationName } from './mutant-backend.js';

const mutation = process.argv[2] as MutationName;
contractSuite(`mutant ${mutation}`, async () => {
  const ctx = await BACKENDS[0]!.make();
  return { ...ctx, backend: mutate(ctx.backend, mutation) };
}).run();
