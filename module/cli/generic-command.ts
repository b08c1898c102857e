// The presenter of an operation of module/api that has no presenter of its own (commands/index.ts):
// its flags and help come from the description (opCommand), its job id is resolved as everywhere,
// the port method is called with the parameters by name, and the result is printed as the document
// module/api/outputs.ts declares for the command (`{ jobId, ...result }` for an object result,
// `{ jobId, result }` otherwise) or as `name: value` lines. A new read-only operation needs its
// description entry, its output declaration and its engine method — no CLI file.
import type { CommandModule } from 'yargs';
import type { Backend } from '../api/port.js';
import type { OperationName, OperationSpec } from '../api/operations.js';
import { outputOf } from '../api/outputs.js';
import { println, run } from './context.js';
import { opCommand, readParams } from './from-api.js';
import { machineText } from './machine-output.js';

type AnyPortMethod = (...args: unknown[]) => Promise<unknown>;

export function genericCommand(op: OperationSpec): CommandModule {
  const port = op.port;
  const output = op.cli ? outputOf(op.cli) : undefined;
  if (!port || !output) throw new Error(`module/api: ${op.name} needs a port shape and an output in outputs.ts for its generic CLI command`);
  return opCommand(op.name as OperationName, {
    handler: (argv) =>
      run(argv, async (ctx) => {
        const given: Record<string, unknown> = readParams(op, argv);
        const jobArg = port.args.find(([, type]) => type === 'jobId');
        const jobId = jobArg ? await ctx.resolveJob(String(given[jobArg[0]])) : undefined;
        const args = port.args.map(([name, type]) => (type === 'jobId' ? jobId : given[name]));
        const backend: Backend = (await ctx.manager()).backend;
        // The port method by name: the description says which and with what (module/api/port.ts).
        const method = Reflect.get(backend, port.method) as AnyPortMethod;
        const result = await method.apply(backend, args);
        const value = result !== null && typeof result === 'object' && !Array.isArray(result) ? { ...(jobId ? { jobId } : {}), ...result } : { ...(jobId ? { jobId } : {}), result };
        if (ctx.json) process.stdout.write(machineText(value, output.typeName) + '\n');
        else for (const [k, v] of Object.entries(value)) println(`${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
      }),
  });
}
