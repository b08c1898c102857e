// Loads the C# bridge through edge-js and returns the `invoke` function NativeBackend runs over.
// Everything that can be missing is reported as a BitsError that says what to do:
//   not Windows            → REGDB_E_CLASSNOTREG (BITS exists only on Windows)
//   bridge DLL not built   → E_FAIL (`cd module/native/bridge && dotnet build -c Release`, or BITS_JOB2_BRIDGE_DLL)
//   edge-js not installed  → E_FAIL (`npm install edge-js`, approving its install script; in the
//                            PowerShell package, which carries the DLL, with --prefix <package>)
//   edge-js cannot load it → E_FAIL with edge-js's message
// $BITS_JOB2_EDGE_JS names an edge-js package directory to use instead of `import('edge-js')` (the
// round-trip test points it at .ci/edge/node_modules/edge-js, installed by scripts/install-edge-js.sh).
// edge-js is imported dynamically, so nothing breaks where it is absent (it is not a dependency of
// the package: its native build must not be able to fail `npm ci`).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BitsError, bitsError } from '../api/bits-error.js';
import type { BridgeInvoke, BridgeReply, BridgeRequest } from './native-backend.js';

export const BRIDGE_TYPE_NAME = 'Bits.Job2.Bridge.Bridge';
export const BRIDGE_METHOD_NAME = 'Invoke';
/** The DLL's place relative to the package root (netstandard2.0: loads on .NET Framework, CoreCLR and Mono). */
export const BRIDGE_DLL_RELATIVE = 'module/native/bridge/bin/Release/netstandard2.0/Bits.Job2.Bridge.dll';
/** The DLL the npm and PowerShell packages ship (built by scripts/build-bridge.mjs at pack time; packages hold no bin/obj). */
export const PACKAGED_BRIDGE_DLL_RELATIVE = 'dist/bridge/Bits.Job2.Bridge.dll';
export const BRIDGE_DLL_ENV = 'BITS_JOB2_BRIDGE_DLL';
/** An edge-js package directory to load instead of resolving `edge-js` from this package. */
export const EDGE_JS_ENV = 'BITS_JOB2_EDGE_JS';
const BUILD_HINT = 'cd module/native/bridge && dotnet build -c Release';

const REGDB_E_CLASSNOTREG = 0x80040154;
const E_FAIL = 0x80004005;

type EdgeCallback = (error: unknown, result: unknown) => void;
type EdgeFunc = (input: unknown, callback: EdgeCallback) => void;
export interface EdgeModule {
  func(options: { assemblyFile: string; typeName: string; methodName: string }): EdgeFunc;
}

export interface LoadBridgeOptions {
  /** Explicit DLL path (else $BITS_JOB2_BRIDGE_DLL, else the package's built DLL). */
  dll?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Off Windows the bridge loads (Mono/CoreCLR) but BITS is absent; only tests of the round trip set this. */
  allowNonWindows?: boolean;
  /** Supplies the edge-js module (tests); default: $BITS_JOB2_EDGE_JS's package, else `import('edge-js')`. */
  importEdge?: () => Promise<unknown>;
  /** The .NET type edge-js binds (default Bits.Job2.Bridge.Bridge; the round-trip test binds Bits.Job2.Bridge.Fakes.FakeBridge). */
  typeName?: string;
  /** Its `Task<object> M(object)` method (default Invoke). */
  methodName?: string;
}

/** The package root: this file is module/native/ (ts) or dist/module/native/ (compiled). */
export function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../..'), resolve(here, '../../..')];
  return candidates.find((d) => existsSync(join(d, 'module/native/bridge')) || existsSync(join(d, PACKAGED_BRIDGE_DLL_RELATIVE))) ?? candidates[0]!;
}

/** The PowerShell package carries the built DLL but not the C# sources (the npm package has both). */
function inPowerShellPackage(): boolean {
  const root = packageRoot();
  return !existsSync(join(root, 'module/native/bridge')) && existsSync(join(root, PACKAGED_BRIDGE_DLL_RELATIVE));
}

