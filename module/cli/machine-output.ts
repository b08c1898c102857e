// The text of a machine-readable document: JSON (--json), or CLIXML (--clixml) for the PowerShell
// module. clixml.ts (and xml2js) is loaded only when --clixml asks for it, before the first document
// is written, so that the other modes keep their start-up time.
type ToClixml = (value: unknown, typeName?: string) => string;
let loaded: ToClixml | undefined;
let active = false;

/**
 * Sets the format of every later machine document (results and errors): CLIXML or JSON. Set per
 * command run, not once per process, because tests run many commands in one process.
 */
export async function useClixml(on: boolean): Promise<void> {
  if (on) loaded ??= (await import('./clixml.js')).toClixml;
  active = on;
}

export function clixmlEnabled(): boolean {
  return active;
}

/** `--clixml` (or `--clixml=true`) anywhere in argv, for the paths that run before yargs. */
export function argvWantsClixml(args: readonly string[]): boolean {
  return args.some((a) => a === '--clixml' || a === '--clixml=true');
}

/**
 * One document: pretty JSON (compact for one-line documents such as errors), or one line of CLIXML
 * whose top object (each item of a top array) carries `typeName` (module/api/outputs.ts declares them).
 */
export function machineText(value: unknown, typeName: string, compact = false): string {
  if (active && loaded) return loaded(value, typeName);
  return compact ? JSON.stringify(value) : JSON.stringify(value, null, 2);
}
