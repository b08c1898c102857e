// Backend selection (one factory over the Backend port): BITS_JOB2_BACKEND=native|portable|service.
// Off Windows the default is the per-user service; 'portable' runs the engine in this process
// (embedding, tests). On Windows the default is native (edge-js → C# bridge → BITS COM) when the
// bridge loads; when it does not and BITS_JOB2_BACKEND is unset, the service is used and the reason
// is kept (nativeFallbackReason(), options.onNativeUnavailable). Asking for native explicitly never
// falls back: it fails with the reason (off Windows: naming the platform).
import { BitsError, bitsError } from '../api/bits-error.js';
import type { Backend } from './backend.js';

export type BackendChoice = 'native' | 'portable' | 'service' | Backend;

export interface OpenOptions {
  /** State directory for portable/service (default: per-user, see module/common/paths.ts). */
  stateDir?: string;
  /** Windows, BITS_JOB2_BACKEND unset: called with the reason when the native bridge did not load. */
  onNativeUnavailable?: (reason: BitsError) => void;
}

let lastNativeFallback: BitsError | undefined;
/** Why the last default selection on Windows fell back from native (undefined when it did not). */
export function nativeFallbackReason(): BitsError | undefined {
  return lastNativeFallback;
}

/** data.reason of every failure to open the native backend: nothing in it can run (the PowerShell module stops). */
const NATIVE_UNAVAILABLE_REASON = 'NativeBackendUnavailable';

/** Opening native fails only for what is missing (Windows, the bridge DLL, edge-js): tag it as such. */
async function openNative(): Promise<Backend> {
  try {
    const { loadBridge } = await import('../native/load-bridge.js');
    const { NativeBackend } = await import('../native/native-backend.js');
    return new NativeBackend(await loadBridge());
  } catch (e) {
    const err = BitsError.from(e);
    throw new BitsError(err.hresult, err.message, err.context, { ...err.data, reason: NATIVE_UNAVAILABLE_REASON });
  }
}

export async function openBackend(choice?: BackendChoice, options: OpenOptions = {}): Promise<Backend> {
  if (choice && typeof choice === 'object') return choice;
  const explicit = choice ?? (process.env.BITS_JOB2_BACKEND as BackendChoice | undefined);
  if (!explicit && process.platform === 'win32') {
    try {
      const backend = await openNative();
      lastNativeFallback = undefined;
      return backend;
    } catch (e) {
      lastNativeFallback = BitsError.from(e);
      options.onNativeUnavailable?.(lastNativeFallback);
    }
  }
  const wanted = explicit ?? 'service';
  if (wanted === 'portable' || wanted === 'service') {
    // In the PowerShell package: its SQLite add-on must fit this Node before a service is spawned.
    const { assertPackagedAddonsFit } = await import('./packaged-addons.js');
    assertPackagedAddonsFit();
  }
  switch (wanted) {
    case 'portable': {
      const { PortableEngine } = await import('../engine/engine.js');
      return PortableEngine.open({ stateDir: options.stateDir });
    }
    case 'service': {
      const { ServiceClient } = await import('../service/client.js');
      return ServiceClient.connect({ stateDir: options.stateDir });
    }
    case 'native':
      if (process.platform !== 'win32') {
        throw bitsError(
          0x80040154,
          `The native backend needs Windows BITS; this is ${process.platform}. Use BITS_JOB2_BACKEND=service (default) or portable.`,
          undefined,
          { reason: NATIVE_UNAVAILABLE_REASON },
        );
      }
      return openNative();
    default:
      throw bitsError(0x80070057, `BITS_JOB2_BACKEND='${String(wanted)}' is not a backend: use native, portable or service.`);
  }
}