/** Where the bridge DLL is looked for: the env override, else next to the package. */
export function bridgeDllPath(env: NodeJS.ProcessEnv = process.env): { path: string; fromEnv: boolean } {
  const override = env[BRIDGE_DLL_ENV];
  if (override && override.trim() !== '') return { path: resolve(override), fromEnv: true };
  const root = packageRoot();
  const built = join(root, BRIDGE_DLL_RELATIVE);
  const packaged = join(root, PACKAGED_BRIDGE_DLL_RELATIVE);
  // A checkout's own build wins over a packaged copy that may be older.
  return { path: existsSync(built) || !existsSync(packaged) ? built : packaged, fromEnv: false };
}

async function defaultImportEdge(env: NodeJS.ProcessEnv): Promise<unknown> {
  const dir = env[EDGE_JS_ENV];
  if (dir && dir.trim() !== '') {
    const path = resolve(dir);
    if (!existsSync(join(path, 'package.json'))) {
      throw bitsError(E_FAIL, `${EDGE_JS_ENV} does not name an edge-js package directory: ${path} has no package.json (install it with scripts/install-edge-js.sh).`);
    }
    return createRequire(import.meta.url)(path); // edge-js is CommonJS
  }
  const name = 'edge-js'; // a variable: no compile-time dependency on its (absent) types
  return import(name);
}

function isModuleNotFound(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Finds the DLL, loads edge-js, binds Bridge.Invoke; throws a BitsError saying what is missing. */
export async function loadBridge(options: LoadBridgeOptions = {}): Promise<BridgeInvoke> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'win32' && !options.allowNonWindows) {
    throw bitsError(REGDB_E_CLASSNOTREG,
      `The native backend needs Windows BITS; this is ${platform}. Use BITS_JOB2_BACKEND=service (default) or portable.`);
  }

  const { path: dll, fromEnv } = options.dll ? { path: resolve(options.dll), fromEnv: false } : bridgeDllPath(options.env ?? process.env);
  if (!existsSync(dll)) {
    throw bitsError(E_FAIL, fromEnv
      ? `The native bridge DLL named by ${BRIDGE_DLL_ENV} does not exist: ${dll}.`
      : `The native bridge DLL is not built: ${dll} is missing. Build it with \`${BUILD_HINT}\` (needs the .NET SDK), or point ${BRIDGE_DLL_ENV} at a built Bits.Job2.Bridge.dll.`);
  }

  let mod: unknown;
  try {
    mod = await (options.importEdge ?? (() => defaultImportEdge(options.env ?? process.env)))();
  } catch (e) {
    if (e instanceof BitsError) throw e;
    if (isModuleNotFound(e)) {
      // In the PowerShell package, import('edge-js') resolves <package>/node_modules: install it there.
      const where = inPowerShellPackage() ? `into the PowerShell package with \`npm install edge-js --prefix "${packageRoot()}"\`` : 'next to bits-job2 with `npm install edge-js`';
      throw bitsError(E_FAIL,
        `edge-js is not installed: the native backend reaches the bridge through it. Install it ${where} (npm 11: approve its install script, \`npm approve-scripts edge-js\`), or set ${EDGE_JS_ENV} to an edge-js package directory.`);
    }
    throw bitsError(E_FAIL, `edge-js failed to load: ${e instanceof Error ? e.message : String(e)}`);
  }
  const m = mod as { default?: unknown; func?: unknown };
  const edge = (typeof m?.func === 'function' ? m : (m?.default as { func?: unknown } | undefined)) as EdgeModule | undefined;
  if (!edge || typeof edge.func !== 'function') throw bitsError(E_FAIL, 'edge-js loaded but has no func(): not a supported edge-js version.');

  const typeName = options.typeName ?? BRIDGE_TYPE_NAME;
  const methodName = options.methodName ?? BRIDGE_METHOD_NAME;
  let fn: EdgeFunc;
  try {
    fn = edge.func({ assemblyFile: dll, typeName, methodName });
  } catch (e) {
    throw bitsError(E_FAIL, `edge-js could not load ${typeName}.${methodName} from ${dll}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return (request: BridgeRequest) =>
    new Promise<BridgeReply>((resolvePromise, reject) => {
      fn(request, (error, result) => (error ? reject(error) : resolvePromise(result as BridgeReply)));
    });
}
