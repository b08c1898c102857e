// The generic builder: an OperationSpec of module/api → a yargs command (synopsis, description,
// positionals, flags with types, choices, limits, defaults and help, examples) and back: parsed
// argv → the operation's arguments by their API names. Commands only add presentation flags.
import type { Argv, CommandModule, Options, PositionalOptions } from 'yargs';
import { AuthScheme, AuthTarget, JobPriority, JobState, JobType, NotifyFlags, ProxyUsage, ServerNotificationType, parseEnum } from '../api/enums.js';
import { alsoAppliedParams, operation, type OperationName, type OperationOf, type OperationSpec, type ParamSpec } from '../api/operations.js';
import { UsageError } from './errors.js';

export const ENUM_TABLES = { JobType, JobPriority, ProxyUsage, AuthTarget, AuthScheme, JobState, ServerNotificationType } as const;

/** yargs argv as the handlers see it. */
export type Args = Record<string, unknown> & { _: (string | number)[]; $0: string };

/** A command's own string flag (not an API parameter): its text, the last one if given twice. */
export function stringFlag(argv: Args, name: string): string | undefined {
  const v = argv[name];
  if (v === undefined || v === null) return undefined;
  return String(Array.isArray(v) ? v[v.length - 1] : v);
}

/** A command's own array flag or variadic positional (`[more..]`, `--arg`), as texts ([] when absent). */
export function stringsFlag(argv: Args, name: string): string[] {
  const v = argv[name];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function isPositional(p: ParamSpec): p is ParamSpec & { cli: { positional: string } } {
  return 'positional' in p.cli;
}

/** The positional name or the flag name (without dashes). */
export function cliKey(p: ParamSpec): string {
  return 'positional' in p.cli ? p.cli.positional : p.cli.flag;
}

/** How the parameter is written on the command line: `<job>`, `[path]` or `--priority`. */
export function cliSpelling(p: ParamSpec): string {
  if (isPositional(p)) return p.required ? `<${p.cli.positional}>` : `[${p.cli.positional}]`;
  return `--${cliKey(p)}`;
}

/** `add-file <job> <remote> <local>`, plus `extra` positionals of the command. */
export function commandString(op: OperationSpec, extra = ''): string {
  if (!op.cli) throw new Error(`operation ${op.name} has no CLI command`);
  const pos = op.params.filter(isPositional).map(cliSpelling);
  return [op.cli, ...pos, extra].filter(Boolean).join(' ');
}

const UINT32_MAX = 0xffffffff;

function parseUInt(text: string, p: ParamSpec): number {
  const s = text.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) {
    throw new UsageError(`${cliSpelling(p)} expects a whole number (decimal or 0x hex), got '${text}'.`);
  }
  const n = Number(s);
  const min = p.min ?? 0;
  if (!Number.isSafeInteger(n) || n < min || n > UINT32_MAX) {
    throw new UsageError(`${cliSpelling(p)} must be between ${min} and ${UINT32_MAX}, got '${text}'.`);
  }
  return n;
}

/**
 * A byte count: decimal digits only, any size (UINT64 and beyond stay numbers; past 2^53 they are no
 * longer exact, which callers treat as "no limit").
 */
function parseBytes(text: string, p: ParamSpec): number {
  const s = text.trim();
  if (!/^\d+$/.test(s)) throw new UsageError(`${cliSpelling(p)} must be a whole number of bytes, got '${text}'.`);
  return Number(s);
}

/** Notify flags: a number (decimal or 0x hex) or names joined by `|`, `,` or `+` (JOB_TRANSFERRED|JOB_ERROR). */
function parseFlags(text: string, p: ParamSpec): number {
  const s = text.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(s)) return parseUInt(s, p);
  let mask = 0;
  for (const raw of s.split(/[|,+]/)) {
    const name = raw.trim().toUpperCase().replace(/^BG_NOTIFY_/, '');
    const table = NotifyFlags as Record<string, number>;
    const v = table[name] ?? table[`JOB_${name}`];
    if (v === undefined) {
      throw new UsageError(`${cliSpelling(p)}: unknown flag '${raw.trim()}'; use a number or ${Object.keys(NotifyFlags).join(', ')}.`);
    }
    mask |= v;
  }
  return mask;
}

function enumNames(p: ParamSpec): string[] {
  return typeof p.type === 'object' ? Object.keys(ENUM_TABLES[p.type.enum]) : [];
}

