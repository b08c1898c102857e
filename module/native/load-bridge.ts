// Loads the C# bridge through edge-js and returns the `invoke` function NativeBackend runs over.
// Everything that can be missing is reported as a BitsError that says what to do:
//   not Windows            → REGDB_E_CLASSNOTREG (BITS exists only on Windows)
//   bridge DLL not built   → E_FAIL (`cd module/native/bridge && dotnet build -c Release`, or BITS_JOB2_BRIDGE_DLL)
//   edge-js not installed  → E_FAIL (`npm install edge-js`, approving its install script)
//   edge-js cannot load it → E_FAIL with edge-js's message
// edge-js is imported dynamically, so nothing breaks where it is absent (it is not a dependency of
// the package: its native build must not be able to fail `npm ci`).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bitsError } from '../api/bits-error.js';
import type { BridgeInvoke, BridgeReply, BridgeRequest } from './native-backend.js';

export const BRIDGE_TYPE_NAME = 'Bits.Job2.Bridge.Bridge';
export const BRIDGE_METHOD_NAME = 'Invoke';
/** The DLL's place relative to the package root (netstandard2.0: loads on .NET Framework, CoreCLR and Mono). */
export const BRIDGE_DLL_RELATIVE = 'module/native/bridge/bin/Release/netstandard2.0/Bits.Job2.Bridge.dll';
export const BRIDGE_DLL_ENV = 'BITS_JOB2_BRIDGE_DLL';
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
  /** Supplies the edge-js module (tests); default: `import('edge-js')`. */
  importEdge?: () => Promise<unknown>;
}

/** The package root: this file is module/native/ (ts) or dist/module/native/ (compiled). */
export function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../..'), resolve(here, '../../..')];
  return candidates.find((d) => existsSync(join(d, 'module/native/bridge'))) ?? candidates[0]!;
}

/** Where the bridge DLL is looked for: the env override, else next to the package. */
export function bridgeDllPath(env: NodeJS.ProcessEnv = process.env): { path: string; fromEnv: boolean } {
  const override = env[BRIDGE_DLL_ENV];
  if (override && override.trim() !== '') return { path: resolve(override), fromEnv: true };
  return { path: join(packageRoot(), BRIDGE_DLL_RELATIVE), fromEnv: false };
}

async function defaultImportEdge(): Promise<unknown> {
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
    mod = await (options.importEdge ?? defaultImportEdge)();
  } catch (e) {
    if (isModuleNotFound(e)) {
      throw bitsError(E_FAIL,
        'edge-js is not installed: the native backend reaches the bridge through it. Install it next to bits-job2 with `npm install edge-js` (npm 11: approve its install script, `npm approve-scripts edge-js`).');
    }
    throw bitsError(E_FAIL, `edge-js failed to load: ${e instanceof Error ? e.message : String(e)}`);
  }
  const m = mod as { default?: unknown; func?: unknown };
  const edge = (typeof m?.func === 'function' ? m : (m?.default as { func?: unknown } | undefined)) as EdgeModule | undefined;
  if (!edge || typeof edge.func !== 'function') throw bitsError(E_FAIL, 'edge-js loaded but has no func(): not a supported edge-js version.');

  let fn: EdgeFunc;
  try {
    fn = edge.func({ assemblyFile: dll, typeName: BRIDGE_TYPE_NAME, methodName: BRIDGE_METHOD_NAME });
  } catch (e) {
    throw bitsError(E_FAIL, `edge-js could not load ${BRIDGE_TYPE_NAME}.${BRIDGE_METHOD_NAME} from ${dll}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return (request: BridgeRequest) =>
    new Promise<BridgeReply>((resolvePromise, reject) => {
      fn(request, (error, result) => (error ? reject(error) : resolvePromise(result as BridgeReply)));
    });
}