/**
 * Enum values: a name (case-insensitive, BG_ prefixes allowed) or a number. Numbers outside the
 * enumeration pass through unchanged: refusing them is the backend's job (E_NOTIMPL,
 * BG_E_INVALID_AUTH_TARGET, ...), exactly as BITS does.
 */
function parseEnumArg(text: string, p: ParamSpec & { type: { enum: keyof typeof ENUM_TABLES } }): number {
  const s = text.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(s)) return parseUInt(s, p);
  const n = parseEnum(ENUM_TABLES[p.type.enum], s);
  if (n === undefined) {
    throw new UsageError(`${cliSpelling(p)}: '${text}' is not one of ${enumNames(p).join(', ')} (case-insensitive) or a number.`);
  }
  return n;
}

/** A flag given twice arrives as an array: the last one wins. */
function last(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** The coercion yargs applies to the raw text of the parameter (throws UsageError → exit 2). */
export function coerceFor(p: ParamSpec): ((v: unknown) => unknown) | undefined {
  const t = p.type;
  if (typeof t === 'object') return (v) => parseEnumArg(String(last(v)), p as ParamSpec & { type: { enum: keyof typeof ENUM_TABLES } });
  switch (t) {
    case 'int': return (v) => parseUInt(String(last(v)), p);
    case 'flags': return (v) => parseFlags(String(last(v)), p);
    case 'bytes': return (v) => parseBytes(String(last(v)), p);
    case 'bool': case 'secret': return undefined;
    default: return (v) => (v === undefined ? v : String(last(v)));
  }
}

function mentions(text: string, n: number): boolean {
  return text.includes(String(n)) || text.includes(n.toLocaleString('en-US'));
}

/** Help text with the limits, choices and NULL rule that the API records next to it. */
export function describeParam(p: ParamSpec): string {
  const parts = [p.help];
  if (p.type === 'int') parts.push('[integer]');
  if (typeof p.type === 'object') parts.push(`[choices: ${enumNames(p).join(', ')}; case-insensitive, or the number]`);
  if (p.type === 'flags') parts.push('[number, 0x hex, or names joined by |]');
  if (p.type === 'bytes') parts.push('[bytes]');
  if (p.maxLength !== undefined && !mentions(p.help, p.maxLength)) parts.push(`[max length: ${p.maxLength}]`);
  if (p.min !== undefined && p.min !== 0 && !mentions(p.help, p.min)) parts.push(`[min: ${p.min}]`);
  if (p.max !== undefined) parts.push(`[max: ${p.max} (0x${p.max.toString(16)})]`);
  if (p.nullable && !p.required && p.type !== 'secret') parts.push('[omit for NULL]');
  return parts.join(' ');
}

function defaultDescription(p: ParamSpec): string | undefined {
  if (p.default === undefined) return undefined;
  if (p.default === '') return '""';
  if (p.type === 'flags' && typeof p.default === 'number') return `0x${p.default.toString(16)}`;
  return String(p.default);
}

/** yargs options of one parameter. Defaults are documented (defaultDescription), never applied here;
 *  `initialValueOnly` (a setter, OperationSpec.defaultsAreInitialValues) shows one as a new job's value. */
function optionOf(p: ParamSpec, initialValueOnly = false): Options & PositionalOptions {
  const isBool = p.type === 'bool' || p.type === 'secret';
  const numeric = p.type === 'int' || p.type === 'flags' || typeof p.type === 'object';
  const dd = defaultDescription(p);
  const initial = initialValueOnly && dd !== undefined ? ` [a new job has ${dd}; left out: unchanged]` : '';
  const o: Options & PositionalOptions = { describe: describeParam(p) + initial };
  // Numbers and enums are parsed by our coercion (hex, names); the others stay text (ids like 12345678).
  if (isBool) o.type = 'boolean';
  else if (!numeric) o.type = 'string';
  if (!isBool && !isPositional(p)) o.requiresArg = true;
  const coerce = coerceFor(p);
  if (coerce) o.coerce = coerce;
  if (dd !== undefined && !initialValueOnly) o.defaultDescription = dd;
  return o;
}

export interface ApplyOptions {
  /** Parameter names (API names) to leave out. */
  skip?: string[];
}

/** Adds one parameter as a yargs positional or option. */
export function applyParam(y: Argv, p: ParamSpec, initialValueOnly = false): Argv {
  const o = optionOf(p, initialValueOnly);
  if ('positional' in p.cli) return y.positional(p.cli.positional, o);
  const flag = p.cli;
  return y.option(flag.flag, { ...o, ...(flag.alias ? { alias: flag.alias } : {}), ...(p.required ? { demandOption: `${cliSpelling(p)} is required` } : {}) });
}

/** Adds every parameter of `op` as a yargs positional or option. Defaults are shown, not applied (see `readParams`). */
export function applyParams(y: Argv, op: OperationSpec, options: ApplyOptions = {}): Argv {
  for (const p of op.params) {
    if (options.skip?.includes(p.name)) continue;
    y = applyParam(y, p, op.defaultsAreInitialValues === true);
  }
  return y;
}

/** The parameter `name` of operation `opName` (commands composed of several operations reuse them). */
export function paramOf<N extends OperationName, K extends OperationOf<N>['params'][number]['name']>(
  opName: N,
  name: K,
): Extract<OperationOf<N>['params'][number], { name: K }> {
  const p = operation(opName).params.find((x: ParamSpec) => x.name === name);
  if (!p) throw new Error(`module/api: ${opName} has no parameter ${name}`);
  return p as Extract<OperationOf<N>['params'][number], { name: K }>;
}

/** Adds the CLI examples of `op` (and of `more` operations) as yargs examples. */
export function applyExamples(y: Argv, op: OperationSpec): Argv {
  for (const ex of op.examples) if (ex.cli) y = y.example(ex.cli, ex.text);
  return y;
}

/** `<text>`, `<n>`, `<FOREGROUND|HIGH|NORMAL|LOW>`: the value placeholder of a flag in the synopsis. */
function placeholder(p: ParamSpec): string {
  if (typeof p.type === 'object') return ` <${enumNames(p).join('|')}>`;
  switch (p.type) {
    case 'bool': case 'secret': return '';
    case 'int': return ' <n>';
    case 'flags': return ' <mask>';
    case 'bytes': return ' <bytes>';
    case 'url': return ' <url>';
    case 'path': return ' <path>';
    default: return ' <text>';
  }
}

/** The full synopsis: `set <job> [--display-name <text>] [--priority <FOREGROUND|HIGH|NORMAL|LOW>] ...`. */
export function synopsisOf(op: OperationSpec, extra = ''): string {
  const flags = op.params
    .filter((p) => !isPositional(p))
    .map((p) => (p.required ? `${cliSpelling(p)}${placeholder(p)}` : `[${cliSpelling(p)}${placeholder(p)}]`));
  return [commandString(op, extra), ...flags].join(' ');
}

/** `bits-job2 add-file <job> <remote> <local>` + synopsis + description, for the command's --help. */
export function usageOf(op: OperationSpec, extra = ''): string {
  return `$0 ${synopsisOf(op, extra)}\n\n${op.synopsis}\n\n${op.description}`;
}

/** What the CLI's coercion (coerceFor) gives for each parameter type; enums become their numbers. */
interface ParamValueTypes {
  jobId: string;
  string: string;
  path: string;
  url: string;
  int: number;
  flags: number;
  bytes: number;
  bool: boolean;
  /** The password's flag (--password-stdin) is a switch: the secret itself is read from stdin. */
  secret: boolean;
}
/** The value of one parameter as readParams returns it. */
export type ParamValue<P extends ParamSpec> = P['type'] extends keyof ParamValueTypes ? ParamValueTypes[P['type']] : number;
type Present<P extends ParamSpec, Filled extends boolean> = P extends { required: true }
  ? true
  : Filled extends true ? (P extends { default: string | number | boolean } ? true : false) : false;
/** The arguments of `Op` by API name; a value the user may leave out is `| undefined`. */
export type ParamValues<Op extends OperationSpec, Filled extends boolean = false> = string extends Op['name']
  ? Record<string, unknown> // an operation not known at compile time
  : { [P in Op['params'][number] as P['name']]: Present<P, Filled> extends true ? ParamValue<P> : ParamValue<P> | undefined };

/**
 * One parameter's value from parsed argv, for commands composed of several operations: coerced by
 * yargs, or here when `coerce` (positionals a command reads itself), or its API default when `fillDefault`.
 */
export function readParam<P extends ParamSpec>(p: P, argv: Args, how: { coerce?: boolean; fillDefault?: boolean } = {}): ParamValue<P> | undefined {
  let v = argv[cliKey(p)];
  const c = coerceFor(p);
  if (v !== undefined && how.coerce && c) v = c(v);
  if (v === undefined && how.fillDefault && p.default !== undefined) v = c && p.default !== null ? c(String(p.default)) : p.default;
  return v as ParamValue<P> | undefined;
}

/**
 * The operation's arguments by API name, from parsed argv (coerced). Absent values are undefined,
 * or the API default when `fillDefaults` (a default is the BITS default of a *new* value; for
 * setters it documents the job's initial value and must not be applied). A required positional a
 * command makes optional (job-action.ts: `[job]`) may still be undefined: such commands check it.
 */
export function readParams<Op extends OperationSpec, F extends boolean = false>(op: Op, argv: Args, fillDefaults?: F): ParamValues<Op, F> {
  const out: Record<string, unknown> = {};
  for (const p of op.params) {
    let v = argv[cliKey(p)];
    if (v === undefined && fillDefaults && p.default !== undefined) {
      const c = coerceFor(p);
      v = c && p.default !== null ? c(String(p.default)) : p.default;
    }
    out[p.name] = v;
  }
  // The one cast of the CLI's parameters: yargs' argv is untyped, its coercion (coerceFor) gives these types.
  return out as ParamValues<Op, F>;
}

/** One entry of `alsoApplies` as readAlsoApplied returns it: the operation (its name discriminates), the
 *  parameters given, and its arguments — the given ones optional, the fixed ones always there. */
type AppliedOf<E> = E extends { op: infer N extends OperationName; params: readonly (infer K extends string)[] }
  ? {
      name: N;
      via: OperationOf<N>;
      given: K[];
      args: { [P in K & keyof ParamValues<OperationOf<N>>]?: ParamValues<OperationOf<N>>[P] } & (E extends { fixed: infer F }
        ? { [P in keyof F & keyof ParamValues<OperationOf<N>>]-?: NonNullable<ParamValues<OperationOf<N>>[P]> }
        : unknown);
    }
  : never;
/** What `op` also applies, typed by its description entry. */
export type AlsoApplied<Op> = Op extends { alsoApplies: readonly (infer E)[] } ? AppliedOf<E> : never;

/** The arguments of each operation `op` also applies (OperationSpec.alsoApplies) for which at least one
 *  parameter was given: its given values plus its fixed ones, coerced as its own command would. */
export function readAlsoApplied<Op extends OperationSpec>(op: Op, argv: Args): AlsoApplied<Op>[] {
  const out = new Map<OperationSpec, Record<string, unknown>>();
  const fixedOf = new Map<OperationSpec, Record<string, string>>();
  for (const { via, param, fixed } of alsoAppliedParams(op)) {
    fixedOf.set(via, fixed);
    const v = argv[cliKey(param)];
    if (v !== undefined) out.set(via, { ...(out.get(via) ?? {}), [param.name]: v });
  }
  return [...out].map(([via, given]) => {
    const args: Record<string, unknown> = { ...given };
    for (const [name, text] of Object.entries(fixedOf.get(via) ?? {})) {
      const p = via.params.find((x) => x.name === name)!;
      const c = coerceFor(p);
      args[name] = c ? c(text) : text;
    }
    return { name: via.name, via, given: Object.keys(given), args };
  }) as AlsoApplied<Op>[]; // as readParams: built from argv by the description, typed by it
}

export interface OpCommandSpec<A extends Args = Args, Op extends OperationSpec = OperationSpec> {
  /** Extra positionals after the API ones, e.g. `[more..]`. */
  extraPositionals?: string;
  /** The usage text when the derived one does not fit (job-action.ts: the job becomes optional). */
  usage?: string;
  /** API parameters (by name) the command handles itself. */
  skip?: string[];
  /** Presentation-only flags and extra checks. */
  builder?: (y: Argv) => Argv;
  handler: (argv: A, op: Op) => Promise<void>;
}

/** A yargs command derived from the operation named `opName` of module/api; the handler gets it with its literal types. */
export function opCommand<N extends OperationName, A extends Args = Args>(opName: N, spec: OpCommandSpec<A, OperationOf<N>>): CommandModule {
  const op = operation(opName);
  return {
    command: commandString(op, spec.extraPositionals),
    describe: op.synopsis,
    builder: (y: Argv) => {
      let b = y.usage(spec.usage ?? usageOf(op, spec.extraPositionals));
      b = applyParams(b, op, { skip: spec.skip });
      for (const { param } of alsoAppliedParams(op)) b = applyParam(b, param);
      b = applyExamples(b, op);
      return spec.builder ? spec.builder(b) : b;
    },
    handler: (argv) => spec.handler(argv as unknown as A, op),
  };
}
